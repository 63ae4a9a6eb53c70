// Widgets built from /object_info input specs (INT, FLOAT, STRING, BOOLEAN, COMBO,
// control_after_generate) on litegraph nodes. The multiline text widget is a DOM
// textarea kept over the canvas.
import { CONTROL_WIDGET, CONTROL_VALUES, FILTER_WIDGET, applyControl } from "./graph.js";
import { EMPTY_CHECKPOINT_LABEL } from "./constants.js";

function roundTo(value, precision) {
  if (!precision) return value;
  const r = Math.round(value / precision) * precision;
  return Number(r.toFixed(Math.max(0, Math.ceil(-Math.log10(precision)))));
}

/**
 * An INT value snapped to the nearest step counted from min (ComfyUI's frontend rounds typed and
 * dragged integers to the nearest step: height 70 with step 8 gives 72), then kept within min..max.
 */
export function snapInt(value, { min = -Number.MAX_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER, step = 1 } = {}) {
  let v = Math.round(Number(value));
  if (!Number.isFinite(v)) return v;
  const s = Math.abs(Number(step)) || 1;
  if (s > 1) {
    const offset = Number.isFinite(min) ? ((min % s) + s) % s : 0;
    v = Math.round((v - offset) / s) * s + offset;
  }
  return Math.min(Math.max(v, min), max);
}

/** Clamp numbers set on an INT widget to the range a JavaScript number holds exactly (±(2^53 - 1)). */
function keepExact(w) {
  let value = w.value;
  Object.defineProperty(w, "value", {
    configurable: true,
    enumerable: true,
    get: () => value,
    set: (v) => {
      value = typeof v === "number" && Math.abs(v) > Number.MAX_SAFE_INTEGER ? Math.sign(v) * Number.MAX_SAFE_INTEGER : v;
    },
  });
}

function decimals(step) {
  const s = String(step);
  return s.includes(".") ? s.split(".")[1].length : 0;
}

export const NO_VALUES_LABEL = "(none available)";

/** Values a combo shows; a marker entry when the list is empty so the widget says so. */
export function comboValues(layoutEntry, className) {
  const values = layoutEntry.combo || [];
  if (values.length) return values;
  const checkpoints = className === "CheckpointLoaderSimple" || layoutEntry.name === "ckpt_name";
  return [checkpoints ? EMPTY_CHECKPOINT_LABEL : NO_VALUES_LABEL];
}

/** True for the marker entries of comboValues (no real value chosen). */
export function isComboPlaceholder(value) {
  return value == null || value === "" || value === EMPTY_CHECKPOINT_LABEL || value === NO_VALUES_LABEL;
}

/** Add one widget described by a graph.widgetLayout() entry to a node. Returns the widget. */
export function addWidgetFor(node, entry, app) {
  const o = entry.options || {};
  const tooltip = o.tooltip;
  let w;
  switch (entry.type) {
    case "INT": {
      const step = Number(o.step ?? 1) || 1;
      // JavaScript numbers are exact up to 2^53 only: a seed's max (2^64 - 1) typed in became
      // 18446744073709551616, which the server refused (shown as ...552000), and since a failed queue
      // runs no control_after_generate, the seed stayed refused. Typed, set and loaded values are
      // kept within the exact range instead.
      const safe = Number.MAX_SAFE_INTEGER;
      const limits = { min: Math.max(Number(o.min ?? -safe), -safe), max: Math.min(Number(o.max ?? safe), safe), step };
      w = node.addWidget("number", entry.name, Number(o.default ?? o.min ?? 0), (v) => {
        w.value = snapInt(v, limits);
      }, { min: limits.min, max: limits.max, step2: step, precision: 0 });
      keepExact(w);
      break;
    }
    case "FLOAT": {
      const step = Number(o.step ?? 0.1) || 0.1;
      const round = o.round === false ? 0 : Number(o.round ?? step);
      w = node.addWidget("number", entry.name, Number(o.default ?? o.min ?? 0), (v) => {
        w.value = roundTo(Number(v), round);
      }, { min: o.min ?? -Infinity, max: o.max ?? Infinity, step2: step, precision: Math.max(decimals(step), decimals(round || step)) });
      break;
    }
    case "BOOLEAN":
      w = node.addWidget("toggle", entry.name, Boolean(o.default ?? false), () => {}, { on: o.label_on ?? "true", off: o.label_off ?? "false" });
      break;
    case "STRING":
      if (o.multiline) w = addTextArea(node, entry.name, String(o.default ?? ""), app, o.placeholder);
      else w = node.addWidget("text", entry.name, String(o.default ?? ""), () => {}, {});
      break;
    case "COMBO": {
      const values = comboValues(entry, node.comfyClass);
      const def = o.default !== undefined && values.includes(o.default) ? o.default : values[0];
      w = node.addWidget("combo", entry.name, def, () => node.onWidgetChanged?.(w), { values });
      if (o.remote) addRemoteOptions(node, w, o.remote, app);
      break;
    }
    case "CONTROL":
      w = node.addWidget("combo", CONTROL_WIDGET, "randomize", () => {}, { values: CONTROL_VALUES.slice(), serialize: false });
      w.controlTarget = entry.target;
      break;
    case "FILTER":
      w = node.addWidget("text", FILTER_WIDGET, "", () => {}, { serialize: false });
      break;
    default:
      throw new Error(`node ${node.comfyClass}: no widget for input type ${entry.type}`);
  }
  w.inputSpec = entry;
  if (tooltip) w.tooltip = tooltip;
  return w;
}

