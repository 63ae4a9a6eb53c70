// Corrections of the vendored litegraph's behaviour (web/vendor/litegraph is not edited): each
// override below wraps or replaces one litegraph method on its prototype and says what it fixes.
// installLitegraphFixes(app) is called once the app exists (nodes.js registerNodeTypes); a second
// call does nothing.
import { LGraphCanvas, LGraphGroup, LGraphNode, LiteGraph } from "../vendor/litegraph/litegraph.es.js";
import { VIRTUAL_NODE_TYPES, WIDGET_TYPES, orderedInputs, parseInputSpec, typesCompatible } from "./graph.js";

const INSTALLED = Symbol.for("sdflow.litegraphFixes");

/** Node menu entries that do not work in this editor (subgraph insides are not editable here). */
const DROPPED_NODE_MENU_ENTRIES = [/^Convert to Subgraph/, /^Properties Panel$/];

/** The input and output types of a registered node type, from its /object_info definition. */
function slotTypes(type) {
  const cls = LiteGraph.registered_node_types[type];
  const def = cls && cls.nodeData;
  if (type === "Reroute") return { inputs: ["*"], outputs: ["*"] };
  if (type === "PrimitiveNode") return { inputs: [], outputs: [...WIDGET_TYPES] };
  if (!def) return { inputs: [], outputs: [] };
  const inputs = orderedInputs(def).map(([, spec]) => parseInputSpec(spec).type);
  const outputs = (def.output || []).map((t) => (Array.isArray(t) ? "COMBO" : String(t)));
  return { inputs, outputs };
}

/** True when `want` (a link's type) can go into / come out of a slot of one of `have`. */
function acceptsType(have, want) {
  return have.some((t) => (t === "*" ? true : typesCompatible(t, want)));
}

/**
 * Node types matching a search text (every word in the type name or title, any order) and, when
 * filter.input / filter.output is set, only those with an input / output slot of that type.
 * Types whose title or name starts with the text come first. Deprecated types (skip_list) are left out.
 */
export function searchNodeTypes(text, filter = {}) {
  const words = String(text || "").toLowerCase().split(/\s+/).filter(Boolean);
  const first = [];
  const rest = [];
  for (const [type, cls] of Object.entries(LiteGraph.registered_node_types)) {
    if (cls.skip_list) continue;
    const title = String(cls.title || type).toLowerCase();
    const hay = `${type.toLowerCase()} ${title}`;
    if (!words.every((w) => hay.includes(w))) continue;
    if (filter.input && filter.input !== "*" && !acceptsType(slotTypes(type).inputs, filter.input)) continue;
    if (filter.output && filter.output !== "*" && !acceptsType(slotTypes(type).outputs, filter.output)) continue;
    const filtered = filter.input || filter.output;
    if (filtered && VIRTUAL_NODE_TYPES.has(type) && type !== "Reroute" && type !== "PrimitiveNode") continue;
    const q = words.join(" ");
    (q && (title.startsWith(q) || type.toLowerCase().startsWith(q)) ? first : rest).push(type);
  }
  return first.concat(rest);
}

