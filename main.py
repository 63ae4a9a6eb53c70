"""Entry point: parse ComfyUI-style flags, wire the parts together, serve or run one workflow.

    python main.py [flags]                                   start the server
    python main.py run WORKFLOW.json [--set NODE.INPUT=VALUE]  run one workflow headless
    python main.py smoke-checkpoint [--all]                  write a tiny SD1 checkpoint to models/checkpoints
                                                             (--all: every tiny model/image the examples use)
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import uuid
from typing import Any

ROOT = os.path.dirname(os.path.abspath(__file__))
log = logging.getLogger("main")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="main.py" + (f" {command}" if command else ""),
                                description="Stable Diffusion node-graph engine (ComfyUI-compatible).")
    if command == "run":
        p.add_argument("workflow", help="API or UI workflow (.json, or a .png with metadata)")
        p.add_argument("--set", dest="overrides", action="append", default=[], metavar="NODE.INPUT=VALUE",
                       help="override a node input (VALUE parsed as JSON, else taken as text); repeatable")
        p.add_argument("--prompt-id", default=None, help="id to run the prompt under (default: new uuid)")
        p.add_argument("--no-progress", action="store_true", help="no progress bar")
    if command == "smoke-checkpoint":
        p.add_argument("--all", action="store_true",
                       help="also write the tiny SDXL, LoRA, ControlNet and upscale models and the input images "
                            "that the example workflows in web/examples name")
    net = p.add_argument_group("server")
    net.add_argument("--listen", type=str, default="127.0.0.1", nargs="?", const="0.0.0.0,::", metavar="IP",
                     help="address(es) to listen on, comma separated (bare flag: 0.0.0.0,:: - every IPv4 and IPv6 "
                          "interface)")
    net.add_argument("--port", type=int, default=8188)
    net.add_argument("--tls-keyfile", type=str, default=None)
    net.add_argument("--tls-certfile", type=str, default=None)
    net.add_argument("--enable-cors-header", type=str, default=None, nargs="?", const="*", metavar="ORIGIN")
    net.add_argument("--max-upload-size", type=float, default=100, help="MB")
    net.add_argument("--auth-token", type=str, default=None)
    net.add_argument("--multi-user", action="store_true")
    net.add_argument("--dont-print-server", action="store_true")
    net.add_argument("--disable-auto-launch", action="store_true")
    net.add_argument("--auto-launch", action="store_true")
    net.add_argument("--front-end-root", type=_existing_directory, default=None,
                     help="folder holding the editor's index.html (default: web/)")
    net.add_argument("--front-end-version", type=str, default=None)
    net.add_argument("--disable-api-nodes", action="store_true")
    net.add_argument("--preview-method", type=str, default="none", choices=["none", "auto", "latent2rgb", "taesd"])
    net.add_argument("--preview-size", type=int, default=512)
    net.add_argument("--disable-metadata", action="store_true")
    dirs = p.add_argument_group("folders")
    dirs.add_argument("--base-directory", type=str, default=None)
    dirs.add_argument("--models-directory", type=str, default=None,
                      help="the models folder (default: BASE/models; overrides --base-directory for models)")
    dirs.add_argument("--output-directory", type=str, default=None)
    dirs.add_argument("--input-directory", type=str, default=None)
    dirs.add_argument("--temp-directory", type=str, default=None)
    dirs.add_argument("--user-directory", type=str, default=None)
    dirs.add_argument("--extra-model-paths-config", type=str, default=None, nargs="+", action="append",
                      metavar="PATH")
    cache = p.add_argument_group("cache").add_mutually_exclusive_group()
    cache.add_argument("--cache-classic", action="store_true", help="keep the latest prompt's results (default)")
    cache.add_argument("--cache-lru", type=int, default=0, metavar="N", help="keep up to N node results")
    cache.add_argument("--cache-none", action="store_true", help="keep nothing between runs")
    cache.add_argument("--cache-ram", type=float, nargs="?", const=4.0, default=0.0, metavar="GB",
                       help="keep results while this much RAM stays free (bare flag: 4 GB)")
    dev = p.add_argument_group("device", "precision and memory (meaning and precedence: DeviceManager's docstring, "
                                         "engine/diffusion/device.py)")
    dev.add_argument("--cpu", action="store_true", help="run everything on the CPU")
    dev.add_argument("--cuda-device", type=int, default=None)
    fp = dev.add_mutually_exclusive_group()
    for flag, what in (("--force-fp32", "fp32"), ("--force-fp16", "fp16")):
        fp.add_argument(flag, action="store_true", help=f"{what} for every model (unless a model flag says otherwise)")
    unet = dev.add_mutually_exclusive_group()
    for flag, what in (("--fp32-unet", "fp32"), ("--fp64-unet", "fp64"), ("--bf16-unet", "bf16"),
                       ("--fp16-unet", "fp16"), ("--fp8_e4m3fn-unet", "fp8 e4m3fn (cast per layer when run)"),
                       ("--fp8_e5m2-unet", "fp8 e5m2 (cast per layer when run)")):
        unet.add_argument(flag, action="store_true", help=f"store the diffusion model's weights in {what}")
    vae = dev.add_mutually_exclusive_group()
    for flag, what in (("--fp16-vae", "fp16 (may give black images)"), ("--fp32-vae", "fp32"), ("--bf16-vae", "bf16")):
        vae.add_argument(flag, action="store_true", help=f"run the VAE in {what}")
    dev.add_argument("--cpu-vae", action="store_true", help="run the VAE on the CPU (fp32)")
    text = dev.add_mutually_exclusive_group()
    for flag, what in (("--fp8_e4m3fn-text-enc", "fp8 e4m3fn"), ("--fp8_e5m2-text-enc", "fp8 e5m2"),
                       ("--fp16-text-enc", "fp16"), ("--fp32-text-enc", "fp32"), ("--bf16-text-enc", "bf16")):
        text.add_argument(flag, action="store_true", help=f"store text encoder weights in {what}")
    dev.add_argument("--force-channels-last", action="store_true", help="channels-last UNet weights/activations")
    dev.add_argument("--deterministic", action="store_true",
                     help="torch deterministic algorithms where it has them (warn where not)")
    dev.add_argument("--disable-smart-memory", action="store_true",
                     help="offload models to RAM instead of keeping them on the device (after each prompt too)")
    for flag in ("--dont-upcast-attention", "--disable-xformers", "--use-split-cross-attention",
                 "--use-pytorch-cross-attention"):
        dev.add_argument(flag, action="store_true", help=argparse.SUPPRESS)
    vram = dev.add_mutually_exclusive_group()
    for flag, what in (("--gpu-only", "keep every model on the GPU"), ("--highvram", "keep models on the GPU"),
                       ("--normalvram", "the default memory policy"),
                       ("--lowvram", "text encoders on the CPU; models larger than the budget load whole"),
                       ("--novram", "one model on the GPU at a time, offloaded after each prompt")):
        vram.add_argument(flag, action="store_true", help=what)
    dev.add_argument("--reserve-vram", type=float, default=None, metavar="GB",
                     help="GB of VRAM to leave to other programs (lowers the model budget)")
    misc = p.add_argument_group("misc")
    misc.add_argument("--disable-all-custom-nodes", action="store_true")
    misc.add_argument("--whitelist-custom-nodes", type=str, nargs="+", default=[])
    misc.add_argument("--verbose", type=str, default="INFO", nargs="?", const="DEBUG",
                      choices=["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"])
    misc.add_argument("--log-stdout", action="store_true")
    misc.add_argument("--max-image-pixels", type=int, default=None, metavar="N",
                      help="LoadImage refuses images with more pixels (default 89478485, PIL's limit; 0: no limit)")
    misc.add_argument("--quick-test-for-ci", action="store_true")
    misc.add_argument("--windows-standalone-build", action="store_true")
    _add_compat_flags(p)
    return p


def _existing_directory(path: str) -> str:
    if not os.path.isdir(path):
        raise argparse.ArgumentTypeError(f"the path {path!r} is not an existing directory")
    return path


def _add_compat_flags(p: argparse.ArgumentParser) -> None:
    """ComfyUI flags that have no effect here, accepted so that existing launch scripts keep working."""
    compat = p.add_argument_group("accepted for ComfyUI compatibility (no effect here)")
    for flag in ("--cuda-malloc", "--disable-cuda-malloc", "--fp8_e8m0fnu-unet", "--disable-ipex-optimize",
                 "--supports-fp8-compute", "--use-quad-cross-attention", "--use-sage-attention",
                 "--use-flash-attention", "--force-upcast-attention", "--enable-manager", "--disable-manager-ui",
                 "--enable-manager-legacy-ui", "--disable-async-offload",
                 "--force-non-blocking", "--disable-pinned-memory", "--mmap-torch-files", "--disable-mmap",
                 "--enable-compress-response-body", "--disable-assets-autoscan", "--disable-dynamic-vram",
                 "--use-process-isolation", "--enable-assets"):
        compat.add_argument(flag, action="store_true", help=argparse.SUPPRESS)
    compat.add_argument("--default-device", type=int, default=None, help=argparse.SUPPRESS)
    compat.add_argument("--directml", type=int, nargs="?", const=-1, default=None, help=argparse.SUPPRESS)
    compat.add_argument("--oneapi-device-selector", type=str, default=None, help=argparse.SUPPRESS)
    compat.add_argument("--async-offload", type=int, nargs="?", const=2, default=None, help=argparse.SUPPRESS)
    compat.add_argument("--default-hashing-function", type=str, default="sha256",
                        choices=["md5", "sha1", "sha256", "sha512"], help=argparse.SUPPRESS)
    compat.add_argument("--fast", nargs="*", default=None, help=argparse.SUPPRESS)
    compat.add_argument("--comfy-api-base", type=str, default=None, help=argparse.SUPPRESS)
    compat.add_argument("--database-url", type=str, default=None, help=argparse.SUPPRESS)


def make_cache_from_args(args: argparse.Namespace):
    from engine.graph.cache import make_cache
    if args.cache_none:
        return make_cache("none")
    if args.cache_lru:
        return make_cache("lru", lru_size=args.cache_lru)
    if args.cache_ram:
        return make_cache("ram", ram_gb=args.cache_ram)
    return make_cache("classic")


def build_paths(args: argparse.Namespace):
    from engine.graph.paths import FolderPaths
    base = os.path.abspath(args.base_directory or ROOT)
    extra = [p for group in (args.extra_model_paths_config or []) for p in group]
    default_yaml = os.path.join(ROOT, "extra_model_paths.yaml")
    if os.path.isfile(default_yaml):
        extra.insert(0, default_yaml)
    return FolderPaths(base, output_dir=args.output_directory, input_dir=args.input_directory,
                       temp_dir=args.temp_directory, user_dir=args.user_directory, extra_config=extra,
                       models_dir=getattr(args, "models_directory", None))


def build_device(args: argparse.Namespace):
    """The DeviceManager from the precision/memory flags; --deterministic is applied here (process-wide)."""
    try:
        import torch

        from engine.diffusion.device import DeviceManager
    except ImportError as ex:
        log.warning("no device manager available (%s); running without one", ex)
        return None
    if getattr(args, "deterministic", False):
        log.info("using deterministic algorithms for pytorch (--deterministic)")
        torch.use_deterministic_algorithms(True, warn_only=True)
    dm = DeviceManager.from_args(args)
    log.info("%r", dm)
    return dm


def build_registry(args: argparse.Namespace, ctx, paths):
    from engine.graph.plugins import load_custom_nodes, run_prestartup_scripts
    from engine.graph.registry import Registry
    registry = Registry(context=ctx)
    try:
        from nodes import register_builtin_nodes
    except (ImportError, AttributeError) as ex:
        log.warning("no built-in nodes found (%s)", ex)
    else:
        register_builtin_nodes(registry, ctx)
    whitelist = set(args.whitelist_custom_nodes or ())
    if args.disable_all_custom_nodes and not whitelist:
        log.info("custom nodes disabled (--disable-all-custom-nodes)")
    else:
        # As in ComfyUI, the whitelist names the packs that still load under --disable-all-custom-nodes.
        only = whitelist if args.disable_all_custom_nodes else None
        run_prestartup_scripts(paths.folder("custom_nodes"), whitelist=only)
        reports = load_custom_nodes(registry, paths.folder("custom_nodes"), whitelist=only)
        for r in reports:
            if r.error:
                log.error("custom node pack %s failed to load (IMPORT FAILED)", r.name)
    return registry


def install_compat(paths, device, args: argparse.Namespace | None = None) -> bool:
    """ComfyUI's module names (folder_paths, comfy.*, server ...) for custom node packs; False if unavailable."""
    try:
        import engine.compat
        engine.compat.install(paths, device, args=args)
    except ImportError as ex:
        log.warning("ComfyUI compatibility modules unavailable (%s); custom packs importing them will fail", ex)
        return False
    return True


