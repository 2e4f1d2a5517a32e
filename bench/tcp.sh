#!/usr/bin/env bash
# The TCP layer's cost, side by side in one run (interleaved rounds, medians):
#   1. iperf3 loopback throughput with SystemScope's tcp source attached ÷ without, against libbpf-tools
#      tcplife doing its (smaller) job;
#   2. BPF run time per event of every program (bpf_stats: run_time_ns / run_cnt);
#   3. the agent's CPU and RSS with one tcp session under the same load, and events lost.
# Alone: bench/tcp.sh (as root, after make build). Smoke: ROUNDS=1 RUN_SECONDS=2 bench/tcp.sh
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${BIN:-$PWD/out/systemscope}
PORT=${PORT:-17172}
IPERF_PORT=${IPERF_PORT:-15201}
ROUNDS=${ROUNDS:-5}
RUN_SECONDS=${RUN_SECONDS:-10}
RESULTS=${RESULTS:-bench/results}
REPORT=${REPORT:-$RESULTS/tcp.md}
mkdir -p "$RESULTS"

[[ $EUID -eq 0 ]] || { echo "bench: run as root" >&2; exit 1; }
for tool in iperf3 tcplife curl python3 bpftool; do
  command -v $tool >/dev/null || { echo "bench: $tool is missing (apt-get install iperf3 libbpf-tools curl bpftool)" >&2; exit 1; }
done

pids=()
stats_was=$(cat /proc/sys/kernel/bpf_stats_enabled)
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "$stats_was" >/proc/sys/kernel/bpf_stats_enabled
}
trap cleanup EXIT

