#!/usr/bin/env bash
# The GPU checks in one script, for a session that has a CUDA machine for a few minutes:
#   bash bench/gpu_check.sh [LOGDIR]
# 1. every test marked gpu (fp16/bf16 parity on CUDA, LoRA/LyCORIS restore, LRU offload, CLIP, TAESD, Brownian tree)
# 2. bench/gpu_sd15.py: fp16 and bf16
# 3. every web/examples workflow on the tiny models, on the GPU
# 4. the end-to-end workflow tests with the engine on the best device (SDFLOW_TEST_DEVICE=auto)
# 5. bench/gpu_sd15.py with torch.compile
# Each step has its own time limit and writes LOGDIR/<step>.log; a failing step does not stop the rest.
set -u
LOG=${1:-${OUT:-/tmp/gpu_check}}
mkdir -p "$LOG"
PY=${PYTHON:-python3}
export PYTHONUNBUFFERED=1
cd "$(dirname "$0")/.."

step() {  # step NAME SECONDS COMMAND...
  local name=$1 limit=$2; shift 2
  local t0=$SECONDS
  echo "=== $name"
  timeout "$limit" "$@" >"$LOG/$name.log" 2>&1
  local rc=$?
  echo "--- $name: rc=$rc, $((SECONDS - t0)) s"
  tail -n 6 "$LOG/$name.log"
}

nvidia-smi -L 2>/dev/null || echo "no nvidia-smi"
$PY -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available(), torch.cuda.get_device_name() if torch.cuda.is_available() else '')"
step gpu_tests 180 $PY -m pytest -q -p no:cacheprovider -m gpu tests -rs
step sd15_fp16 60 $PY bench/gpu_sd15.py --dtype fp16 --steps 30
step sd15_bf16 60 $PY bench/gpu_sd15.py --dtype bf16 --steps 30
step examples_cuda 90 $PY bench/examples_tiny.py --repeat 1
step e2e_cuda 150 env SDFLOW_TEST_DEVICE=auto $PY -m pytest -q -p no:cacheprovider -n 8 tests/e2e
step sd15_compile 120 $PY bench/gpu_sd15.py --dtype fp16 --steps 30 --compile
