// App bootstrap: builds node types from the server, the canvas, workflows,
// queueing and the reactions to websocket events.
import { LGraph, LGraphCanvas, LGraphGroup, LiteGraph } from "../vendor/litegraph/litegraph.es.js";
import { ApiClient, newId } from "./api.js";
import { AUTOSAVE_KEY, TYPE_COLORS } from "./constants.js";
import { defaultGraph } from "./defaultGraph.js";
import { ExtensionManager } from "./extensions.js";
import { VIRTUAL_NODE_TYPES, apiToUi, isApiPrompt, uiToApi } from "./graph.js";
import { layoutColumns } from "./layout.js";
import { makeNodeClass, refreshCombos, registerNodeTypes, tooltipAt } from "./nodes.js";
import { Panels } from "./panels.js";
import { workflowFromPng } from "./pnginfo.js";
import { innerNodeTypes, subgraphDefinitions, subgraphNodeClass, subgraphNodeDefs, usedSubgraphDefinitions } from "./subgraphs.js";
import { ChangeTracker } from "./tracker.js";
import { runControlWidgets } from "./widgets.js";

export class App {
  constructor(root) {
    this.root = root;
    this.api = new ApiClient("", window.sessionStorage);   // one client id per tab
    this.extensions = new ExtensionManager(this);
    this.objectInfo = {};
    this.subgraphs = new Map();           // subgraph id -> its definition as loaded (re-attached by serialize)
    this.subgraphDefKeys = new Map();     // subgraph id -> JSON of the node definition its type was built from
    this.nodeErrors = {};
    this.runningNodeId = null;
    this.runningPromptId = null;
    this.lastCached = [];
    this.executedNodes = [];
    this.runDone = true;
    this.lastPromptId = null;
    this.finishedPrompts = new Set();
    this.frame = 0;
    this.pickMissingCombo = false;
    this.graphGeneration = 0;             // bumped each time a load or Clear replaces the graph
    this.promptGeneration = new Map();    // prompt id queued here -> graphGeneration it was queued from
    this.cleanState = null;               // tracker state right after the last load or save (see isModified)
    this.savedView = null;                // the view (pan/zoom) last written to the autosave
    this.pendingPaste = null;             // a Ctrl+V waiting to learn whether the clipboard holds a workflow
    this.domLayer = root.querySelector("#dom-layer");
  }

  /** For custom node scripts: app.registerExtension({name, setup, beforeRegisterNodeDef, ...}). */
  registerExtension(ext) {
    this.extensions.registerExtension(ext);
  }

  async setup() {
    this.panels = new Panels(this);
    try {
      this.objectInfo = await this.api.objectInfo();
    } catch (err) {
      this.panels.error("Could not load node definitions from /api/object_info", String(err));
      throw err;
    }
    await this.extensions.load();
    this.extensions.call("init");
    registerNodeTypes(this.objectInfo, this);
    this.createCanvas();
    this.tracker = new ChangeTracker(() => this.serialize(), (wf) => this.configureGraph(wf, { keepView: true }),
      () => this.autosave());
    this.restoreOrDefault();
    this.bindKeys();
    this.bindDrop();
    this.bindApi();
    this.api.connect();
    this.panels.updateEmptyState();
    this.extensions.call("setup");
    await this.panels.refreshQueue();
    await this.panels.refreshHistory();
    this.ready = true;
  }

