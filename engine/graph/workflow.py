"""Workflow formats: the API prompt the executor runs, and the editor's UI format.

``ui_to_api`` follows the editor's graphToPrompt (reference workflows.md §4):
virtual nodes (Reroute, PrimitiveNode, Note, ...) and muted/bypassed nodes are
left out, links are resolved through reroutes and bypassed nodes, primitive
nodes push their value into the widgets they feed, widgets_values map
positionally onto the widgets the node class's INPUT_TYPES creates, and control
widgets (control_after_generate, control_filter_list) are not sent.
"""
from __future__ import annotations

import json
import os
import random
import re
from typing import Any

from .registry import Registry
from .types import InputSpec, types_match
from .validation import validate_prompt  # noqa: F401  (part of this module's contract)

MODE_NEVER = 2    # muted
MODE_BYPASS = 4
VIRTUAL_TYPES = frozenset({"Reroute", "PrimitiveNode", "Note", "MarkdownNote", "Group", "Label (rgthree)",
                           "Fast Groups Muter (rgthree)", "Fast Groups Bypasser (rgthree)"})


class WorkflowError(ValueError):
    """A workflow file or object that cannot be read or converted; the message names the culprit."""


def is_ui_workflow(data: Any) -> bool:
    return isinstance(data, dict) and isinstance(data.get("nodes"), list) and "links" in data


def is_api_prompt(data: Any) -> bool:
    return isinstance(data, dict) and bool(data) and all(
        isinstance(v, dict) and "class_type" in v for v in data.values())


def widget_names(specs: dict[str, InputSpec]) -> list[tuple[str, bool]]:
    """Widgets a node class shows, in order: (name, sent_in_api). Control widgets are not sent."""
    out: list[tuple[str, bool]] = []
    for name, spec in specs.items():
        if spec.section == "hidden" or not spec.is_widget:
            continue
        out.append((name, True))
        control = spec.options.get("control_after_generate")
        if spec.type == "INT" and (control or name in ("seed", "noise_seed")):
            out.append(("control_after_generate", False))
        elif spec.is_combo and control:
            out.append(("control_after_generate", False))
            out.append(("control_filter_list", False))
    return out


_COMMENTS = re.compile(r"/\*[\s\S]*?\*/|//[^\n\r\u2028\u2029]*")
_ESCAPED_SYNTAX = re.compile(r"\\([{}|])")


def process_dynamic_prompt(text: str, rng: random.Random | None = None) -> str:
    """The editor's dynamic prompts for text widgets marked ``dynamicPrompts``, applied when a
    workflow is queued: C-style comments are removed, every ``{a|b|c}`` (nested too) becomes one
    of its options chosen at random, and ``\\{`` ``\\}`` ``\\|`` give the characters themselves
    (other escapes such as ``\\(`` stay for the prompt weighting syntax).

    A chosen option is expanded in turn (its own comments and groups); frames on an explicit
    stack replace recursion, so a hostile text can neither exhaust the stack nor go quadratic.
    """
    rng = rng or random.Random()
    out: list[str] = []
    frames = [[_COMMENTS.sub("", text), 0]]   # [text, position]
    while frames:
        frame = frames[-1]
        source, i = frame
        n = len(source)
        while i < n:
            c = source[i]
            if c == "\\":
                out.append(source[i:i + 2])
                i += 2
            elif c == "{":
                i, chosen = _choose_group(source, i + 1, rng)
                break
            else:
                j = i + 1   # copy the run of plain characters at once
                while j < n and source[j] not in "\\{":
                    j += 1
                out.append(source[i:j])
                i = j
        else:
            frames.pop()
            continue
        frame[1] = i
        frames.append([_COMMENTS.sub("", chosen), 0])
    return _ESCAPED_SYNTAX.sub(r"\1", "".join(out))


def _choose_group(source: str, i: int, rng: random.Random) -> tuple[int, str]:
    """Split the group starting after its "{" at the top-level "|" up to its matching "}" (or the end
    of the text); returns (position after it, one option chosen at random)."""
    options: list[str] = []
    start, depth, n = i, 0, len(source)
    while i < n:
        c = source[i]
        if c == "\\":
            i += 2
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            if not depth:
                options.append(source[start:i])
                return i + 1, options[int(rng.random() * len(options))]
            depth -= 1
        elif c == "|" and not depth:
            options.append(source[start:i])
            start = i + 1
        i += 1
    options.append(source[start:min(i, n)])
    return n, options[int(rng.random() * len(options))]


