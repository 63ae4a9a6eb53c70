"""``import comfy``: the package holding the comfy.* facades (utils, model_management, samplers, sd, comfy_types)."""
