"""CLIP text encoders: architecture, OpenCLIP conversion, parity, CLIP skip, weights, handle."""
import json
import math
import os
import pickle

import pytest
import torch
import torch.nn.functional as F

from tests.conftest import GOLDEN
from engine.diffusion.clip_handle import (KIND_ROLES, ClipHandle, build_clip_handle,
                                          text_encoder_parts)
from engine.diffusion.embeddings import EmbeddingError, EmbeddingLibrary
from engine.diffusion.models.clip import (CLIP_VIT_L, OPEN_CLIP_VIT_BIGG, OPEN_CLIP_VIT_H, ClipLoadError,
                                          ClipTextEncoder, count_parameters, heads_for_width,
                                          load_text_encoder)
from engine.diffusion.patching import DiffPatch
from engine.diffusion.tiny_clip import TINY_SHAPES, tiny_text_encoder_state_dict
from engine.diffusion.tokenizer import ClipBPE

with open(os.path.join(GOLDEN, "families.json")) as f:
    FAMILIES = json.load(f)

SD1_L = "cond_stage_model.transformer."
SD2_H = "cond_stage_model.model."
XL_L = "conditioner.embedders.0.transformer."
XL_G = "conditioner.embedders.1.model."
REFINER_G = "conditioner.embedders.0.model."


@pytest.fixture(scope="module")
def bpe():
    return ClipBPE()


def _checkpoint(kind, seed=0):
    sd = {}
    if kind == "sd1":
        sd.update(tiny_text_encoder_state_dict("clip_l", SD1_L, seed))
    elif kind == "sd2":
        sd.update(tiny_text_encoder_state_dict("open_clip_h", SD2_H, seed))
    elif kind == "sdxl":
        sd.update(tiny_text_encoder_state_dict("clip_l", XL_L, seed))
        sd.update(tiny_text_encoder_state_dict("open_clip_g", XL_G, seed + 1))
    elif kind == "sdxl_refiner":
        sd.update(tiny_text_encoder_state_dict("open_clip_g", REFINER_G, seed))
    sd["model.diffusion_model.input_blocks.0.0.weight"] = torch.zeros(1)   # other parts are ignored
    return sd


@pytest.fixture(scope="module")
def handles(bpe):
    return {kind: build_clip_handle(kind, text_encoder_parts(_checkpoint(kind), kind), bpe=bpe)
            for kind in KIND_ROLES}


# ------------------------------------------------------------------ architecture

def test_full_size_parameter_counts():
    assert count_parameters(CLIP_VIT_L) == 123_060_480
    assert count_parameters(OPEN_CLIP_VIT_BIGG) == 694_659_840
    assert count_parameters(OPEN_CLIP_VIT_H) == 354_032_640


def test_heads_rule_for_real_and_tiny_widths():
    assert [heads_for_width(w) for w in (768, 1024, 1280, 32, 48)] == [12, 16, 20, 2, 3]
    with pytest.raises(ClipLoadError):
        heads_for_width(30)


def test_full_size_config_inferred_from_meta_shapes():
    """A full-size bigG state dict (shapes only) gives the real architecture."""
    with torch.device("meta"):
        ref = ClipTextEncoder(OPEN_CLIP_VIT_BIGG)
    sd = {}
    for k, v in ref.transformer.state_dict().items():
        sd[k] = v
    from engine.diffusion.models.clip import infer_spec
    spec = infer_spec(sd, "gelu")
    assert spec == OPEN_CLIP_VIT_BIGG


# ------------------------------------------------------------------ references

def _ln(x, w, b):
    return F.layer_norm(x, (x.shape[-1],), w, b, eps=1e-5)


