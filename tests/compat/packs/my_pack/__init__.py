"""A V1 custom node pack written the way ComfyUI pack authors write them (used by tests/compat)."""
import time

import comfy.model_management
import comfy.samplers
import comfy.utils
import folder_paths
import node_helpers
from aiohttp import web
from comfy.comfy_types import IO, ComfyNodeABC, InputTypeDict
from server import BinaryEventTypes, PromptServer

SEEN_PROMPTS = []


def remember_prompt(json_data):
    SEEN_PROMPTS.append(sorted(json_data.get("prompt", {})))
    json_data.setdefault("extra_data", {})["my_pack_seen"] = True
    return json_data


PromptServer.instance.add_on_prompt_handler(remember_prompt)


@PromptServer.instance.routes.get("/my_pack/hello")
async def hello(request):
    return web.json_response({
        "hello": "world",
        "checkpoints": folder_paths.get_filename_list("checkpoints"),
        "device": str(comfy.model_management.get_torch_device()),
        "seen_prompts": len(SEEN_PROMPTS),
        "client_id": PromptServer.instance.client_id,
    })


@PromptServer.instance.routes.post("/my_pack/stop")
async def stop(request):
    comfy.model_management.interrupt_current_processing()
    return web.json_response({"stopped": True})


class SlowCounter(ComfyNodeABC):
    @classmethod
    def INPUT_TYPES(cls) -> InputTypeDict:
        return {
            "required": {
                "ckpt_name": (folder_paths.get_filename_list("checkpoints"),),
                "sampler": (comfy.samplers.KSampler.SAMPLERS,),
                "steps": (IO.INT, {"default": 4, "min": 1, "max": 10000}),
                "delay": (IO.FLOAT, {"default": 0.0, "min": 0.0, "max": 1.0, "step": 0.01}),
            },
            "hidden": {"unique_id": "UNIQUE_ID"},
        }

    RETURN_TYPES = (IO.STRING,)
    RETURN_NAMES = ("summary",)
    FUNCTION = "count"
    CATEGORY = "my_pack"
    OUTPUT_NODE = True

    def count(self, ckpt_name, sampler, steps, delay, unique_id=None):
        path = folder_paths.get_full_path_or_raise("checkpoints", ckpt_name)
        pbar = comfy.utils.ProgressBar(steps)
        for i in range(steps):
            comfy.model_management.throw_exception_if_processing_interrupted()
            if delay:
                time.sleep(delay)
            pbar.update(1)
            server = PromptServer.instance
            server.send_sync("my_pack.step", {"node": server.last_node_id, "step": i + 1}, server.client_id)
        from PIL import Image
        PromptServer.instance.send_sync(BinaryEventTypes.UNENCODED_PREVIEW_IMAGE,
                                        ("JPEG", Image.new("RGB", (16, 8), (255, 0, 0)), 512), server.client_id)
        cond = node_helpers.conditioning_set_values([[None, {"a": 1}]], {"strength": 0.5})
        summary = f"{ckpt_name}:{sampler}:{steps}:{cond[0][1]['strength']}:{path.endswith(ckpt_name)}"
        return {"ui": {"text": [summary]}, "result": (summary,)}


NODE_CLASS_MAPPINGS = {"MyPackSlowCounter": SlowCounter}
NODE_DISPLAY_NAME_MAPPINGS = {"MyPackSlowCounter": "Slow Counter (my_pack)"}