def _links_table(workflow: dict) -> dict[int, tuple]:
    """link id -> (origin_id, origin_slot, target_id, target_slot, type) for v0.4 and v1 files."""
    table: dict[int, tuple] = {}
    for link in workflow.get("links") or []:
        if isinstance(link, dict):
            table[link["id"]] = (link["origin_id"], link["origin_slot"], link["target_id"],
                                 link["target_slot"], link.get("type"))
        elif isinstance(link, (list, tuple)) and len(link) >= 5:
            table[link[0]] = (link[1], link[2], link[3], link[4], link[5] if len(link) > 5 else None)
        else:
            raise WorkflowError(f"link entry {link!r} is neither a 6-tuple nor an object")
    return table


def _wrap(value: Any) -> Any:
    return {"__value__": value} if isinstance(value, list) else value


def ui_to_api(workflow: dict, registry: Registry, rng: random.Random | None = None) -> dict:
    """Convert an editor workflow (version 0.4 or 1) to an API prompt.

    As the editor does when it queues a workflow, text widgets whose input spec says
    ``dynamicPrompts`` get ``process_dynamic_prompt`` (random choices from ``rng``)."""
    if not is_ui_workflow(workflow):
        raise WorkflowError("not a UI workflow: expected an object with 'nodes' and 'links'")
    nodes: dict[str, dict] = {}
    for n in workflow["nodes"]:
        if not isinstance(n, dict) or "id" not in n or "type" not in n:
            raise WorkflowError(f"node entry without id/type: {str(n)[:200]}")
        nodes[str(n["id"])] = n
    links = _links_table(workflow)
    subgraphs = _subgraph_definitions(workflow)
    widget_overrides: dict[str, dict[str, Any]] = {}
    if subgraphs:
        nodes, links = _flatten_subgraphs(nodes, links, subgraphs, widget_overrides)

    def is_virtual(node: dict) -> bool:
        return node["type"] in VIRTUAL_TYPES

    def resolve(link_id: int, target_type: Any) -> tuple | None:
        """Follow a link upstream through reroutes and bypassed nodes: ("link", id, slot) or None."""
        seen: set[int] = set()
        while True:
            if link_id is None or link_id in seen or link_id not in links:
                return None
            seen.add(link_id)
            origin_id, origin_slot, _, _, ltype = links[link_id]
            src = nodes.get(str(origin_id))
            if src is None or src.get("mode", 0) == MODE_NEVER:
                return None
            if src["type"] == "PrimitiveNode" or (is_virtual(src) and src["type"] != "Reroute"):
                return None
            src_inputs = src.get("inputs") or []
            if src["type"] == "Reroute":
                link_id = src_inputs[0].get("link") if src_inputs else None
                continue
            if src.get("mode", 0) == MODE_BYPASS:
                chosen = _bypass_input(src_inputs, origin_slot, ltype, target_type)
                if chosen is None:
                    return None
                link_id = src_inputs[chosen].get("link")
                continue
            return ("link", str(origin_id), int(origin_slot))

    # 1. Primitive nodes push their value into the widgets they feed (through reroutes too);
    #    promoted widgets of subgraph instances do the same for the inner widgets they stand for.
    overrides: dict[str, dict[str, Any]] = widget_overrides
    # Links by origin node, from the links table (after flattening, a primitive's own output list
    # still names the link to the subgraph instance it fed, not the rewired ones).
    leaving: dict[str, list] = {}
    for lid, link in links.items():
        leaving.setdefault(str(link[0]), []).append(lid)
    for nid, node in nodes.items():
        if node["type"] != "PrimitiveNode":
            continue
        values = node.get("widgets_values") or []
        if not values:
            continue
        stack = list(leaving.get(nid, ()))
        seen: set[int] = set()
        while stack:
            lid = stack.pop()
            if lid in seen or lid not in links:
                continue
            seen.add(lid)
            _, _, target_id, target_slot, _ = links[lid]
            target = nodes.get(str(target_id))
            if target is None:
                continue
            if target["type"] == "Reroute":
                stack.extend(leaving.get(str(target_id), ()))
                continue
            ins = target.get("inputs") or []
            if 0 <= target_slot < len(ins):
                slot = ins[target_slot]
                name = (slot.get("widget") or {}).get("name") or slot.get("name")
                overrides.setdefault(str(target_id), {})[name] = values[0]

    # 2. Every real node that is neither muted nor bypassed becomes an API node.
    prompt: dict[str, dict] = {}
    for nid, node in nodes.items():
        if is_virtual(node) or node.get("mode", 0) in (MODE_NEVER, MODE_BYPASS):
            continue
        class_type = node["type"]
        inputs: dict[str, Any] = {}
        specs = registry.input_specs(class_type) if registry.get(class_type) is not None else {}
        if specs:
            values = node.get("widgets_values")
            if isinstance(values, dict):
                for name, spec in specs.items():
                    if spec.is_widget and name in values:
                        inputs[name] = _wrap(values[name])
            elif isinstance(values, list):
                for (name, sent), value in zip(widget_names(specs), values):
                    if sent:
                        inputs[name] = _wrap(value)
        for name, value in overrides.get(nid, {}).items():
            inputs[name] = _wrap(value)
        if inputs:
            for name, spec in specs.items():
                if spec.options.get("dynamicPrompts") and isinstance(inputs.get(name), str):
                    inputs[name] = process_dynamic_prompt(inputs[name], rng)
        for slot in node.get("inputs") or []:
            link_id = slot.get("link")
            if link_id is None:
                continue
            name = (slot.get("widget") or {}).get("name") or slot.get("name")
            r = resolve(link_id, slot.get("type"))
            if r is not None:
                inputs[name] = [r[1], r[2]]
        title = node.get("title") or registry.display_name(class_type)
        prompt[nid] = {"inputs": inputs, "class_type": class_type, "_meta": {"title": title}}

    # 3. Links to nodes that did not make it into the prompt are dropped.
    for node in prompt.values():
        for name in [k for k, v in node["inputs"].items()
                     if isinstance(v, list) and len(v) == 2 and isinstance(v[0], str) and v[0] not in prompt]:
            del node["inputs"][name]
    return prompt


