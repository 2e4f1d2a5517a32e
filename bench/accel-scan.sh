#!/usr/bin/env bash
# The accel source's DRM scan cost: CPU time of one scan of every process's fd links (and of the
# fdinfo of the DRM fds among them), as the source measures it on its own thread (counter
# drm.scan_us, CLOCK_THREAD_CPUTIME_ID), over the whole machine as it is, then with EXTRA more
# processes holding 10 fds each. NVML and fence tracing are off so that only the scan is measured.
# Alone: bench/accel-scan.sh (as root, after make build). Writes $REPORT.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${BIN:-$PWD/out/systemscope}
PORT=${PORT:-17181}
EXTRA=${EXTRA:-1000}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-8}
INTERVAL_MS=${INTERVAL_MS:-200}
RESULTS=${RESULTS:-bench/results}
REPORT=${REPORT:-$RESULTS/accel-scan.md}
mkdir -p "$RESULTS"

[[ $EUID -eq 0 ]] || { echo "bench: run as root" >&2; exit 1; }
for tool in curl python3; do command -v $tool >/dev/null || { echo "bench: $tool is missing" >&2; exit 1; }; done

pids=()
extra=()
cleanup() {
  for p in "${extra[@]}" "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

api() { curl -sf -X "$1" -H 'content-type: application/json' ${3:+-d "$3"} "http://127.0.0.1:$PORT$2"; }
"$BIN" serve --listen "127.0.0.1:$PORT" >"$RESULTS/agent-accel.log" 2>&1 & agent=$!; pids+=("$agent")
for _ in $(seq 1 200); do curl -sf "http://127.0.0.1:$PORT/api/health" >/dev/null && break; sleep 0.05; done

machine() {
  local procs fds
  # Processes come and go while this counts: a vanished one is not an error.
  procs=$(find /proc -mindepth 1 -maxdepth 1 -name '[0-9]*' 2>/dev/null | wc -l || true)
  fds=$( (find /proc/[0-9]*/fd -mindepth 1 -maxdepth 1 2>/dev/null || true) | wc -l)
  echo "$procs $fds"
}

measure() {
  local session counters
  session=$(api POST /api/sessions "{\"sources\":[{\"id\":\"accel\",\"options\":{\"interval\":$INTERVAL_MS,\"nvml\":false,\"fences\":false}}],\"detached\":true,\"durationSeconds\":$((SECONDS_PER_RUN + 5))}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  sleep "$SECONDS_PER_RUN"
  counters=$(api GET "/api/sessions/$session" | python3 -c '
import json, sys
s = json.load(sys.stdin)
c = {x["name"]: x["value"] for src in s["sources"] if src["id"] == "accel" for x in src["counters"]}
print(c["drm.scans"], c["drm.scan_us"], c["drm.clients"])')
  api DELETE "/api/sessions/$session" >/dev/null || true
  echo "$counters"
}

read -r procs fds < <(machine)
read -r scans scan_us clients < <(measure)
row1="| machine as it is | $procs | $fds | $scans | $scan_us | $clients |"

for _ in $(seq 1 "$EXTRA"); do
  bash -c 'exec 3</dev/null 4</dev/null 5</dev/null 6</dev/null 7</dev/null 8</dev/null 9</dev/null; exec sleep 600' & extra+=($!)
done
sleep 1
read -r procs2 fds2 < <(machine)
read -r scans2 scan_us2 clients2 < <(measure)
row2="| + $EXTRA processes with 10 fds each | $procs2 | $fds2 | $scans2 | $scan_us2 | $clients2 |"

{
  echo "## accel: DRM fdinfo scan cost ($(date -u +%F), $(nproc) CPUs, $(uname -r))"
  echo
  echo "Every ${INTERVAL_MS} ms for ${SECONDS_PER_RUN} s; CPU time of one scan measured by the source on its thread (mean over the scans)."
  echo
  echo "| machine | processes | fd links | scans | CPU per scan (µs) | DRM client readings |"
  echo "|---|---|---|---|---|---|"
  echo "$row1"
  echo "$row2"
  echo
  echo "Per process: $(python3 -c "print(round(($scan_us2 - $scan_us) / max(1, $procs2 - $procs), 2))") µs; per fd link: $(python3 -c "print(round(($scan_us2 - $scan_us) / max(1, $fds2 - $fds), 3))") µs (difference of the two runs)."
} | tee "$REPORT"
