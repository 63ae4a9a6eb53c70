// Graph facts without DOM: widget layout from /object_info input specs, link type
// rules, control_after_generate, and the UI workflow -> API prompt conversion
// (mirrors shared/reference/workflows.md §3-§4). Runs in the browser and in node.
import { flattenSubgraphs, subgraphDefinitions } from "./subgraphs.js";

/** Frontend-only node types: never sent to the server. */
export const VIRTUAL_NODE_TYPES = new Set(["Reroute", "PrimitiveNode", "Note", "MarkdownNote", "Group",
  "Label (rgthree)", "Fast Groups Muter (rgthree)", "Fast Groups Bypasser (rgthree)"]);
export const MODE_ALWAYS = 0;
export const MODE_NEVER = 2; // muted
export const MODE_BYPASS = 4;
export const WIDGET_TYPES = new Set(["INT", "FLOAT", "STRING", "BOOLEAN", "COMBO"]);
export const CONTROL_VALUES = ["fixed", "increment", "decrement", "randomize"];
export const SEED_MAX_RANDOM = 1125899906842624;
export const CONTROL_WIDGET = "control_after_generate";
export const FILTER_WIDGET = "control_filter_list";

/**
 * Normalise one input spec of /object_info into {type, options, combo}.
 * Accepts both combo encodings: [[a, b], {...}] and ["COMBO", {options: [a, b]}].
 */
export function parseInputSpec(spec) {
  const raw = Array.isArray(spec) ? spec : [spec];
  const head = raw[0];
  const options = (raw.length > 1 && raw[1] && typeof raw[1] === "object") ? raw[1] : {};
  if (Array.isArray(head)) return { type: "COMBO", options, combo: head.slice() };
  if (head === "COMBO") return { type: "COMBO", options, combo: Array.isArray(options.options) ? options.options.slice() : [] };
  return { type: String(head), options, combo: null };
}

/** Ordered [name, spec, section] of the required then optional inputs of a node definition. */
export function orderedInputs(nodeDef) {
  const out = [];
  const input = (nodeDef && nodeDef.input) || {};
  for (const section of ["required", "optional"]) {
    const specs = input[section] || {};
    const order = (nodeDef.input_order && nodeDef.input_order[section]) || Object.keys(specs);
    for (const name of order) if (name in specs) out.push([name, specs[name], section]);
  }
  return out;
}

function hasControl(name, parsed) {
  const cag = parsed.options.control_after_generate;
  if (parsed.type === "INT") return Boolean(cag) || name === "seed" || name === "noise_seed";
  if (parsed.type === "COMBO") return Boolean(cag);
  return false;
}

/**
 * The widgets a node of this definition shows, in widgets_values order.
 * Each entry: {name, type, options, combo, api} where api=false marks widgets
 * saved in widgets_values but not sent to the server (control widgets).
 */
export function widgetLayout(nodeDef) {
  const widgets = [];
  // promoted widgets of a subgraph instance are one value each (subgraphs.js subgraphNodeDefs)
  const controls = !(nodeDef && nodeDef.is_subgraph);
  for (const [name, spec] of orderedInputs(nodeDef)) {
    const parsed = parseInputSpec(spec);
    if (!WIDGET_TYPES.has(parsed.type) || parsed.options.forceInput) continue;
    widgets.push({ name, type: parsed.type, options: parsed.options, combo: parsed.combo, api: true });
    if (controls && hasControl(name, parsed)) {
      widgets.push({ name: CONTROL_WIDGET, type: "CONTROL", options: {}, combo: CONTROL_VALUES, api: false, target: name });
      if (parsed.type === "COMBO") widgets.push({ name: FILTER_WIDGET, type: "FILTER", options: {}, combo: null, api: false, target: name });
    }
  }
  return widgets;
}

/** The socket (non-widget) inputs of a node definition, in order: [{name, type, optional}]. */
export function socketInputs(nodeDef) {
  const out = [];
  for (const [name, spec, section] of orderedInputs(nodeDef)) {
    const parsed = parseInputSpec(spec);
    if (WIDGET_TYPES.has(parsed.type) && !parsed.options.forceInput) continue;
    out.push({ name, type: parsed.type, optional: section === "optional" });
  }
  return out;
}

/** Link type compatibility as the server checks it: equal, "*" or "" on either side, or intersecting "A,B" unions. */
export function typesCompatible(a, b) {
  a = a == null ? "" : String(a);
  b = b == null ? "" : String(b);
  if (a === "" || b === "" || a === "*" || b === "*" || a === b) return true;
  const as = a.split(",").map((s) => s.trim());
  const bs = b.split(",").map((s) => s.trim());
  if (as.length === 1 && bs.length === 1) return false;
  return as.some((x) => bs.includes(x));
}

