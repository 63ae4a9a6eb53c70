// Node types: one litegraph class per /object_info entry, plus the frontend-only
// Reroute, PrimitiveNode, Note and MarkdownNote nodes.
import { LGraphNode, LiteGraph, TitleMode } from "../vendor/litegraph/litegraph.es.js";
import {
  CONTROL_VALUES, CONTROL_WIDGET, FILTER_WIDGET, parseInputSpec, socketInputs, typesCompatible, widgetLayout,
} from "./graph.js";
import { installLitegraphFixes } from "./litegraph_fixes.js";
import {
  addMarkdown, addTextArea, addTextPreview, addUploadWidget, addWidgetFor, comboHas, comboValues, isComboPlaceholder,
  placeNodeElement, splitAnnotation,
} from "./widgets.js";

const IMAGE_AREA_MIN = 160;
const PRIMITIVE_OUTPUT_NAME = "connect to widget input";
/** ComfyUI's names: the read-only text of an executed `text` output, the DOM image of an animated output. */
export const TEXT_PREVIEW_WIDGET = "preview_text";
export const ANIM_PREVIEW_WIDGET = "$$comfy_animation_preview";

/** True when an executed output marks its images animated (ComfyUI's frontend reads `animated` as a list of flags). */
export function isAnimatedOutput(output) {
  return Array.isArray(output?.animated) ? output.animated.some(Boolean) : output?.animated === true;
}

/** An executed `text` output as one string: a list's entries joined by blank lines, as ComfyUI's PreviewAny shows them. */
export function outputText(text) {
  if (Array.isArray(text)) return text.map((t) => (typeof t === "string" ? t : JSON.stringify(t))).join("\n\n");
  return text == null ? "" : String(text);
}

/**
 * The widget that shows an animated output (animated WEBP / PNG) as an <img> over the node, so the
 * browser plays it (a canvas drawImage shows the first frame only), as ComfyUI's frontend does.
 */
function addAnimatedPreview(node, app) {
  const img = document.createElement("img");
  img.className = "sdflow-animated-preview";
  Object.assign(img.style, { position: "absolute", left: "0", top: "0", transformOrigin: "0 0", objectFit: "contain",
    pointerEvents: "none" });
  const widget = {
    type: "animated_image",
    name: ANIM_PREVIEW_WIDGET,
    element: img,
    options: { serialize: false },
    serialize: false,
    value: "",
    computeLayoutSize() { return { minHeight: 120, maxHeight: 4000, minWidth: 120 }; },
    draw(ctx, n, width, y) {
      widget.y = y;
      widget.drawnFrame = app.frame;
      placeNodeElement(img, app, n, [8, y, width - 16, (widget.computedHeight || 124) - 4]);
    },
    onRemove() { img.remove(); },
  };
  node.addCustomWidget(widget);
  return widget;
}

/** The free area of a node under its slot rows and widgets: [left, top, width, height] (node-local). */
function imageArea(node) {
  const last = (node.widgets || []).reduce((m, w) => (w.hidden && !w.linkHidden ? m
    : Math.max(m, (w.y || 0) + (w.computedHeight ?? LiteGraph.NODE_WIDGET_HEIGHT + 4))), 0);
  // slot rows (inputs that are not widget sockets, outputs) are drawn from the top of the body
  const inputs = (node.inputs || []).filter((i) => !(i.widget && node.widgets?.length)).length;
  const rows = Math.max(inputs, (node.outputs || []).length);
  const slots = rows ? rows * LiteGraph.NODE_SLOT_HEIGHT + 4 : 0;
  const top = Math.max(last + 4, slots + 4, 4);
  return [4, top, node.size[0] - 8, node.size[1] - top - 4];
}

/** Fit images of aspect (w/h) `aspect` in a grid in w x h: [columns, rows, cell width, cell height] of the largest. */
function gridLayout(n, w, h, aspect) {
  let best = [1, n, w, h / n, 0];
  for (let cols = 1; cols <= n; cols++) {
    const rows = Math.ceil(n / cols);
    const cw = w / cols;
    const ch = h / rows;
    const size = Math.min(cw, ch * aspect);
    if (size > best[4]) best = [cols, rows, cw, ch, size];
  }
  return best.slice(0, 4);
}