  createCanvas() {
    const el = this.root.querySelector("#graph-canvas");
    Object.assign(LGraphCanvas.link_type_colors, TYPE_COLORS);
    LiteGraph.release_link_on_empty_shows_menu = true;
    LiteGraph.alt_drag_do_clone_nodes = true;
    LiteGraph.middle_click_slot_add_default_node = true;
    this.graph = new LGraph();
    this.canvas = new LGraphCanvas(el, this.graph);
    Object.assign(this.canvas.default_connection_color_byType, TYPE_COLORS);
    this.canvas.allow_searchbox = true;
    this.canvas.show_info = false;
    this.canvas.render_canvas_border = false;
    this.canvas.low_quality_zoom_threshold = 0.45;
    this.canvas.onRender = () => { this.frame += 1; };
    this.canvas.onDrawOverlay = () => this.hideUndrawnDomWidgets();
    this.canvas.getMenuOptions = () => this.canvasMenu();
    const resize = () => {
      // backing store in device pixels (sharp on HiDPI screens), drawing in CSS pixels
      const r = el.parentElement.getBoundingClientRect();
      const dpr = Math.max(window.devicePixelRatio || 1, 1);
      el.width = Math.round(r.width * dpr);
      el.height = Math.round(r.height * dpr);
      el.style.width = `${r.width}px`;
      el.style.height = `${r.height}px`;
      if (this.canvas.bgcanvas) {
        this.canvas.bgcanvas.width = el.width;
        this.canvas.bgcanvas.height = el.height;
      }
      el.getContext("2d").scale(dpr, dpr);
      this.canvas.setDirty(true, true);
    };
    new ResizeObserver(resize).observe(el.parentElement);
    resize();
    el.addEventListener("mousemove", (e) => this.updateTooltip(e, el));
    // Anything a pointer or key changes is checked into the undo stack / autosave, one step per
    // pointerup or keyup. Capture phase: litegraph's processMouseUp calls stopPropagation() on every
    // canvas pointerup, so a bubbling listener never saw canvas edits (widget arrows, drags, moves,
    // resizes, links). The check runs after litegraph has handled the event.
    window.addEventListener("pointerup", () => setTimeout(() => this.graphChanged(), 0), true);
    window.addEventListener("keyup", () => setTimeout(() => this.graphChanged(), 0), true);
    // Zooming with the wheel changes only the view: saved (not an undo step) once the wheel rests.
    let wheelTimer = null;
    window.addEventListener("wheel", () => {
      clearTimeout(wheelTimer);
      wheelTimer = setTimeout(() => this.saveViewIfMoved(), 250);
    }, { capture: true, passive: true });
    this.canvas.startRendering?.();
  }

  /** Zoom and pan so that every node and group is visible. */
  fitView() {
    const title = LiteGraph.NODE_TITLE_HEIGHT;
    const rects = this.graph._nodes.map((n) => [n.pos[0], n.pos[1] - title, n.size[0], n.size[1] + title])
      .concat(this.graph._groups.map((g) => [g.pos[0], g.pos[1], g.size[0], g.size[1]]));
    if (!rects.length) return;
    const x0 = Math.min(...rects.map((r) => r[0])) - 20;
    const y0 = Math.min(...rects.map((r) => r[1])) - 20;
    const x1 = Math.max(...rects.map((r) => r[0] + r[2])) + 20;
    const y1 = Math.max(...rects.map((r) => r[1] + r[3])) + 20;
    const ds = this.canvas.ds;
    ds.fitToBounds([x0, y0, x1 - x0, y1 - y0], { zoom: 1 });
    // keep text readable: a large graph is shown from its top-left corner instead of shrunk further.
    // 0.5 stays above low_quality_zoom_threshold (0.45), where litegraph stops drawing text, and lets
    // the default graph fit beside the side panel on a 1280 px wide screen.
    const clamped = Math.min(Math.max(ds.scale, 0.5), 1.25);
    if (clamped > ds.scale) {
      ds.offset = [-x0 + 10, -y0 + 10];
    } else if (clamped < ds.scale) {
      const el = this.canvas.canvas;
      const dpr = Math.max(window.devicePixelRatio || 1, 1);
      ds.offset = [-(x0 + x1) / 2 + el.width / dpr / (2 * clamped), -(y0 + y1) / 2 + el.height / dpr / (2 * clamped)];
    }
    ds.scale = clamped;
    this.canvas.setDirty(true, true);
  }

  /**
   * Lay out a graph that apiToUi built (columns 380 apart by depth) on the nodes' real sizes:
   * nodes with widgets wide enough for their labels, columns folded into bands to suit the view's
   * shape; then fit the view to it.
   */
  layoutApiGraph() {
    const el = this.canvas.canvas;
    const aspect = el.height > 0 ? el.width / el.height : 1.6;
    const nodes = this.graph._nodes.slice().sort((a, b) => a.pos[0] - b.pos[0] || a.pos[1] - b.pos[1]);
    const placed = layoutColumns(nodes.map((n) => ({
      column: Math.max(0, Math.round((n.pos[0] - 40) / 380)),
      size: [n.size[0], n.size[1]],
      hasWidgets: Boolean(n.widgets && n.widgets.length),
    })), aspect);
    nodes.forEach((n, i) => {
      n.pos = placed[i].pos;
      n.setSize(placed[i].size);
    });
    this.fitView();
  }

  /** Whether some node lies (partly) inside the canvas' view. */
  anyNodeInView() {
    const el = this.canvas.canvas;
    const dpr = Math.max(window.devicePixelRatio || 1, 1);
    const { scale, offset } = this.canvas.ds;
    const x0 = -offset[0];
    const y0 = -offset[1];
    const x1 = x0 + el.width / dpr / scale;
    const y1 = y0 + el.height / dpr / scale;
    const title = LiteGraph.NODE_TITLE_HEIGHT;
    return this.graph._nodes.some((n) => n.pos[0] < x1 && n.pos[0] + n.size[0] > x0
      && n.pos[1] - title < y1 && n.pos[1] + n.size[1] > y0);
  }

