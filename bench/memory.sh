#!/usr/bin/env bash
# The memory layer's cost, in one run (interleaved rounds, medians):
#   1. page faults/s of a fault-heavy workload (tests/workloads/page_faults.c "rate": map 16 MiB of fresh
#      anonymous memory, write one byte per page, unmap, as fast as it can: one minor fault per page) with
#      SystemScope's memory source on all CPUs ÷ without, against `perf record -e page-faults -c 1 -g`
#      (every fault with its stack, the nearest reference for the same job);
#   2. BPF run time per event of every program of the source (bpf_stats: run_time_ns / run_cnt);
#   3. the agent's CPU and RSS under that workload with one detached memory session, and events lost.
# Alone: bench/memory.sh (as root, after make build). Smoke: ROUNDS=1 RUN_SECONDS=2 FAULT_SECONDS=1 bench/memory.sh
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${BIN:-$PWD/out/systemscope}
PORT=${PORT:-17172}
ROUNDS=${ROUNDS:-5}
RUN_SECONDS=${RUN_SECONDS:-10}
FAULT_SECONDS=${FAULT_SECONDS:-5}
PAGES=${PAGES:-4096}
RESULTS=${RESULTS:-bench/results}
REPORT=${REPORT:-$RESULTS/memory.md}
mkdir -p "$RESULTS"

[[ $EUID -eq 0 ]] || { echo "bench: run as root" >&2; exit 1; }
for tool in perf gcc curl python3 bpftool; do
  command -v $tool >/dev/null || { echo "bench: $tool is missing (apt-get install linux-perf gcc curl bpftool)" >&2; exit 1; }
done

WORKLOAD=$RESULTS/page_faults
gcc -O1 -g -fno-omit-frame-pointer -Wall -Werror -o "$WORKLOAD" tests/workloads/page_faults.c

pids=()
stats_was=$(cat /proc/sys/kernel/bpf_stats_enabled)
cleanup() {
  for p in "${pids[@]}"; do pkill -P "$p" 2>/dev/null || true; kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "$stats_was" >/proc/sys/kernel/bpf_stats_enabled
  rm -f "$RESULTS/perf-faults.data"
}
trap cleanup EXIT

