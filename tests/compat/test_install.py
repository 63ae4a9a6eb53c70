"""install()/uninstall() of the ComfyUI module names and the folder_paths / comfy.* facades in-process."""
import importlib
import os
import sys
import types

import pytest

import engine.compat
from engine.graph.context import NodeScope, activate
from engine.graph.errors import Interrupted
from engine.graph.paths import FolderPaths


def test_uninstall_restores_sys_modules(tmp_path):
    engine.compat.uninstall()   # a server started by an earlier test in this process installed it
    fake_server = types.ModuleType("server")
    sys.modules["server"] = fake_server
    had_comfy = "comfy" in sys.modules
    try:
        st = engine.compat.install(FolderPaths(str(tmp_path)))
        assert engine.compat.install(FolderPaths(str(tmp_path))) is st   # idempotent
        import folder_paths
        import server
        assert server is not fake_server and server.PromptServer.instance is st.prompt_server
        assert folder_paths.get_input_directory() == os.path.join(str(tmp_path), "input")
        engine.compat.uninstall()
        assert sys.modules["server"] is fake_server
        assert "folder_paths" not in sys.modules and "comfy.utils" not in sys.modules
        assert ("comfy" in sys.modules) == had_comfy
        with pytest.raises(ImportError):
            importlib.import_module("folder_paths")
        import nodes
        assert nodes.MAX_RESOLUTION == 16384   # our own `nodes` is never shadowed
    finally:
        engine.compat.uninstall()
        sys.modules.pop("server", None)


def test_facades_refuse_use_after_uninstall(compat):
    import folder_paths
    engine.compat.uninstall()
    with pytest.raises(RuntimeError, match="not installed"):
        folder_paths.get_output_directory()


def test_folder_paths_lists_resolves_and_annotates(compat, tmp_path):
    import folder_paths
    ck = tmp_path / "models" / "checkpoints" / "sub"
    ck.mkdir(parents=True)
    (ck / "a.safetensors").write_bytes(b"x")
    (ck / "notes.txt").write_text("no")
    assert folder_paths.get_filename_list("checkpoints") == ["sub/a.safetensors"]
    assert folder_paths.get_full_path("checkpoints", "sub/a.safetensors") == str(ck / "a.safetensors")
    assert folder_paths.get_full_path("checkpoints", "missing.safetensors") is None
    assert folder_paths.get_full_path("no_such_folder", "x") is None
    with pytest.raises(FileNotFoundError, match="missing.safetensors"):
        folder_paths.get_full_path_or_raise("checkpoints", "missing.safetensors")
    with pytest.raises(KeyError, match="no_such_folder"):
        folder_paths.get_filename_list("no_such_folder")
    assert folder_paths.base_path == str(tmp_path)
    assert folder_paths.models_dir == str(tmp_path / "models")
    assert folder_paths.get_annotated_filepath("x.png [output]") == os.path.join(str(tmp_path / "output"), "x.png")
    assert folder_paths.get_annotated_filepath("x.png") == os.path.join(str(tmp_path / "input"), "x.png")
    assert not folder_paths.exists_annotated_filepath("x.png [temp]")
    assert folder_paths.filter_files_content_types(["a.png", "b.mp4", "c.txt", "d.safetensors"],
                                                   ["image", "model"]) == ["a.png", "d.safetensors"]


def test_folder_paths_new_folders_reach_the_engine(compat, tmp_path):
    import folder_paths
    extra = tmp_path / "ipa"
    extra.mkdir()
    (extra / "m.bin").write_bytes(b"1")
    folder_paths.folder_names_and_paths["ipadapter"] = ([str(extra)], folder_paths.supported_pt_extensions)
    assert "ipadapter" in folder_paths.folder_names_and_paths
    assert compat.paths.list_files("ipadapter") == ["m.bin"]
    more = tmp_path / "more_loras"
    more.mkdir()
    (more / "l.safetensors").write_bytes(b"1")
    folder_paths.add_model_folder_path("loras", str(more), is_default=True)
    assert folder_paths.get_folder_paths("loras")[0] == str(more)
    assert folder_paths.get_filename_list("loras") == ["l.safetensors"]


def test_get_save_image_path_counts_on(compat, tmp_path):
    import folder_paths
    out = folder_paths.get_output_directory()
    os.makedirs(os.path.join(out, "run"), exist_ok=True)
    open(os.path.join(out, "run", "img_00007_.png"), "wb").close()
    folder, name, counter, sub, prefix = folder_paths.get_save_image_path("run/img", out, 64, 32)
    assert (folder, name, counter, sub, prefix) == (os.path.join(out, "run"), "img", 8, "run", "run/img")
    assert folder_paths.get_save_image_path("s_%width%x%height%", out, 64, 32)[1] == "s_64x32"
    with pytest.raises(ValueError, match="outside"):
        folder_paths.get_save_image_path("../evil", out)