median() { sort -g | awk '{a[NR]=$1} END {if (NR==0) {print "nan"; exit} if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
now_ms() { date +%s%3N; }
cpu_ns() { awk -v hz="$(getconf CLK_TCK)" '{sub(/^.*\) /, ""); printf "%.0f", ($12 + $13) * 1e9 / hz}' "/proc/$1/stat"; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
api() { curl -sf -X "$1" -H 'content-type: application/json' ${3:+-d "$3"} "http://127.0.0.1:$PORT$2"; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

# One iperf3 run over loopback; prints the received Gbit/s.
iperf_gbps() {
  iperf3 -s -1 -p "$IPERF_PORT" >/dev/null 2>&1 & local server=$!
  sleep 0.3
  iperf3 -c 127.0.0.1 -p "$IPERF_PORT" -t "$RUN_SECONDS" -J 2>/dev/null | json 'd["end"]["sum_received"]["bits_per_second"] / 1e9'
  wait "$server" 2>/dev/null || true
}

measure_bare() { iperf_gbps; }
measure_systemscope() {
  "$BIN" record tcp --duration 600 >/dev/null 2>"$RESULTS/record-tcp.log" & local rec=$!; pids+=("$rec")
  sleep 2   # load and attach before the measured run
  iperf_gbps
  kill -TERM "$rec"; wait "$rec" 2>/dev/null || true
}
measure_libbpf() {
  tcplife >/dev/null 2>&1 & local a=$!; pids+=("$a")
  sleep 2
  iperf_gbps
  kill -TERM "$a"; wait "$a" 2>/dev/null || true
}

echo "tcp overhead: $ROUNDS rounds of iperf3 -t $RUN_SECONDS on loopback: bare / SystemScope tcp / tcplife"
: >"$RESULTS/ratio-tcp-ss.txt"; : >"$RESULTS/ratio-tcp-libbpf.txt"
configs=(bare systemscope libbpf)
for round in $(seq 1 "$ROUNDS"); do
  declare -A gbps=()
  for k in 0 1 2; do
    config=${configs[$(( (k + round) % 3 ))]}
    gbps[$config]=$(measure_$config)
  done
  echo "${gbps[systemscope]} ${gbps[bare]}" | awk '{print $1/$2}' >>"$RESULTS/ratio-tcp-ss.txt"
  echo "${gbps[libbpf]} ${gbps[bare]}" | awk '{print $1/$2}' >>"$RESULTS/ratio-tcp-libbpf.txt"
  echo "  round $round: bare ${gbps[bare]}, systemscope ${gbps[systemscope]}, tcplife ${gbps[libbpf]} Gbit/s"
  unset gbps
done
ratio_ss=$(median <"$RESULTS/ratio-tcp-ss.txt"); ratio_lb=$(median <"$RESULTS/ratio-tcp-libbpf.txt")

# --- BPF cost per event, both tools attached at once under the same load -----------------------------
echo "BPF run time per event (bpf_stats) under iperf3"
echo 1 >/proc/sys/kernel/bpf_stats_enabled
"$BIN" record tcp --duration 600 >/dev/null 2>"$RESULTS/record-tcp.log" & rec=$!; pids+=("$rec")
tcplife >/dev/null 2>&1 & a=$!; pids+=("$a")
sleep 3
iperf_gbps >/dev/null
bpftool prog show -j >"$RESULTS/progs-tcp.json"
: >"$RESULTS/owners-tcp.txt"
for owner in "SystemScope:$rec" "tcplife:$a"; do
  for info in /proc/${owner#*:}/fdinfo/*; do
    awk -v who="${owner%%:*}" '/^prog_id:/ {print $2, who}' "$info" 2>/dev/null
  done >>"$RESULTS/owners-tcp.txt"
done
kill -TERM "$rec" "$a"; wait "$rec" "$a" 2>/dev/null || true
echo "$stats_was" >/proc/sys/kernel/bpf_stats_enabled
costs=$(python3 - "$RESULTS/progs-tcp.json" "$RESULTS/owners-tcp.txt" <<'PY'
import json, sys
progs = json.load(open(sys.argv[1]))
owners = dict(line.split() for line in open(sys.argv[2]) if line.strip())
for p in progs:
    owner = owners.get(str(p["id"]))
    if owner is None or not p.get("run_cnt"):
        continue
    print(f"| {owner} | {p.get('name','?')} | {p['type']} | {p['run_cnt']} | {p['run_time_ns'] / p['run_cnt']:.0f} ns |")
PY
)

# --- the agent under iperf3: one detached tcp session -------------------------------------------------
"$BIN" serve --listen "127.0.0.1:$PORT" >"$RESULTS/agent-tcp.log" 2>&1 & agent=$!; pids+=("$agent")
for _ in $(seq 1 200); do curl -sf "http://127.0.0.1:$PORT/api/health" >/dev/null && break; sleep 0.05; done
sid=$(api POST /api/sessions '{"sources":["tcp"],"detached":true}' | json 'd["id"]')
sleep 2
t0=$(cpu_ns "$agent"); s0=$(now_ms)
gbps=$(iperf_gbps)
t1=$(cpu_ns "$agent"); s1=$(now_ms)
snapshot=$(api GET "/api/sessions/$sid")
lost=$(echo "$snapshot" | json 'sum(c["value"] for s in d["sources"] for c in s["counters"] if c["kind"] == "lost")')
lost_detail=$(echo "$snapshot" | json '", ".join(s["id"] + "/" + c["name"] + "=" + str(c["value"]) for s in d["sources"] for c in s["counters"] if c["kind"] == "lost" and c["value"])')
cost=$(echo "$snapshot" | json 'next((c["value"] for s in d["sources"] if s["id"] == "tcp" for c in s["counters"] if c["name"] == "bpf.ns_per_run"), "n/a")')
agent_row="| $gbps | $(awk -v t="$((t1 - t0))" -v ms="$((s1 - s0))" 'BEGIN {printf "%.1f", t / 1e6 / ms * 100}') % | $(( $(rss_kb "$agent") / 1024 )) MiB | $cost | ${lost}${lost_detail:+ ($lost_detail)} |"
api DELETE "/api/sessions/$sid" >/dev/null
kill "$agent"; wait "$agent" 2>/dev/null || true

{
echo "## TCP layer"
echo
echo "iperf3 loopback throughput (\`-t $RUN_SECONDS\`, one stream) with the tracer attached ÷ without (median of $ROUNDS interleaved rounds):"
echo
echo "| tracer | ratio |"
echo "|---|---|"
echo "| SystemScope \`record tcp\` (every connection's counts refreshed at each send/receive call and 1 in 8 received segments, retransmits, resets, live table) | $(printf %.3f "$ratio_ss") |"
echo "| libbpf-tools \`tcplife\` (state changes only: closed connections) | $(printf %.3f "$ratio_lb") |"
echo
echo "BPF run time per event (\`kernel.bpf_stats_enabled\`, both tools attached at once under iperf3):"
echo
echo "| tool | program | type | runs | ns per run |"
echo "|---|---|---|---|---|"
echo "$costs"
echo
echo "Agent with one detached tcp session during an iperf3 run of ${RUN_SECONDS} s:"
echo
echo "| iperf3 Gbit/s | agent CPU (% of one CPU) | agent RSS | BPF ns per run | events lost |"
echo "|---|---|---|---|---|"
echo "$agent_row"
echo
} >>"$REPORT"
echo "tcp layer: done ($REPORT)"