  hideUndrawnDomWidgets() {
    for (const el of this.domLayer.children) {
      const node = this.graph.getNodeById(Number(el.dataset.node));
      const w = node?.widgets?.find((x) => x.element === el);
      if (!w || w.drawnFrame !== this.frame) el.hidden = true;
    }
  }

  updateTooltip(e, el) {
    const pos = this.canvas.graph_mouse;
    const node = this.graph.getNodeOnPos(pos[0], pos[1]);
    el.title = node ? tooltipAt(node, pos) : "";
  }

  canvasMenu() {
    const selected = Object.values(this.canvas.selected_nodes || {});
    const items = [
      { content: "Add Node", has_submenu: true, callback: LGraphCanvas.onMenuAdd },
      { content: "Add Group", callback: LGraphCanvas.onGroupAdd },
    ];
    if (selected.length) items.push({ content: "Add Group For Selected Nodes", callback: () => this.groupSelected() });
    items.push(null,
      { content: "Queue Prompt", callback: () => this.queueBatch() },
      { content: "Save Workflow", callback: () => this.panels.saveWorkflow() },
      { content: "Export (API)", callback: () => this.panels.exportApi() },
      { content: "Load Default", callback: () => this.loadDefault() },
      { content: "Clear", callback: () => this.clearGraph() });
    return items;
  }

  nodeMenuExtras(node, options) {
    options.push(null,
      { content: node.mode === 2 ? "Unmute" : "Mute", callback: () => this.toggleMode([node], 2) },
      { content: node.mode === 4 ? "Remove Bypass" : "Bypass", callback: () => this.toggleMode([node], 4) });
  }

  /** Set mode (2 mute, 4 bypass) on nodes, or back to 0 if all already have it. */
  toggleMode(nodes, mode) {
    if (!nodes.length) return;
    const all = nodes.every((n) => n.mode === mode);
    for (const n of nodes) n.mode = all ? 0 : mode;
    this.canvas.setDirty(true, true);
    this.graphChanged();
  }

  groupSelected() {
    const nodes = Object.values(this.canvas.selected_nodes || {});
    if (!nodes.length) return;
    const group = new LGraphGroup("Group");
    this.graph.add(group);
    group.resizeTo(nodes, 10);
    group.recomputeInsideNodes();
    this.canvas.setDirty(true, true);
    this.graphChanged();
    return group;
  }

  /** The UI workflow; the subgraph definitions its nodes use ride along in definitions.subgraphs. */
  serialize() {
    const workflow = this.graph.serialize();
    const used = usedSubgraphDefinitions(workflow.nodes, this.subgraphs);
    if (used.length) workflow.definitions = { ...(workflow.definitions || {}), subgraphs: used };
    return workflow;
  }

  /**
   * Keep the workflow's subgraph definitions and register a node type per subgraph (named by its id,
   * titled by its name, its inputs/outputs and promoted widgets), so instances display, connect and
   * save like other nodes. The inside of a subgraph is not editable here; queueing flattens it.
   */
  registerSubgraphs(workflow) {
    const defs = subgraphNodeDefs(workflow, this.objectInfo);
    for (const [id, sg] of subgraphDefinitions(workflow)) this.subgraphs.set(id, sg);
    for (const [id, def] of Object.entries(defs)) {
      const key = JSON.stringify(def);
      if (this.subgraphDefKeys.get(id) === key && LiteGraph.registered_node_types[id]) continue;
      const cls = subgraphNodeClass(makeNodeClass(id, def, this), def);
      LiteGraph.registerNodeType(id, cls);
      cls.category = def.category;
      this.subgraphDefKeys.set(id, key);
    }
  }

  /** A new node of a registered type, added to the graph (at pos, or the view's centre). */
  addNode(type, pos) {
    const node = LiteGraph.createNode(type);
    if (!node) throw new Error(`unknown node type "${type}"`);
    const c = this.canvas.visible_area;
    node.pos = pos || [c[0] + c[2] / 2 - node.size[0] / 2, c[1] + c[3] / 2 - node.size[1] / 2];
    this.graph.add(node);
    this.graphChanged();
    return node;
  }

