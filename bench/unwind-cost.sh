#!/usr/bin/env bash
# What the unwinder costs inside the kernel and holds in memory, from the agent's own counters:
#   1. BPF run time per sample (kernel BPF statistics, which the agent turns on for the first second
#      of a session) of the cpu source on `xz -T1 -6` processes (one per CPU: liblzma and glibc,
#      no frame pointers), with unwind tables and with --unwind-tables false, interleaved rounds,
#      medians;
#   2. the tables of every process on the machine at once: one session naming every pid, which
#      loads them all before it starts (unwind.processes, unwind.files, unwind.table_bytes,
#      unwind.build_ms), and the agent's RSS then.
# Called by bench/run.sh; alone: bench/unwind-cost.sh (as root, after make build). Appends to $REPORT.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

BIN=${BIN:-$PWD/out/systemscope}
ROUNDS=${ROUNDS:-5}
RESULTS=${RESULTS:-bench/results}
REPORT=${REPORT:-$RESULTS/unwind-cost.md}
PORT=${PORT:-7198}
mkdir -p "$RESULTS"

[[ $EUID -eq 0 ]] || { echo "bench: run as root (BPF needs it)" >&2; exit 1; }
[[ -x $BIN ]] || { echo "bench: $BIN is missing: run 'make build'" >&2; exit 1; }
for tool in xz curl python3; do
  command -v $tool >/dev/null || { echo "bench: $tool is missing" >&2; exit 1; }
done

WORK=$(mktemp -d /tmp/systemscope-unwind-cost.XXXXXX)
cleanup() { bench_stop_all; rm -rf "$WORK"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

API=http://127.0.0.1:$PORT/api
"$BIN" serve --listen 127.0.0.1:$PORT >"$WORK/agent.log" 2>&1 &
agent=$!; bench_track "$agent"
for _ in $(seq 1 100); do curl -sf "$API/health" >/dev/null && break; sleep 0.1; done

INPUT=/tmp/systemscope-unwind-cost-64M.bin   # ~30 s per xz: the pids stay the same for a while
bench_data "$INPUT" 64
pids=()
for _ in $(seq 1 "$(nproc)"); do
  sh -c 'while :; do xz -T1 -6 -c "$1" >/dev/null; done' sh "$INPUT" &
  bench_track $!; pids+=($!)
done
sleep 1
# The xz processes (children of the loops), as the session's filter.
xz_pids=$(for p in "${pids[@]}"; do pgrep -P "$p" xz; done | paste -sd, -)

session() { # OPTIONS-JSON FILTER-JSON: starts a detached cpu session, prints its id
  local answer
  answer=$(curl -s -H 'Content-Type: application/json' -X POST "$API/sessions" \
    -d "{\"sources\":[{\"id\":\"cpu\",\"options\":$1}],\"filter\":$2,\"detached\":true}")
  python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])' <<<"$answer" 2>/dev/null ||
    { echo "bench: the agent refused the session: $answer" >&2; return 1; }
}
counters() { # SESSION-ID: "name value" lines of the cpu source's counters
  curl -sf "$API/sessions/$1" | python3 -c '
import json, sys
for source in json.load(sys.stdin)["sources"]:
    if source["id"] == "cpu":
        for c in source["counters"]:
            print(c["name"], c["value"])'
}
value() { awk -v n="$2" '$1 == n {print $2}' <<<"$1"; }

: >"$WORK/tables.txt"; : >"$WORK/fp.txt"
for round in $(seq 1 "$ROUNDS"); do
  for mode in tables fp; do
    options='{"unwindTables":true}'; [[ $mode == fp ]] && options='{"unwindTables":false}'
    # The filter's pids change as the loops start new xz processes: name the current ones.
    xz_pids=$(for p in "${pids[@]}"; do pgrep -P "$p" xz; done | paste -sd, -)
    id=$(session "$options" "{\"pids\":[$xz_pids]}")
    sleep 2.5   # statistics cover the session's first second
    c=$(counters "$id")
    curl -sf -X DELETE "$API/sessions/$id" >/dev/null
    echo "$(value "$c" bpf.ns_per_run) $(value "$c" bpf.runs) $(value "$c" stack.user_unwound) $(value "$c" stack.user_no_tables)" >>"$WORK/$mode.txt"
  done
done

# Every process on the machine at once (at most the filter's 1024 pids).
# Short-lived processes (this pipeline's own) may be gone by the time the session starts: drop them.
all=$(ls /proc | grep -E '^[0-9]+$' | head -1024 | paste -sd, -)
for attempt in 1 2 3 4 5; do
  all=$(tr ',' '\n' <<<"$all" | while read -r p; do [[ -d /proc/$p ]] && echo "$p"; done | paste -sd, -)
  t0=$(now_ns)
  id=$(session '{"unwindTables":true}' "{\"pids\":[$all]}" 2>/dev/null) && break
done
[[ -n ${id:-} ]] || { echo "bench: could not start a session on every process" >&2; exit 1; }
started_ms=$((($(now_ns) - t0) / 1000000))
sleep 1
c=$(counters "$id")
rss_kb=$(awk '/VmRSS/ {print $2}' /proc/$agent/status)
curl -sf -X DELETE "$API/sessions/$id" >/dev/null

{
  echo "## Unwinder cost ($(date -u +%F), $(nproc) CPUs, $ROUNDS rounds)"
  echo
  echo "cpu source at 99 Hz on $(nproc) × \`xz -T1 -6\` (liblzma, glibc: no frame pointers); BPF statistics over each session's first second; medians."
  echo
  echo "| walk | BPF ns per sample | runs measured | stacks with tables | stacks before tables |"
  echo "|---|---|---|---|---|"
  for mode in tables fp; do
    label="unwind tables"; [[ $mode == fp ]] && label="frame pointers (--unwind-tables false)"
    echo "| $label | $(cut -d' ' -f1 "$WORK/$mode.txt" | median) | $(cut -d' ' -f2 "$WORK/$mode.txt" | median) | $(cut -d' ' -f3 "$WORK/$mode.txt" | median) | $(cut -d' ' -f4 "$WORK/$mode.txt" | median) |"
  done
  echo
  echo "Every process on the machine in one session ($(tr ',' '\n' <<<"$all" | wc -l) pids): start (tables built and loaded first) ${started_ms} ms;"
  echo "unwind.processes $(value "$c" unwind.processes), unwind.files $(value "$c" unwind.files) (+ $(value "$c" unwind.files_without_table) without a table),"
  echo "unwind.table_bytes $(( $(value "$c" unwind.table_bytes) / 1024 )) KiB, unwind.build_ms $(value "$c" unwind.build_ms); agent RSS $((rss_kb / 1024)) MiB."
  echo
} | tee -a "$REPORT"
