#!/usr/bin/env bash
# For a machine with a GPU or NPU: runs the accel source for DURATION seconds (default 10) with the
# out/ binary while the machine's own GPU work runs (or WORKLOAD, a command started first, e.g.
# 'python3 train.py'), and prints what was seen: each part's status, the DRM clients with their
# engines and regions, the NVML metrics per GPU and per process, and how many device jobs the
# dma_fence tracepoints gave. Nothing is asserted: it says what this machine publishes.
#   sudo bench/accel-hardware-check.sh
#   sudo WORKLOAD='python3 -c "import torch; x=torch.randn(8192,8192,device=\"cuda\"); [x@x for _ in range(2000)]"' bench/accel-hardware-check.sh
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${BIN:-$PWD/out/systemscope}
DURATION=${DURATION:-10}
OUT=${OUT:-$(mktemp -d)}
[[ $EUID -eq 0 ]] || { echo "accel check: run as root" >&2; exit 1; }
[[ -x $BIN ]] || { echo "accel check: $BIN is not built (make build)" >&2; exit 1; }

echo "== machine"
uname -r
ls -l /dev/dri /dev/accel 2>/dev/null || echo "no /dev/dri or /dev/accel"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=index,name,driver_version --format=csv,noheader || echo "no nvidia-smi"
ls /sys/kernel/tracing/events/gpu_scheduler 2>/dev/null | tr '\n' ' ' || true; echo

workload=
if [[ -n ${WORKLOAD:-} ]]; then
  bash -c "$WORKLOAD" >"$OUT/workload.log" 2>&1 & workload=$!
  trap '[[ -n $workload ]] && kill $workload 2>/dev/null || true' EXIT
  sleep 2
fi

"$BIN" record accel --duration "$DURATION" --format json >"$OUT/accel.json" 2>"$OUT/accel.err"
echo "== recorded ($OUT/accel.json)"
python3 - "$OUT/accel.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
def rows(model):
    return d.get(model, {}).get("rows", [])  # the JSON export writes rows as objects
print("-- status")
for r in rows("accel.status"):
    print(f"  {r['component']:14} {r['available']:4} {r['detail']}")
print("-- DRM clients (process, driver, device, client, engine: busy ns in session, peak %, memory bytes)")
clients = rows("accel.drm.clients")
for r in clients:
    print(f"  {r['pid']} {r['process']:16} {r['driver']:10} {r['device']:14} #{r['client']} {r['engine']:14} {r['busy']} ns  peak {r['peakPct']} %  mem {r['memory']}")
if not clients: print("  none: no process held a DRM device with usage stats")
print("-- DRM memory regions seen:", sorted({s["label"].split()[-1] for s in d.get("accel.drm.memory", {}).get("series", [])}) or "none")
print("-- NVML GPUs")
for r in rows("accel.nvml.gpus"):
    print("  " + ", ".join(f"{k}={v}" for k, v in r.items()))
print("-- NVML metrics with data:", [m for m in d if m.startswith("accel.nvml.") and d[m].get("series")] or "none")
print("-- NVML processes")
for r in rows("accel.nvml.processes"):
    print("  " + ", ".join(f"{k}={v}" for k, v in r.items()))
PY
echo "-- device jobs (dma_fence spans on the timeline): see 'jobs' in the counters below"
grep -iE "accel|jobs|fence|nvml" "$OUT/accel.err" || true
