// Node types: one litegraph class per /object_info entry, plus the frontend-only
// Reroute, PrimitiveNode and Note nodes.
import { LGraphNode, LiteGraph, TitleMode } from "../vendor/litegraph/litegraph.es.js";
import { CONTROL_WIDGET, parseInputSpec, socketInputs, widgetLayout } from "./graph.js";
import { addTextArea, addUploadWidget, addWidgetFor, comboValues } from "./widgets.js";

const IMAGE_AREA_MIN = 160;

/** Draw images (outputs or a live preview) in the free space under the widgets. */
function drawImages(node, ctx) {
  const img = node.previewImage || (node.imgs && node.imgs[node.imageIndex || 0]);
  if (!img || !img.complete || !img.naturalWidth) return;
  const last = (node.widgets || []).reduce((m, w) => Math.max(m, (w.y || 0) + (w.computedHeight || LiteGraph.NODE_WIDGET_HEIGHT + 4)), 0);
  const top = Math.max(last + 4, 4);
  const h = node.size[1] - top - 4;
  const wdt = node.size[0] - 8;
  if (h < 20) return;
  const s = Math.min(wdt / img.naturalWidth, h / img.naturalHeight);
  const dw = img.naturalWidth * s;
  const dh = img.naturalHeight * s;
  ctx.drawImage(img, 4 + (wdt - dw) / 2, top + (h - dh) / 2, dw, dh);
  if (node.imgs && node.imgs.length > 1 && !node.previewImage) {
    ctx.fillStyle = "#ddd";
    ctx.font = "12px sans-serif";
    ctx.fillText(`${(node.imageIndex || 0) + 1} / ${node.imgs.length}`, 8, node.size[1] - 8);
  }
}

/** Break text into at most maxLines lines of maxWidth pixels (the last one ends with … when cut). */
function wrapText(ctx, text, maxWidth, maxLines) {
  const words = String(text).split(/\s+/);
  const lines = [];
  let line = "";
  for (const word of words) {
    const next = line ? `${line} ${word}` : word;
    if (ctx.measureText(next).width <= maxWidth || !line) {
      line = next;
      continue;
    }
    lines.push(line);
    line = word;
    if (lines.length === maxLines) break;
  }
  if (lines.length < maxLines && line) lines.push(line);
  else if (line) lines[maxLines - 1] += " …";
  return lines.map((l) => {
    let out = l;
    while (out.length > 4 && ctx.measureText(out).width > maxWidth) out = `${out.slice(0, -2)}…`;
    return out;
  });
}

/** Red outline + message for nodes with errors; green outline for the running node. */
function drawStatus(node, ctx, app) {
  const title = LiteGraph.NODE_TITLE_HEIGHT;
  if (!node.flags?.collapsed) {   // the node id, as error messages and the API prompt name nodes by it
    ctx.save();
    ctx.fillStyle = "#888";
    ctx.font = "11px sans-serif";
    ctx.textAlign = "right";
    ctx.fillText(`#${node.id}`, node.size[0] - 8, -9);
    ctx.restore();
  }
  if (node.mode === 2 || node.mode === 4) {
    ctx.save();
    ctx.fillStyle = node.mode === 4 ? "rgba(255, 0, 255, 0.25)" : "rgba(0, 0, 0, 0.45)";
    ctx.fillRect(0, -title, node.size[0], node.size[1] + title);
    ctx.fillStyle = node.mode === 4 ? "#f6f" : "#bbb";
    ctx.font = "bold 12px sans-serif";
    ctx.textAlign = "right";
    ctx.fillText(node.mode === 4 ? "bypassed" : "muted", node.size[0] - 40, -9);
    ctx.restore();
  }
  const err = app.nodeErrors[String(node.id)];
  if (err) {
    ctx.save();
    ctx.strokeStyle = "#ff3b3b";
    ctx.lineWidth = 3;
    ctx.strokeRect(-4, -title - 4, node.size[0] + 8, node.size[1] + title + 8);
    ctx.fillStyle = "#ff3b3b";
    ctx.font = "bold 13px sans-serif";
    const lines = wrapText(ctx, err.lines.join(" · "), Math.max(node.size[0], 280), 3);
    lines.forEach((line, i) => ctx.fillText(line, 0, -title - 10 - (lines.length - 1 - i) * 16));
    ctx.restore();
  } else if (app.runningNodeId != null && app.nodeForApiId(app.runningNodeId) === node) {  // inner ids too
    ctx.save();
    ctx.strokeStyle = "#00ff66";
    ctx.lineWidth = 3;
    ctx.strokeRect(-3, -title - 3, node.size[0] + 6, node.size[1] + title + 6);
    ctx.restore();
  }
}

