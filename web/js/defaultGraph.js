// ComfyUI's default txt2img graph (UI format 0.4), shown on first visit.

export function defaultGraph() {
  const inp = (name, type, link) => ({ name, type, link });
  const out = (name, type, links, slot_index) => ({ name, type, links, slot_index });
  return {
    last_node_id: 9,
    last_link_id: 9,
    nodes: [
      { id: 7, type: "CLIPTextEncode", pos: [413, 389], size: [425, 180], flags: {}, order: 3, mode: 0,
        inputs: [inp("clip", "CLIP", 5)], outputs: [out("CONDITIONING", "CONDITIONING", [6], 0)],
        properties: { "Node name for S&R": "CLIPTextEncode" }, widgets_values: ["text, watermark"] },
      { id: 6, type: "CLIPTextEncode", pos: [415, 186], size: [422, 164], flags: {}, order: 2, mode: 0,
        inputs: [inp("clip", "CLIP", 3)], outputs: [out("CONDITIONING", "CONDITIONING", [4], 0)],
        properties: { "Node name for S&R": "CLIPTextEncode" },
        widgets_values: ["beautiful scenery nature glass bottle landscape, , purple galaxy bottle,"] },
      { id: 5, type: "EmptyLatentImage", pos: [473, 609], size: [315, 106], flags: {}, order: 1, mode: 0,
        outputs: [out("LATENT", "LATENT", [2], 0)],
        properties: { "Node name for S&R": "EmptyLatentImage" }, widgets_values: [512, 512, 1] },
      { id: 3, type: "KSampler", pos: [863, 186], size: [315, 262], flags: {}, order: 4, mode: 0,
        inputs: [inp("model", "MODEL", 1), inp("positive", "CONDITIONING", 4), inp("negative", "CONDITIONING", 6), inp("latent_image", "LATENT", 2)],
        outputs: [out("LATENT", "LATENT", [7], 0)],
        properties: { "Node name for S&R": "KSampler" },
        widgets_values: [156680208700286, "randomize", 20, 8, "euler", "normal", 1] },
      { id: 8, type: "VAEDecode", pos: [1209, 188], size: [210, 46], flags: {}, order: 5, mode: 0,
        inputs: [inp("samples", "LATENT", 7), inp("vae", "VAE", 8)], outputs: [out("IMAGE", "IMAGE", [9], 0)],
        properties: { "Node name for S&R": "VAEDecode" } },
      { id: 9, type: "SaveImage", pos: [1451, 189], size: [210, 270], flags: {}, order: 6, mode: 0,
        inputs: [inp("images", "IMAGE", 9)], outputs: [],
        properties: {}, widgets_values: ["ComfyUI"] },
      { id: 4, type: "CheckpointLoaderSimple", pos: [26, 474], size: [315, 98], flags: {}, order: 0, mode: 0,
        outputs: [out("MODEL", "MODEL", [1], 0), out("CLIP", "CLIP", [3, 5], 1), out("VAE", "VAE", [8], 2)],
        properties: { "Node name for S&R": "CheckpointLoaderSimple" }, widgets_values: ["v1-5-pruned-emaonly.safetensors"] },
    ],
    links: [
      [1, 4, 0, 3, 0, "MODEL"],
      [2, 5, 0, 3, 3, "LATENT"],
      [3, 4, 1, 6, 0, "CLIP"],
      [4, 6, 0, 3, 1, "CONDITIONING"],
      [5, 4, 1, 7, 0, "CLIP"],
      [6, 7, 0, 3, 2, "CONDITIONING"],
      [7, 3, 0, 8, 0, "LATENT"],
      [8, 4, 2, 8, 1, "VAE"],
      [9, 8, 0, 9, 0, "IMAGE"],
    ],
    groups: [],
    config: {},
    extra: {},
    version: 0.4,
  };
}
