// PNG text chunk reader (tEXt, iTXt, zTXt) without DOM, for workflows embedded by SaveImage.
// Compressed chunks are inflated with DecompressionStream (browser and node >= 18).

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];

async function inflate(bytes) {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Read all text chunks of a PNG. Returns {keyword: text}. Throws if the bytes are not a PNG. */
export async function readPngText(arrayBuffer) {
  const bytes = new Uint8Array(arrayBuffer);
  if (bytes.length < 8 || SIGNATURE.some((b, i) => bytes[i] !== b)) throw new Error("not a PNG file (bad signature)");
  const view = new DataView(arrayBuffer instanceof ArrayBuffer ? arrayBuffer : bytes.buffer, bytes.byteOffset);
  const latin1 = new TextDecoder("latin1");
  const utf8 = new TextDecoder("utf-8");
  const out = {};
  let pos = 8;
  while (pos + 8 <= bytes.length) {
    const length = view.getUint32(pos);
    const type = latin1.decode(bytes.subarray(pos + 4, pos + 8));
    const data = bytes.subarray(pos + 8, pos + 8 + length);
    if (data.length < length) throw new Error(`PNG chunk ${type} truncated`);
    if (type === "tEXt" || type === "iTXt" || type === "zTXt") {
      const zero = data.indexOf(0);
      if (zero > 0) {
        const keyword = latin1.decode(data.subarray(0, zero));
        if (type === "tEXt") {
          out[keyword] = latin1.decode(data.subarray(zero + 1));
        } else if (type === "zTXt") {
          out[keyword] = latin1.decode(await inflate(data.subarray(zero + 2)));
        } else {
          const compressed = data[zero + 1] === 1;
          let p = zero + 3;
          const langEnd = data.indexOf(0, p);
          const transEnd = data.indexOf(0, langEnd + 1);
          p = transEnd + 1;
          const body = data.subarray(p);
          out[keyword] = utf8.decode(compressed ? await inflate(body) : body);
        }
      }
    }
    if (type === "IEND") break;
    pos += 12 + length;
  }
  return out;
}

/**
 * What a dropped PNG holds: {workflow} (UI graph) if a "workflow" chunk exists,
 * else {prompt} (API graph), else throws "Unable to find workflow".
 */
export async function workflowFromPng(arrayBuffer) {
  const text = await readPngText(arrayBuffer);
  const wf = text.workflow ?? text.Workflow;
  if (wf) return { workflow: JSON.parse(wf) };
  const pr = text.prompt ?? text.Prompt;
  if (pr) return { prompt: JSON.parse(pr) };
  throw new Error("Unable to find workflow in this PNG (no 'workflow' or 'prompt' text chunk)");
}