function ensureImageSpace(node) {
  const widgetsHeight = node.computeSize()[1];
  if (node.size[1] < widgetsHeight + IMAGE_AREA_MIN) node.setSize([Math.max(node.size[0], 240), widgetsHeight + IMAGE_AREA_MIN + 60]);
}

/** Base class shared by server-defined nodes: images, status drawing, widget sockets. */
export function makeNodeClass(name, def, app) {
  const layout = widgetLayout(def);
  const sockets = socketInputs(def);
  class ServerNode extends LGraphNode {
    static comfyClass = name;
    static nodeData = def;
    static title = def.display_name || name;
    static description = def.description || "";

    constructor(title) {
      super(title ?? ServerNode.title);
      this.comfyClass = name;
      this.serialize_widgets = true;
      this.properties = { "Node name for S&R": name };
      for (const s of sockets) {
        const input = this.addInput(s.name, s.type);
        if (s.optional) input.shape = LiteGraph.ROUND_SHAPE;
      }
      (def.output || []).forEach((t, i) => {
        const type = Array.isArray(t) ? "COMBO" : t;
        const out = this.addOutput((def.output_name || [])[i] || type, type);
        if (def.output_is_list && def.output_is_list[i]) out.shape = LiteGraph.GRID_SHAPE;
      });
      for (const entry of layout) {
        const w = addWidgetFor(this, entry, app);
        if (entry.api) this.addInput(entry.name, entry.type, { widget: { name: entry.name } });
        if (entry.type === "COMBO" && entry.options.image_upload) {
          this.uploadWidget = addUploadWidget(this, w, app);
          this.imageCombo = w;
        }
      }
      const size = this.computeSize();
      this.setSize([Math.max(size[0], 220), size[1]]);
      if (def.output_node && /Image/.test(name)) ensureImageSpace(this);
      if (this.imageCombo) this.onWidgetChanged(this.imageCombo);
      app.extensions.nodeCreated(this);
    }

    /** Saved inputs replace ours exactly (old files list fewer); sockets for all widgets are then re-added. */
    configure(info) {
      if (Array.isArray(info.inputs)) this.inputs = [];
      if (Array.isArray(info.outputs)) this.outputs = [];
      super.configure(info);
      for (const entry of layout) {
        if (!entry.api) continue;
        if (!this.inputs.some((i) => i.widget && i.widget.name === entry.name)) {
          const plain = this.inputs.findIndex((i) => !i.widget && i.name === entry.name && i.link == null);
          if (plain >= 0) this.inputs.splice(plain, 1);
          this.addInput(entry.name, entry.type, { widget: { name: entry.name } });
        }
      }
      if (this.widgets) {
        for (const w of this.widgets) {
          if (w.type === "combo" && w.inputSpec && w.inputSpec.type === "COMBO" && !w.options.values.includes(w.value) && app.pickMissingCombo) {
            w.value = w.options.values[0];
          }
        }
      }
    }

    getExtraMenuOptions(canvas, options) {
      if (this.imgs && this.imgs.length) {
        options.unshift({ content: "Open Image", callback: () => window.open(this.imgs[this.imageIndex || 0].src, "_blank") });
      }
      app.nodeMenuExtras(this, options);
      return options;
    }

    onDrawBackground(ctx) {
      drawImages(this, ctx);
    }

    /** LoadImage-style nodes show the chosen input image. */
    onWidgetChanged(w) {
      if (w !== this.imageCombo || !w.value || !w.options.values.includes(w.value) || String(w.value).startsWith("(")) return;
      const parts = String(w.value).split("/");
      const filename = parts.pop();
      this.setOutputImages([{ filename, subfolder: parts.join("/"), type: "input" }]);
    }

    onAfterGraphConfigured() {
      if (this.imageCombo) this.onWidgetChanged(this.imageCombo);
    }

    onDrawForeground(ctx) {
      drawStatus(this, ctx, app);
    }

    onMouseDown(e, pos) {
      if (this.imgs && this.imgs.length > 1 && pos[1] > this.size[1] - 24) {
        this.imageIndex = ((this.imageIndex || 0) + 1) % this.imgs.length;
        this.setDirtyCanvas(true, false);
        return true;
      }
      return false;
    }

    onRemoved() {
      for (const w of this.widgets || []) w.onRemove?.();
    }

    ensureImageSpace() {
      ensureImageSpace(this);
    }

    /** Show UI output images ({images: [{filename, subfolder, type}]}) on the node. */
    setOutputImages(images) {
      this.previewImage = null;
      this.imgs = images.map((im) => {
        const img = new Image();
        img.onload = () => this.setDirtyCanvas(true, false);
        img.src = app.api.viewUrl(im);
        img.dataset.filename = im.filename;
        return img;
      });
      this.imageIndex = 0;
      ensureImageSpace(this);
      this.setDirtyCanvas(true, true);
    }
  }
  return ServerNode;
}

