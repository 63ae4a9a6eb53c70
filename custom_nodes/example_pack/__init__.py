"""Example custom node pack: shows the node class convention and a WEB_DIRECTORY.

Drop a folder like this one into custom_nodes/ and its nodes appear in the editor.
"""
from .nodes import NODE_CLASS_MAPPINGS, NODE_DISPLAY_NAME_MAPPINGS

WEB_DIRECTORY = "./web"

__all__ = ["NODE_CLASS_MAPPINGS", "NODE_DISPLAY_NAME_MAPPINGS", "WEB_DIRECTORY"]
