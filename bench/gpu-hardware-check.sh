#!/usr/bin/env bash
# Runs the gpu source against a real CUDA program on a machine with an NVIDIA GPU and prints which API
# calls and kernels it saw. Needs root, out/systemscope (make build), the NVIDIA driver (libcuda.so.1),
# and either PyTorch with CUDA (python3 -c 'import torch') or nvcc. Nothing to edit:
#   sudo bench/gpu-hardware-check.sh
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${BIN:-$PWD/out/systemscope}
PYTHON=${PYTHON:-python3}
WORK=$(mktemp -d /tmp/systemscope-gpu-check.XXXXXX)
trap 'kill $program 2>/dev/null || true; rm -rf "$WORK"' EXIT
program=

[[ $EUID -eq 0 ]] || { echo "gpu-hardware-check: run as root (uprobes need it)" >&2; exit 1; }
[[ -x $BIN ]] || { echo "gpu-hardware-check: $BIN is missing: run 'make build'" >&2; exit 1; }
ldconfig -p | grep -q 'libcuda.so.1' || echo "gpu-hardware-check: libcuda.so.1 is not in the linker cache; the program may not find a GPU" >&2
command -v nvidia-smi >/dev/null && nvidia-smi -L || true

# The workload starts first and waits a little, so the agent attaches to an already running process.
if "$PYTHON" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
  echo "workload: PyTorch $("$PYTHON" -c 'import torch; print(torch.__version__, torch.version.cuda)')"
  cat >"$WORK/work.py" <<'PY'
import time, torch
time.sleep(3)
x = torch.randn(2048, 2048, device="cuda")
for _ in range(200):
    y = x @ x
    y = torch.relu(y)
    torch.cuda.synchronize()
    host = y.cpu()
print("done")
PY
  "$PYTHON" "$WORK/work.py" & program=$!
elif command -v nvcc >/dev/null; then
  echo "workload: CUDA C++ ($(nvcc --version | tail -1))"
  cat >"$WORK/work.cu" <<'CU'
#include <cstdio>
#include <unistd.h>
__global__ void vector_add(float *a, const float *b, int n) { int i = blockIdx.x * blockDim.x + threadIdx.x; if (i < n) a[i] += b[i]; }
__global__ void scale_kernel(float *a, float s, int n) { int i = blockIdx.x * blockDim.x + threadIdx.x; if (i < n) a[i] *= s; }
int main() {
  sleep(3);
  const int n = 1 << 18; float *host = new float[n](), *a, *b; cudaStream_t s;
  cudaStreamCreate(&s); cudaMalloc(&a, n * sizeof(float)); cudaMalloc(&b, n * sizeof(float));
  for (int step = 0; step < 200; step++) {
    cudaMemcpy(a, host, n * sizeof(float), cudaMemcpyHostToDevice);
    for (int k = 0; k < 2; k++) { vector_add<<<n / 256, 256, 0, s>>>(a, b, n); scale_kernel<<<n / 256, 256, 0, s>>>(a, 0.5f, n); }
    cudaStreamSynchronize(s);
    cudaMemcpy(host, a, n * sizeof(float), cudaMemcpyDeviceToHost);
  }
  cudaFree(a); cudaFree(b); printf("done\n"); return 0;
}
CU
  # Dynamic cudart: the gpu source traces libcudart.so*, not a copy linked into the executable.
  nvcc -O2 -cudart shared -o "$WORK/work" "$WORK/work.cu"
  "$WORK/work" & program=$!
else
  echo "gpu-hardware-check: neither PyTorch with CUDA nor nvcc is available: nothing to run" >&2
  exit 1
fi

sleep 1
"$BIN" record gpu --pid "$program" --duration 120 --format json >"$WORK/gpu.json"
"$PYTHON" - "$WORK/gpu.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
def rows(model):
    return d.get(model, {}).get("rows", [])
print("\nlibraries:")
for r in rows("gpu.libraries"):
    print(f"  {r['library'] or '(none)'}  {r['vendor']}  {r['probes']} functions traced  missing: {r['missing'] or '-'}  {r['note']}")
print("\ncalls (by total time):")
for r in rows("gpu.calls")[:40]:
    print(f"  {r['vendor']:8} {r['name']:32} {r['class']:18} count {r['count']:>8}  total {r['total_ns']/1e6:10.1f} ms  bytes {r['bytes']}")
print("\nkernels (by launches):")
for r in rows("gpu.kernels")[:30]:
    print(f"  {r['vendor']:8} {r['launches']:>8}  {r['kernel']}")
waits = [(t, r) for t in d.get("threads.breakdown", {}).get("threads", []) for r in t.get("topReasons", []) if "waiting on GPU" in r["reason"]]
print("\nwaiting on GPU (threads.breakdown):")
for t, r in waits[:10]:
    print(f"  tid {t['tid']} {t['name']}: {r['value']/1e6:.1f} ms {r['reason']}")
if not rows("gpu.calls"):
    print("\nno calls seen: see gpu.libraries above for what was found in the process")
    sys.exit(1)
PY