  /** Where a canvas (graph) point lies on the page, in CSS pixels. */
  toScreen(pos) {
    const r = this.canvas.canvas.getBoundingClientRect();
    const [x, y] = this.canvas.ds.convertOffsetToCanvas(pos);
    return [r.left + x, r.top + y];
  }

  /**
   * Configure the graph from UI JSON; returns the node types the server does not know.
   * keepView: leave pan/zoom as they are (undo/redo), else the workflow's saved view or a fitted one.
   */
  configureGraph(workflow, { keepView = false } = {}) {
    this.clearDomWidgets();
    const data = structuredClone(workflow);
    this.registerSubgraphs(data);
    delete data.definitions;   // instances are our own node types, not litegraph's (editable) subgraphs
    this.graph.configure(data);
    for (const node of this.graph._nodes) node.onAfterGraphConfigured?.();
    const ds = workflow.extra && workflow.extra.ds;
    if (keepView) {
      // the view is not part of an undo step; but after undoing a load the graph may lie off-screen
      if (this.graph._nodes.length && !this.anyNodeInView()) this.fitView();
    } else if (ds && Array.isArray(ds.offset) && ds.scale > 0) {
      this.canvas.ds.scale = ds.scale;
      this.canvas.ds.offset = [ds.offset[0], ds.offset[1]];
    } else {
      this.fitView();
    }
    this.canvas.setDirty(true, true);
    const inner = innerNodeTypes(workflow).filter((t) => !VIRTUAL_NODE_TYPES.has(t));
    return [...new Set(workflow.nodes.map((n) => n.type).concat(inner))].filter((t) => !LiteGraph.registered_node_types[t]);
  }

  clearDomWidgets() {
    for (const node of this.graph._nodes || []) for (const w of node.widgets || []) w.onRemove?.();
    this.domLayer.replaceChildren();
  }

  clearGraph() {
    this.clearDomWidgets();
    this.graph.clear();
    this.nodeErrors = {};
    this.graphReplaced();
    this.graphChanged();
  }

  /** A load or Clear replaced the graph: the running prompt's node is no longer on it. */
  graphReplaced() {
    this.graphGeneration += 1;
    this.runningNodeId = null;
  }

  /** Whether the graph changed since it was last loaded or saved to a file. */
  isModified() {
    return this.tracker.current !== this.cleanState;
  }

  /** The present graph counts as saved (after Save). */
  markSaved() {
    this.tracker.check();
    this.cleanState = this.tracker.current;
  }

  /** Load Default; asks first when the graph has unsaved changes (Undo brings it back either way). */
  loadDefault() {
    if (this.isModified() && !window.confirm("Replace the current graph with the default graph?\n"
      + "Its changes are not saved to a file (Undo brings them back).")) return false;
    this.loadGraphData(defaultGraph(), "default graph");
    return true;
  }

  /**
   * Load a UI workflow (0.4 or 1) or an API prompt. Problems go to the message panel.
   * The load is one undo step (Ctrl+Z brings the previous graph back); initial: the page's first
   * graph, which starts the undo history instead.
   */
  loadGraphData(data, source = "workflow", { initial = false } = {}) {
    let workflow = data;
    let fromApi = false;   // an API prompt is laid out again below, on the nodes' real sizes
    if (!data || typeof data !== "object") throw new Error(`${source}: not a JSON object`);
    if (!Array.isArray(data.nodes)) {
      if (!isApiPrompt(data)) {
        throw new Error(`${source}: neither a UI workflow (no "nodes" list) nor an API prompt (no "class_type" entries)`);
      }
      workflow = apiToUi(data, this.objectInfo);
      fromApi = true;
    }
    if (!initial) this.tracker.check();   // the graph being replaced is the state Undo goes back to
    this.nodeErrors = {};
    this.pickMissingCombo = source === "default graph";
    let missing;
    try {
      missing = this.configureGraph(workflow);
    } finally {
      this.pickMissingCombo = false;
    }
    if (fromApi) this.layoutApiGraph();
    if (!initial) this.graphReplaced();
    if (missing.length) this.panels.error(`${source}: ${missing.length} node type(s) are not installed on this server`, missing.join(", "));
    if (initial) this.tracker.reset();
    this.graphChanged();
    this.cleanState = this.tracker.current;
    return workflow;
  }

