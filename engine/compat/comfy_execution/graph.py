"""``from comfy_execution.graph import ExecutionBlocker``: the engine's blocker value."""
from engine.graph.types import ExecutionBlocker

__all__ = ["ExecutionBlocker"]
