"""CLIP tokenizer, prompt weighting and chunking against ComfyUI's golden values."""
import gzip
import json
import os
import random

import pytest
import torch

from tests.conftest import GOLDEN, ROOT
from engine.diffusion.embeddings import EmbeddingLibrary
from engine.diffusion.tokenizer import (DEFAULT_MERGES_PATH, END_TOKEN, START_TOKEN, ClipBPE,
                                        PromptTokenizer, parse_prompt_weights)
from engine.diffusion.tools import make_vocab

with open(os.path.join(GOLDEN, "tokenizer.json")) as f:
    TOKENIZER_GOLDEN = json.load(f)
with open(os.path.join(GOLDEN, "families.json")) as f:
    FAMILIES = json.load(f)
CASES = TOKENIZER_GOLDEN["cases"]


@pytest.fixture(scope="module")
def bpe():
    return ClipBPE()


def _ids(chunks):
    return [[t for t, _ in ch] for ch in chunks]


def _weights(chunks):
    return [[w for _, w in ch] for ch in chunks]


def test_real_clip_ids(bpe):
    assert bpe("a black and white striped cat") == [49406, 320, 1449, 537, 1579, 22192, 2368, 49407]
    assert bpe("a photo of a cat") == [49406, 320, 1125, 539, 320, 2368, 49407]


def test_vocabulary_layout(bpe):
    assert len(bpe) == 49408
    assert bpe.encoder["<|startoftext|>"] == START_TOKEN == 49406
    assert bpe.encoder["<|endoftext|>"] == END_TOKEN == 49407
    assert bpe.encoder["!"] == 0 and bpe.encoder["!</w>"] == 256
    assert bpe.decode(bpe.encode("a black and white striped cat")) == "a black and white striped cat"


def test_bpe_matches_transformers_tokenizer_on_random_text(bpe):
    """Our BPE equals transformers' CLIPTokenizer built on the same vocab/merges (vocab=/merges=)."""
    from transformers import CLIPTokenizer
    with gzip.open(DEFAULT_MERGES_PATH, "rt", encoding="utf-8") as f:
        merges = [tuple(line.split()) for line in f.read().split("\n")[1:] if line]
    reference = CLIPTokenizer(vocab=bpe.encoder, merges=merges)
    assert len(reference) == 49408
    rng = random.Random(0)
    alphabet = ("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ,.!?'-()_:;\"#@%&"
                "éèàüößñç日本語中文😀🐱—…")
    words = ["photo", "masterpiece", "highly", "detailed", "it's", "we're", "cat's", "landscape",
             "8k", "unreal", "octane", "render", "trending", "artstation", "bokeh"]
    for _ in range(300):
        if rng.random() < 0.5:
            text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40)))
        else:
            text = " ".join(rng.choice(words) for _ in range(rng.randint(1, 12)))
        assert bpe(text) == reference(text)["input_ids"], text


@pytest.mark.parametrize("case", CASES, ids=[repr(c["prompt"][:30]) for c in CASES])
def test_golden_chunks_sd1_and_sdxl_g(bpe, case):
    missing = lambda name: None  # an existing but empty embeddings folder  # noqa: E731
    for key, pad in (("sd1", 49407), ("sdxl_g", 0)):
        got = PromptTokenizer(bpe, pad, missing).tokenize_with_weights(case["prompt"])
        assert _ids(got) == [ch["tokens"] for ch in case[key]], key
        assert _weights(got) == [ch["weights"] for ch in case[key]], key
        assert all(len(ch) == 77 for ch in got)
    if "sd1_with_no_embedding_directory" in case:
        got = PromptTokenizer(bpe, 49407, None).tokenize_with_weights(case["prompt"])
        expected = case["sd1_with_no_embedding_directory"]
        assert _ids(got) == [ch["tokens"] for ch in expected]
        assert _weights(got) == [ch["weights"] for ch in expected]


@pytest.mark.parametrize("case", CASES, ids=[repr(c["prompt"][:30]) for c in CASES])
def test_golden_parsed_segments(case):
    assert [[t, w] for t, w in parse_prompt_weights(case["prompt"])] == case["parsed_segments"]


def test_weight_rules_from_reference_text():
    assert parse_prompt_weights("a (b:1.2) ((c)) (d (e:0.5))") == [
        ("a ", 1.0), ("b", 1.2), (" ", 1.0), ("c", 1.2100000000000002), (" ", 1.0), ("d ", 1.1), ("e", 0.5)]
    assert parse_prompt_weights("\\(x\\) (y)") == [("(x) ", 1.0), ("y", 1.1)]


