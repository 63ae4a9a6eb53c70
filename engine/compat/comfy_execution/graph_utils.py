"""``from comfy_execution.graph_utils import GraphBuilder``: build a node-expansion graph.

A node returns ``{"result": (node.out(0), ...), "expand": graph.finalize()}``; the executor
splices the graph in and resolves the result links (engine/graph/executor.py ``_splice``).
"""
from __future__ import annotations

import itertools
from typing import Any

from engine.graph.context import current_scope
from engine.graph.types import is_link


class Node:
    def __init__(self, id: str, class_type: str, inputs: dict[str, Any]) -> None:
        self.id = id
        self.class_type = class_type
        self.inputs = dict(inputs)
        self.override_display_id: str | None = None

    def out(self, index: int) -> list:
        """A link to this node's output ``index``."""
        return [self.id, index]

    def set_input(self, key: str, value: Any) -> None:
        if value is None:
            self.inputs.pop(key, None)
        else:
            self.inputs[key] = value

    def get_input(self, key: str) -> Any:
        return self.inputs.get(key)

    def set_override_display_id(self, override_display_id: str) -> None:
        self.override_display_id = override_display_id

    def serialize(self) -> dict[str, Any]:
        out: dict[str, Any] = {"class_type": self.class_type, "inputs": dict(self.inputs)}
        if self.override_display_id is not None:
            out["override_display_id"] = self.override_display_id
        return out


class GraphBuilder:
    """Nodes of an expansion; ids get a prefix unique to the expanding node call."""
    _counter = itertools.count()

    def __init__(self, prefix: str | None = None) -> None:
        if prefix is None:
            scope = current_scope()
            owner = scope.node_id if scope is not None else "graph"
            prefix = f"{owner}.{next(GraphBuilder._counter)}."
        self.prefix = prefix
        self.nodes: dict[str, Node] = {}
        self._ids = itertools.count(1)

    def node(self, class_type: str, id: str | None = None, **kwargs: Any) -> Node:
        full = self.prefix + (str(id) if id is not None else str(next(self._ids)))
        if full in self.nodes:
            return self.nodes[full]
        node = Node(full, class_type, kwargs)
        self.nodes[full] = node
        return node

    def lookup_node(self, id: str) -> Node | None:
        return self.nodes.get(self.prefix + str(id))

    def remove_node(self, id: str) -> None:
        self.nodes.pop(self.prefix + str(id), None)

    def replace_node_output(self, node_id: str, index: int, new_value: Any) -> None:
        """Point every input linked to ``node_id``'s output ``index`` at ``new_value`` (None: unlink)."""
        target = self.prefix + str(node_id)
        for node in self.nodes.values():
            for key, value in list(node.inputs.items()):
                if is_link(value) and value[0] == target and int(value[1]) == index:
                    node.set_input(key, new_value)

    def finalize(self) -> dict[str, dict]:
        return {nid: node.serialize() for nid, node in self.nodes.items()}


__all__ = ["GraphBuilder", "Node", "is_link"]