/** The " [input]" / " [output]" / " [temp]" annotation ComfyUI puts after a file name: [name, folder or null]. */
export function splitAnnotation(value) {
  const m = /^(.*?)\s*\[(input|output|temp)\]\s*$/i.exec(String(value));
  return m ? [m[1], m[2].toLowerCase()] : [String(value), null];
}

/** True when a combo lists the value itself, or the value is an annotated name ("a.png [output]") of a listed one. */
export function comboHas(widget, value) {
  const values = widget.options.values || [];
  return values.includes(value) || values.includes(splitAnnotation(value)[0]);
}

/**
 * A combo whose options come from a server route (the input option {"remote": {route, refresh_button,
 * control_after_refresh}}, as LoadImageOutput's /internal/files/output): GET <route> (on the server root, as
 * ComfyUI's frontend asks it; /internal routes have no /api alias) gives the JSON list. As in ComfyUI's frontend, the list is fetched when the node is made, a "refresh" button fetches it
 * again and then picks the first (or last) entry as control_after_refresh says, and so does each finished
 * prompt while "Auto-refresh after generation" is on. A saved value the list
 * still holds is kept at the first fetch; a placeholder or missing value gives way to the first entry.
 */
export function addRemoteOptions(node, widget, remote, app) {
  if (!remote || typeof remote.route !== "string" || !remote.route.startsWith("/")) {
    throw new Error(`node ${node.comfyClass}: input ${widget.name} has a remote option without a "/route"`);
  }
  let loaded = false;
  widget.remote = remote;
  widget.refreshOptions = async (afterRefresh = false) => {
    let data;
    const url = `${app.api.base || ""}${remote.route}`;
    try {
      const res = await fetch(url);
      if (!res.ok) throw new Error(`HTTP ${res.status}: ${(await res.text()).slice(0, 200)}`);
      data = await res.json();
    } catch (err) {
      app.panels.error(`${node.title} #${node.id}: could not list the options of ${widget.name} (GET ${url})`,
        String(err.message || err));
      return;
    }
    if (!Array.isArray(data)) {
      app.panels.error(`${node.title} #${node.id}: GET ${url} did not answer a list for ${widget.name}`,
        JSON.stringify(data).slice(0, 200));
      return;
    }
    const first = !loaded;
    loaded = true;
    const values = data.map(String);
    widget.options.values = values.length ? values : [NO_VALUES_LABEL];
    const old = widget.value;
    if (afterRefresh && values.length && remote.control_after_refresh === "first") widget.value = values[0];
    else if (afterRefresh && values.length && remote.control_after_refresh === "last") widget.value = values.at(-1);
    else if ((first || isComboPlaceholder(old)) && !comboHas(widget, old)) widget.value = widget.options.values[0];
    if (widget.value !== old || first || afterRefresh) node.onWidgetChanged?.(widget);
    if (widget.value !== old && node.graph) app.graphChanged();
    node.setDirtyCanvas?.(true, true);
  };
  // ComfyUI's "Auto-refresh after generation" toggle (not saved): on, each finished prompt refreshes the list
  const auto = node.addWidget("toggle", "Auto-refresh after generation", false, () => {}, { serialize: false });
  auto.serialize = false;
  const onSuccess = () => { if (auto.value && node.graph) widget.refreshOptions(true); };
  let listening = false;
  auto.onRemove = () => {
    if (listening) app.api.removeEventListener("execution_success", onSuccess);
    listening = false;
  };
  widget.autoRefresh = auto;
  if (remote.refresh_button) {
    const button = node.addWidget("button", "refresh", "refresh", () => widget.refreshOptions(true), { serialize: false });
    button.serialize = false;
    widget.refreshButton = button;
  }
  // the list is fetched (and finished prompts listened to) once the node is in a graph: the copy litegraph
  // makes for Ctrl+C, never added, asks nothing
  widget.optionsLoaded = Promise.resolve().then(() => {
    if (!node.graph) return undefined;
    app.api.addEventListener("execution_success", onSuccess);
    listening = true;
    return widget.refreshOptions(false);
  });
}