/** Install the overrides below (once); `app` is the editor (graphChanged, domLayer). */
export function installLitegraphFixes(app) {
  if (LGraphCanvas.prototype[INSTALLED]) return;
  LGraphCanvas.prototype[INSTALLED] = true;

  // litegraph's group menu wires "Remove" to onMenuNodeRemove, which deletes the *selected nodes*
  // (deleteSelected) and leaves the group: Remove now deletes that group; another entry removes
  // the group with the nodes inside it.
  const groupMenu = LGraphGroup.prototype.getMenuOptions;
  LGraphGroup.prototype.getMenuOptions = function getMenuOptions(...args) {
    const group = this;
    const options = groupMenu.apply(this, args);
    const remove = (withNodes) => {
      const graph = group.graph;
      if (!graph) return;
      graph.beforeChange();
      if (withNodes) {
        group.recomputeInsideNodes();
        for (const node of [...group.nodes]) if (node.graph === graph) graph.remove(node);
      }
      graph.remove(group);
      graph.afterChange();
      graph.setDirtyCanvas(true, true);
      app.graphChanged();
    };
    const i = options.findIndex((o) => o && o.content === "Remove");
    const entries = [{ content: "Remove", callback: () => remove(false) },
      { content: "Remove Group and Nodes", callback: () => remove(true) }];
    if (i >= 0) options.splice(i, 1, ...entries);
    else options.push(null, ...entries);
    return options;
  };

  // showConnectionMenu (after a link is released on empty canvas) passes this.showSearchBox unbound
  // and calls it with the menu click's event: it threw (this = the options object) and left a half-built
  // box at the page's corner. The search now opens on this canvas at the drop point.
  const connectionMenu = LGraphCanvas.prototype.showConnectionMenu;
  LGraphCanvas.prototype.showConnectionMenu = function showConnectionMenu(optPass = {}) {
    const drop = optPass.e;
    const showSearchBox = (menuEvent, searchOptions) => this.showSearchBox(drop || menuEvent, searchOptions);
    return connectionMenu.call(this, { ...optPass, showSearchBox });
  };

  // litegraph's own search filters by slot type only through its registered_slot_*_types tables
  // (never filled here) and matches one substring: the search box now lists the node types that take
  // (type_filter_in) or give (type_filter_out) the released link's type, every typed word matching.
  const searchBox = LGraphCanvas.prototype.showSearchBox;
  LGraphCanvas.prototype.showSearchBox = function showSearchBox(event, searchOptions = {}) {
    this.searchTypeFilter = {
      input: searchOptions.type_filter_in || null,
      output: searchOptions.type_filter_out || null,
    };
    if (!this.onSearchBox) this.onSearchBox = (helper, text) => searchNodeTypes(text, this.searchTypeFilter);
    return searchBox.call(this, event, { ...searchOptions, do_type_filter: false });
  };

  // The node menu: "Convert to Subgraph" deleted the nodes (the conversion fails half-way) and
  // "Properties Panel" opens nothing usable here; both are left out.
  const nodeMenu = LGraphCanvas.prototype.getNodeMenuOptions;
  LGraphCanvas.prototype.getNodeMenuOptions = function getNodeMenuOptions(node) {
    const options = nodeMenu.call(this, node);
    const kept = options.filter((o) => !(o && typeof o.content === "string"
      && DROPPED_NODE_MENU_ENTRIES.some((re) => re.test(o.content))));
    return kept.filter((o, i) => o !== null || (i > 0 && kept[i - 1] !== null));   // no double separators
  };

  // Double-click on a node's title renames it (litegraph only offers a hook, onNodeTitleDblClick), as in ComfyUI.
  if (!LGraphNode.prototype.onNodeTitleDblClick) {
    LGraphNode.prototype.onNodeTitleDblClick = function onNodeTitleDblClick(e) {
      LGraphCanvas.onShowPropertyEditor({ property: "title" }, null, e, null, this);
    };
  }

  // litegraph only emits an event for a double-click on a group: on its title bar it renames the group.
  const emitEvent = LGraphCanvas.prototype.emitEvent;
  LGraphCanvas.prototype.emitEvent = function emit(detail) {
    emitEvent.call(this, detail);
    const { group, originalEvent: e } = detail || {};
    if (detail?.subType === "group-double-click" && group && e && group.isPointInTitlebar?.(e.canvasX, e.canvasY)) {
      LGraphCanvas.onShowPropertyEditor({ property: "title" }, null, e, null, group);
    }
  };

  // copyToClipboard serialises a clone of each node; building the clone runs its constructor, which
  // put its text box into the DOM layer (text boxes now join it at their first draw) and puts an upload
  // input into the page, where they stayed as orphans: whatever the copy added is removed again.
  const copy = LGraphCanvas.prototype.copyToClipboard;
  LGraphCanvas.prototype.copyToClipboard = function copyToClipboard(...args) {
    const owned = () => [...app.domLayer.children, ...document.querySelectorAll("input.sdflow-upload")];
    const before = new Set(owned());
    try {
      return copy.apply(this, args);
    } finally {
      for (const el of owned()) if (!before.has(el)) el.remove();
    }
  };
}
