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

function decimals(step) {
  const s = String(step);
  return s.includes(".") ? s.split(".")[1].length : 0;
}

/** Values a combo shows; a marker entry when the list is empty so the widget says so. */
export function comboValues(layoutEntry, className) {
  const values = layoutEntry.combo || [];
  if (values.length) return values;
  return [className === "CheckpointLoaderSimple" || layoutEntry.name === "ckpt_name" ? EMPTY_CHECKPOINT_LABEL : "(none available)"];
}

/** Add one widget described by a graph.widgetLayout() entry to a node. Returns the widget. */
export function addWidgetFor(node, entry, app) {
  const o = entry.options || {};
  const tooltip = o.tooltip;
  let w;
  switch (entry.type) {
    case "INT": {
      const step = Number(o.step ?? 1) || 1;
      w = node.addWidget("number", entry.name, Number(o.default ?? o.min ?? 0), (v) => {
        w.value = Math.round(Number(v));
      }, { min: o.min ?? -Number.MAX_SAFE_INTEGER, max: o.max ?? Number.MAX_SAFE_INTEGER, step2: step, precision: 0 });
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

/**
 * The upload button of image_upload combos (LoadImage): picks a file, POSTs it to
 * /api/upload/image, adds the stored name to the combo and selects it.
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
    if (!file) return;
    try {
      const res = await app.api.uploadImage(file);
      const name = res.subfolder ? `${res.subfolder}/${res.name}` : res.name;
      const values = comboWidget.options.values.filter((v) => !String(v).startsWith("("));
      if (!values.includes(name)) values.push(name);
      comboWidget.options.values = values;
      comboWidget.value = name;
      node.onWidgetChanged?.(comboWidget);
      app.graphChanged();
    } catch (err) {
      app.panels.error(`Upload of ${file.name} failed`, String(err.message || err));
    }
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
    clearTimeout(pending);
    pending = setTimeout(() => app.graphChanged(), 400);
  });
  el.addEventListener("keydown", (e) => {
    // keep canvas shortcuts (Delete, Ctrl+C, ...) out of text editing; Ctrl+Enter still queues
    if (!((e.ctrlKey || e.metaKey) && e.key === "Enter")) e.stopPropagation();
  });
  app.domLayer.appendChild(el);
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
      const h = (widget.computedHeight || 64) - 4;
      const canvas = app.canvas;
      const scale = canvas.ds.scale;
      const [ox, oy] = canvas.ds.offset;
      const left = (n.pos[0] + 8 + ox) * scale;
      const top = (n.pos[1] + y + oy) * scale;
      el.style.transform = `translate(${left}px, ${top}px) scale(${scale})`;
      el.style.width = `${width - 16}px`;
      el.style.height = `${Math.max(h, 30)}px`;
      el.hidden = n.flags?.collapsed || canvas.low_quality;
      el.disabled = n.getSlotFromWidget?.(widget)?.link != null;
      el.dataset.node = String(n.id);
    },
    onRemove() { el.remove(); },
  };
  node.addCustomWidget(widget);
  return widget;
}