/**
 * Draw images (outputs or a live preview) in the free space under the slots and widgets. Several
 * output images show as a grid of thumbnails (imageIndex null); a click on one shows it alone
 * (imageIndex), a click on that image goes back to the grid. node.imageRects keeps where each was drawn.
 */
function drawImages(node, ctx) {
  node.imageRects = [];
  if (node.widgets?.some((w) => w.name === ANIM_PREVIEW_WIDGET) && !node.previewImage) return;   // the <img> shows it
  const [left, top, wdt, h] = imageArea(node);
  if (h < 20) return;
  const imgs = node.imgs || [];
  const grid = !node.previewImage && imgs.length > 1 && node.imageIndex == null;
  const shown = node.previewImage ? [node.previewImage] : grid ? imgs : [imgs[node.imageIndex || 0]];
  const ready = shown.filter((img) => img && img.complete && img.naturalWidth);
  if (!ready.length) return;
  const [cols, , cw, ch] = grid ? gridLayout(shown.length, wdt, h, ready[0].naturalWidth / ready[0].naturalHeight)
    : [1, 1, wdt, h];
  shown.forEach((img, k) => {
    if (!img || !img.complete || !img.naturalWidth) return;
    const x = left + (k % cols) * cw;
    const y = top + Math.floor(k / cols) * ch;
    const pad = grid ? 2 : 0;
    const s = Math.min((cw - 2 * pad) / img.naturalWidth, (ch - 2 * pad) / img.naturalHeight);
    const dw = img.naturalWidth * s;
    const dh = img.naturalHeight * s;
    const rect = [x + (cw - dw) / 2, y + (ch - dh) / 2, dw, dh];
    ctx.drawImage(img, ...rect);
    node.imageRects.push(rect);
  });
  if (imgs.length > 1 && !node.previewImage && !grid) {
    ctx.fillStyle = "#ddd";
    ctx.font = "12px sans-serif";
    ctx.fillText(`${(node.imageIndex || 0) + 1} / ${imgs.length} · click: all`, 8, node.size[1] - 8);
  }
}

/** A click (node-local pos) on a batch's images: pick one from the grid, or back to the grid. */
function clickImages(node, pos) {
  if (node.previewImage || !node.imgs || node.imgs.length < 2 || !node.imageRects) return false;
  const [px, py] = pos;
  if (node.findResizeDirection?.(node.pos[0] + px, node.pos[1] + py)) return false;   // corners still resize
  const hit = node.imageRects.findIndex(([x, y, w, h]) => px >= x && px < x + w && py >= y && py < y + h);
  if (hit < 0) return false;
  node.imageIndex = node.imageIndex == null ? hit : null;
  node.setDirtyCanvas(true, false);
  return true;
}

/**
 * Widgets_values of the wrong type for their input (a number widget given "x", ...): [widget, message].
 * A number saved as text ("42") is not wrong: the widget gets the number.
 */