  /**
   * The tab's own autosave (sessionStorage: survives a reload of this tab only), else the last
   * autosave of any tab (localStorage: a new tab), else the default graph. As ComfyUI does, so two
   * tabs do not overwrite each other's graph on reload.
   */
  restoreOrDefault() {
    for (const storage of [window.sessionStorage, window.localStorage]) {
      const saved = storage.getItem(AUTOSAVE_KEY);
      if (!saved) continue;
      try {
        this.loadGraphData(JSON.parse(saved), "autosaved workflow", { initial: true });
        return;
      } catch (err) {
        this.panels.error("The autosaved workflow could not be restored; the default graph is shown", String(err));
        break;
      }
    }
    this.loadGraphData(defaultGraph(), "default graph", { initial: true });
  }

  /** Write the workflow with its view (pan/zoom, which the undo states leave out) to both storages. */
  autosave() {
    const json = JSON.stringify(this.serialize());
    this.savedView = this.viewKey();
    try {
      window.sessionStorage.setItem(AUTOSAVE_KEY, json);
      window.localStorage.setItem(AUTOSAVE_KEY, json);
    } catch (err) {
      this.panels.error("Autosave to the browser's storage failed", String(err));
    }
  }

  viewKey() {
    const ds = this.canvas.ds;
    return `${ds.scale} ${ds.offset[0]} ${ds.offset[1]}`;
  }

  /** A pan or zoom alone is no undo step, but is autosaved so a reload shows the same view. */
  saveViewIfMoved() {
    if (!this.tracker || this.tracker.restoring || this.viewKey() === this.savedView) return;
    this.autosave();
  }

  graphChanged() {
    if (!this.tracker) return;
    if (!this.tracker.check()) this.saveViewIfMoved();
  }

  /** The API prompt and the UI workflow of the current graph. */
  graphToPrompt() {
    for (const node of this.graph.computeExecutionOrder(false) || this.graph._nodes) node.applyToGraph?.();
    const workflow = this.serialize();
    const output = uiToApi(workflow, this.objectInfo);
    return { workflow, output };
  }

  /**
   * Queue the graph `count` times (the batch count box by default); control widgets
   * (seed increment/randomize, ...) run after each post, as in ComfyUI.
   */
  async queueBatch(count = this.panels.batchCount(), front = false) {
    let last = null;
    for (let i = 0; i < count; i++) {
      last = await this.queuePrompt(front);
      if (!last) break;
    }
    return last;
  }

  async queuePrompt(front = false) {
    let workflow;
    let output;
    try {
      ({ workflow, output } = this.graphToPrompt());
    } catch (err) {
      this.panels.error("The graph could not be turned into a prompt", String(err.stack || err));
      return null;
    }
    this.nodeErrors = {};
    this.panels.clearMessages();
    try {
      this.runDone = false;
      // the id is chosen here so that events arriving before the POST's answer find their graph
      const promptId = newId();
      this.promptGeneration.set(promptId, this.graphGeneration);
      const res = await this.api.queuePrompt(output, workflow, front, promptId);
      this.lastQueued = res;
      this.lastPromptId = res.prompt_id;
      if (res.prompt_id !== promptId) this.promptGeneration.set(res.prompt_id, this.promptGeneration.get(promptId));
      if (this.finishedPrompts.has(res.prompt_id)) this.runDone = true;
      if (res.node_errors && Object.keys(res.node_errors).length) this.showNodeErrors(res.node_errors, null);
    } catch (err) {
      this.runDone = true;
      if (err.body && typeof err.body === "object" && (err.body.error || err.body.node_errors)) {
        this.showNodeErrors(err.body.node_errors || {}, err.body.error);
      } else {
        this.panels.error("Queueing the prompt failed", String(err.message || err));
      }
      this.canvas.setDirty(true, true);
      return null;
    }
    for (const node of this.graph._nodes) runControlWidgets(node);
    this.canvas.setDirty(true, true);
    this.graphChanged();
    this.panels.refreshQueue();
    return this.lastQueued;
  }

  /** Mark nodes red with their validation errors and list them in the message panel. */
  showNodeErrors(nodeErrors, topError) {
    const rows = [];
    for (const [id, info] of Object.entries(nodeErrors)) {
      const node = this.nodeForApiId(id);
      const inner = String(id).includes(":");   // a node inside a subgraph: marked on its instance
      const lines = (info.errors || []).map((e) => {
        const input = e.extra_info && e.extra_info.input_name;
        const details = e.details && e.details !== input ? ` (${e.details})` : "";
        return `${inner ? `${info.class_type} #${id}: ` : ""}${input ? `${input}: ` : ""}${e.message}${details}`;
      });
      this.markError(id, lines, info.class_type);
      rows.push({ id, title: node ? (inner ? `${node.title} › ${info.class_type}` : node.title) : info.class_type, lines });
    }
    const heading = topError ? `${topError.message || "Prompt failed validation"}` : "Some outputs failed validation";
    this.panels.showErrors(heading, topError && !rows.length ? topError.details || "" : "", rows);
    this.canvas.setDirty(true, true);
  }