def build_app_parts(args: argparse.Namespace) -> dict[str, Any]:
    """FolderPaths, DeviceManager, Registry (built-ins, custom nodes), cache and Executor from the flags."""
    from engine.graph.context import NodeContext
    from engine.graph.executor import Executor
    paths = build_paths(args)
    paths.ensure_dirs()
    device = build_device(args)
    compat = install_compat(paths, device, args)   # before custom nodes import folder_paths & co.
    ctx = NodeContext(paths=paths, device=device, args=args)
    registry = build_registry(args, ctx, paths)
    executor = Executor(registry, make_cache_from_args(args), ctx)
    if compat:
        import engine.compat
        engine.compat.bind(registry=registry, executor=executor)
    return {"paths": paths, "device": device, "context": ctx, "registry": registry, "executor": executor,
            "compat": compat}


def parse_override(text: str) -> tuple[str, str, Any]:
    """``NODE.INPUT=VALUE`` -> (node, input, value); VALUE is JSON when it parses, else text."""
    target, sep, raw = text.partition("=")
    node, dot, name = target.rpartition(".")
    if not sep or not dot or not node or not name:
        raise ValueError(f"--set {text!r}: expected NODE.INPUT=VALUE")
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        value = raw
    return node, name, value


def saved_files(outputs: dict[str, dict], paths) -> list[str]:
    """Absolute paths of the files output nodes report (ui "images"-style entries)."""
    found = []
    for ui in outputs.values():
        for key, entries in (ui or {}).items():
            if not isinstance(entries, list):
                continue
            for e in entries:
                if isinstance(e, dict) and "filename" in e and e.get("type", "output") in ("output", "temp", "input"):
                    found.append(os.path.join(paths.type_dir(e.get("type", "output")), e.get("subfolder") or "",
                                              e["filename"]))
    return found