median() { sort -g | awk '{a[NR]=$1} END {if (NR==0) {print "nan"; exit} if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
now_ms() { date +%s%3N; }
cpu_ns() { awk -v hz="$(getconf CLK_TCK)" '{sub(/^.*\) /, ""); printf "%.0f", ($12 + $13) * 1e9 / hz}' "/proc/$1/stat"; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
fault_rate() { "$WORKLOAD" rate "$PAGES" "$FAULT_SECONDS" | awk -F= '/faults_per_s/ {print $2}'; }
api() { curl -sf -X "$1" -H 'content-type: application/json' ${3:+-d "$3"} "http://127.0.0.1:$PORT$2"; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

measure_bare() { fault_rate; }
measure_systemscope() {
  "$BIN" record memory --duration 600 >/dev/null 2>"$RESULTS/record-memory.log" & local rec=$!; pids+=("$rec")
  sleep 2   # load and attach before the measured run
  fault_rate
  kill -TERM "$rec"; wait "$rec" 2>/dev/null || true
}
measure_perf() {
  perf record -q -a -e page-faults -c 1 -g -o "$RESULTS/perf-faults.data" -- sleep 600 >/dev/null 2>&1 & local p=$!; pids+=("$p")
  sleep 2
  fault_rate
  kill -INT "$p"; wait "$p" 2>/dev/null || true
  rm -f "$RESULTS/perf-faults.data"
}

echo "memory overhead: $ROUNDS rounds of page_faults rate $PAGES pages for ${FAULT_SECONDS}s: bare / SystemScope memory / perf record -e page-faults -c 1 -g"
: >"$RESULTS/ratio-memory-ss.txt"; : >"$RESULTS/ratio-memory-perf.txt"; : >"$RESULTS/bare-memory.txt"
configs=(bare systemscope perf)
for round in $(seq 1 "$ROUNDS"); do
  declare -A rate=()
  for k in 0 1 2; do
    config=${configs[$(( (k + round) % 3 ))]}
    rate[$config]=$(measure_$config)
  done
  echo "${rate[bare]}" >>"$RESULTS/bare-memory.txt"
  echo "${rate[systemscope]} ${rate[bare]}" | awk '{print $1/$2}' >>"$RESULTS/ratio-memory-ss.txt"
  echo "${rate[perf]} ${rate[bare]}" | awk '{print $1/$2}' >>"$RESULTS/ratio-memory-perf.txt"
  echo "  round $round: bare ${rate[bare]}, systemscope ${rate[systemscope]}, perf record ${rate[perf]} faults/s"
  unset rate
done
ratio_ss=$(median <"$RESULTS/ratio-memory-ss.txt"); ratio_perf=$(median <"$RESULTS/ratio-memory-perf.txt"); bare=$(median <"$RESULTS/bare-memory.txt")

# --- BPF cost per event --------------------------------------------------------------------------------
echo "BPF run time per event (bpf_stats) under the fault workload"
echo 1 >/proc/sys/kernel/bpf_stats_enabled
"$BIN" record memory --duration 600 >/dev/null 2>"$RESULTS/record-memory.log" & rec=$!; pids+=("$rec")
sleep 2
fault_rate >/dev/null
bpftool prog show -j >"$RESULTS/progs.json"
for info in /proc/$rec/fdinfo/*; do awk '/^prog_id:/ {print $2}' "$info" 2>/dev/null || true; done >"$RESULTS/owners.txt"
kill -TERM "$rec"; wait "$rec" 2>/dev/null || true
echo "$stats_was" >/proc/sys/kernel/bpf_stats_enabled
costs=$(python3 - "$RESULTS/progs.json" "$RESULTS/owners.txt" <<'PY'
import json, sys
progs = json.load(open(sys.argv[1]))
ours = {line.strip() for line in open(sys.argv[2]) if line.strip()}
for p in progs:
    if str(p["id"]) in ours and p.get("run_cnt"):
        print(f"| {p.get('name','?')} | {p['type']} | {p['run_cnt']} | {p['run_time_ns'] / p['run_cnt']:.0f} ns |")
PY
)

# --- the agent under the fault workload ------------------------------------------------------------------
"$BIN" serve --listen "127.0.0.1:$PORT" >"$RESULTS/agent-memory.log" 2>&1 & agent=$!; pids+=("$agent")
for _ in $(seq 1 200); do curl -sf "http://127.0.0.1:$PORT/api/health" >/dev/null && break; sleep 0.05; done
"$WORKLOAD" rate "$PAGES" $((RUN_SECONDS + 10)) >/dev/null & load=$!; pids+=("$load")
sid=$(api POST /api/sessions '{"sources":["memory"],"detached":true}' | json 'd["id"]')
sleep 3
f0=$(awk '/^pgfault/ {print $2}' /proc/vmstat); t0=$(cpu_ns "$agent"); s0=$(now_ms)
sleep "$RUN_SECONDS"
f1=$(awk '/^pgfault/ {print $2}' /proc/vmstat); t1=$(cpu_ns "$agent"); s1=$(now_ms)
snapshot=$(api GET "/api/sessions/$sid")
lost=$(echo "$snapshot" | json 'sum(c["value"] for s in d["sources"] for c in s["counters"] if c["kind"] == "lost")')
lost_detail=$(echo "$snapshot" | json '", ".join(s["id"] + "/" + c["name"] + "=" + str(c["value"]) for s in d["sources"] for c in s["counters"] if c["kind"] == "lost" and c["value"])')
agent_row="| $(awk -v f="$((f1 - f0))" -v ms="$((s1 - s0))" 'BEGIN {printf "%.0f", f / (ms / 1000)}') \
| $(awk -v t="$((t1 - t0))" -v ms="$((s1 - s0))" 'BEGIN {printf "%.1f", t / 1e6 / ms * 100}') % \
| $(( $(rss_kb "$agent") / 1024 )) MiB | ${lost}${lost_detail:+ ($lost_detail)} |"
api DELETE "/api/sessions/$sid" >/dev/null
kill "$load" 2>/dev/null || true; wait "$load" 2>/dev/null || true
kill "$agent"; wait "$agent" 2>/dev/null || true

{
echo "## Memory layer"
echo
echo "Page faults/s of \`page_faults rate $PAGES\` (fresh anonymous pages, one minor fault each; bare median $(printf %.0f "$bare")/s) with the tracer attached ÷ without (all CPUs; median of $ROUNDS interleaved rounds):"
echo
echo "| tracer | ratio |"
echo "|---|---|"
echo "| SystemScope \`record memory\` (every fault counted by user + kernel stack in the kernel, minor/major split; RSS, PSI, stalls, OOM) | $(printf %.3f "$ratio_ss") |"
echo "| \`perf record -a -e page-faults -c 1 -g\` (every fault with its stack, to a file) | $(printf %.3f "$ratio_perf") |"
echo
echo "BPF run time per event (\`kernel.bpf_stats_enabled\`):"
echo
echo "| program | type | runs | ns per run |"
echo "|---|---|---|---|"
echo "$costs"
echo
echo "Agent under the fault workload, one detached memory session on all CPUs, ${RUN_SECONDS} s:"
echo
echo "| page faults/s (system) | agent CPU (% of one CPU) | agent RSS | events lost |"
echo "|---|---|---|---|"
echo "$agent_row"
echo
} >>"$REPORT"
echo "memory layer: done"