  /**
   * Whether a prompt's events may be drawn on the graph shown now: only when the graph was not
   * replaced (load, Clear) since the prompt was queued. A prompt this tab did not queue (queued
   * before a page reload) counts as queued from the first graph the page showed.
   */
  eventsApply(promptId) {
    const gen = promptId != null ? this.promptGeneration.get(promptId) : undefined;
    return (gen ?? 0) === this.graphGeneration;
  }

  bindApi() {
    const on = (type, fn) => this.api.addEventListener(type, (e) => fn(e.detail));
    let remaining = null;
    on("status", (d) => {
      // Sent to every client (other tabs too) when the server's queue changes. The history gains an
      // entry only when a prompt leaves the queue, so it is read again only when the count drops
      // (or is unknown): each read carries up to 64 whole prompts.
      const now = d?.status?.exec_info?.queue_remaining;
      this.panels.refreshQueue();
      if (typeof now !== "number" || remaining === null || now < remaining) this.panels.refreshHistory();
      remaining = typeof now === "number" ? now : null;
    });
    on("execution_start", (d) => {
      this.runningPromptId = d.prompt_id;
      if (!this.eventsApply(d.prompt_id)) return;
      for (const node of this.graph._nodes) if (node.previewImage) node.previewImage = null;
      this.executedNodes = [];
      this.lastCached = [];
    });
    on("execution_cached", (d) => { if (this.eventsApply(d.prompt_id)) this.lastCached = d.nodes || []; });
    on("executing", (d) => {
      const mine = this.eventsApply(d.prompt_id);
      const prev = this.nodeForApiId(this.runningNodeId);
      if (prev) prev.progress = undefined;
      this.runningNodeId = mine ? d.node : null;
      if (d.node != null && mine) this.executedNodes.push(String(d.node));
      this.panels.setProgress(0, 1, d.node == null ? "" : this.nodeTitle(d.node, mine));
      this.setTabTitle(d.node == null ? null : this.nodeLabel(d.node, mine), null);
      if (d.node == null) {
        this.runningPromptId = null;
        this.finishedPrompts.add(d.prompt_id);
        this.promptGeneration.delete(d.prompt_id);   // no more events come for it
        if (d.prompt_id === this.lastPromptId) this.runDone = true;
        // Queue and History were refreshed by the "status" sent just before (the count dropped)
      }
      this.canvas.setDirty(true, true);
    });
    on("progress", (d) => {
      const mine = this.eventsApply(d.prompt_id ?? this.runningPromptId);
      const id = d.node ?? this.runningNodeId;
      const node = mine ? this.nodeForApiId(id) : null;
      if (node) node.progress = d.max ? d.value / d.max : 0;
      this.panels.setProgress(d.value, d.max, this.nodeTitle(id, mine));
      this.setTabTitle(this.nodeLabel(id, mine), d.max ? d.value / d.max : null);
      this.canvas.setDirty(true, false);
    });
    on("executed", (d) => {
      if (!this.eventsApply(d.prompt_id)) return;
      const node = this.nodeForApiId(d.display_node ?? d.node);
      if (node && d.output && Array.isArray(d.output.images)) node.setOutputImages?.(d.output.images);
      this.canvas.setDirty(true, true);
    });
    on("execution_error", (d) => {
      const id = String(d.node_id);
      const mine = this.eventsApply(d.prompt_id);
      if (mine) this.markError(id, [`${d.exception_type}: ${d.exception_message}`], d.node_type);
      this.panels.showExecutionError(d, mine ? this.nodeTitle(id) : `${d.node_type || "node"} #${id}`);
      this.setTabTitle(null);
      this.canvas.setDirty(true, true);
    });
    on("execution_interrupted", (d) => {
      const mine = this.eventsApply(d.prompt_id);
      this.panels.info(`Interrupted while running ${mine ? this.nodeTitle(d.node_id) : `${d.node_type || "node"} #${d.node_id}`}`);
      this.setTabTitle(null);
    });
    on("b_preview", (frame) => {
      if (!this.eventsApply(frame.meta?.prompt_id ?? this.runningPromptId)) return;
      const id = frame.meta?.node_id ?? this.runningNodeId;
      const node = this.nodeForApiId(id);
      if (!node) return;
      const img = new Image();
      img.onload = () => this.canvas.setDirty(true, false);
      if (node.previewUrl) URL.revokeObjectURL(node.previewUrl);
      node.previewUrl = URL.createObjectURL(new Blob([frame.bytes], { type: frame.mime }));
      img.src = node.previewUrl;
      if (!node.previewImage) node.ensureImageSpace?.();
      node.previewImage = img;
    });
    on("progress_text", (frame) => {
      // PromptServer.send_progress_text (custom nodes): the text shows on that node of the running prompt
      if (!this.eventsApply(this.runningPromptId)) return;
      this.nodeForApiId(frame.nodeId)?.showText?.(frame.text);
    });
    on("connected", () => this.panels.setConnected(true));
    on("disconnected", () => this.panels.setConnected(false));
  }

  /**
   * The browser tab's title while a prompt runs, as ComfyUI: "[33%] KSampler" (node title and its
   * progress), the node title alone before its first step; "sdflow" when idle.
   */
  setTabTitle(label, fraction = null) {
    if (!label) {
      document.title = "sdflow";
      return;
    }
    document.title = fraction != null ? `[${Math.round(fraction * 100)}%] ${label}` : `${label} - sdflow`;
  }

  /** The title of an API node id's node (its class name when the graph shown is not the prompt's). */
  nodeLabel(id, mine = true) {
    const node = mine ? this.nodeForApiId(id) : null;
    return node ? node.title : id != null ? `#${id}` : "";
  }

  nodeTitle(id, mine = true) {
    const node = mine ? this.nodeForApiId(id) : null;
    return node ? `${node.title} #${id}` : id != null ? `#${id}` : "";
  }

  /** The graph node an API prompt node id stands for: "20:1:3" (inside subgraphs) is instance 20. */
  nodeForApiId(id) {
    return id != null ? this.graph.getNodeById(Number(String(id).split(":")[0])) : null;
  }

  /** Record error lines for an API node id; those of nodes inside a subgraph add up on its instance. */
  markError(id, lines, classType) {
    const key = String(id).split(":")[0];
    const prev = key !== String(id) ? this.nodeErrors[key] : null;
    this.nodeErrors[key] = { lines: prev ? prev.lines.concat(lines) : lines, classType };
  }

  bindKeys() {
    this.bindPaste();
    window.addEventListener("keydown", (e) => {
      const typing = ["input", "textarea", "select"].includes(e.target.localName);
      const ctrl = e.ctrlKey || e.metaKey;
      if (ctrl && e.key === "Enter") {
        e.preventDefault();
        this.queueBatch(undefined, e.shiftKey);   // Ctrl+Shift+Enter: to the front of the queue
        return;
      }
      if (typing) return;
      const selected = Object.values(this.canvas.selected_nodes || {});
      if (ctrl && !e.shiftKey && e.code === "KeyZ") { e.preventDefault(); this.tracker.undo(); }
      else if (ctrl && (e.code === "KeyY" || (e.shiftKey && e.code === "KeyZ"))) { e.preventDefault(); this.tracker.redo(); }
      else if (ctrl && e.code === "KeyM") { e.preventDefault(); this.toggleMode(selected, 2); }
      else if (ctrl && e.code === "KeyB") { e.preventDefault(); this.toggleMode(selected, 4); }
      else if (ctrl && e.code === "KeyG") { e.preventDefault(); this.groupSelected(); }
      else if (ctrl && e.code === "KeyS") { e.preventDefault(); this.panels.saveWorkflow(); }
      else if (ctrl && e.code === "KeyO") { e.preventDefault(); this.panels.openFile(); }
      else if (!ctrl && e.code === "KeyR" && !e.altKey) { this.refreshComboValues(); }
    });
  }

  /**
   * Ctrl+V outside text boxes: a workflow (UI or API JSON text) in the system clipboard loads, as
   * in ComfyUI; anything else pastes litegraph's own node clipboard. litegraph pastes on keydown,
   * before the browser's paste event shows what the clipboard holds, so its keydown is held back
   * here (capture phase on window, before the canvas' listener) and its paste runs right after the
   * paste event unless that event brought a workflow.
   */
  bindPaste() {
    const typing = (e) => ["input", "textarea", "select"].includes(e.target?.localName) || e.target?.isContentEditable;
    window.addEventListener("keydown", (e) => {
      if (!((e.ctrlKey || e.metaKey) && e.code === "KeyV") || e.altKey || typing(e)) return;
      e.stopPropagation();
      const pending = { connectInputs: e.shiftKey };
      this.pendingPaste = pending;
      setTimeout(() => {
        if (this.pendingPaste !== pending) return;
        this.pendingPaste = null;
        this.canvas.pasteFromClipboard(pending);
        this.canvas.setDirty(true, true);
        this.graphChanged();
      }, 0);
    }, true);
    document.addEventListener("paste", (e) => {
      if (typing(e)) return;
      const data = workflowFromText(e.clipboardData?.getData("text/plain"));
      if (!data) return;
      e.preventDefault();
      this.pendingPaste = null;
      try {
        this.loadGraphData(data, "pasted workflow");
        this.panels.info("Loaded the pasted workflow");
      } catch (err) {
        this.panels.error("Could not load the pasted workflow", String(err.message || err));
      }
    });
  }

  /**
   * Files dropped anywhere on the page: an image dropped on an image-upload node (LoadImage) is
   * uploaded into it; anything else loads as a workflow. The whole page takes file drops so that
   * one dropped on the side panel or the toolbar does not make the browser open the file, leaving
   * the editor. Drags without files (text into a prompt box) keep the browser's behaviour.
   */
  bindDrop() {
    const hasFiles = (e) => Array.from(e.dataTransfer?.types || []).includes("Files");
    document.addEventListener("dragover", (e) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      e.dataTransfer.dropEffect = "copy";
    });
    document.addEventListener("drop", async (e) => {
      const file = e.dataTransfer?.files?.[0];
      if (!file && !hasFiles(e)) return;
      e.preventDefault();
      if (!file) return;
      const node = this.uploadNodeAt(e.clientX, e.clientY);
      if (node && isImageFile(file)) await this.uploadToNode(node, file);
      else await this.loadFile(file);
    });
  }