class _ProgressListener:
    """tqdm bars: one over nodes, one over the running node's steps."""

    def __init__(self, total: int, enabled: bool) -> None:
        from tqdm import tqdm
        self._tqdm = tqdm
        self.nodes = tqdm(total=total, desc="nodes", unit="node", disable=not enabled, file=sys.stderr)
        self.steps = None
        self.enabled = enabled

    def execution_cached(self, prompt_id: str, nodes: list[str]) -> None:
        self.nodes.update(len(nodes))

    def executing(self, prompt_id: str, node_id: str | None) -> None:
        if self.steps is not None:
            self.steps.close()
            self.steps = None
        if node_id is not None:
            self.nodes.set_postfix_str(f"node {node_id}")
            self.nodes.update(1)

    def progress(self, prompt_id: str, node_id: str, value: int, max: int, preview=None) -> None:
        if self.steps is None:
            self.steps = self._tqdm(total=max, desc=f"node {node_id}", leave=False, disable=not self.enabled,
                                    file=sys.stderr)
        self.steps.total = max
        self.steps.n = value
        self.steps.refresh()

    def close(self) -> None:
        if self.steps is not None:
            self.steps.close()
        self.nodes.close()


def print_validation_errors(error: dict, node_errors: dict) -> None:
    print(f"Prompt validation failed: {error.get('type')}: {error.get('message')}", file=sys.stderr)
    if error.get("details") and not node_errors:
        print(f"  {error['details']}", file=sys.stderr)
    for nid, entry in node_errors.items():
        for e in entry.get("errors", []):
            print(f"  node {nid} ({entry.get('class_type')}): {e['type']}: {e['message']}: {e['details']}",
                  file=sys.stderr)