/**
 * The value a control widget gives its target after a queue.
 * rnd: a function returning [0,1) (Math.random by default).
 */
export function applyControl(value, mode, options = {}, rnd = Math.random) {
  const min = Number(options.min ?? 0);
  let max = Number(options.max ?? SEED_MAX_RANDOM);
  const step = Number(options.step ?? 1) || 1;
  if (max > SEED_MAX_RANDOM) max = SEED_MAX_RANDOM;
  const v = Number(value);
  switch (mode) {
    case "increment": return Math.min(v + step, max);
    case "decrement": return Math.max(v - step, min);
    case "randomize": {
      const range = (max - min) / step;
      return Math.floor(rnd() * range) * step + min;
    }
    default: return v;
  }
}

/** Links of a v0.4 (tuple) or v1 (object) workflow as a Map id -> {id, origin_id, origin_slot, target_id, target_slot, type}. */
export function linkMap(workflow) {
  const map = new Map();
  for (const link of workflow.links || []) {
    if (!link) continue;
    const l = Array.isArray(link)
      ? { id: link[0], origin_id: link[1], origin_slot: link[2], target_id: link[3], target_slot: link[4], type: link[5] }
      : { id: link.id, origin_id: link.origin_id, origin_slot: link.origin_slot, target_id: link.target_id, target_slot: link.target_slot, type: link.type };
    map.set(String(l.id), l);
  }
  return map;
}

function wrapValue(v) {
  return Array.isArray(v) ? { __value__: v } : v;
}

/** widget name -> value of a workflow node, by position, using the node definition (or the PrimitiveNode rule). */
export function widgetValues(node, nodeDef) {
  const out = {};
  if (!nodeDef) return out;
  const layout = widgetLayout(nodeDef);
  if (node.widgets_values && typeof node.widgets_values === "object" && !Array.isArray(node.widgets_values)) {
    // some custom nodes save {name: value}
    for (const w of layout) if (w.api && w.name in node.widgets_values) out[w.name] = node.widgets_values[w.name];
    return out;
  }
  const values = Array.isArray(node.widgets_values) ? node.widgets_values : [];
  layout.forEach((w, i) => {
    if (w.api && i < values.length && values[i] !== undefined) out[w.name] = values[i];
  });
  return out;
}

const COMMENTS = /\/\*[\s\S]*?\*\/|\/\/.*/g;

/** Split the {group} starting at i (after its "{") at top-level "|"; returns [end, chosen option]. */
function chooseGroup(source, i, rnd) {
  const options = [];
  let start = i;
  let depth = 0;
  while (i < source.length) {
    const c = source[i];
    if (c === "\\") { i += 2; continue; }
    if (c === "{") depth++;
    else if (c === "}") {
      if (!depth) {
        options.push(source.slice(start, i));
        return [i + 1, options[Math.floor(rnd() * options.length)]];
      }
      depth--;
    } else if (c === "|" && !depth) {
      options.push(source.slice(start, i));
      start = i + 1;
    }
    i++;
  }
  options.push(source.slice(start));
  return [source.length, options[Math.floor(rnd() * options.length)]];
}

/**
 * Dynamic prompts of text widgets marked dynamicPrompts, applied when queueing: C-style comments
 * are removed, each {a|b|c} (nested too) becomes one random option, and \{ \} \| the characters
 * themselves (other escapes such as \( stay for the prompt weighting syntax). An explicit stack of
 * frames instead of recursion. The same rules as engine/graph/workflow.py process_dynamic_prompt.
 */
export function processDynamicPrompt(text, rnd = Math.random) {
  const out = [];
  const frames = [[String(text).replace(COMMENTS, ""), 0]];
  while (frames.length) {
    const frame = frames[frames.length - 1];
    const source = frame[0];
    let i = frame[1];
    let chosen = null;
    while (i < source.length) {
      const c = source[i];
      if (c === "\\") { out.push(source.slice(i, i + 2)); i += 2; }
      else if (c === "{") { [i, chosen] = chooseGroup(source, i + 1, rnd); break; }
      else {
        let j = i + 1;
        while (j < source.length && source[j] !== "\\" && source[j] !== "{") j++;
        out.push(source.slice(i, j));
        i = j;
      }
    }
    if (chosen === null) { frames.pop(); continue; }
    frame[1] = i;
    frames.push([chosen.replace(COMMENTS, ""), 0]);
  }
  return out.join("").replace(/\\([{}|])/g, "$1");
}

/**
 * Convert a UI workflow (version 0.4 or 1) into an API prompt.
 * objectInfo: the /object_info dict (used for widget names by position).
 * Subgraph instances (workflow.definitions.subgraphs) become their inner nodes, ids "outer:inner".
 * Returns {node_id: {class_type, inputs, _meta: {title}}}.
 */
