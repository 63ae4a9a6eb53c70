"""comfy.sd / comfy.utils loading a tiny checkpoint and LoRA the way packs do."""
import torch

import engine.compat
from engine.diffusion.device import DeviceManager
from engine.graph.paths import FolderPaths
from tests.tinymodels import tiny_models  # noqa: F401  (pytest fixture)


def test_checkpoint_and_lora_through_comfy_sd(tiny_models, tmp_path):
    engine.compat.install(FolderPaths(str(tmp_path)), DeviceManager(cpu=True, force_fp32=True))
    try:
        import comfy.sd
        import comfy.utils
        model, clip, vae, clipvision = comfy.sd.load_checkpoint_guess_config(tiny_models.checkpoint("sd1"))
        assert clipvision is None and isinstance(clip, comfy.sd.CLIP) and isinstance(vae, comfy.sd.VAE)
        lora = comfy.utils.load_torch_file(tiny_models.lora("kohya", "sd1"), safe_load=True)
        m2, c2 = comfy.sd.load_lora_for_models(model, clip, lora, 1.0, 1.0)
        assert m2 is not model and c2 is not clip
        assert m2.patcher.active_keys() and not model.patcher.active_keys()   # the original stays clean
        base, patched = clip.encode("a cat")[0][0], c2.encode("a cat")[0][0]
        assert base.shape == patched.shape and not torch.allclose(base, patched)
        m3, c3 = comfy.sd.load_lora_for_models(model, clip, lora, 0.0, 0.0)
        assert m3 is model and c3 is clip
    finally:
        engine.compat.uninstall()