def cmd_run(args: argparse.Namespace) -> int:
    from engine.graph.workflow import WorkflowError, read_workflow_file, validate_prompt
    parts = build_app_parts(args)
    registry, executor, paths = parts["registry"], parts["executor"], parts["paths"]
    try:
        prompt, workflow = read_workflow_file(args.workflow, registry)
        for text in args.overrides:
            node, name, value = parse_override(text)
            if node not in prompt:
                raise WorkflowError(f"--set {text!r}: node {node!r} is not in the workflow")
            prompt[node].setdefault("inputs", {})[name] = value
    except (OSError, ValueError) as ex:
        print(f"error: {ex}", file=sys.stderr)
        return 2
    ok, error, outputs, node_errors = validate_prompt(prompt, registry)
    if not ok:
        print_validation_errors(error, node_errors)
        return 2
    if node_errors:
        print_validation_errors({"type": "partial", "message": "some outputs failed validation"}, node_errors)
    listener = _ProgressListener(total=len(prompt), enabled=not args.no_progress)
    try:
        extra = {"extra_pnginfo": {"workflow": workflow}} if workflow is not None else {}
        result = executor.execute(prompt, args.prompt_id or str(uuid.uuid4()), extra, outputs, listener)
    finally:
        listener.close()
    if not result.success:
        err = result.error or {}
        if result.interrupted:
            print(f"interrupted at node {err.get('node_id')}", file=sys.stderr)
        else:
            print(f"error in node {err.get('node_id')} ({err.get('node_type')}): "
                  f"{err.get('exception_type')}: {err.get('exception_message')}", file=sys.stderr)
            print("".join(err.get("traceback") or []), file=sys.stderr)
        return 1
    for path in saved_files(result.outputs, paths):
        print(path)
    return 0