def _reference_forward(layers, top, ids, heads, act, eos):
    """Plain float64 transformer forward; returns (hidden after each layer, final normed, pooled)."""
    x = top["tok"][ids] + top["pos"][: ids.shape[1]]
    t = ids.shape[1]
    mask = torch.full((t, t), float("-inf"), dtype=x.dtype).triu(1)
    states = []
    for p in layers:
        h = _ln(x, p["ln1w"], p["ln1b"])
        q, k, v = (h @ p[n + "w"].T + p[n + "b"] for n in ("q", "k", "v"))
        b, _, d = q.shape
        split = lambda z: z.view(b, t, heads, d // heads).transpose(1, 2)  # noqa: E731
        att = torch.softmax(split(q) @ split(k).transpose(-1, -2) / math.sqrt(d // heads) + mask, dim=-1)
        o = (att @ split(v)).transpose(1, 2).reshape(b, t, d)
        x = x + o @ p["ow"].T + p["ob"]
        h = _ln(x, p["ln2w"], p["ln2b"]) @ p["f1w"].T + p["f1b"]
        h = h * torch.sigmoid(1.702 * h) if act == "quick_gelu" else F.gelu(h)
        x = x + h @ p["f2w"].T + p["f2b"]
        states.append(x)
    final = _ln(x, top["lnw"], top["lnb"])
    pooled = final[torch.arange(ids.shape[0]), eos]
    if "proj" in top:
        pooled = pooled @ top["proj"]
    return states, final, pooled


def _open_clip_reference_weights(sd, prefix, layers):
    g = lambda k: sd[prefix + k].double()  # noqa: E731
    out = []
    for n in range(layers):
        r = f"transformer.resblocks.{n}."
        qw, kw, vw = g(r + "attn.in_proj_weight").chunk(3)
        qb, kb, vb = g(r + "attn.in_proj_bias").chunk(3)
        out.append(dict(ln1w=g(r + "ln_1.weight"), ln1b=g(r + "ln_1.bias"), qw=qw, qb=qb, kw=kw, kb=kb,
                        vw=vw, vb=vb, ow=g(r + "attn.out_proj.weight"), ob=g(r + "attn.out_proj.bias"),
                        ln2w=g(r + "ln_2.weight"), ln2b=g(r + "ln_2.bias"),
                        f1w=g(r + "mlp.c_fc.weight"), f1b=g(r + "mlp.c_fc.bias"),
                        f2w=g(r + "mlp.c_proj.weight"), f2b=g(r + "mlp.c_proj.bias")))
    top = dict(tok=g("token_embedding.weight"), pos=g("positional_embedding"), lnw=g("ln_final.weight"),
               lnb=g("ln_final.bias"), proj=g("text_projection"))
    return out, top


def _hf_reference_weights(sd, prefix, layers):
    g = lambda k: sd[prefix + "text_model." + k].double()  # noqa: E731
    out = []
    for n in range(layers):
        r = f"encoder.layers.{n}."
        a = r + "self_attn."
        out.append(dict(ln1w=g(r + "layer_norm1.weight"), ln1b=g(r + "layer_norm1.bias"),
                        qw=g(a + "q_proj.weight"), qb=g(a + "q_proj.bias"), kw=g(a + "k_proj.weight"),
                        kb=g(a + "k_proj.bias"), vw=g(a + "v_proj.weight"), vb=g(a + "v_proj.bias"),
                        ow=g(a + "out_proj.weight"), ob=g(a + "out_proj.bias"),
                        ln2w=g(r + "layer_norm2.weight"), ln2b=g(r + "layer_norm2.bias"),
                        f1w=g(r + "mlp.fc1.weight"), f1b=g(r + "mlp.fc1.bias"),
                        f2w=g(r + "mlp.fc2.weight"), f2b=g(r + "mlp.fc2.bias")))
    top = dict(tok=g("embeddings.token_embedding.weight"), pos=g("embeddings.position_embedding.weight"),
               lnw=g("final_layer_norm.weight"), lnb=g("final_layer_norm.bias"))
    return out, top


def _ids_for(bpe, pad, texts):
    rows = []
    for text in texts:
        ids = bpe(text)
        rows.append(ids + [pad] * (77 - len(ids)))
    ids = torch.tensor(rows)
    return ids, (ids == 49407).int().argmax(dim=1)


CASES = [("clip_l", SD1_L, 49407, "quick_gelu", _hf_reference_weights),
         ("open_clip_h", SD2_H, 0, "gelu", _open_clip_reference_weights),
         ("open_clip_g", XL_G, 0, "gelu", _open_clip_reference_weights)]


@pytest.mark.parametrize("kind,prefix,pad,act,weights", CASES, ids=[c[0] for c in CASES])
def test_conversion_matches_independent_reference_forward(bpe, kind, prefix, pad, act, weights):
    """Our converted encoder equals a plain float64 transformer written on the raw checkpoint tensors."""
    sd = tiny_text_encoder_state_dict(kind, prefix, seed=3)
    width, n_layers = TINY_SHAPES[kind]
    enc = load_text_encoder({k[len(prefix):]: v for k, v in sd.items()}, act, pad)
    ids, eos = _ids_for(bpe, pad, ["a photo of a cat", "a black and white striped cat, highly detailed"])
    states, final, pooled = _reference_forward(*weights(sd, prefix, n_layers), ids, heads_for_width(width), act, eos)
    emb = enc.token_embedding()(ids)
    with torch.no_grad():
        last, p = enc(emb, eos, None, project_pooled=True)
        pen_raw, _ = enc(emb, eos, -2, norm_hidden=False)
        pen_normed, _ = enc(emb, eos, -2, norm_hidden=True)
        last_raw, _ = enc(emb, eos, -1, norm_hidden=False)
    torch.testing.assert_close(last.double(), final, atol=1e-5, rtol=0)
    torch.testing.assert_close(p.double(), pooled, atol=1e-5, rtol=0)
    torch.testing.assert_close(pen_raw.double(), states[-2], atol=1e-5, rtol=0)
    torch.testing.assert_close(last_raw.double(), states[-1], atol=1e-5, rtol=0)
    ln = enc.text_model.final_layer_norm
    torch.testing.assert_close(pen_normed, ln(pen_raw), atol=1e-6, rtol=0)


DIFFUSERS_CASES = [("clip_l", SD1_L, 49407, "quick_gelu"), ("open_clip_h", SD2_H, 0, "gelu"),
                   ("open_clip_g", XL_G, 0, "gelu")]


@pytest.mark.parametrize("kind,prefix,pad,act", DIFFUSERS_CASES, ids=[c[0] for c in DIFFUSERS_CASES])
def test_parity_with_diffusers_single_file_conversion(bpe, kind, prefix, pad, act):
    """diffusers' own single-file conversion + transformers' own forward give our outputs (1e-4)."""
    from diffusers.loaders.single_file_utils import convert_ldm_clip_checkpoint, convert_open_clip_checkpoint
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection
    sd = tiny_text_encoder_state_dict(kind, prefix, seed=5)
    width, n_layers = TINY_SHAPES[kind]
    config = CLIPTextConfig(vocab_size=49408, hidden_size=width, intermediate_size=4 * width,
                            num_hidden_layers=n_layers, num_attention_heads=heads_for_width(width),
                            projection_dim=width, hidden_act=act, max_position_embeddings=77,
                            eos_token_id=49407, bos_token_id=49406, pad_token_id=pad)
    # diffusers builds SD2's encoder without projection (it drops text_projection), bigG with it
    projected = kind == "open_clip_g"
    ref = (CLIPTextModelWithProjection if projected else CLIPTextModel)(config).eval()
    if kind == "clip_l":
        converted = convert_ldm_clip_checkpoint(sd)
    else:
        converted = convert_open_clip_checkpoint(ref, sd, prefix=prefix)
    converted = {k: v for k, v in converted.items() if not k.endswith("position_ids")}
    if not projected and "text_model.embeddings.token_embedding.weight" not in ref.state_dict():
        converted = {k[len("text_model."):]: v for k, v in converted.items()}   # transformers 5 names
    ref.load_state_dict(converted, strict=True)
    enc = load_text_encoder({k[len(prefix):]: v for k, v in sd.items()}, act, pad)
    ids, eos = _ids_for(bpe, pad, ["a photo of a cat", "(masterpiece) landscape, 8k"])
    with torch.no_grad():
        out = ref(input_ids=ids, output_hidden_states=True)
        emb = enc.token_embedding()(ids)
        last, pooled = enc(emb, eos, None, project_pooled=projected)
        pen, _ = enc(emb, eos, -2, norm_hidden=False)
    torch.testing.assert_close(last, out.last_hidden_state, atol=1e-4, rtol=0)
    torch.testing.assert_close(pen, out.hidden_states[-2], atol=1e-4, rtol=0)
    ref_pooled = out.text_embeds if projected else out.pooler_output
    torch.testing.assert_close(pooled, ref_pooled, atol=1e-4, rtol=0)


# ------------------------------------------------------------------ strict loading

def test_strict_loading_lists_missing_and_unexpected_keys():
    sd = tiny_text_encoder_state_dict("open_clip_g", "", seed=0)
    del sd["transformer.resblocks.1.ln_2.bias"]
    sd["transformer.resblocks.0.attn.extra"] = torch.zeros(1)
    with pytest.raises(ClipLoadError) as e:
        load_text_encoder(sd, "gelu", 0, source="x.safetensors")
    msg = str(e.value)
    assert "x.safetensors" in msg
    assert "text_model.encoder.layers.1.layer_norm2.bias" in msg
    assert "transformer.resblocks.0.attn.extra" in msg


def test_wrong_shape_is_reported():
    sd = tiny_text_encoder_state_dict("clip_l", "", seed=0)
    sd["text_model.final_layer_norm.weight"] = torch.ones(31)
    with pytest.raises(ClipLoadError, match="final_layer_norm.weight"):
        load_text_encoder(sd, "quick_gelu", 49407)


def test_build_refuses_missing_encoder_part():
    with pytest.raises(ClipLoadError, match="sdxl"):
        text_encoder_parts(_checkpoint("sd1"), "sdxl")
    parts = text_encoder_parts(_checkpoint("sdxl"), "sdxl")
    with pytest.raises(ClipLoadError, match="missing \\['g'\\]"):
        build_clip_handle("sdxl", {"l": parts["l"]})


def test_old_sd1_layout_without_text_model_prefix(bpe, handles):
    """Very old SD1 files store cond_stage_model.transformer.<embeddings...> without text_model."""
    sd = {k.replace("transformer.text_model.", "transformer."): v for k, v in _checkpoint("sd1").items()}
    old = build_clip_handle("sd1", text_encoder_parts(sd, "sd1"), bpe=bpe)
    torch.testing.assert_close(old.encode("a cat")[0][0], handles["sd1"].encode("a cat")[0][0], atol=0, rtol=0)


# ------------------------------------------------------------------ families facts

def _meta_handle(kind, bpe):
    specs = {"clip_l": CLIP_VIT_L, "clip_h": OPEN_CLIP_VIT_H, "clip_g": OPEN_CLIP_VIT_BIGG}
    with torch.device("meta"):
        encs = {r.module_name: ClipTextEncoder(specs[r.module_name]) for r in KIND_ROLES[kind]}
    return ClipHandle(kind, encs, bpe, None)


FAMILY_KIND = {"SD1.x": "sd1", "SD2.x": "sd2", "SDXL": "sdxl"}


@pytest.mark.parametrize("family", sorted(FAMILY_KIND))
def test_clip_skip_defaults_and_set_last_layer_effect_match_families(bpe, family):
    facts = FAMILIES[family]
    handle = _meta_handle(FAMILY_KIND[family], bpe)
    roles = {r.module_name: r for r in handle.roles}
    for name, te in facts["text_encoders"].items():
        role, enc = roles[name], handle.modules[name]
        assert enc.num_layers == te["num_layers"]
        assert role.pad_token == te["special_tokens"]["pad"]
        layer, norm = handle._layer_for(role, enc)
        if te["layer"] == "last":
            assert layer is None
        else:
            assert layer == te["layer_idx"] and norm == te["final_layer_norm_on_hidden_output"]
        if family != "SD1.x":
            assert role.project_pooled == te["returns_projected_pooled"]
        else:
            assert role.project_pooled is False
    for name, effects in facts["clip_set_last_layer_effect"].items():
        role, enc = roles[name], handle.modules[name]
        for value, (mode, idx) in effects.items():
            handle.set_last_layer(int(value))
            layer, norm = handle._layer_for(role, enc)
            if mode == "last":
                assert (layer, norm) == (None, True), (name, value)
            else:
                assert layer == idx and norm == roles[name].norm_hidden, (name, value)
        handle.set_last_layer(None)


with open(os.path.join(GOLDEN, "tokenizer.json")) as f:
    TOKENIZER_CASES = json.load(f)["cases"]


def test_handle_tokenize_matches_golden_for_every_family(bpe):
    """SD1 l, SDXL l (= SD1), SDXL g, refiner g and SD2 h (= SDXL g) token lists, through ClipHandle."""
    def chunks(c):
        return [[t for t, _ in ch] for ch in c], [[w for _, w in ch] for ch in c]

    def golden(c):
        return [ch["tokens"] for ch in c], [ch["weights"] for ch in c]
    handles = {}
    for kind in KIND_ROLES:
        h = _meta_handle(kind, bpe)
        h.embeddings = EmbeddingLibrary([])      # an empty embeddings folder, as the loaders pass
        handles[kind] = ClipHandle(kind, h.modules, bpe, h.embeddings)
    for case in TOKENIZER_CASES:
        sd1, g = golden(case["sd1"]), golden(case["sdxl_g"])
        assert chunks(handles["sd1"].tokenize(case["prompt"])["l"]) == sd1
        xl = handles["sdxl"].tokenize(case["prompt"])
        assert chunks(xl["l"]) == sd1 and chunks(xl["g"]) == g
        assert chunks(handles["sdxl_refiner"].tokenize(case["prompt"])["g"]) == g
        assert chunks(handles["sd2"].tokenize(case["prompt"])["h"]) == g


def test_bad_token_chunks_are_refused(handles):
    h = handles["sd1"]
    toks = h.tokenize("a cat")
    with pytest.raises(ValueError, match="same length"):
        h.encode_from_tokens({"l": [toks["l"][0] + [(49407, 1.0)]]})
    with pytest.raises(ValueError, match="end token"):
        h.encode_from_tokens({"l": [[(49406, 1.0)] + [(320, 1.0)] * 76]})
    with pytest.raises(ValueError, match="lack"):
        h.encode_from_tokens({"g": toks["l"]})


def test_clip_skip_changes_output_as_reference(handles):
    """SDXL −1 is the un-normed last layer; a fallback beyond clip_l's depth is the normed last layer."""
    h = handles["sdxl_refiner"]
    enc = h.modules["clip_g"]
    tokens = h.tokenize("a photo of a cat")
    ids = torch.tensor([[t for t, _ in tokens["g"][0]]])
    eos = (ids == 49407).int().argmax(dim=1)
    emb = enc.token_embedding()(ids)
    with torch.no_grad():
        raw_pen, _ = enc(emb, eos, -2, norm_hidden=False)
        raw_last, _ = enc(emb, eos, -1, norm_hidden=False)
        normed_last, _ = enc(emb, eos, None)
    c = h.clone()
    torch.testing.assert_close(h.encode_from_tokens(tokens), raw_pen, atol=0, rtol=0)
    c.set_last_layer(-1)
    torch.testing.assert_close(c.encode_from_tokens(tokens), raw_last, atol=0, rtol=0)
    c.set_last_layer(-99)
    torch.testing.assert_close(c.encode_from_tokens(tokens), normed_last, atol=0, rtol=0)
    torch.testing.assert_close(h.encode_from_tokens(tokens), raw_pen, atol=0, rtol=0)  # clone left h alone


# ------------------------------------------------------------------ handle behaviour

@pytest.mark.parametrize("kind,width", [("sd1", 32), ("sd2", 32), ("sdxl", 80), ("sdxl_refiner", 48)])
def test_conditioning_shapes_and_long_prompts(handles, kind, width):
    h = handles[kind]
    cond = h.encode("a photo of a cat")
    assert isinstance(cond, list) and len(cond) == 1
    c, extra = cond[0]
    assert c.shape == (1, 77, width) and c.dtype == torch.float32
    pooled_width = 48 if kind in ("sdxl", "sdxl_refiner") else 32
    assert extra["pooled_output"].shape == (1, pooled_width)
    long = "word " * 200
    long_c, long_extra = h.encode(long)[0]
    assert long_c.shape == (1, 231, width)
    # pooled comes from the first chunk alone
    toks = h.tokenize(long)
    first = {k: v[:1] for k, v in toks.items()}
    _, pooled_first = h.encode_from_tokens(first, return_pooled=True)
    torch.testing.assert_close(long_extra["pooled_output"], pooled_first, atol=1e-6, rtol=0)
    # each chunk is encoded separately: chunk 2 alone equals the third 77-token slice
    third = {k: v[2:3] for k, v in toks.items()}
    torch.testing.assert_close(long_c[:, 154:], h.encode_from_tokens(third), atol=1e-6, rtol=0)


def test_sdxl_concatenates_l_then_g_and_pools_from_g(handles):
    h = handles["sdxl"]
    toks = h.tokenize("a red car")
    cond, pooled = h.encode_from_tokens(toks, return_pooled=True)
    l_out, _ = h._encode_chunks(h.roles[0], h.modules["clip_l"], toks["l"])
    g_out, g_pooled = h._encode_chunks(h.roles[1], h.modules["clip_g"], toks["g"])
    torch.testing.assert_close(cond, torch.cat([l_out, g_out], dim=-1), atol=0, rtol=0)
    torch.testing.assert_close(pooled, g_pooled, atol=0, rtol=0)


@pytest.mark.parametrize("kind", ["sd1", "sdxl"])
def test_prompt_weight_follows_comfyui_formula(handles, kind):
    h = handles[kind]
    plain = h.encode("cat")[0][0]
    empty = h.encode("")[0][0]
    weighted = h.encode("(cat:1.5)")[0][0]
    expected = plain.clone()
    expected[:, 1] = (plain[:, 1] - empty[:, 1]) * 1.5 + empty[:, 1]
    torch.testing.assert_close(weighted, expected, atol=1e-6, rtol=0)
    assert not torch.allclose(weighted[:, 1], plain[:, 1], atol=1e-3)
    torch.testing.assert_close(weighted[:, 2:], plain[:, 2:], atol=1e-6, rtol=0)


def test_clone_shares_modules_and_keeps_own_patches(handles):
    h = handles["sd1"]
    before = h.encode("a cat")[0][0]
    c = h.clone()
    assert c.modules["clip_l"] is h.modules["clip_l"]
    key = "clip_l.text_model.encoder.layers.0.mlp.fc1.weight"
    assert key in c.patch_keys()
    w = h.modules["clip_l"].transformer.text_model.encoder.layers[0].mlp.fc1.weight
    unmatched = c.add_patches({key: DiffPatch(torch.ones_like(w) * 0.05), "clip_l.nope.weight": None}, 1.0)
    assert unmatched == ["clip_l.nope.weight"]
    patched = c.encode("a cat")[0][0]
    assert not torch.allclose(patched, before, atol=1e-4)
    torch.testing.assert_close(h.encode("a cat")[0][0], before, atol=0, rtol=0)   # originals back, bit-exact
    torch.testing.assert_close(c.encode("a cat")[0][0], patched, atol=0, rtol=0)


class _FakeDeviceManager:
    compute_device = torch.device("cpu")

    def __init__(self):
        self.loads = 0

    def text_dtype(self):
        return torch.bfloat16

    def load(self, handle):
        self.loads += 1
        for module, before in handle.device_modules():
            before(module)
            module.to(self.compute_device)


def test_device_manager_dtype_and_load(bpe):
    dm = _FakeDeviceManager()
    h = build_clip_handle("sd1", text_encoder_parts(_checkpoint("sd1"), "sd1"), device_manager=dm, bpe=bpe)
    assert h.modules["clip_l"].transformer.text_model.final_layer_norm.weight.dtype == torch.bfloat16
    c = h.encode("a cat")[0][0]
    assert c.dtype == torch.float32 and dm.loads == 1


def test_real_device_manager_fp32(bpe):
    from engine.diffusion.device import DeviceManager
    dm = DeviceManager(cpu=True, force_fp32=True)
    h = build_clip_handle("sd2", text_encoder_parts(_checkpoint("sd2"), "sd2"), device_manager=dm, bpe=bpe)
    assert h.modules["clip_h"].transformer.text_projection.weight.dtype == torch.float32
    assert h.encode("a cat")[0][0].shape == (1, 77, 32)


# ------------------------------------------------------------------ embeddings

def _cat_rows(handle, name):
    return handle.modules[name].token_embedding().weight[2368].detach().clone()[None]


def test_embedding_rows_replace_tokens(tmp_path, bpe):
    """An embedding holding the token-embedding row of "cat" encodes exactly like the word cat."""
    import safetensors.torch
    for kind, name in (("sdxl", "catxl"), ("sd1", "cat1")):
        h = build_clip_handle(kind, text_encoder_parts(_checkpoint(kind), kind),
                              embedding_dirs=[str(tmp_path)], bpe=bpe)
        if kind == "sdxl":   # SDXL files hold one tensor per encoder
            safetensors.torch.save_file({"clip_l": _cat_rows(h, "clip_l"), "clip_g": _cat_rows(h, "clip_g")},
                                        str(tmp_path / "catxl.safetensors"))
        else:                # A1111 .pt layout
            torch.save({"string_to_param": {"*": _cat_rows(h, "clip_l")}}, str(tmp_path / "cat1.pt"))
        with_embedding = h.encode(f"a photo of embedding:{name}")
        plain = h.encode("a photo of cat")
        torch.testing.assert_close(with_embedding[0][0], plain[0][0], atol=1e-6, rtol=0)
        torch.testing.assert_close(with_embedding[0][1]["pooled_output"], plain[0][1]["pooled_output"],
                                   atol=1e-6, rtol=0)


def test_embedding_of_wrong_width_is_dropped_and_padded(tmp_path, bpe):
    torch.save({"string_to_param": {"*": torch.randn(2, 99)}}, str(tmp_path / "wide.pt"))
    h = build_clip_handle("sd1", text_encoder_parts(_checkpoint("sd1"), "sd1"),
                          embedding_dirs=[str(tmp_path)], bpe=bpe)
    out = h.encode("cat embedding:wide")[0][0]
    assert out.shape == (1, 77, 32)
    torch.testing.assert_close(out, h.encode("cat")[0][0], atol=1e-6, rtol=0)


def test_build_with_embedding_dirs_and_missing_embedding(tmp_path, bpe):
    torch.save({"string_to_param": {"*": torch.randn(2, 32)}}, str(tmp_path / "two.pt"))
    h = build_clip_handle("sd1", text_encoder_parts(_checkpoint("sd1"), "sd1"),
                          embedding_dirs=[str(tmp_path)], bpe=bpe)
    toks = h.tokenize("embedding:two cat embedding:absent dog")["l"][0]
    assert sum(isinstance(t, torch.Tensor) for t, _ in toks) == 2
    ids = [t for t, _ in toks if not isinstance(t, torch.Tensor)]
    assert ids[:4] == [49406, 2368, 1929, 49407]     # "absent" dropped, "dog" kept
    assert h.embeddings.names() == ["two"]


class _Evil:
    def __reduce__(self):
        return (print, ("pwned",))


def test_pickle_with_code_is_refused(tmp_path):
    path = tmp_path / "evil.pt"
    with open(path, "wb") as f:
        pickle.dump({"string_to_param": {"*": _Evil()}}, f, protocol=2)
    lib = EmbeddingLibrary([str(tmp_path)])
    with pytest.raises(EmbeddingError, match="evil.pt"):
        lib.lookup("evil", 768, "clip_l")
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(EmbeddingError, match="unsupported"):
        lib.lookup("notes.txt", 768, "clip_l")


def test_embedding_found_in_subfolder_by_bare_name_or_path(tmp_path):
    sub = tmp_path / "style" / "deep"
    sub.mkdir(parents=True)
    rows = torch.randn(2, 768)
    torch.save({"string_to_param": {"*": rows}}, str(sub / "ink.pt"))
    lib = EmbeddingLibrary([str(tmp_path)])
    assert torch.equal(lib.lookup("ink", 768, "clip_l"), rows)
    assert torch.equal(lib.lookup("style/deep/ink", 768, "clip_l"), rows)
    assert lib.names() == ["style/deep/ink"]


def test_embedding_path_cannot_escape_folder(tmp_path):
    inner = tmp_path / "emb"
    inner.mkdir()
    torch.save({"string_to_param": {"*": torch.randn(1, 768)}}, str(tmp_path / "outside.pt"))
    assert EmbeddingLibrary([str(inner)]).lookup("../outside", 768, "clip_l") is None


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("dtype,tol", [(torch.float16, 2e-2), (torch.bfloat16, 6e-2)])
def test_gpu_encode_matches_cpu_fp32(bpe, dtype, tol):
    """On CUDA in fp16/bf16 the SDXL conditioning matches CPU fp32 within ``tol`` (max abs)."""
    class _Cuda(_FakeDeviceManager):
        compute_device = torch.device("cuda")

        def text_dtype(self):
            return dtype
    parts = lambda: text_encoder_parts(_checkpoint("sdxl"), "sdxl")  # noqa: E731
    cpu = build_clip_handle("sdxl", parts(), bpe=bpe)
    gpu = build_clip_handle("sdxl", parts(), device_manager=_Cuda(), bpe=bpe)
    prompt = "a (red:1.3) car " * 30
    ref, ref_pooled = cpu.encode(prompt)[0][0], cpu.encode(prompt)[0][1]["pooled_output"]
    out = gpu.encode(prompt)
    assert out[0][0].device.type == "cpu" and out[0][0].dtype == torch.float32
    assert (out[0][0] - ref).abs().max().item() < tol
    assert (out[0][1]["pooled_output"] - ref_pooled).abs().max().item() < tol