export function uiToApi(workflow, objectInfo, rnd = Math.random) {
  if (!workflow || !Array.isArray(workflow.nodes)) throw new Error("workflow has no nodes list");
  let nodes = new Map(workflow.nodes.map((n) => [String(n.id), n]));
  let links = linkMap(workflow);
  const promoted = new Map(); // node id -> {widget: value} from subgraph instances' promoted widgets
  const subgraphs = subgraphDefinitions(workflow);
  if (subgraphs.size) ({ nodes, links } = flattenSubgraphs(nodes, links, subgraphs, promoted));

  // Follow a link from its origin towards a real node; returns {link: [id, slot]} | {value} | null.
  function resolve(originId, originSlot, targetType, seen) {
    const key = `${originId}:${originSlot}`;
    if (seen.has(key)) return null;
    seen.add(key);
    const src = nodes.get(String(originId));
    if (!src) return null;
    if (src.type === "PrimitiveNode") {
      const vals = src.widgets_values || [];
      return vals.length ? { value: vals[0] } : null;
    }
    if (src.mode === MODE_NEVER) return null;
    if (src.mode === MODE_BYPASS) {
      const input = pickBypassInput(src, originSlot, targetType);
      return input ? follow(input, targetType, seen) : null;
    }
    if (VIRTUAL_NODE_TYPES.has(src.type)) {
      const input = (src.inputs || [])[originSlot];
      return input ? follow(input, targetType, seen) : null;
    }
    return { link: [String(src.id), Number(originSlot)] };
  }

  function follow(input, targetType, seen) {
    if (input.link == null) return null;
    const l = links.get(String(input.link));
    if (!l) return null;
    return resolve(l.origin_id, l.origin_slot, targetType, seen);
  }

  function pickBypassInput(node, slot, targetType) {
    const inputs = node.inputs || [];
    if (!inputs.length) return null;
    if (!targetType || targetType === "*") return inputs[slot] || inputs[0];
    const outType = ((node.outputs || [])[slot] || {}).type;
    const same = inputs[slot];
    if (same && typesCompatible(same.type, outType) && typesCompatible(same.type, targetType)) return same;
    const exact = inputs.find((i) => i.type === targetType);
    if (exact) return exact;
    return inputs.find((i) => typesCompatible(i.type, targetType)) || null;
  }

  const prompt = {};
  for (const node of nodes.values()) {
    if (VIRTUAL_NODE_TYPES.has(node.type)) continue;
    if (node.mode === MODE_NEVER || node.mode === MODE_BYPASS) continue;
    const def = objectInfo ? objectInfo[node.type] : undefined;
    const inputs = {};
    for (const [name, value] of Object.entries(widgetValues(node, def))) inputs[name] = wrapValue(value);
    for (const [name, value] of Object.entries(promoted.get(String(node.id)) || {})) inputs[name] = wrapValue(value);
    for (const input of node.inputs || []) {
      if (input.link == null) continue;
      const name = (input.widget && input.widget.name) || input.name;
      const r = follow(input, input.type, new Set());
      if (!r) continue;
      inputs[name] = "link" in r ? r.link : wrapValue(r.value);
    }
    if (def) {
      for (const [name, spec] of orderedInputs(def)) {
        if (parseInputSpec(spec).options.dynamicPrompts && typeof inputs[name] === "string") {
          inputs[name] = processDynamicPrompt(inputs[name], rnd);
        }
      }
    }
    const title = node.title || (def && def.display_name) || node.type;
    prompt[String(node.id)] = { inputs, class_type: node.type, _meta: { title } };
  }
  // Inputs still pointing at nodes that are not in the prompt are dropped.
  for (const entry of Object.values(prompt)) {
    for (const [name, v] of Object.entries(entry.inputs)) {
      if (Array.isArray(v) && v.length === 2 && typeof v[0] === "string" && !(v[0] in prompt)) delete entry.inputs[name];
    }
  }
  return prompt;
}

/** Whether data is an API prompt: a non-empty {id: {class_type, ...}} object. */
export function isApiPrompt(data) {
  if (!data || typeof data !== "object" || Array.isArray(data)) return false;
  const entries = Object.values(data);
  return entries.length > 0 && entries.every((e) => e && typeof e === "object" && "class_type" in e);
}

