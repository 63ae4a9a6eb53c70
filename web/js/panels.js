// DOM panels: toolbar actions, progress bar, messages/errors, queue, history gallery,
// lightbox, empty-state notice.
import { CHECKPOINT_FOLDER, SMOKE_CHECKPOINT_COMMAND } from "./constants.js";
import { applyNodeOutputs } from "./nodes.js";

const $ = (sel, root = document) => root.querySelector(sel);

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "onclick") e.addEventListener("click", v);
    else if (k === "class") e.className = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) if (c != null) e.append(c);
  return e;
}

function download(name, text) {
  const a = el("a", { href: URL.createObjectURL(new Blob([text], { type: "application/json" })), download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

export class Panels {
  constructor(app) {
    this.app = app;
    this.messages = $("#messages");
    this.bindToolbar();
    this.bindTabs();
  }

  bindToolbar() {
    const a = this.app;
    $("#queue-button").addEventListener("click", (e) => a.queueBatch(undefined, e.shiftKey));
    $("#interrupt-button").addEventListener("click", () => a.api.interrupt());
    $("#save-button").addEventListener("click", () => this.saveWorkflow());
    $("#load-button").addEventListener("click", () => this.openFile());
    $("#export-api-button").addEventListener("click", () => this.exportApi());
    $("#refresh-button").addEventListener("click", () => a.refreshComboValues());
    $("#clear-button").addEventListener("click", () => a.clearGraph());
    $("#default-button").addEventListener("click", () => a.loadDefault());
    $("#examples-button").addEventListener("click", () => this.toggleExamples());
    $("#undo-button").addEventListener("click", () => a.tracker.undo());
    $("#panel-button").addEventListener("click", () => { $("#side").hidden = !$("#side").hidden; });
    $("#redo-button").addEventListener("click", () => a.tracker.redo());
    $("#file-input").addEventListener("change", async (e) => {
      const f = e.target.files[0];
      e.target.value = "";
      if (f) await a.loadFile(f);
    });
    $("#clear-history-button").addEventListener("click", async () => {
      await a.api.clearHistory();
      this.refreshHistory();
    });
    $("#clear-queue-button").addEventListener("click", async () => {
      try {
        await a.api.clearQueue();
      } catch (err) {
        this.error("Could not clear the queue", String(err.message || err));
      }
      this.refreshQueue();
    });
    $("#lightbox").addEventListener("click", (e) => { if (e.target.id === "lightbox") this.closeLightbox(); });
    $("#lightbox-close").addEventListener("click", () => this.closeLightbox());
    // Escape closes the enlarged image and the Examples menu; a click elsewhere closes the menu too
    window.addEventListener("keydown", (e) => {
      if (e.key !== "Escape") return;
      if (!$("#lightbox").hidden) {
        this.closeLightbox();
        e.preventDefault();
      }
      if (!$("#examples-menu").hidden) {
        $("#examples-menu").hidden = true;
        e.preventDefault();
      }
    }, true);
    window.addEventListener("pointerdown", (e) => {
      const menu = $("#examples-menu");
      if (!menu.hidden && !e.target.closest?.(".menu-wrap")) menu.hidden = true;
    }, true);
  }

  /**
   * Run an async refresh so that calls made while one runs are folded into one more run after it
   * (status events come in bursts; each refresh rebuilds a panel from the server's answer).
   */
  async coalesced(key, fn) {
    this.refreshing ??= new Map();
    const state = this.refreshing.get(key);
    if (state) {
      state.again = true;
      return state.promise;
    }
    const entry = { again: false, promise: null };
    this.refreshing.set(key, entry);
    entry.promise = (async () => {
      try {
        do {
          entry.again = false;
          await fn();
        } while (entry.again);
      } finally {
        this.refreshing.delete(key);
      }
    })();
    return entry.promise;
  }

  bindTabs() {
    for (const tab of document.querySelectorAll("#side-tabs button")) {
      tab.addEventListener("click", () => this.showTab(tab.dataset.tab));
    }
  }

  showTab(name) {
    for (const tab of document.querySelectorAll("#side-tabs button")) tab.classList.toggle("active", tab.dataset.tab === name);
    for (const p of document.querySelectorAll(".side-panel")) p.hidden = p.id !== `panel-${name}`;
  }

  /** How many times the Queue button posts the graph (1..100). */
  batchCount() {
    const n = Math.round(Number($("#batch-count").value));
    return Number.isFinite(n) ? Math.min(Math.max(n, 1), 100) : 1;
  }

  // ---- messages -------------------------------------------------------------------------------
  clearMessages() {
    this.messages.replaceChildren();
  }

  add(kind, title, detail) {
    const box = el("div", { class: `message ${kind}` }, el("div", { class: "message-title" }, title));
    if (detail) box.append(el("pre", { class: "message-detail" }, detail));
    box.append(el("button", { class: "message-close", title: "dismiss", onclick: () => box.remove() }, "×"));
    this.messages.prepend(box);
    while (this.messages.children.length > 20) this.messages.lastChild.remove();
    return box;
  }

  error(title, detail) {
    this.showTab("messages");
    return this.add("error", title, detail);
  }

  /** Report a repeating failure (polling) once until it has been dismissed. */
  errorOnce(key, title, detail) {
    this.shown ??= new Map();
    const box = this.shown.get(key);
    if (box && box.isConnected) return box;
    const made = this.error(title, detail);
    this.shown.set(key, made);
    return made;
  }

  info(title) {
    const box = this.add("info", title);
    setTimeout(() => box.remove(), 6000);
    return box;
  }

  /** Validation errors: one block listing each offending node and its problems. */
  showErrors(heading, detail, rows) {
    const box = this.error(heading, detail);
    box.classList.add("validation");
    const list = el("ul", { class: "node-error-list" });
    for (const r of rows) {
      const li = el("li", { "data-node-id": r.id }, el("b", {}, `${r.title} #${r.id}`), ": ", r.lines.join("; "));
      li.addEventListener("click", () => this.focusNode(r.id));
      list.append(li);
    }
    box.insertBefore(list, box.querySelector(".message-close"));
  }

  showExecutionError(d, title) {
    const box = this.error(`Error while running ${title}: ${d.exception_type}`, d.exception_message);
    box.dataset.nodeId = String(d.node_id);
    if (Array.isArray(d.traceback) && d.traceback.length) {
      const det = el("details", {}, el("summary", {}, "traceback"), el("pre", {}, d.traceback.join("")));
      box.insertBefore(det, box.querySelector(".message-close"));
    }
    box.addEventListener("click", () => this.focusNode(d.node_id));
  }

  focusNode(id) {
    const node = this.app.graph.getNodeById(Number(id));
    if (!node) return;
    this.app.canvas.centerOnNode?.(node);
    this.app.canvas.selectNode?.(node);
    this.app.canvas.setDirty(true, true);
  }

  // ---- progress / connection ----------------------------------------------------------------------
  setProgress(value, max, label) {
    const bar = $("#progress-bar");
    bar.style.width = `${max ? (100 * value) / max : 0}%`;
    $("#progress-label").textContent = label ? `${label}${max > 1 ? ` ${value}/${max}` : ""}` : "";
  }

  setConnected(on) {
    $("#connection").classList.toggle("offline", !on);
    $("#connection").title = on ? "connected to the server" : "not connected: reconnecting";
  }

  // ---- empty state ------------------------------------------------------------------------------
  updateEmptyState() {
    const def = this.app.objectInfo.CheckpointLoaderSimple;
    const notice = $("#empty-notice");
    let empty = false;
    if (def) {
      const spec = def.input.required.ckpt_name;
      const values = Array.isArray(spec[0]) ? spec[0] : (spec[1] && spec[1].options) || [];
      empty = values.length === 0;
    }
    notice.hidden = !empty;
    if (empty) {
      notice.replaceChildren(
        el("b", {}, "No checkpoint installed. "),
        "Put a Stable Diffusion checkpoint (.safetensors) in ",
        el("code", {}, CHECKPOINT_FOLDER),
        ", or make a tiny random one for a smoke test with ",
        el("code", {}, SMOKE_CHECKPOINT_COMMAND),
        ", then press ",
        el("b", {}, "Refresh"),
        ".",
      );
    }
  }

  // ---- files ----------------------------------------------------------------------------------------
  saveWorkflow() {
    const name = window.prompt("Save workflow as:", "workflow.json");
    if (!name) return;
    download(name.endsWith(".json") ? name : `${name}.json`, JSON.stringify(this.app.serialize(), null, 2));
    this.app.markSaved();
  }

  exportApi() {
    const { output } = this.app.graphToPrompt();
    download("workflow_api.json", JSON.stringify(output, null, 2));
  }

  openFile() {
    $("#file-input").click();
  }

  async toggleExamples() {
    const menu = $("#examples-menu");
    if (!menu.hidden) {
      menu.hidden = true;
      return;
    }
    menu.replaceChildren(el("div", { class: "muted" }, "loading…"));
    menu.hidden = false;
    let list;
    try {
      const res = await fetch("/examples");
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      list = (await res.json()).filter((f) => typeof f !== "string" || (/\.json$/i.test(f) && f !== "index.json"));
    } catch (err) {
      menu.replaceChildren(el("div", { class: "muted" }, `No examples available from the server (${err.message || err}).`));
      return;
    }
    menu.replaceChildren();
    for (const item of list) {
      const file = typeof item === "string" ? item : item.file || item.name;
      const title = typeof item === "string" ? item.replace(/\.json$/, "") : item.title || item.name || file;
      menu.append(el("button", {
        class: "example",
        onclick: async () => {
          menu.hidden = true;
          try {
            const res = await fetch(`/examples/${encodeURIComponent(file)}`);
            if (!res.ok) throw new Error(`HTTP ${res.status}`);
            this.app.loadGraphData(await res.json(), `example ${title}`);
          } catch (err) {
            this.error(`Could not load example ${title}`, String(err.message || err));
          }
        },
      }, title));
    }
  }

  // ---- queue ---------------------------------------------------------------------------------------
  refreshQueue() {
    return this.coalesced("queue", () => this.loadQueue());
  }

  async loadQueue() {
    let q;
    try {
      q = await this.app.api.queue();
    } catch (err) {
      this.errorOnce("queue", "Could not read the queue from the server", String(err.message || err));
      return;
    }
    const list = $("#queue-list");
    list.replaceChildren();
    const running = q.queue_running || [];
    const pending = (q.queue_pending || []).slice().sort((a, b) => a[0] - b[0]);
    $("#queue-count").textContent = String(running.length + pending.length);
    $("#clear-queue-button").disabled = pending.length === 0;
    for (const item of running) {
      list.append(el("li", { class: "running", "data-prompt-id": item[1] }, el("span", {}, `running #${item[0]}`),
        el("button", { onclick: () => this.app.api.interrupt() }, "Cancel")));
    }
    for (const item of pending) {
      // prompts queued to the front get negative numbers from the server
      const label = item[0] < 0 ? "pending (queued to the front)" : `pending #${item[0]}`;
      list.append(el("li", { class: "pending", "data-prompt-id": item[1] }, el("span", {}, label),
        el("button", {
          onclick: async () => {
            await this.app.api.deleteQueued([item[1]]);
            this.refreshQueue();
          },
        }, "Delete")));
    }
    if (!list.children.length) list.append(el("li", { class: "muted" }, "Queue is empty"));
  }

  // ---- history / gallery -----------------------------------------------------------------------------
  refreshHistory() {
    return this.coalesced("history", () => this.loadHistory());
  }

  /**
   * One entry per finished prompt, newest first: its number, time, status (done, failed with the
   * error, interrupted), its pictures, and a button that loads the workflow it was queued from.
   */
  async loadHistory() {
    let hist;
    try {
      hist = await this.app.api.history(64);
    } catch (err) {
      this.errorOnce("history", "Could not read the history from the server", String(err.message || err));
      return;
    }
    const entries = Object.entries(hist || {}).reverse();
    const key = JSON.stringify(entries.map(([id, e]) => [id, e.status, Object.keys(e.outputs || {})]));
    if (key === this.historyKey) return;   // nothing new: keep the panel (and its scroll position)
    this.historyKey = key;
    const gallery = $("#gallery");
    gallery.replaceChildren();
    for (const [promptId, entry] of entries) gallery.append(this.historyItem(promptId, entry));
    if (!gallery.children.length) gallery.append(el("div", { class: "muted" }, "No prompts run yet"));
  }

  historyItem(promptId, entry) {
    const prompt = entry.prompt || [];
    const extra = prompt[3] || {};
    const workflow = extra.extra_pnginfo && extra.extra_pnginfo.workflow ? extra.extra_pnginfo.workflow : null;
    const loadable = workflow || (prompt[2] && typeof prompt[2] === "object" ? prompt[2] : null);
    const { status, time, error } = historyStatus(entry);
    const label = { success: "done", error: "failed", interrupted: "interrupted" }[status] || status;
    const head = el("div", { class: "history-head" },
      el("span", { class: "history-number" }, `#${prompt[0] ?? "?"}`),
      el("span", { class: `history-status ${status}` }, label),
      time ? el("span", { class: "history-time", title: time.toLocaleString() }, time.toLocaleTimeString()) : null);
    const load = el("button", {
      class: "history-load",
      title: "Load the workflow this prompt was queued from",
      onclick: () => this.loadWorkflow(loadable, `prompt #${prompt[0] ?? promptId}`, entry.outputs),
    }, "Load workflow");
    load.disabled = !loadable;
    head.append(load);
    const item = el("div", { class: "history-item", "data-prompt-id": promptId, "data-status": status }, head);
    if (error) item.append(el("div", { class: "history-error", title: error }, error));
    const images = el("div", { class: "history-images" });
    for (const out of Object.values(entry.outputs || {})) {
      for (const image of out.images || []) {
        const src = this.app.api.viewUrl(image);
        const img = el("img", { src, alt: image.filename, title: `${image.filename} (${label})`, loading: "lazy", "data-prompt-id": promptId });
        img.addEventListener("click", () => this.openLightbox(src, image, workflow));
        images.append(img);
      }
    }
    if (images.children.length) item.append(images);
    return item;
  }

  openLightbox(src, image, workflow) {
    const box = $("#lightbox");
    $("#lightbox-img").src = src;
    $("#lightbox-name").textContent = image.filename;
    const load = $("#lightbox-load");
    load.disabled = !workflow;
    load.onclick = () => {
      this.closeLightbox();
      this.loadWorkflow(workflow, image.filename);
    };
    box.hidden = false;
  }

  /** Load a workflow kept in the history, with that run's outputs on its nodes (as ComfyUI);
   * a broken one is reported, the graph stays. */
  loadWorkflow(workflow, source, outputs = null) {
    try {
      this.app.loadGraphData(workflow, source);
      if (outputs) applyNodeOutputs(this.app, outputs);
    } catch (err) {
      this.error(`Could not load the workflow of ${source}`, String(err.message || err));
    }
  }

  closeLightbox() {
    $("#lightbox").hidden = true;
  }
}

/**
 * A history entry's outcome: status "success", "error" or "interrupted" (from status_str and the
 * recorded messages), the time it ended (or started), and the error text of a failed run.
 */
export function historyStatus(entry) {
  const info = entry.status || {};
  let status = info.status_str === "success" ? "success" : "error";
  let stamp = null;
  let error = null;
  for (const msg of info.messages || []) {
    if (!Array.isArray(msg) || !msg[1] || typeof msg[1] !== "object") continue;
    const [name, data] = msg;
    if (typeof data.timestamp === "number") stamp = data.timestamp;
    if (name === "execution_interrupted") status = "interrupted";
    if (name === "execution_error") {
      const where = data.node_type ? `${data.node_type} #${data.node_id}: ` : "";
      error = `${where}${data.exception_type || "error"}: ${data.exception_message || ""}`;
    }
  }
  if (!info.status_str) status = "unknown";
  return { status, time: stamp != null ? new Date(stamp) : null, error: status === "interrupted" ? null : error };
}