def test_special_tokens_and_pads_match_families(bpe):
    special = TOKENIZER_GOLDEN["special"]
    assert (special["start"], special["end"], special["max_length"]) == (START_TOKEN, END_TOKEN, 77)
    pads = {name: pad for fam in FAMILIES.values() if isinstance(fam, dict) and "tokenizer_pad" in fam
            for name, pad in fam["tokenizer_pad"].items()}
    assert pads == {"clip_l": 49407, "clip_h": 0, "clip_g": 0}
    from engine.diffusion.clip_handle import KIND_ROLES
    for roles in KIND_ROLES.values():
        for role in roles:
            assert role.pad_token == pads[role.module_name], role
    assert PromptTokenizer(bpe, 0).tokenize_with_weights("hello")[0][:4] == [
        (49406, 1.0), (3306, 1.0), (49407, 1.0), (0, 1.0)]


def test_long_prompt_splits_into_chunks_of_77(bpe):
    chunks = PromptTokenizer(bpe, 49407).tokenize_with_weights("word " * 100)
    assert len(chunks) == 2 and all(len(c) == 77 for c in chunks)
    assert [t for t, _ in chunks[0][-2:]] == [2653, 49407]
    assert [t for t, _ in chunks[1][:2]] == [49406, 2653]
    three = PromptTokenizer(bpe, 49407).tokenize_with_weights("word " * 200)
    assert len(three) == 3


def _write_embedding(folder, name, rows):
    import safetensors.torch
    path = os.path.join(folder, name + ".safetensors")
    safetensors.torch.save_file({"emb_params": rows.contiguous()}, path)
    return path


def test_embedding_words_become_rows(bpe, tmp_path):
    rows = torch.randn(3, 768)
    _write_embedding(str(tmp_path), "foo", rows)
    lib = EmbeddingLibrary([str(tmp_path)])
    tok = PromptTokenizer(bpe, 49407, lib.lookup_fn(768, "clip_l"))
    chunk = tok.tokenize_with_weights("a photo of embedding:foo cat")[0]
    assert [t for t, _ in chunk[:4]] == [49406, 320, 1125, 539]
    assert all(torch.equal(chunk[4 + i][0], rows[i]) for i in range(3))
    assert chunk[7][0] == 2368 and chunk[8][0] == END_TOKEN
    # trailing comma: split off and tokenized as text; weights apply to the rows
    chunk = tok.tokenize_with_weights("(embedding:foo, cat:1.3)")[0]
    assert torch.equal(chunk[1][0], rows[0]) and chunk[1][1] == 1.3
    assert [t for t, _ in chunk[4:6]] == [267, 2368] and chunk[4][1] == 1.3
    # embedding: only after a space or newline or at the start of a piece
    chunk = tok.tokenize_with_weights("xembedding:foo")[0]
    assert all(isinstance(t, int) for t, _ in chunk)


def test_large_embedding_group_is_split_across_chunks(bpe, tmp_path):
    _write_embedding(str(tmp_path), "big", torch.randn(10, 768))
    tok = PromptTokenizer(bpe, 49407, EmbeddingLibrary([str(tmp_path)]).lookup_fn(768, "clip_l"))
    chunks = tok.tokenize_with_weights("word " * 70 + "embedding:big")
    assert len(chunks) == 2
    # 70 words + 5 rows fill the first chunk; the remaining 5 rows start the second
    assert sum(isinstance(t, torch.Tensor) for t, _ in chunks[0]) == 5
    assert sum(isinstance(t, torch.Tensor) for t, _ in chunks[1]) == 5


def test_make_vocab_is_reproducible_from_shipped_data(tmp_path):
    with open(DEFAULT_MERGES_PATH, "rb") as f:
        shipped = f.read()
    assert len(shipped) < 2 * 1024 * 1024
    rebuilt = make_vocab.build(make_vocab.read_source(DEFAULT_MERGES_PATH))
    assert rebuilt == shipped
    out = tmp_path / "v.gz"
    assert make_vocab.main([DEFAULT_MERGES_PATH, "-o", str(out)]) == 0
    assert out.read_bytes() == shipped
    assert os.path.isfile(os.path.join(ROOT, "engine", "diffusion", "data", "README.md"))


def test_chunking_invariants_on_random_prompts(bpe):
    """Every chunk is start + content + end + pads; content tokens keep their order and weights."""
    from hypothesis import given, settings, strategies as st
    words = st.sampled_from(["cat", "(dog:1.3)", "((red))", "house,", "supercalifragilisticexpialidocious",
                             "a", "\\(x\\)", "8k", "blue sky", "(green (grass:0.5))"])

    @settings(max_examples=60, deadline=None, derandomize=True)
    @given(st.lists(words, min_size=0, max_size=120))
    def check(parts):
        text = " ".join(parts)
        tok = PromptTokenizer(bpe, 0)
        chunks = tok.tokenize_with_weights(text)
        content = []
        for ch in chunks:
            ids = [t for t, _ in ch]
            assert len(ch) == 77 and ids[0] == START_TOKEN
            end = ids.index(END_TOKEN)
            assert all(t == 0 for t in ids[end + 1:])
            assert all(w == 1.0 for _, w in ch[end:]) and ch[0][1] == 1.0
            content += ch[1:end]
        expected = [pair for group in tok.groups(text) for pair in group]
        assert content == expected
        assert len(chunks) >= max(1, -(-len(expected) // 75))
    check()