SUBGRAPH_INPUT_ID = -10    # litegraph's virtual node ids inside a subgraph definition
SUBGRAPH_OUTPUT_ID = -20


def _subgraph_definitions(workflow: dict) -> dict[str, dict]:
    """Subgraph blueprints by id, nested definitions included (iteratively)."""
    found: dict[str, dict] = {}
    stack = [workflow]
    while stack:
        holder = stack.pop()
        for sg in (holder.get("definitions") or {}).get("subgraphs") or []:
            if isinstance(sg, dict) and sg.get("id") and sg["id"] not in found:
                found[sg["id"]] = sg
                stack.append(sg)
    return found


def _flatten_subgraphs(nodes: dict[str, dict], links: dict, subgraphs: dict[str, dict],
                       overrides: dict[str, dict[str, Any]]) -> tuple[dict[str, dict], dict]:
    """Replace subgraph instances by their inner nodes (ids ``outer:inner``), rewiring boundary links.

    Work-list based, so nesting depth costs no recursion. A muted instance mutes its inner nodes;
    a bypassed instance stays one bypassed node (its inputs stand in for its outputs).
    """
    nodes = dict(nodes)
    links = dict(links)
    queue = [nid for nid, n in nodes.items() if n["type"] in subgraphs]
    expanded = 0
    while queue:
        sid = queue.pop()
        inst = nodes[sid]
        if inst.get("mode", 0) == MODE_BYPASS:
            continue
        expanded += 1
        if expanded > 10000:
            raise WorkflowError("subgraphs nest too deeply (more than 10000 instances expanded)")
        sg = subgraphs[inst["type"]]
        del nodes[sid]
        inner_links = _links_table(sg)
        new_id = {lid: f"{sid}:{lid}" for lid in inner_links}
        # Values of the instance's own inputs: an outer link, or a promoted widget value.
        inst_inputs = inst.get("inputs") or []
        widget_values = inst.get("widgets_values") if isinstance(inst.get("widgets_values"), list) else []
        widget_slots = [i for i, slot in enumerate(inst_inputs) if slot.get("widget")]
        promoted = {i: widget_values[k] for k, i in enumerate(widget_slots) if k < len(widget_values)}
        # A nested instance: values its parent instance promoted into it win over its own.
        from_parent = overrides.pop(sid, {})
        promoted.update({k[1]: v for k, v in from_parent.items() if isinstance(k, tuple)})
        for lid, (o_id, o_slot, t_id, t_slot, ltype) in inner_links.items():
            if str(t_id) == str(SUBGRAPH_OUTPUT_ID):
                continue
            target = f"{sid}:{t_id}"
            if str(o_id) == str(SUBGRAPH_INPUT_ID):
                outer = inst_inputs[o_slot].get("link") if o_slot < len(inst_inputs) else None
                if outer is not None and outer in links:
                    oo, oslot = links[outer][0], links[outer][1]
                    links[new_id[lid]] = (str(oo), oslot, target, t_slot, ltype)
                else:
                    new_id[lid] = None
                    if o_slot in promoted:
                        overrides.setdefault(target, {})[("slot", t_slot)] = promoted[o_slot]
                continue
            links[new_id[lid]] = (f"{sid}:{o_id}", o_slot, target, t_slot, ltype)
        # Outer links leaving the instance now leave the inner node wired to that output.
        # An output wired straight to an input of the subgraph passes on what feeds that input:
        # the outer link's origin, or the promoted value (pushed into the widgets it reaches).
        out_src: dict[int, tuple] = {}
        for o_id, o_slot, t_id, t_slot, _ in inner_links.values():
            if str(t_id) != str(SUBGRAPH_OUTPUT_ID):
                continue
            if str(o_id) != str(SUBGRAPH_INPUT_ID):
                out_src[t_slot] = ("link", f"{sid}:{o_id}", o_slot)
                continue
            outer = inst_inputs[o_slot].get("link") if o_slot < len(inst_inputs) else None
            if outer is not None and outer in links:
                out_src[t_slot] = ("link", str(links[outer][0]), links[outer][1])
            elif o_slot in promoted:
                out_src[t_slot] = ("value", promoted[o_slot])
        for lid, (o_id, o_slot, t_id, t_slot, ltype) in list(links.items()):
            if str(o_id) == sid:
                src = out_src.get(o_slot)
                if src is not None and src[0] == "link":
                    links[lid] = (src[1], src[2], t_id, t_slot, ltype)
                    continue
                if src is not None:
                    overrides.setdefault(str(t_id), {})[("slot", t_slot)] = src[1]
                del links[lid]
        for inner in sg.get("nodes") or []:
            nid = f"{sid}:{inner['id']}"
            node = dict(inner)
            node["id"] = nid
            if inst.get("mode", 0) == MODE_NEVER:
                node["mode"] = MODE_NEVER
            node["inputs"] = [dict(slot, link=new_id.get(slot.get("link")) if slot.get("link") is not None else None)
                              for slot in inner.get("inputs") or []]
            node["outputs"] = [dict(slot, links=[new_id[l] for l in (slot.get("links") or [])
                                                 if new_id.get(l) is not None])
                               for slot in inner.get("outputs") or []]
            nodes[nid] = node
            if node["type"] in subgraphs:
                queue.append(nid)
    # Promoted widget values were keyed by the inner input slot; turn them into widget names.
    for nid, vals in list(overrides.items()):
        node = nodes.get(nid)
        for key in [k for k in vals if isinstance(k, tuple)]:
            value = vals.pop(key)
            ins = (node or {}).get("inputs") or []
            if key[1] < len(ins):
                slot = ins[key[1]]
                vals[(slot.get("widget") or {}).get("name") or slot.get("name")] = value
    return nodes, links