function wrongTypedValues(node) {
  const out = [];
  for (const w of node.widgets || []) {
    const spec = w.inputSpec;
    if (!spec) continue;
    const v = w.value;
    let ok = true;
    const number = spec.type === "INT" || spec.type === "FLOAT";
    if (number && typeof v === "string" && v.trim() && Number.isFinite(Number(v))) {
      w.value = Number(v);   // a number saved as text ("42") is the number, as the server reads it
      continue;
    }
    if (number) ok = typeof v === "number" && Number.isFinite(v);
    else if (spec.type === "BOOLEAN") ok = typeof v === "boolean";
    else if (spec.type === "STRING") ok = typeof v === "string";
    if (!ok) out.push([w, `${w.name}: the saved value ${JSON.stringify(v)} is not a valid ${spec.type}`]);
  }
  return out;
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

/** The names of hidden linked widgets, where their socket sits (the row the widget had). */
function drawLinkedWidgetNames(node, ctx) {
  if (node.flags?.collapsed) return;
  for (const w of node.widgets || []) {
    if (w.linkHidden !== "socket" || w.y == null) continue;
    ctx.save();
    ctx.fillStyle = LiteGraph.NODE_TEXT_COLOR || "#aaa";
    ctx.font = "12px sans-serif";
    ctx.textAlign = "left";
    ctx.fillText(w.label || w.name, LiteGraph.NODE_SLOT_HEIGHT + 2, w.y + LiteGraph.NODE_SLOT_HEIGHT / 2 + 2);
    ctx.restore();
  }
}

/** The default value of a widget's input spec (its type's zero when there is none). */
function addWidgetDefault(w) {
  const o = w.inputSpec.options || {};
  const zero = { INT: 0, FLOAT: 0, BOOLEAN: false, STRING: "" }[w.inputSpec.type];
  const d = o.default ?? o.min ?? zero;
  return typeof d === typeof zero ? d : zero;
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
      // litegraph's constructor sets an own onMouseDown (title buttons) that hides any prototype
      // method: the image clicks are chained after it here.
      const titleButtons = this.onMouseDown;
      this.onMouseDown = (e, pos, canvas) => Boolean(titleButtons?.(e, pos, canvas)) || clickImages(this, pos);
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
      if (name === "PreviewAny") addTextPreview(this, TEXT_PREVIEW_WIDGET, app);
      const size = this.computeSize();
      this.setSize([Math.max(size[0], 220), size[1]]);
      if (def.output_node && /Image/.test(name)) ensureImageSpace(this);
      if (this.imageCombo) this.showInputImage();
      app.extensions.nodeCreated(this);
    }

    /** Saved inputs replace ours exactly (old files list fewer); sockets for all widgets are then re-added. */
    configure(info) {
      if (Array.isArray(info.inputs)) this.inputs = [];
      if (Array.isArray(info.outputs)) this.outputs = [];
      this.configuring = true;
      try {
        super.configure(info);
      } finally {
        this.configuring = false;
      }
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
          // a remote combo (LoadImageOutput) checks its value when its list arrives
          if (w.type === "combo" && w.inputSpec && w.inputSpec.type === "COMBO" && !w.remote && !w.options.values.includes(w.value) && app.pickMissingCombo) {
            w.value = w.options.values[0];
          }
        }
        // a value of the wrong type (seed "x") is reported and replaced by the input's default
        const wrong = wrongTypedValues(this);
        if (wrong.length) {
          for (const [w] of wrong) w.value = addWidgetDefault(w);
          const lines = wrong.map(([w, msg]) => `${msg}; the default ${JSON.stringify(w.value)} is used`);
          app.markError(String(this.id), lines, name);
          app.panels.error(`${this.title} #${this.id}: workflow value of the wrong type`, lines.join("\n"));
        }
      }
    }

    /** Adds to litegraph's menu in place; returns nothing, as litegraph puts a returned list in front again. */
    getExtraMenuOptions(canvas, options) {
      if (this.imgs && this.imgs.length) {
        options.unshift({ content: "Open Image", callback: () => window.open(this.imgs[this.imageIndex || 0].src, "_blank") });
      }
      app.nodeMenuExtras(this, options);
    }

    onDrawBackground(ctx) {
      drawImages(this, ctx);
    }

    /** litegraph calls (name, value, old, widget); our combo callback passes the widget alone. */
    onWidgetChanged(nameOrWidget, value, old, widget) {
      const w = widget || nameOrWidget;
      this.clearError();
      if (w === this.imageCombo) this.showInputImage();
    }

    /** An edit of an input clears the node's error outline (as ComfyUI's frontend does). */
    clearError() {
      const key = String(this.id);
      if (!app.nodeErrors[key]) return;
      delete app.nodeErrors[key];
      this.setDirtyCanvas(true, true);
    }

    /**
     * LoadImage-style nodes show the chosen image, from the input's image_folder (LoadImageOutput: the
     * output folder); a value annotated as ComfyUI writes it ("a.png [output]") names its folder itself.
     */
    showInputImage() {
      const w = this.imageCombo;
      if (!w || !w.value || !comboHas(w, w.value) || isComboPlaceholder(w.value) || String(w.value).startsWith("(")) return;
      const [path, annotated] = splitAnnotation(w.value);
      const parts = path.split("/");
      const filename = parts.pop();
      const type = annotated || w.inputSpec?.options?.image_folder || "input";
      this.setOutputImages([{ filename, subfolder: parts.join("/"), type }]);
    }

    /**
     * An "executed" output of this node ({images, animated, text, ...}): images as setOutputImages shows
     * them (animated ones as a playing <img>), `text` in the read-only preview_text box (PreviewAny's,
     * added on the first text for other nodes). Called for runs and for cached outputs the server replays.
     */
    onExecuted(output) {
      this.lastOutput = output;
      if (output && output.text !== undefined) this.showText(output.text);
      if (Array.isArray(output?.images)) this.setOutputImages(output.images, isAnimatedOutput(output));
    }

    /** Show text (a string or a list of them) in the node's read-only preview box. */
    showText(text) {
      let w = this.widgets?.find((x) => x.name === TEXT_PREVIEW_WIDGET);
      if (!w) {
        w = addTextPreview(this, TEXT_PREVIEW_WIDGET, app);
        const min = this.computeSize();
        this.setSize([Math.max(this.size[0], min[0], 260), Math.max(this.size[1], min[1])]);
      }
      w.value = outputText(text);
      this.setDirtyCanvas(true, true);
    }

    /** Add (animated) or drop the <img> widget of an animated output. */
    setAnimatedPreview(src) {
      const i = (this.widgets || []).findIndex((w) => w.name === ANIM_PREVIEW_WIDGET);
      if (!src) {
        if (i < 0) return;
        this.widgets[i].onRemove();
        this.widgets.splice(i, 1);
        return;
      }
      const w = i >= 0 ? this.widgets[i] : addAnimatedPreview(this, app);
      if (w.element.getAttribute("src") !== src) w.element.src = src;
      w.value = src;
    }

    onConnectionsChange(side) {
      if (side !== LiteGraph.INPUT) return;
      this.syncLinkedWidgets(!this.configuring);
      if (!this.configuring) this.clearError();
    }

    /**
     * A widget whose input socket is linked hides (its row keeps the socket and its name), together
     * with its control_after_generate / control_filter_list widgets, as in ComfyUI; unlinked, they show again.
     */
    syncLinkedWidgets(resize = true) {
      if (!this.widgets) return;
      const linked = new Set((this.inputs || []).filter((i) => i.widget && i.link != null).map((i) => i.widget.name));
      let changed = false;
      for (const w of this.widgets) {
        const own = linked.has(w.name);
        const hide = own || (w.inputSpec?.target != null && linked.has(w.inputSpec.target));
        if (hide && !w.linkHidden) {
          w.linkHidden = own ? "socket" : "control";
          w.hidden = true;
          w.savedComputeSize = Object.getOwnPropertyDescriptor(w, "computeSize") || null;
          w.computeSize = own ? () => [0, LiteGraph.NODE_SLOT_HEIGHT - 4] : () => [0, -4];
          changed = true;
        } else if (!hide && w.linkHidden) {
          w.linkHidden = null;
          w.hidden = false;
          delete w.computeSize;
          if (w.savedComputeSize) Object.defineProperty(w, "computeSize", w.savedComputeSize);
          changed = true;
        }
      }
      if (!changed || !resize) return;
      const min = this.computeSize();
      const grow = this.widgets.some((w) => !w.hidden && w.computeLayoutSize) || (this.imgs && this.imgs.length);
      this.setSize([this.size[0], grow ? Math.max(this.size[1], min[1]) : min[1]]);
      this.setDirtyCanvas(true, true);
    }

    onAfterGraphConfigured() {
      if (this.imageCombo) this.showInputImage();
      this.syncLinkedWidgets(false);
    }

    onDrawForeground(ctx) {
      drawLinkedWidgetNames(this, ctx);
      drawStatus(this, ctx, app);
    }

    onRemoved() {
      for (const w of this.widgets || []) w.onRemove?.();
    }

    ensureImageSpace() {
      ensureImageSpace(this);
    }

    /**
     * Show UI output images ({images: [{filename, subfolder, type}]}) on the node; animated ones (the
     * output's `animated` flags, taken from the last executed output when not given) as a playing <img>.
     */
    setOutputImages(images, animated) {
      const anim = animated ?? (images === this.lastOutput?.images && isAnimatedOutput(this.lastOutput));
      if (images === this.shownImages && anim === this.shownAnimated) return;   // the same event twice
      this.shownImages = images;
      this.shownAnimated = anim;
      this.previewImage = null;
      this.imgs = images.map((im) => {
        const img = new Image();
        img.onload = () => this.setDirtyCanvas(true, false);
        img.src = app.api.viewUrl(im);
        img.dataset.filename = im.filename;
        return img;
      });
      this.imageIndex = this.imgs.length > 1 ? null : 0;   // several: a grid of thumbnails
      this.setAnimatedPreview(anim && this.imgs.length ? this.imgs[0].src : null);
      ensureImageSpace(this);
      this.setDirtyCanvas(true, true);
    }
  }
  return ServerNode;
}