/** Replace combo values of existing nodes after a refresh of /object_info. */
export function refreshCombos(graph, objectInfo) {
  for (const node of graph._nodes) {
    const def = objectInfo[node.comfyClass];
    if (!def) continue;
    const byName = new Map(widgetLayout(def).map((e) => [e.name, e]));
    for (const w of node.widgets || []) {
      const e = byName.get(w.name);
      if (!e || e.type !== "COMBO") continue;
      w.options.values = comboValues(e, node.comfyClass);
      if (!w.options.values.includes(w.value)) w.value = w.options.values[0];
    }
  }
}

/** Reroute: one "*" input and output; passes its link on. */
class RerouteNode extends LGraphNode {
  static title = "Reroute";
  static title_mode = TitleMode.NO_TITLE;
  constructor(title) {
    super(title ?? "Reroute");
    this.isVirtualNode = true;
    this.addInput("", "*");
    this.addOutput("", "*");
    this.size = [75, 26];
    this.collapsable = false;
    this.properties = { showOutputText: false, horizontal: false };
  }
  /** The reroute takes the type of what feeds it ("*" while unlinked). */
  setType(type) {
    this.outputs[0].type = type || "*";
    this.outputs[0].name = "";
  }
  onConnectInput(index, type) {
    this.setType(type);
    return true;
  }
  onConnectionsChange(side, slot, connected) {
    if (side === LiteGraph.INPUT && !connected) this.setType("*");
  }
  onAfterGraphConfigured() {
    const link = this.inputs[0].link != null ? this.graph?._links.get(this.inputs[0].link) : null;
    const origin = link && this.graph.getNodeById(link.origin_id);
    this.setType(origin?.outputs?.[link.origin_slot]?.type ?? "*");
  }
  computeSize() { return [75, 26]; }
}