def cmd_smoke_checkpoint(args: argparse.Namespace) -> int:
    from engine.diffusion.tiny import write_tiny_checkpoint
    paths = build_paths(args)
    folder = paths.folder("checkpoints")[0]
    os.makedirs(folder, exist_ok=True)
    path = write_tiny_checkpoint(os.path.join(folder, "smoke-test-tiny.safetensors"), family="sd1")
    print(path or os.path.join(folder, "smoke-test-tiny.safetensors"))
    if args.all:
        from engine.diffusion.example_assets import write_example_assets
        for what, written in write_example_assets(paths).items():
            if what != "smoke-test-tiny.safetensors":
                print(written)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from engine.server.app import run_server
    parts = build_app_parts(args)
    if args.quick_test_for_ci:   # as ComfyUI: start-up (nodes, custom nodes) works; do not serve
        log.info("--quick-test-for-ci: nodes loaded (%d classes); exiting", len(parts["registry"].names()))
        return 0
    hooks = []
    if parts["compat"]:
        import engine.compat
        hooks.append(engine.compat.attach_app)
    run_server(args, parts["registry"], parts["executor"], parts["paths"], device_manager=parts["device"],
               setup_hooks=hooks, log_buffer=getattr(args, "log_buffer", None))
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = argv[0] if argv and argv[0] in ("run", "smoke-checkpoint") else None
    args, unknown = build_parser(command).parse_known_args(argv[1:] if command else argv)
    logging.basicConfig(level=getattr(logging, args.verbose), format="%(message)s",
                        stream=sys.stdout if args.log_stdout else sys.stderr)
    if command is None:   # the server: the start-up lines too are shown in the editor's terminal panel
        from engine.server.logbuffer import LogBuffer
        args.log_buffer = LogBuffer()
        logging.getLogger().addHandler(args.log_buffer)
    if unknown:
        # Launch scripts carry flags of ComfyUI versions newer than this program knows: start anyway.
        log.warning("ignoring unknown command-line argument(s): %s", " ".join(unknown))
    if command == "run":
        return cmd_run(args)
    if command == "smoke-checkpoint":
        return cmd_smoke_checkpoint(args)
    try:
        return cmd_serve(args)
    finally:
        logging.getLogger().removeHandler(args.log_buffer)


if __name__ == "__main__":
    sys.exit(main())
