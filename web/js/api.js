// HTTP + websocket client for the server (shared/reference/api.md).
import { parseBinaryFrame } from "./graph.js";

export class ApiError extends Error {
  constructor(message, status, body) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

/** Talks to /api/* and /ws. Events are dispatched as CustomEvents named after the websocket event type. */
export class ApiClient extends EventTarget {
  constructor(base = "", storage = null) {
    super();
    this.base = base;
    this.storage = storage;
    this.clientId = (storage && storage.getItem("sdflow.clientId")) || newId();
    if (storage) storage.setItem("sdflow.clientId", this.clientId);
    this.socket = null;
    this.reconnectDelay = 500;
    this.closed = false;
  }

  url(path) {
    return `${this.base}/api${path}`;
  }

  async fetchJson(path, init = {}) {
    const res = await fetch(this.url(path), init);
    const text = await res.text();
    let body = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = text;
    }
    if (!res.ok) throw new ApiError(`${init.method || "GET"} /api${path} failed: HTTP ${res.status}`, res.status, body);
    return body;
  }

  postJson(path, data) {
    return this.fetchJson(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(data) });
  }

  objectInfo() { return this.fetchJson("/object_info"); }
  extensions() { return this.fetchJson("/extensions"); }
  queue() { return this.fetchJson("/queue"); }
  history(maxItems = 64) { return this.fetchJson(`/history?max_items=${maxItems}`); }
  interrupt() { return this.postJson("/interrupt", {}); }
  deleteQueued(ids) { return this.postJson("/queue", { delete: ids }); }
  clearQueue() { return this.postJson("/queue", { clear: true }); }
  clearHistory() { return this.postJson("/history", { clear: true }); }
  deleteHistory(ids) { return this.postJson("/history", { delete: ids }); }

  /**
   * POST /prompt; throws ApiError whose body holds {error, node_errors} on 400. promptId: the id
   * to queue under (known before the server's first event for it can arrive), else the server's.
   */
  queuePrompt(prompt, workflow, front = false, promptId = null) {
    const body = { client_id: this.clientId, prompt, extra_data: { extra_pnginfo: { workflow } } };
    if (front) body.front = true;
    if (promptId) body.prompt_id = promptId;
    return this.postJson("/prompt", body);
  }

  /** POST /upload/image into the folder `type` ("input", or "output" for LoadImageOutput). */
  async uploadImage(file, type = "input") {
    const form = new FormData();
    form.append("image", file, file.name);
    form.append("type", type);
    const res = await fetch(this.url("/upload/image"), { method: "POST", body: form });
    if (!res.ok) {
      // the server's reason ({"error": "..."}), not only the status
      const text = await res.text();
      let body = text;
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON: the text itself is the reason
      }
      const err = body && typeof body === "object" ? body.error : null;
      const reason = (err && typeof err === "object" ? err.message : err) || text.trim() || `upload of ${file.name} failed`;
      throw new ApiError(`${reason} (HTTP ${res.status})`, res.status, body);
    }
    return res.json();
  }

  viewUrl(image) {
    const q = new URLSearchParams({ filename: image.filename, type: image.type || "output", subfolder: image.subfolder || "" });
    return `${this.base}/api/view?${q}`;
  }

  /** Open the websocket; reconnects with backoff until close() is called. */
  connect() {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(`${proto}//${location.host}${this.base}/ws?clientId=${encodeURIComponent(this.clientId)}`);
    ws.binaryType = "arraybuffer";
    this.socket = ws;
    ws.addEventListener("open", () => {
      this.reconnectDelay = 500;
      ws.send(JSON.stringify({ type: "feature_flags", data: { supports_preview_metadata: true } }));
      this.emit("connected", {});
    });
    ws.addEventListener("message", (ev) => this.onMessage(ev));
    ws.addEventListener("close", () => {
      this.emit("disconnected", {});
      if (this.closed) return;
      setTimeout(() => this.connect(), this.reconnectDelay);
      this.reconnectDelay = Math.min(this.reconnectDelay * 2, 8000);
    });
  }

  close() {
    this.closed = true;
    this.socket?.close();
  }

  onMessage(ev) {
    if (ev.data instanceof ArrayBuffer) {
      const frame = parseBinaryFrame(ev.data);
      if (frame.kind === "preview") this.emit("b_preview", frame);
      else this.emit("progress_text", frame);
      return;
    }
    const msg = JSON.parse(ev.data);
    if (msg.type === "status" && msg.data && msg.data.sid && msg.data.sid !== this.clientId) {
      // the server made its own id (no clientId honoured): use it for prompts
      this.clientId = msg.data.sid;
    }
    this.emit(msg.type, msg.data);
  }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}

/** A random id (client ids, prompt ids). */
export function newId() {
  if (globalThis.crypto && crypto.randomUUID) return crypto.randomUUID().replaceAll("-", "");
  return Math.random().toString(16).slice(2) + Date.now().toString(16);
}
