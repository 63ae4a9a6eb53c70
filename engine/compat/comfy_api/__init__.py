"""``import comfy_api``: the V3 node API package (only ``comfy_api.latest`` is provided)."""