/**
 * Replace combo values of existing nodes after a refresh of /object_info. A chosen value that is no
 * longer listed (its file went away) is kept, as in ComfyUI: validation then names it at the next queue.
 * Only the "(no checkpoints ...)" / "(none available)" placeholders give way to the first real value.
 */
export function refreshCombos(graph, objectInfo) {
  for (const node of graph._nodes) {
    const def = objectInfo[node.comfyClass];
    if (!def) continue;
    const byName = new Map(widgetLayout(def).map((e) => [e.name, e]));
    for (const w of node.widgets || []) {
      const e = byName.get(w.name);
      if (!e || e.type !== "COMBO") continue;
      if (w.remote) {   // its list comes from its own route (LoadImageOutput: the output folder)
        w.refreshOptions(false);
        continue;
      }
      w.options.values = comboValues(e, node.comfyClass);
      if (isComboPlaceholder(w.value) && !w.options.values.includes(w.value)) w.value = w.options.values[0];
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
  /**
   * The types the reroute's output already feeds (through further reroutes too): a reroute wired into
   * a MODEL input only takes MODEL, even while nothing feeds it.
   */
  downstreamTypes() {
    const types = new Set();
    const seen = new Set();
    const stack = [this];
    while (stack.length) {
      const node = stack.pop();
      if (seen.has(node)) continue;
      seen.add(node);
      for (const id of node.outputs[0].links || []) {
        const link = node.graph?._links.get(id);
        const target = link && node.graph.getNodeById(link.target_id);
        if (!target) continue;
        if (target instanceof RerouteNode) stack.push(target);
        else {
          const t = target.inputs?.[link.target_slot]?.type;
          if (t && t !== "*") types.add(String(t));
        }
      }
    }
    return [...types];
  }
  onConnectInput(index, type) {
    if (type && type !== "*" && !this.downstreamTypes().every((t) => typesCompatible(t, type))) return false;
    this.setType(type);
    return true;
  }
  onConnectionsChange(side, slot, connected) {
    if (side === LiteGraph.INPUT && !connected) this.setType(this.downstreamTypes()[0] || "*");
  }
  onAfterGraphConfigured() {
    const link = this.inputs[0].link != null ? this.graph?._links.get(this.inputs[0].link) : null;
    const origin = link && this.graph.getNodeById(link.origin_id);
    this.setType(origin?.outputs?.[link.origin_slot]?.type ?? this.downstreamTypes()[0] ?? "*");
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
      this.addOutput(PRIMITIVE_OUTPUT_NAME, "*");
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
      if (!targets.length && this.widgets && this.widgets.length && !this.configuring) {
        this.reset();
        return;
      }
      if (!targets.length || (this.widgets && this.widgets.length)) return;
      const { w } = targets[0];
      const spec = w.inputSpec;
      this.outputs[0].type = spec.type;
      this.outputs[0].name = spec.type;
      const last = this.lastValues && this.lastValues.type === spec.type ? this.lastValues.values : null;
      const keep = this.pendingValues || last;
      addWidgetFor(this, spec, app).value = keep ? keep[0] : w.value;
      // As ComfyUI: a seed-like input brings its control (randomize); any other number or combo gets
      // one too, "fixed" unless saved, and a combo its control_filter_list.
      const seedLike = spec.type === "INT"
        && (spec.options.control_after_generate || /^(noise_)?seed$/.test(spec.name));
      if (seedLike || spec.type === "INT" || spec.type === "FLOAT" || spec.type === "COMBO") {
        const cw = addWidgetFor(this, { name: CONTROL_WIDGET, type: "CONTROL", options: {}, target: spec.name }, app);
        cw.controlTarget = this.widgets[0].name;
        if (!seedLike) cw.value = "fixed";
        if (keep && CONTROL_VALUES.includes(keep[1])) cw.value = keep[1];
        if (spec.type === "COMBO") {
          const fw = addWidgetFor(this, { name: FILTER_WIDGET, type: "FILTER", options: {}, target: spec.name }, app);
          if (keep && typeof keep[2] === "string") fw.value = keep[2];
        }
      }
      this.pendingValues = null;
      this.setSize(this.computeSize());
    }
    /**
     * With its last link gone the primitive goes back to "connect to widget input" ("*") and drops its
     * widgets, as in ComfyUI, so it can feed an input of another type (its values come back if it is
     * linked to the same type again).
     */
    reset() {
      this.lastValues = { type: this.outputs[0].type, values: this.widgets.map((w) => w.value) };
      for (const w of this.widgets) w.onRemove?.();
      this.widgets = [];
      this.outputs[0].type = "*";
      this.outputs[0].name = PRIMITIVE_OUTPUT_NAME;
      this.setSize(this.computeSize());
      this.setDirtyCanvas(true, true);
    }
    configure(info) {
      this.pendingValues = info.widgets_values;
      this.configuring = true;
      try {
        super.configure({ ...info, widgets_values: undefined });
      } finally {
        this.configuring = false;
      }
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

/** MarkdownNote (ComfyUI's frontend-only note): its text shown as rendered Markdown, edited on double-click. */
function makeMarkdownNote(app) {
  class MarkdownNoteNode extends LGraphNode {
    static title = "Markdown Note";
    constructor(title) {
      super(title ?? "Markdown Note");
      this.isVirtualNode = true;
      this.serialize_widgets = true;
      this.color = "#432";
      this.bgcolor = "#653";
      addMarkdown(this, "text", "", app);
      this.setSize([400, 200]);
    }
    onRemoved() {
      for (const w of this.widgets || []) w.onRemove?.();
    }
  }
  return MarkdownNoteNode;
}

/**
 * Show a finished prompt's outputs ({api node id: executed output}, as /history's "outputs" holds them)
 * on the nodes of the graph shown, as ComfyUI's frontend does when a history entry is loaded: images,
 * animated images and PreviewAny text. Returns how many nodes took an output.
 */
export function applyNodeOutputs(app, outputs) {
  let n = 0;
  for (const [id, output] of Object.entries(outputs || {})) {
    const node = app.nodeForApiId(id);
    if (!node?.onExecuted || !output || typeof output !== "object") continue;
    node.onExecuted(output);
    n += 1;
  }
  app.canvas?.setDirty(true, true);
  return n;
}

/** Register every node type of objectInfo (and the frontend-only ones) with LiteGraph. */
export function registerNodeTypes(objectInfo, app) {
  installLitegraphFixes(app);
  if (!app.nodeOutputListener && app.api) {
    // every "executed" output (of a run, or replayed for a cached node) reaches the node's onExecuted, as in ComfyUI
    app.nodeOutputListener = (e) => {
      const d = e.detail || {};
      if (!d.output || (app.eventsApply && !app.eventsApply(d.prompt_id))) return;
      app.nodeForApiId(d.display_node ?? d.node)?.onExecuted?.(d.output);
    };
    app.api.addEventListener("executed", app.nodeOutputListener);
  }
  for (const [name, def] of Object.entries(objectInfo)) {
    const cls = makeNodeClass(name, def, app);
    app.extensions.beforeRegisterNodeDef(cls, def);
    LiteGraph.registerNodeType(name, cls);
    cls.category = def.category || "sd";
    if (def.deprecated) cls.skip_list = true;
  }
  const utils = [["Reroute", RerouteNode], ["PrimitiveNode", makePrimitive(app)], ["Note", makeNote(app)],
    ["MarkdownNote", makeMarkdownNote(app)]];
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