/** Build a UI workflow (0.4) from an API prompt, laying nodes out in columns by depth. */
export function apiToUi(prompt, objectInfo) {
  const ids = Object.keys(prompt);
  const depth = {};
  const depthOf = (id, stack = new Set()) => {
    if (id in depth) return depth[id];
    if (stack.has(id)) return 0;
    stack.add(id);
    let d = 0;
    for (const v of Object.values(prompt[id].inputs || {})) {
      if (Array.isArray(v) && v.length === 2 && typeof v[0] === "string" && v[0] in prompt) d = Math.max(d, depthOf(v[0], stack) + 1);
    }
    depth[id] = d;
    return d;
  };
  ids.forEach((id) => depthOf(id));
  const columns = {};
  const nodes = [];
  const links = [];
  let lastLink = 0;
  const numericId = (id, i) => (/^\d+$/.test(id) ? Number(id) : 100000 + i);
  const idMap = {};
  ids.forEach((id, i) => { idMap[id] = numericId(id, i); });
  ids.forEach((id) => {
    const entry = prompt[id];
    const def = objectInfo[entry.class_type];
    if (!def) throw new Error(`node ${id}: unknown node type "${entry.class_type}"`);
    const col = depth[id];
    const layout = widgetLayout(def);
    // rough height of the node so that a column's nodes do not overlap (the editor sizes them exactly)
    const rows = Math.max(socketInputs(def).length, (def.output || []).length);
    const tall = layout.reduce((h, w) => h + (w.type === "STRING" && w.options.multiline ? 100 : 24), 0);
    const y = columns[col] || 40;
    columns[col] = y + 30 + 20 * rows + tall + 60;
    const widgets_values = layout.map((w) => {
      if (w.name === CONTROL_WIDGET) return "fixed";
      if (w.name === FILTER_WIDGET) return "";
      const v = entry.inputs ? entry.inputs[w.name] : undefined;
      if (v && typeof v === "object" && "__value__" in v) return v.__value__;
      if (v === undefined || (Array.isArray(v) && v.length === 2 && typeof v[0] === "string")) return w.options.default ?? (w.combo ? w.combo[0] : null);
      return v;
    });
    const inputs = socketInputs(def).map((s) => ({ name: s.name, type: s.type, link: null }));
    const widgetInputs = layout.filter((w) => w.api).map((w) => ({ name: w.name, type: w.type, widget: { name: w.name }, link: null }));
    nodes.push({
      id: idMap[id], type: entry.class_type, pos: [40 + col * 380, y],
      flags: {}, order: col, mode: 0, inputs: inputs.concat(widgetInputs),
      outputs: (def.output || []).map((t, i) => ({ name: (def.output_name || [])[i] || t, type: Array.isArray(t) ? "COMBO" : t, links: [] })),
      properties: { "Node name for S&R": entry.class_type }, widgets_values,
      ...(entry._meta && entry._meta.title && entry._meta.title !== def.display_name ? { title: entry._meta.title } : {}),
    });
  });
  const byId = new Map(nodes.map((n) => [n.id, n]));
  ids.forEach((id) => {
    const target = byId.get(idMap[id]);
    for (const [name, v] of Object.entries(prompt[id].inputs || {})) {
      if (!(Array.isArray(v) && v.length === 2 && typeof v[0] === "string" && v[0] in prompt)) continue;
      const src = byId.get(idMap[v[0]]);
      const slot = target.inputs.findIndex((i) => i.name === name);
      if (slot < 0 || !src.outputs[v[1]]) continue;
      lastLink += 1;
      const type = src.outputs[v[1]].type;
      links.push([lastLink, src.id, v[1], target.id, slot, type]);
      target.inputs[slot].link = lastLink;
      src.outputs[v[1]].links.push(lastLink);
    }
  });
  const lastNode = nodes.reduce((m, n) => Math.max(m, n.id), 0);
  return { last_node_id: lastNode, last_link_id: lastLink, nodes, links, groups: [], config: {}, extra: {}, version: 0.4 };
}

/** Parse a binary websocket frame (api.md §4). Returns {kind, ...} or throws naming the problem. */
export function parseBinaryFrame(buffer) {
  const view = new DataView(buffer);
  if (buffer.byteLength < 8) throw new Error(`binary frame too short (${buffer.byteLength} bytes)`);
  const event = view.getUint32(0);
  if (event === 1) {
    const format = view.getUint32(4);
    return { kind: "preview", mime: format === 2 ? "image/png" : "image/jpeg", bytes: buffer.slice(8), meta: null };
  }
  if (event === 4) {
    const n = view.getUint32(4);
    const meta = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 8, n)));
    return { kind: "preview", mime: meta.image_type || "image/png", bytes: buffer.slice(8 + n), meta };
  }
  if (event === 3) {
    const n = view.getUint32(4);
    const nodeId = new TextDecoder().decode(new Uint8Array(buffer, 8, n));
    return { kind: "text", nodeId, text: new TextDecoder().decode(new Uint8Array(buffer, 8 + n)) };
  }
  throw new Error(`unknown binary frame type ${event}`);
}
