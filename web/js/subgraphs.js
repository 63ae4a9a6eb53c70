// Subgraphs of ComfyUI's current editor (workflow.definitions.subgraphs), without DOM:
// - flattenSubgraphs: instances become their inner nodes ("outer:inner" ids) for the API prompt,
//   the same rules as engine/graph/workflow.py _flatten_subgraphs (checked against it in the tests);
// - subgraphNodeDefs: an /object_info-shaped definition per subgraph, so that the editor shows an
//   instance as one node (title, slots, promoted widgets); the inside is not editable here;
// - usedSubgraphDefinitions: the definitions a saved workflow must carry.
// Runs in the browser and in node (graph.js imports it; it uses graph.js only inside functions).
import { MODE_BYPASS, MODE_NEVER, WIDGET_TYPES, linkMap, orderedInputs, parseInputSpec, widgetValues } from "./graph.js";

export const SUBGRAPH_INPUT_ID = -10; // litegraph's virtual node ids inside a subgraph definition
export const SUBGRAPH_OUTPUT_ID = -20;
export const MAX_EXPANDED_INSTANCES = 10000;

/** Python truthiness (the converter tests `slot.get("widget")`): empty objects and arrays are false. */
function truthy(v) {
  if (!v) return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === "object") return Object.keys(v).length > 0;
  return true;
}

/** Subgraph definitions by id (a Map, first found wins), nested definitions included (iteratively). */
export function subgraphDefinitions(workflow) {
  const found = new Map();
  const stack = [workflow];
  while (stack.length) {
    const holder = stack.pop();
    const defs = holder && holder.definitions;
    for (const sg of (defs && defs.subgraphs) || []) {
      if (sg && typeof sg === "object" && !Array.isArray(sg) && sg.id && !found.has(sg.id)) {
        found.set(sg.id, sg);
        stack.push(sg);
      }
    }
  }
  return found;
}

/**
 * Replace subgraph instances by their inner nodes (ids `outer:inner`), rewiring boundary links.
 * nodes: Map String(id) -> UI node; links: Map String(id) -> {id, origin_id, origin_slot, target_id,
 * target_slot, type} (graph.js linkMap); subgraphs: subgraphDefinitions(); overrides: a Map that gets
 * node id -> {widget name: value} for promoted widget values of instances (inputs without a link).
 * A muted instance mutes its inner nodes; a bypassed instance stays one bypassed node. Work-list
 * based (no recursion); more than MAX_EXPANDED_INSTANCES expansions is an error (a definition that
 * contains itself). Returns {nodes, links}, new Maps; the inputs are not changed.
 */