/**
 * The upload button of image_upload combos (LoadImage): picks a file and hands it to app.uploadToNode,
 * which POSTs it into the input's image_folder (LoadImageOutput: "output", as ComfyUI's frontend),
 * adds the stored name to the combo and selects it.
 */
export function addUploadWidget(node, comboWidget, app) {
  const input = document.createElement("input");
  input.type = "file";
  input.accept = "image/png,image/jpeg,image/webp,image/gif";
  input.hidden = true;
  input.className = "sdflow-upload";
  document.body.append(input);
  input.addEventListener("change", async () => {
    const file = input.files[0];
    input.value = "";
    if (file) await app.uploadToNode(node, file);   // reports its own errors
  });
  const w = node.addWidget("button", "choose file to upload", "image", () => input.click(), { serialize: false });
  w.serialize = false;
  w.fileInput = input;
  w.onRemove = () => input.remove();
  return w;
}

/** Run control_after_generate widgets of a node (after a queue). rnd for tests. */
export function runControlWidgets(node, rnd = Math.random) {
  for (const cw of node.widgets || []) {
    if (cw.name !== CONTROL_WIDGET || !cw.controlTarget) continue;
    const target = node.widgets.find((w) => w.name === cw.controlTarget);
    if (!target || node.getSlotFromWidget?.(target)?.link != null) continue;
    if (target.type === "combo") {
      const values = target.options.values;
      const filterW = node.widgets.find((w) => w.name === FILTER_WIDGET);
      const filtered = filterW && filterW.value ? values.filter((v) => String(v).includes(filterW.value)) : values;
      if (!filtered.length) continue;
      let i = filtered.indexOf(target.value);
      if (cw.value === "increment") i = Math.min(i + 1, filtered.length - 1);
      else if (cw.value === "decrement") i = Math.max(i - 1, 0);
      else if (cw.value === "randomize") i = Math.floor(rnd() * filtered.length);
      else continue;
      target.value = filtered[i];
    } else {
      const o = target.inputSpec ? target.inputSpec.options : {};
      target.value = applyControl(target.value, cw.value, { min: o.min ?? 0, max: o.max, step: o.step ?? 1 }, rnd);
    }
  }
}

/**
 * Keys in a text box: canvas shortcuts (Delete, Ctrl+C, ...) stay out of text editing, but the app's
 * Ctrl+S (save), Ctrl+O (open) and Ctrl+Enter (queue) work as on the canvas instead of the browser's
 * Save Page / Open File dialogs.
 */
function textKeys(e, app) {
  const ctrl = e.ctrlKey || e.metaKey;
  if (ctrl && e.key === "Enter") return;   // the window's handler queues
  e.stopPropagation();
  if (!ctrl || e.altKey) return;
  if (e.code === "KeyS") {
    e.preventDefault();
    app.panels.saveWorkflow();
  } else if (e.code === "KeyO") {
    e.preventDefault();
    app.panels.openFile();
  }
}

/**
 * Place a DOM widget's element over its widget row (canvas transform), hidden when not drawable. The
 * element joins the DOM layer at its first draw, so a node that is never drawn (the clone litegraph
 * serialises for Ctrl+C, a node not added to the graph) leaves no orphan element behind.
 */
function placeElement(el, app, n, width, y, h) {
  if (!el.isConnected) app.domLayer.appendChild(el);
  const canvas = app.canvas;
  const scale = canvas.ds.scale;
  const [ox, oy] = canvas.ds.offset;
  const left = (n.pos[0] + 8 + ox) * scale;
  const top = (n.pos[1] + y + oy) * scale;
  el.style.transform = `translate(${left}px, ${top}px) scale(${scale})`;
  el.style.width = `${width - 16}px`;
  el.style.height = `${Math.max(h, 30)}px`;
  el.hidden = n.flags?.collapsed || canvas.low_quality;
  el.dataset.node = String(n.id);
}

