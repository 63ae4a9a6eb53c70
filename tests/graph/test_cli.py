"""main.py: flags, `run` subcommand end to end (subprocess), custom nodes on/off at start-up."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

import main as cli

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures")

TOY_PACK = "from tests.toy_nodes import TOY_NODES as NODE_CLASS_MAPPINGS\n"
BROKEN_PACK = "raise ImportError('this pack needs a library that is not installed')\n"


def test_flags_match_comfyui_names():
    a = cli.build_parser().parse_args([])
    assert a.listen == "127.0.0.1" and a.port == 8188 and a.preview_method == "none"
    a = cli.build_parser().parse_args(["--listen", "--port", "9000", "--cpu", "--cache-lru", "5",
                                       "--extra-model-paths-config", "a.yaml", "b.yaml",
                                       "--extra-model-paths-config", "c.yaml", "--verbose",
                                       "--preview-method", "auto", "--disable-metadata", "--enable-cors-header",
                                       "--max-upload-size", "20", "--force-fp32", "--fp32-vae", "--bf16-unet",
                                       "--lowvram", "--preview-size", "256", "--dont-print-server",
                                       "--disable-auto-launch", "--multi-user", "--auth-token", "t",
                                       "--tls-keyfile", "k", "--tls-certfile", "c", "--base-directory", "/tmp"])
    assert a.listen == "0.0.0.0,::" and a.port == 9000   # bare --listen: every IPv4 and IPv6 interface and a.cpu and a.cache_lru == 5
    assert a.extra_model_paths_config == [["a.yaml", "b.yaml"], ["c.yaml"]] and a.verbose == "DEBUG"
    assert a.enable_cors_header == "*" and a.max_upload_size == 20 and a.lowvram
    assert cli.make_cache_from_args(a).policy == "lru"
    assert cli.make_cache_from_args(cli.build_parser().parse_args(["--cache-none"])).policy == "none"
    assert cli.make_cache_from_args(cli.build_parser().parse_args(["--cache-ram"])).policy == "ram"
    assert cli.make_cache_from_args(cli.build_parser().parse_args(["--cache-classic"])).policy == "classic"
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["--cache-none", "--cache-lru", "3"])


def test_every_comfyui_launch_flag_is_accepted():
    # A launch line from a ComfyUI install script must start this server too.
    a = cli.build_parser().parse_args([
        "--fast", "fp16_accumulation", "--use-sage-attention", "--use-flash-attention", "--directml",
        "--async-offload", "--disable-pinned-memory", "--cuda-malloc", "--fp8_e4m3fn-unet", "--fp32-text-enc",
        "--default-hashing-function", "md5", "--front-end-version", "Comfy-Org/ComfyUI_frontend@latest",
        "--enable-manager", "--reserve-vram", "1.5", "--cuda-device", "0", "--default-device", "0",
        "--force-channels-last", "--mmap-torch-files", "--database-url", "sqlite:///x.db"])
    assert a.fast == ["fp16_accumulation"] and a.default_hashing_function == "md5" and a.reserve_vram == 1.5
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["--no-such-flag"])   # main() warns and goes on: tests/e2e/test_cli.py
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["--front-end-root", "/no/such/folder"])
    a = cli.build_parser().parse_args(["--disable-dynamic-vram", "--use-process-isolation", "--enable-assets",
                                       "--models-directory", "/m"])
    assert cli.build_paths(a).models_dir == "/m"


def test_precision_and_memory_flags_reach_the_device_manager():
    # details: tests/diffusion/test_precision_flags.py
    dm = cli.build_device(cli.build_parser().parse_args(
        ["--cpu", "--fp8_e5m2-unet", "--bf16-text-enc", "--cpu-vae", "--highvram", "--reserve-vram", "2"]))
    assert str(dm.unet_storage_dtype()) == "torch.float8_e5m2" and str(dm.text_storage_dtype()) == "torch.bfloat16"
    assert dm.vae_device.type == "cpu" and dm.vram_mode == "high" and dm.reserve_vram == 2.0


def test_parse_override():
    assert cli.parse_override("5.seed=42") == ("5", "seed", 42)
    assert cli.parse_override("5.text=a cat") == ("5", "text", "a cat")
    assert cli.parse_override("12:3.cfg=7.5") == ("12:3", "cfg", 7.5)
    with pytest.raises(ValueError, match="NODE.INPUT=VALUE"):
        cli.parse_override("seed=1")


@pytest.fixture(scope="module")
def cli_runs(tmp_path_factory):
    """Three `python main.py run` processes started together (each imports the built-in nodes)."""
    tmp = tmp_path_factory.mktemp("cli")
    packs = tmp / "packs"
    (packs / "toy_pack").mkdir(parents=True)
    (packs / "toy_pack" / "__init__.py").write_text(TOY_PACK)
    (packs / "zz_broken.py").write_text(BROKEN_PACK)
    (tmp / "extra.yaml").write_text(f"mine:\n    base_path: {tmp}\n    custom_nodes: packs\n")
    bad = json.load(open(os.path.join(FIXTURES, "api_expected.json")))
    bad["10"]["inputs"]["a"] = "not a number"
    bad["5"]["inputs"]["steps"] = 0
    (tmp / "bad.json").write_text(json.dumps(bad))
    common = [sys.executable, os.path.join(REPO, "main.py"), "run", "--no-progress",
              "--extra-model-paths-config", str(tmp / "extra.yaml"), "--base-directory", str(tmp)]
    cmds = {
        "good": common[:3] + [os.path.join(FIXTURES, "ui_workflow.json"), "--set", "5.seed=7"] + common[3:],
        "bad": common[:3] + [str(tmp / "bad.json")] + common[3:],
        "disabled": common[:3] + [os.path.join(FIXTURES, "ui_workflow.json"), "--disable-all-custom-nodes"]
        + common[3:],
        "smoke": [sys.executable, os.path.join(REPO, "main.py"), "smoke-checkpoint", "--base-directory", str(tmp)],
    }
    procs = {k: subprocess.Popen(c + ["--output-directory", str(tmp / f"out_{k}")], cwd=str(tmp), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for k, c in cmds.items()}
    out = {}
    for k, p in procs.items():
        stdout, stderr = p.communicate(timeout=300)
        out[k] = (p.returncode, stdout, stderr)
    return tmp, out


def test_run_prints_saved_files_despite_a_broken_pack(cli_runs):
    tmp, out = cli_runs
    rc, stdout, stderr = out["good"]
    assert rc == 0, stderr
    lines = stdout.strip().splitlines()
    assert lines == [str(tmp / "out_good" / "toyprefix_00001_.txt")]
    with open(lines[0], encoding="utf-8") as f:
        assert f.read() == "tiny-b.safetensors|[]|7|12|7.5|dpmpp_2m|karras|0.8"   # --set 5.seed=7 applied
    assert "zz_broken" in stderr and "IMPORT FAILED" in stderr
    assert "this pack needs a library that is not installed" in stderr and "Traceback" in stderr


def test_run_with_a_bad_workflow_prints_errors_and_fails(cli_runs):
    _, out = cli_runs
    rc, stdout, stderr = out["bad"]
    assert rc != 0 and stdout.strip() == ""
    assert "node 10 (ToyAdd): invalid_input_type" in stderr and "not a number" in stderr
    assert "node 5 (ToySampler): value_smaller_than_min" in stderr


def test_disable_all_custom_nodes(cli_runs):
    _, out = cli_runs
    rc, stdout, stderr = out["disabled"]
    assert rc != 0
    assert "custom nodes disabled" in stderr and "does not exist" in stderr and "zz_broken" not in stderr


def test_smoke_checkpoint_writes_a_tiny_model(cli_runs):
    tmp, out = cli_runs
    rc, stdout, stderr = out["smoke"]
    assert rc == 0, stderr
    path = stdout.strip().splitlines()[-1]
    assert path == str(tmp / "models" / "checkpoints" / "smoke-test-tiny.safetensors")
    with open(path, "rb") as f:
        header_len = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(header_len))
    assert any(k.startswith("model.diffusion_model.") for k in header)


def test_engine_graph_imports_no_torch_nodes_or_server():
    code = ("import sys; import engine.graph.executor, engine.graph.workflow, engine.graph.plugins, "
            "engine.graph.paths, engine.graph.cache, engine.graph.context, engine.graph.registry; "
            "bad = [m for m in sys.modules if m == 'torch' or m.startswith(('nodes', 'engine.diffusion', "
            "'engine.server'))]; print(bad); sys.exit(1 if bad else 0)")
    r = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