export function flattenSubgraphs(nodesIn, linksIn, subgraphs, overrides) {
  const nodes = new Map(nodesIn);
  const links = new Map(linksIn);
  const slotValues = new Map(); // inner node id -> Map(input slot -> promoted value)
  const queue = [...nodes.keys()].filter((id) => subgraphs.has(nodes.get(id).type));
  let expanded = 0;
  while (queue.length) {
    const sid = queue.pop();
    const inst = nodes.get(sid);
    if (inst.mode === MODE_BYPASS) continue;
    expanded += 1;
    if (expanded > MAX_EXPANDED_INSTANCES) {
      throw new Error(`subgraphs nest too deeply (more than ${MAX_EXPANDED_INSTANCES} instances expanded)`);
    }
    const sg = subgraphs.get(inst.type);
    nodes.delete(sid);
    const innerLinks = linkMap(sg);
    const newId = new Map([...innerLinks.keys()].map((lid) => [lid, `${sid}:${lid}`]));
    // Values of the instance's own inputs: an outer link, or a promoted widget value.
    const instInputs = inst.inputs || [];
    const values = Array.isArray(inst.widgets_values) ? inst.widgets_values : [];
    const promoted = new Map();
    instInputs.map((slot, i) => (truthy(slot.widget) ? i : -1)).filter((i) => i >= 0)
      .forEach((i, k) => { if (k < values.length) promoted.set(i, values[k]); });
    // A nested instance: values its parent instance promoted into it win over its own.
    for (const [slot, v] of slotValues.get(sid) || []) promoted.set(slot, v);
    slotValues.delete(sid);
    for (const [lid, l] of innerLinks) {
      if (String(l.target_id) === String(SUBGRAPH_OUTPUT_ID)) continue;
      const target = `${sid}:${l.target_id}`;
      if (String(l.origin_id) === String(SUBGRAPH_INPUT_ID)) {
        const outer = l.origin_slot < instInputs.length ? instInputs[l.origin_slot].link : null;
        if (outer != null && links.has(String(outer))) {
          const o = links.get(String(outer));
          const id = newId.get(lid);
          links.set(id, { id, origin_id: String(o.origin_id), origin_slot: o.origin_slot, target_id: target,
            target_slot: l.target_slot, type: l.type });
        } else {
          newId.set(lid, null);
          if (promoted.has(l.origin_slot)) {
            if (!slotValues.has(target)) slotValues.set(target, new Map());
            slotValues.get(target).set(l.target_slot, promoted.get(l.origin_slot));
          }
        }
        continue;
      }
      const id = newId.get(lid);
      links.set(id, { id, origin_id: `${sid}:${l.origin_id}`, origin_slot: l.origin_slot, target_id: target,
        target_slot: l.target_slot, type: l.type });
    }
    // Outer links leaving the instance now leave the inner node wired to that output.
    // An output wired straight to an input of the subgraph passes on what feeds that input: the
    // outer link's origin, or the promoted value (pushed into the widgets it reaches).
    const outSrc = new Map();
    for (const l of innerLinks.values()) {
      if (String(l.target_id) !== String(SUBGRAPH_OUTPUT_ID)) continue;
      if (String(l.origin_id) !== String(SUBGRAPH_INPUT_ID)) {
        outSrc.set(l.target_slot, { link: [`${sid}:${l.origin_id}`, l.origin_slot] });
        continue;
      }
      const outer = l.origin_slot < instInputs.length ? instInputs[l.origin_slot].link : null;
      if (outer != null && links.has(String(outer))) {
        const o = links.get(String(outer));
        outSrc.set(l.target_slot, { link: [String(o.origin_id), o.origin_slot] });
      } else if (promoted.has(l.origin_slot)) {
        outSrc.set(l.target_slot, { value: promoted.get(l.origin_slot) });
      }
    }
    for (const [lid, l] of [...links]) {
      if (String(l.origin_id) !== sid) continue;
      const src = outSrc.get(l.origin_slot);
      if (src && src.link) {
        links.set(lid, { ...l, origin_id: src.link[0], origin_slot: src.link[1] });
        continue;
      }
      if (src) {
        const target = String(l.target_id);
        if (!slotValues.has(target)) slotValues.set(target, new Map());
        slotValues.get(target).set(l.target_slot, src.value);
      }
      links.delete(lid);
    }
    const rename = (id) => newId.get(String(id)) ?? null;
    for (const inner of sg.nodes || []) {
      const nid = `${sid}:${inner.id}`;
      const node = { ...inner, id: nid };
      if (inst.mode === MODE_NEVER) node.mode = MODE_NEVER;
      node.inputs = (inner.inputs || []).map((slot) => ({ ...slot, link: slot.link != null ? rename(slot.link) : null }));
      node.outputs = (inner.outputs || []).map((slot) => ({
        ...slot, links: (slot.links || []).filter((l) => rename(l) != null).map(rename),
      }));
      nodes.set(nid, node);
      if (subgraphs.has(node.type)) queue.push(nid);
    }
  }
  // Promoted widget values were keyed by the inner input slot; turn them into widget names.
  for (const [nid, bySlot] of slotValues) {
    const node = nodes.get(nid);
    const ins = (node && node.inputs) || [];
    const named = overrides.get(nid) || {};
    for (const [slotIndex, value] of bySlot) {
      if (slotIndex >= ins.length) continue;
      const slot = ins[slotIndex];
      named[(slot.widget && slot.widget.name) || slot.name] = value;
    }
    overrides.set(nid, named);
  }
  return { nodes, links };
}

/** The widget spec ([type or combo list, options]) an inner node gives the definition's input i, or null. */
function innerWidgetSpec(sg, i, objectInfo, defOf) {
  const byId = new Map((sg.nodes || []).map((n) => [String(n.id), n]));
  for (const l of linkMap(sg).values()) {
    if (String(l.origin_id) !== String(SUBGRAPH_INPUT_ID) || l.origin_slot !== i) continue;
    const inner = byId.get(String(l.target_id));
    const slot = inner && (inner.inputs || [])[l.target_slot];
    const name = slot && slot.widget && slot.widget.name;
    const def = name && (objectInfo[inner.type] || defOf(inner.type));
    const entry = def && orderedInputs(def).find(([n]) => n === name);
    if (!entry) continue;
    const parsed = parseInputSpec(entry[1]);
    if (!WIDGET_TYPES.has(parsed.type)) continue;
    const options = { ...parsed.options };
    delete options.forceInput;
    const value = widgetValues(inner, def)[name];
    if (value !== undefined) options.default = value;
    return [parsed.type === "COMBO" ? parsed.combo : parsed.type, options];
  }
  return null;
}