/** PrimitiveNode: holds one value and feeds it to the widget inputs it is linked to. */
function makePrimitive(app) {
  class PrimitiveNode extends LGraphNode {
    static title = "Primitive";
    constructor(title) {
      super(title ?? "Primitive");
      this.isVirtualNode = true;
      this.serialize_widgets = true;
      this.addOutput("connect to widget input", "*");
      this.properties = { "Run widget replace on values": false };
    }
    targetWidgets() {
      const out = [];
      for (const id of this.outputs[0].links || []) {
        const link = this.graph?._links.get(id);
        const node = link && this.graph.getNodeById(link.target_id);
        const slot = node && node.inputs[link.target_slot];
        const w = slot && slot.widget && node.widgets?.find((x) => x.name === slot.widget.name);
        if (w) out.push({ node, w });
      }
      return out;
    }
    /** Only widget inputs (a value the node could also type in) take a primitive. */
    onConnectOutput(slot, type, input) {
      return Boolean(input && input.widget);
    }
    onConnectionsChange() {
      const targets = this.targetWidgets();
      if (!targets.length || (this.widgets && this.widgets.length)) return;
      const { w } = targets[0];
      const spec = w.inputSpec;
      this.outputs[0].type = spec.type;
      this.outputs[0].name = spec.type;
      const keep = this.pendingValues;
      addWidgetFor(this, spec, app).value = keep ? keep[0] : w.value;
      if (spec.type === "INT" && (spec.options.control_after_generate || /^(noise_)?seed$/.test(spec.name))) {
        const cw = addWidgetFor(this, { name: CONTROL_WIDGET, type: "CONTROL", options: {}, target: spec.name }, app);
        cw.controlTarget = this.widgets[0].name;
        if (keep && keep.length > 1) cw.value = keep[1];
      }
      this.pendingValues = null;
      this.setSize(this.computeSize());
    }
    configure(info) {
      this.pendingValues = info.widgets_values;
      super.configure({ ...info, widgets_values: undefined });
    }
    onAfterGraphConfigured() {
      this.onConnectionsChange();
    }
    /** Push the value into the linked widgets (before a queue). */
    applyToGraph() {
      if (!this.widgets || !this.widgets.length) return;
      for (const { w } of this.targetWidgets()) w.value = this.widgets[0].value;
    }
    onRemoved() {
      for (const w of this.widgets || []) w.onRemove?.();
    }
  }
  return PrimitiveNode;
}

function makeNote(app) {
  class NoteNode extends LGraphNode {
    static title = "Note";
    constructor(title) {
      super(title ?? "Note");
      this.isVirtualNode = true;
      this.serialize_widgets = true;
      this.color = "#432";
      this.bgcolor = "#653";
      addTextArea(this, "text", "", app);
      this.setSize([300, 140]);
    }
    onRemoved() {
      for (const w of this.widgets || []) w.onRemove?.();
    }
  }
  return NoteNode;
}

/** Register every node type of objectInfo (and the frontend-only ones) with LiteGraph. */
export function registerNodeTypes(objectInfo, app) {
  for (const [name, def] of Object.entries(objectInfo)) {
    const cls = makeNodeClass(name, def, app);
    app.extensions.beforeRegisterNodeDef(cls, def);
    LiteGraph.registerNodeType(name, cls);
    cls.category = def.category || "sd";
    if (def.deprecated) cls.skip_list = true;
  }
  const utils = [["Reroute", RerouteNode], ["PrimitiveNode", makePrimitive(app)], ["Note", makeNote(app)]];
  for (const [name, cls] of utils) {
    LiteGraph.registerNodeType(name, cls);
    cls.category = "utils";
  }
}

/** The tooltip for a position over a node: widget tooltip, input tooltip or the node description. */
export function tooltipAt(node, pos) {
  const def = node.constructor.nodeData;
  if (!def) return "";
  const y = pos[1] - node.pos[1];
  if (y < 0) return def.description || "";
  for (const w of node.widgets || []) {
    const h = w.computedHeight || LiteGraph.NODE_WIDGET_HEIGHT + 4;
    if (y >= w.y && y < w.y + h) return w.tooltip || "";
  }
  for (const [name, spec] of Object.entries({ ...(def.input?.required || {}), ...(def.input?.optional || {}) })) {
    const i = node.inputs.findIndex((s) => s.name === name && !s.widget);
    if (i < 0) continue;
    const p = node.getInputPos(i);
    if (Math.abs(p[1] - pos[1]) < 10 && pos[0] - node.pos[0] < 80) return parseInputSpec(spec).options.tooltip || "";
  }
  return "";
}