const MD_ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Inline Markdown of one escaped line: `code`, **bold**, *italic* / _italic_, [text](http/https link). */
function inlineMarkdown(text) {
  const esc = text.replace(/[&<>"']/g, (c) => MD_ESCAPES[c]);
  const codes = [];
  return esc
    .replace(/`([^`]+)`/g, (m, c) => { codes.push(c); return `\u0000${codes.length - 1}\u0000`; })
    .replace(/\*\*([^*]+)\*\*/g, "<strong>$1</strong>")
    .replace(/(^|[^*])\*([^*\s][^*]*)\*/g, "$1<em>$2</em>")
    .replace(/(^|\W)_([^_\s][^_]*)_(?=\W|$)/g, "$1<em>$2</em>")
    .replace(/\[([^\]]+)\]\((https?:\/\/[^\s)]+)\)/g, '<a href="$2" target="_blank" rel="noopener">$1</a>')
    .replace(/\u0000(\d+)\u0000/g, (m, i) => `<code>${codes[Number(i)]}</code>`);
}

/**
 * A small Markdown renderer for notes (HTML in the text is shown as text): # headings, - / * / 1.
 * lists, ``` code blocks, > quotes, --- rules, paragraphs and the inline forms of inlineMarkdown.
 */
export function renderMarkdown(source) {
  const out = [];
  let list = null;
  let para = [];
  let code = null;
  const flush = () => {
    if (para.length) out.push(`<p>${para.map(inlineMarkdown).join("<br>")}</p>`);
    para = [];
    if (list) out.push(`</${list}>`);
    list = null;
  };
  for (const line of String(source ?? "").split(/\r?\n/)) {
    if (code !== null) {
      if (/^```/.test(line)) {
        out.push(`<pre><code>${code.join("\n").replace(/[&<>"']/g, (c) => MD_ESCAPES[c])}</code></pre>`);
        code = null;
      } else code.push(line);
      continue;
    }
    let m;
    if (/^```/.test(line)) { flush(); code = []; }
    else if ((m = /^(#{1,6})\s+(.*)$/.exec(line))) {
      flush();
      out.push(`<h${m[1].length}>${inlineMarkdown(m[2])}</h${m[1].length}>`);
    }
    else if (/^\s*(---+|\*\*\*+)\s*$/.test(line)) { flush(); out.push("<hr>"); }
    else if ((m = /^\s*([-*+]|\d+[.)])\s+(.*)$/.exec(line))) {
      const kind = /\d/.test(m[1]) ? "ol" : "ul";
      if (para.length || list !== kind) flush();
      if (!list) { out.push(`<${kind}>`); list = kind; }
      out.push(`<li>${inlineMarkdown(m[2])}</li>`);
    } else if ((m = /^>\s?(.*)$/.exec(line))) { flush(); out.push(`<blockquote>${inlineMarkdown(m[1])}</blockquote>`); }
    else if (!line.trim()) flush();
    else {
      if (list) flush();
      para.push(line);
    }
  }
  if (code !== null) out.push(`<pre><code>${code.join("\n").replace(/[&<>"']/g, (c) => MD_ESCAPES[c])}</code></pre>`);
  flush();
  return out.join("");
}

/**
 * MarkdownNote's widget: the text rendered as Markdown in a DOM box over the canvas; a double-click
 * turns it into a textarea for editing, and leaving the textarea shows the rendered text again.
 */
export function addMarkdown(node, name, value, app) {
  const box = document.createElement("div");
  box.className = "sdflow-markdown";
  const view = document.createElement("div");
  view.className = "sdflow-markdown-view";
  const edit = document.createElement("textarea");
  edit.className = "sdflow-textarea sdflow-markdown-edit";
  edit.spellcheck = false;
  edit.hidden = true;
  box.append(view, edit);
  wheelToCanvas(box, app);
  // inline styles: the box is placed like .sdflow-textarea (web/css/app.css), its parts fill it
  Object.assign(box.style, { position: "absolute", left: "0", top: "0", transformOrigin: "0 0", pointerEvents: "auto",
    boxSizing: "border-box" });
  Object.assign(view.style, { width: "100%", height: "100%", overflow: "auto", boxSizing: "border-box",
    padding: "2px 6px",
    color: "#ddd", font: "13px sans-serif", background: "rgba(0, 0, 0, 0.15)", borderRadius: "4px" });
  Object.assign(edit.style, { position: "static", width: "100%", height: "100%", transform: "none",
    boxSizing: "border-box" });
  view.title = "Double-click to edit";
  let text = "";
  const show = () => { view.innerHTML = renderMarkdown(text); };
  let pending = null;
  edit.addEventListener("input", () => {
    text = edit.value;
    clearTimeout(pending);
    pending = setTimeout(() => app.graphChanged(), 400);
  });
  edit.addEventListener("keydown", (e) => textKeys(e, app));
  edit.addEventListener("blur", () => {
    edit.hidden = true;
    view.hidden = false;
    show();
    app.graphChanged();
  });
  view.addEventListener("dblclick", () => {
    view.hidden = true;
    edit.hidden = false;
    edit.value = text;
    edit.focus();
  });
  const widget = {
    type: "markdown",
    name,
    element: box,
    options: {},
    get value() { return text; },
    set value(v) {
      text = v == null ? "" : String(v);
      edit.value = text;
      show();
    },
    computeLayoutSize() { return { minHeight: 60, maxHeight: 4000, minWidth: 120 }; },
    draw(ctx, n, width, y) {
      widget.y = y;
      widget.drawnFrame = app.frame;
      placeElement(box, app, n, width, y, (widget.computedHeight || 64) - 4);
    },
    onRemove() { box.remove(); },
  };
  widget.value = value;
  node.addCustomWidget(widget);
  return widget;
}

/**
 * The read-only text box a node shows its executed text in (ComfyUI's PreviewAny "preview_text"
 * widget): scrollable, not saved in widgets_values, never sent to the server.
 */
export function addTextPreview(node, name, app) {
  const w = addTextArea(node, name, "", app);
  w.element.readOnly = true;
  w.element.classList.add("sdflow-text-preview");
  w.serialize = false;
  w.options.serialize = false;
  w.options.read_only = true;
  w.label = "Preview";
  return w;
}

/**
 * Place a DOM element (an animated output image) over a node-local rectangle [x, y, w, h] of the
 * canvas, joining the DOM layer at its first placement; hidden while the node is collapsed.
 */
export function placeNodeElement(el, app, node, [x, y, w, h]) {
  if (!el.isConnected) app.domLayer.appendChild(el);
  const canvas = app.canvas;
  const scale = canvas.ds.scale;
  const [ox, oy] = canvas.ds.offset;
  el.style.transform = `translate(${(node.pos[0] + x + ox) * scale}px, ${(node.pos[1] + y + oy) * scale}px) scale(${scale})`;
  el.style.width = `${w}px`;
  el.style.height = `${h}px`;
  el.hidden = Boolean(node.flags?.collapsed) || w < 4 || h < 4;
  el.dataset.node = String(node.id);
}

/**
 * The wheel over a text box lying on the canvas: scrolls the text when it overflows, else (or with
 * Ctrl) zooms the canvas, as ComfyUI does. Without this the DOM box swallowed the wheel: litegraph
 * listens on its <canvas> only, so the canvas neither zoomed nor did the short text scroll.
 */
export function wheelToCanvas(root, app) {
  root.addEventListener("wheel", (e) => {
    if (!e.ctrlKey) {
      for (let t = e.target; t && t !== root.parentNode; t = t.parentNode) {
        if (t.scrollHeight > t.clientHeight + 1 && getComputedStyle(t).overflowY !== "hidden") return;   // the text scrolls
      }
    }
    app.canvas.processMouseWheel(e);   // zooms about the pointer and calls preventDefault()
  }, { passive: false });
}

/** A multiline text widget backed by a DOM textarea positioned over the canvas each frame. */
export function addTextArea(node, name, value, app, placeholder) {
  const el = document.createElement("textarea");
  el.className = "sdflow-textarea";
  el.value = value;
  el.spellcheck = false;
  if (placeholder) el.placeholder = placeholder;
  el.dataset.widget = name;
  let pending = null;
  el.addEventListener("input", () => {   // one undo step per pause in typing, not per key
    node.onWidgetChanged?.(name, el.value, undefined, widget);
    clearTimeout(pending);
    pending = setTimeout(() => app.graphChanged(), 400);
  });
  el.addEventListener("keydown", (e) => textKeys(e, app));
  wheelToCanvas(el, app);
  const widget = {
    type: "customtext",
    name,
    element: el,
    options: {},
    get value() { return el.value; },
    set value(v) { el.value = v == null ? "" : String(v); },
    computeLayoutSize() { return { minHeight: 60, maxHeight: 4000, minWidth: 120 }; },
    draw(ctx, n, width, y) {
      widget.y = y;
      widget.drawnFrame = app.frame;
      placeElement(el, app, n, width, y, (widget.computedHeight || 64) - 4);
      el.disabled = n.getSlotFromWidget?.(widget)?.link != null;
    },
    onRemove() { el.remove(); },
  };
  node.addCustomWidget(widget);
  return widget;
}