/**
 * /object_info-shaped node definitions, one per subgraph of the workflow (keyed by its id), so that
 * nodes.js can build a node class for the instances: title = the definition's name, inputs and outputs
 * = the definition's (types and names, in order). An input becomes a widget (with the inner widget's
 * spec and value as default) where the first instance that has widgets_values marks that slot as a
 * widget input: its widgets_values are then one value per such slot, as the converter reads them. No
 * control_after_generate widgets (is_subgraph), so widgets_values stay one per promoted input.
 */
export function subgraphNodeDefs(workflow, objectInfo = {}) {
  const subgraphs = subgraphDefinitions(workflow);
  const allNodes = [...(workflow.nodes || [])];
  for (const sg of subgraphs.values()) allNodes.push(...(sg.nodes || []));
  const defs = {};
  const building = new Set();
  const defOf = (id) => {
    if (defs[id] || !subgraphs.has(id) || building.has(id)) return defs[id] || null;
    building.add(id);
    const sg = subgraphs.get(id);
    const shown = allNodes.find((n) => n && n.type === id && Array.isArray(n.widgets_values) && n.widgets_values.length);
    const widgetSlots = new Set();
    ((shown && shown.inputs) || []).forEach((slot, i) => { if (slot && truthy(slot.widget)) widgetSlots.add(i); });
    const required = {};
    (sg.inputs || []).forEach((input, i) => {
      const type = input.type == null || input.type === "" ? "*" : String(input.type);
      if (widgetSlots.has(i)) {
        required[input.name] = innerWidgetSpec(sg, i, objectInfo, defOf)
          || [WIDGET_TYPES.has(type) && type !== "COMBO" ? type : "STRING", {}];
      } else {
        required[input.name] = [type, { forceInput: true }];
      }
    });
    const outputs = sg.outputs || [];
    const name = sg.name || id;
    defs[id] = {
      name: id,
      display_name: name,
      description: `Subgraph "${name}" (${(sg.nodes || []).length} nodes inside): it runs as its inner nodes. `
        + "Editing the inside of a subgraph is not supported in this editor (use ComfyUI for that); "
        + "its definition is kept when the workflow is saved.",
      category: "subgraphs",
      python_module: "subgraph",
      output_node: false,
      input: { required },
      input_order: { required: Object.keys(required) },
      output: outputs.map((o) => (o.type == null || o.type === "" ? "*" : o.type)),
      output_name: outputs.map((o) => o.name || String(o.type || "*")),
      output_is_list: outputs.map(() => false),
      is_subgraph: true,
    };
    building.delete(id);
    return defs[id];
  };
  for (const id of subgraphs.keys()) defOf(id);
  return defs;
}

/**
 * A node class for subgraph instances on top of the class nodes.js builds from the definition:
 * a new instance lists its inputs in the definition's order (the converter maps the instance's
 * input slot i to the definition's input i), widget inputs included.
 */
export function subgraphNodeClass(Base, def) {
  const rank = new Map(def.input_order.required.map((name, i) => [name, i]));
  return class SubgraphInstance extends Base {
    constructor(title) {
      super(title);
      this.inputs.sort((a, b) => (rank.get(a.name) ?? rank.size) - (rank.get(b.name) ?? rank.size));
    }
  };
}

/** The definitions (from a Map id -> definition) that nodes of these types use, nested ones included, in Map order. */
export function usedSubgraphDefinitions(nodes, definitions) {
  const used = new Set();
  const stack = (nodes || []).map((n) => n && n.type);
  while (stack.length) {
    const type = stack.pop();
    if (used.has(type) || !definitions.has(type)) continue;
    used.add(type);
    for (const n of definitions.get(type).nodes || []) stack.push(n && n.type);
  }
  return [...definitions.entries()].filter(([id]) => used.has(id)).map(([, sg]) => sg);
}

/** Node types used inside the subgraph definitions (nested too), for the "not installed" check. */
export function innerNodeTypes(workflow) {
  const types = new Set();
  for (const sg of subgraphDefinitions(workflow).values()) for (const n of sg.nodes || []) if (n && n.type) types.add(n.type);
  return [...types];
}
