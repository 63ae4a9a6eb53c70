"""``import comfy_execution``: only ``graph_utils`` (GraphBuilder for node expansion) is provided."""