def test_progress_bar_and_interrupt_go_through_the_node_scope(compat):
    import comfy.model_management as mm
    import comfy.utils
    seen = []
    stop = {"flag": False}
    scope = NodeScope(None, "p1", "7", "Pack", on_progress=lambda v, m, p: seen.append((v, m, p)),
                      is_interrupted=lambda: stop["flag"])
    with activate(scope):
        bar = comfy.utils.ProgressBar(3)
        bar.update(1)
        bar.update_absolute(5, preview=("JPEG", "img", 512))   # clamps to total, keeps ComfyUI's preview form
        assert not mm.processing_interrupted()
        mm.throw_exception_if_processing_interrupted()
        stop["flag"] = True
        assert mm.processing_interrupted()
        with pytest.raises(mm.InterruptProcessingException):
            mm.throw_exception_if_processing_interrupted()
    assert seen == [(1, 3, None), (3, 3, ("JPEG", "img", 512))]
    assert mm.InterruptProcessingException is Interrupted
    with pytest.raises(RuntimeError, match="no executor"):
        mm.interrupt_current_processing()


def test_model_management_devices_and_memory(compat):
    import torch
    import comfy.model_management as mm
    assert mm.get_torch_device() == torch.device("cpu")
    assert mm.intermediate_device() == torch.device("cpu") == mm.unet_offload_device()
    assert mm.vae_dtype() == torch.float32
    assert mm.get_free_memory() > 0
    total, torch_free = mm.get_free_memory(torch_free_too=True)
    assert total > 0 and torch_free >= 0
    mm.soft_empty_cache()


def test_load_torch_file_reads_safetensors_with_metadata(compat, tmp_path):
    import torch
    import comfy.utils
    path = str(tmp_path / "w.safetensors")
    comfy.utils.save_torch_file({"a": torch.arange(4.0)}, path, metadata={"k": "v"})
    sd, meta = comfy.utils.load_torch_file(path, safe_load=True, return_metadata=True)
    assert torch.equal(sd["a"], torch.arange(4.0)) and meta == {"k": "v"}
    up = comfy.utils.common_upscale(torch.ones(1, 3, 4, 4), 8, 6, "nearest-exact", "disabled")
    assert up.shape == (1, 3, 6, 8)


def test_samplers_types_and_helpers(compat):
    import comfy.samplers
    import node_helpers
    from comfy.comfy_types import IO
    from engine.diffusion.sampling.ksampler import SAMPLER_NAMES, SCHEDULER_NAMES
    assert comfy.samplers.KSampler.SAMPLERS == SAMPLER_NAMES
    assert comfy.samplers.KSampler.SCHEDULERS == SCHEDULER_NAMES
    assert "euler" in comfy.samplers.KSampler.SAMPLERS and "karras" in comfy.samplers.KSampler.SCHEDULERS
    assert IO.ANY == "*" and not (IO.ANY != "IMAGE") and IO.IMAGE != "MASK" and not (IO.NUMBER != "INT")
    cond = [["t", {"strength": 1.0, "hooks": [1]}]]
    out = node_helpers.conditioning_set_values(cond, {"strength": 0.25, "hooks": [2]}, append=True)
    assert out == [["t", {"strength": 1.25, "hooks": [1, 2]}]] and cond[0][1]["strength"] == 1.0


def test_progress_bar_switch(compat):
    import comfy.utils
    seen = []
    scope = NodeScope(None, "p", "1", "X", on_progress=lambda v, m, p: seen.append(v))
    assert comfy.utils.PROGRESS_BAR_ENABLED is True
    with activate(scope):
        comfy.utils.set_progress_bar_enabled(False)
        comfy.utils.ProgressBar(2).update(1)
        comfy.utils.set_progress_bar_enabled(True)
        comfy.utils.ProgressBar(2).update(2)
    assert seen == [2] and comfy.utils.PROGRESS_BAR_ENABLED is True


def test_cli_args_graph_and_blocker_modules(tmp_path):
    from types import SimpleNamespace
    try:
        engine.compat.install(FolderPaths(str(tmp_path)), args=SimpleNamespace(disable_metadata=True, port=9))
        from comfy.cli_args import args
        from comfy_execution.graph import ExecutionBlocker
        from comfy_execution.graph_utils import is_link
        from engine.graph.types import ExecutionBlocker as Ours
        assert args.disable_metadata is True and args.port == 9 and args.no_such_flag is None
        assert ExecutionBlocker is Ours and is_link(["3", 0]) and not is_link(["3", "x"])
    finally:
        engine.compat.uninstall()


def test_pending_app_replays_in_order_and_survives_a_bad_call(tmp_path, caplog):
    """Calls packs make on PromptServer.instance.app before the app exists are made on the real app in
    order; one failing call (a static folder that does not exist) is logged and the rest still land."""
    from aiohttp import web

    from engine.compat.server import PromptServer
    from engine.server.state import STATE

    async def ok(request):
        return web.Response(text="ok")
    ps = PromptServer(state=None)
    pending = ps.app
    pending.router.add_static("/gone", str(tmp_path / "missing"))
    pending.router.add_get("/a", ok)
    pending.add_routes([web.get("/b", ok)])
    key = web.AppKey("k", int)
    pending[key] = 1
    with pytest.raises(AttributeError, match="while custom nodes load"):
        pending.router.resources()
    app = web.Application()
    app[STATE] = types.SimpleNamespace(hub=None)
    ps.attach(app)
    paths = [r.resource.canonical for r in app.router.routes()]
    assert "/a" in paths and "/b" in paths and "/gone" not in paths
    assert app[key] == 1 and pending[key] == 1 and ps.app is app
    assert "missing" in caplog.text                       # the failed call is named in the log
    pending.router.add_get("/c", ok)                     # after attach: straight through
    assert "/c" in [r.resource.canonical for r in app.router.routes()]