  /** The image-upload node (LoadImage) under a page point on the canvas, if any. */
  uploadNodeAt(clientX, clientY) {
    const el = this.canvas.canvas;
    const r = el.getBoundingClientRect();
    if (clientX < r.left || clientX > r.right || clientY < r.top || clientY > r.bottom) return null;
    const [x, y] = this.canvas.ds.convertCanvasToOffset([clientX - r.left, clientY - r.top]);
    const node = this.graph.getNodeOnPos(x, y);
    return node && node.imageCombo && node.uploadWidget ? node : null;
  }

  /** Upload an image file into the node's image folder (input; LoadImageOutput: output) and choose it. */
  async uploadToNode(node, file) {
    try {
      const res = await this.api.uploadImage(file, node.imageCombo?.inputSpec?.options?.image_folder || "input");
      const name = res.subfolder ? `${res.subfolder}/${res.name}` : res.name;
      const combo = node.imageCombo;
      const values = combo.options.values.filter((v) => !String(v).startsWith("("));
      if (!values.includes(name)) values.push(name);
      combo.options.values = values;
      combo.value = name;
      node.onWidgetChanged?.(combo);
      this.canvas.setDirty(true, true);
      this.graphChanged();
      return name;
    } catch (err) {
      this.panels.error(`Upload of ${file.name} failed`, String(err.message || err));
      return null;
    }
  }

