"""`python main.py smoke-checkpoint` then `python main.py run` on the examples, as a newcomer would.

One real subprocess (the default workflow); the rest call main.main() in-process to stay quick."""
import os
import subprocess
import sys

import pytest
from PIL import Image

from .conftest import EXAMPLES, ROOT


def main_py(*args, cwd=ROOT, timeout=240):
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    return subprocess.run([sys.executable, os.path.join(ROOT, "main.py"), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


def main_in_process(*args) -> int:
    if ROOT not in sys.path:
        sys.path.insert(0, ROOT)
    import main
    return main.main(list(args))


@pytest.fixture(scope="module")
def fresh_base(tmp_path_factory):
    """A base folder where only `main.py smoke-checkpoint` has been run (in-process: same code path)."""
    base = str(tmp_path_factory.mktemp("fresh"))
    assert main_in_process("smoke-checkpoint", "--base-directory", base) == 0
    ckpt = os.path.join(base, "models", "checkpoints", "smoke-test-tiny.safetensors")
    assert os.path.isfile(ckpt)
    return base


def test_default_workflow_runs_on_the_smoke_checkpoint(fresh_base):
    proc = main_py("run", os.path.join(EXAMPLES, "txt2img.json"), "--base-directory", fresh_base, "--no-progress",
                   "--set", "5.width=64", "--set", "5.height=48", "--set", "5.batch_size=2", "--set", "3.steps=2")
    assert proc.returncode == 0, proc.stderr
    saved = [line for line in proc.stdout.splitlines() if line.endswith(".png")]
    assert [os.path.basename(p) for p in saved] == ["ComfyUI_00001_.png", "ComfyUI_00002_.png"]
    for path in saved:
        assert path.startswith(os.path.join(fresh_base, "output"))
        with Image.open(path) as im:
            assert im.size == (64, 48)
            assert "prompt" in im.text


def test_cli_reports_a_corrupt_input_naming_node_and_file(fresh_base, capsys):
    input_dir = os.path.join(fresh_base, "input")
    os.makedirs(input_dir, exist_ok=True)
    with open(os.path.join(input_dir, "broken.png"), "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\nbroken")
    rc = main_in_process("run", os.path.join(EXAMPLES, "img2img.json"), "--base-directory", fresh_base,
                         "--no-progress", "--set", "10.image=broken.png", "--set", "3.steps=1")
    err = capsys.readouterr().err
    assert rc == 1, err
    assert "LoadImage" in err and "broken.png" in err and "node 10" in err


def test_smoke_checkpoint_all_writes_what_every_example_names(tmp_path, capsys):
    base = str(tmp_path)
    assert main_in_process("smoke-checkpoint", "--all", "--base-directory", base) == 0
    printed = capsys.readouterr().out.split()
    for rel in ("models/checkpoints/smoke-test-tiny-sdxl.safetensors", "models/loras/smoke-test-tiny-lora.safetensors",
                "models/controlnet/smoke-test-tiny-controlnet.safetensors",
                "models/upscale_models/smoke-test-tiny-esrgan-x2.safetensors", "input/example.png"):
        assert os.path.join(base, rel) in printed and os.path.isfile(os.path.join(base, rel))
    proc = main_py("run", os.path.join(EXAMPLES, "upscale.json"), "--base-directory", base, "--no-progress")
    assert proc.returncode == 0, proc.stderr
    with Image.open(proc.stdout.split()[-1]) as im:
        assert im.size == (128, 128)  # example.png is 64x64, the tiny ESRGAN upscales x2


def test_run_of_an_editor_workflow_saves_it_in_the_png(fresh_base, capsys):
    """As when the editor queues: the PNG's "workflow" chunk is the editor file itself, so dropping the PNG
    into the editor gives back the same graph (positions, groups), not one rebuilt from the API prompt."""
    import json

    ui = os.path.join(ROOT, "tests", "fixtures", "ui_workflows", "txt2img.json")
    rc = main_in_process("run", ui, "--base-directory", fresh_base, "--no-progress", "--set", "5.width=64",
                         "--set", "5.height=64", "--set", "3.steps=1")
    out = capsys.readouterr()
    assert rc == 0, out.err
    saved = [line for line in out.out.splitlines() if line.endswith(".png")]
    assert len(saved) == 1
    with Image.open(saved[0]) as im:
        assert json.loads(im.text["workflow"]) == json.load(open(ui, encoding="utf-8"))
        assert json.loads(im.text["prompt"])["3"]["inputs"]["steps"] == 1


def test_server_quick_test_for_ci_exits_after_loading_and_unknown_flags_only_warn(tmp_path, caplog):
    """ComfyUI's --quick-test-for-ci loads the nodes and exits 0; a flag of a newer ComfyUI is ignored with a
    warning naming it instead of stopping the start (launch scripts carry such flags)."""
    import logging

    with caplog.at_level(logging.INFO):
        rc = main_in_process("--quick-test-for-ci", "--base-directory", str(tmp_path), "--cpu",
                             "--disable-all-custom-nodes", "--some-future-flag")
    assert rc == 0
    text = caplog.text
    assert "ignoring unknown command-line argument(s): --some-future-flag" in text
    assert "--quick-test-for-ci: nodes loaded" in text