def _bypass_input(inputs: list[dict], out_slot: int, out_type: Any, target_type: Any) -> int | None:
    """Which input of a bypassed node stands in for its output ``out_slot`` (editor's rule)."""
    if not inputs:
        return None
    if target_type in (None, "", "*"):
        return out_slot if out_slot < len(inputs) else 0
    if out_slot < len(inputs):
        t = inputs[out_slot].get("type")
        if types_match(t, out_type or t) and types_match(t, target_type):
            return out_slot
    for i, slot in enumerate(inputs):
        if slot.get("type") == target_type:
            return i
    for i, slot in enumerate(inputs):
        if types_match(slot.get("type"), target_type):
            return i
    return None


def _read_png_text(path: str) -> dict[str, str]:
    from PIL import Image
    with Image.open(path) as im:
        im.load()
        return {k: v for k, v in (getattr(im, "text", None) or im.info).items() if isinstance(v, str)}


def load_workflow_file(path: str, registry: Registry | None = None) -> dict:
    """Read an API prompt or UI workflow (JSON, or a PNG with ComfyUI metadata) as an API prompt."""
    return read_workflow_file(path, registry)[0]


def read_workflow_file(path: str, registry: Registry | None = None) -> tuple[dict, dict | None]:
    """(API prompt, the editor workflow it came from or None): the workflow is what a run saves in its
    PNGs' ``workflow`` chunk, as the editor does when it queues, so the file opens as the same graph."""
    path = os.fspath(path)
    if path.lower().endswith(".png"):
        text = _read_png_text(path)
        if "workflow" in text and registry is not None:
            data = json.loads(text["workflow"])
        elif "prompt" in text:
            data = json.loads(text["prompt"])
        else:
            raise WorkflowError(f"{path}: PNG has no 'prompt' or 'workflow' metadata")
    else:
        try:
            with open(path, encoding="utf-8") as f:
                data = json.load(f)
        except json.JSONDecodeError as ex:
            raise WorkflowError(f"{path}: not valid JSON ({ex})") from ex
    prompt = workflow_to_prompt(data, registry, source=path)
    return prompt, (data if is_ui_workflow(data) else None)


def workflow_to_prompt(data: Any, registry: Registry | None = None, source: str = "workflow") -> dict:
    """Either format (or a POST /prompt body) -> API prompt."""
    if isinstance(data, dict) and isinstance(data.get("prompt"), dict) and is_api_prompt(data["prompt"]):
        return data["prompt"]
    if is_ui_workflow(data):
        if registry is None:
            raise WorkflowError(f"{source}: a UI-format workflow needs the node registry to convert")
        return ui_to_api(data, registry)
    if is_api_prompt(data):
        return data
    raise WorkflowError(f"{source}: neither an API prompt ({{id: {{class_type, inputs}}}}) "
                        f"nor a UI workflow (nodes/links)")