  /** Restore a graph from a dropped or opened file: PNG with metadata, UI or API JSON. */
  async loadFile(file) {
    try {
      if (file.type === "image/png" || /\.png$/i.test(file.name)) {
        const found = await workflowFromPng(await file.arrayBuffer());
        this.loadGraphData(found.workflow || found.prompt, file.name);
      } else if (file.type === "application/json" || /\.json$/i.test(file.name)) {
        this.loadGraphData(JSON.parse(await file.text()), file.name);
      } else {
        throw new Error("only .png (made by SaveImage) and .json workflows can be loaded");
      }
      this.panels.info(`Loaded ${file.name}`);
    } catch (err) {
      this.panels.error(`Could not load ${file.name}`, String(err.message || err));
    }
  }

  async refreshComboValues() {
    this.objectInfo = await this.api.objectInfo();
    refreshCombos(this.graph, this.objectInfo);
    this.panels.updateEmptyState();
    this.canvas.setDirty(true, true);
  }
}

function isImageFile(file) {
  return /^image\//.test(file.type) || /\.(png|jpe?g|webp|gif|bmp)$/i.test(file.name);
}

/** A UI workflow or API prompt parsed from pasted text, or null when the text is neither. */
function workflowFromText(text) {
  if (!text || !/^\s*\{/.test(text)) return null;
  let data;
  try {
    data = JSON.parse(text);
  } catch {
    return null;   // text that only looks like JSON: not a workflow, litegraph's paste goes on
  }
  if (!data || typeof data !== "object") return null;
  return Array.isArray(data.nodes) || isApiPrompt(data) ? data : null;
}
