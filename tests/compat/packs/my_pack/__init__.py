"""A V1 custom node pack written the way ComfyUI pack authors write them (used by tests/compat)."""
import os
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


# Packs also use PromptServer.instance.app at import time (ComfyUI builds its app first).
_HERE = os.path.dirname(os.path.abspath(__file__))
_app = PromptServer.instance.app
_app.router.add_static("/my_pack/static", os.path.join(_HERE, "static"))


async def _app_route(request):
    return web.json_response({"via": "app.add_routes", "startup_ran": _app.get("my_pack_started", False)})


async def _router_route(request):
    return web.json_response({"via": "app.router.add_get"})
_app.add_routes([web.get("/my_pack/app_route", _app_route)])
_app.router.add_get("/my_pack/router_route", _router_route)


@web.middleware
async def _tag_responses(request, handler):
    response = await handler(request)
    if request.path.startswith("/my_pack/"):
        response.headers["X-My-Pack"] = "1"
    return response
_app.middlewares.append(_tag_responses)


async def _on_startup(app):
    app["my_pack_started"] = True
_app.on_startup.append(_on_startup)


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
        PromptServer.instance.send_progress_text(f"counted {steps} steps ✓", unique_id, server.client_id)
        from PIL import Image
        PromptServer.instance.send_sync(BinaryEventTypes.UNENCODED_PREVIEW_IMAGE,
                                        ("JPEG", Image.new("RGB", (16, 8), (255, 0, 0)), 512), server.client_id)
        cond = node_helpers.conditioning_set_values([[None, {"a": 1}]], {"strength": 0.5})
        summary = f"{ckpt_name}:{sampler}:{steps}:{cond[0][1]['strength']}:{path.endswith(ckpt_name)}"
        return {"ui": {"text": [summary]}, "result": (summary,)}


NODE_CLASS_MAPPINGS = {"MyPackSlowCounter": SlowCounter}
NODE_DISPLAY_NAME_MAPPINGS = {"MyPackSlowCounter": "Slow Counter (my_pack)"}
