#!/usr/bin/env bash
# The block layer's cost, side by side in one run (interleaved rounds, medians):
#   1. `fio` 4 KiB random-read IOPS (O_DIRECT, libaio, queue depth 16) on the disk holding $DIR with
#      SystemScope's blockio source attached ÷ without, against libbpf-tools biolatency -Q;
#   2. BPF run time per event of every program (bpf_stats: run_time_ns / run_cnt), with and without
#      the submitters' stacks (--stacks true);
#   3. the agent's CPU and RSS under that load, one detached session, and events lost.
# Alone: bench/blockio.sh (as root, after make build). Appends to $REPORT.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${BIN:-$PWD/out/systemscope}
PORT=${PORT:-17172}
ROUNDS=${ROUNDS:-5}
FIO_SECONDS=${FIO_SECONDS:-10}
RUN_SECONDS=${RUN_SECONDS:-10}
DIR=${DIR:-/var/tmp}
RESULTS=${RESULTS:-bench/results}
REPORT=${REPORT:-$RESULTS/blockio.md}
mkdir -p "$RESULTS"

[[ $EUID -eq 0 ]] || { echo "bench: run as root" >&2; exit 1; }
for tool in fio biolatency curl python3 bpftool; do
  command -v $tool >/dev/null || { echo "bench: $tool is missing (apt-get install fio libbpf-tools curl bpftool)" >&2; exit 1; }
done

FILE="$DIR/systemscope-bench-fio"
pids=()
stats_was=$(cat /proc/sys/kernel/bpf_stats_enabled)
cleanup() {
  for p in "${pids[@]}"; do pkill -P "$p" 2>/dev/null || true; kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "$stats_was" >/proc/sys/kernel/bpf_stats_enabled
  rm -f "$FILE"
}
trap cleanup EXIT

median() { sort -g | awk '{a[NR]=$1} END {if (NR==0) {print "nan"; exit} if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
now_ms() { date +%s%3N; }
cpu_ns() { awk -v hz="$(getconf CLK_TCK)" '{sub(/^.*\) /, ""); printf "%.0f", ($12 + $13) * 1e9 / hz}' "/proc/$1/stat"; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
api() { curl -sf -X "$1" -H 'content-type: application/json' ${3:+-d "$3"} "http://127.0.0.1:$PORT$2"; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
fio_run() {
  fio --name=randread --filename="$FILE" --size=256M --rw=randread --bs=4k --direct=1 --ioengine=libaio --iodepth=16 \
      --runtime="$1" --time_based --output-format=json 2>/dev/null
}
fio_iops() { fio_run "$FIO_SECONDS" | json 'round(d["jobs"][0]["read"]["iops"])'; }

disk=$(lsblk -no PKNAME "$(df --output=source "$DIR" | tail -1)" 2>/dev/null || true)
[[ -n "$disk" ]] || disk=$(basename "$(df --output=source "$DIR" | tail -1)")
echo "block I/O bench on $disk ($DIR): laying out a 256 MiB file"
fio_run 1 >/dev/null

# Background jobs of a script ignore SIGINT: stop the recorders with SIGTERM, which they also handle.
measure_bare() { fio_iops; }
measure_systemscope() {
  "$BIN" record blockio --duration 600 >/dev/null 2>"$RESULTS/record-blockio.log" & local rec=$!; pids+=("$rec")
  sleep 2   # load and attach before the measured run
  fio_iops
  kill -TERM "$rec"; wait "$rec" 2>/dev/null || true
}
measure_biolatency() {
  biolatency -Q 600 1 >/dev/null 2>&1 & local a=$!; pids+=("$a")
  sleep 2
  fio_iops
  kill -TERM "$a"; wait "$a" 2>/dev/null || true
}

echo "block I/O overhead: $ROUNDS rounds of fio ${FIO_SECONDS}s 4k randread qd16: bare / SystemScope blockio / biolatency -Q"
: >"$RESULTS/ratio-blockio-ss.txt"; : >"$RESULTS/ratio-blockio-bl.txt"; : >"$RESULTS/iops-blockio-bare.txt"
configs=(bare systemscope biolatency)
for round in $(seq 1 "$ROUNDS"); do
  declare -A iops=()
  for k in 0 1 2; do
    config=${configs[$(( (k + round) % 3 ))]}
    iops[$config]=$(measure_$config)
  done
  echo "${iops[bare]}" >>"$RESULTS/iops-blockio-bare.txt"
  echo "${iops[systemscope]} ${iops[bare]}" | awk '{print $1/$2}' >>"$RESULTS/ratio-blockio-ss.txt"
  echo "${iops[biolatency]} ${iops[bare]}" | awk '{print $1/$2}' >>"$RESULTS/ratio-blockio-bl.txt"
  echo "  round $round: bare ${iops[bare]}, systemscope ${iops[systemscope]}, biolatency ${iops[biolatency]} IOPS"
  unset iops
done
ratio_ss=$(median <"$RESULTS/ratio-blockio-ss.txt"); ratio_bl=$(median <"$RESULTS/ratio-blockio-bl.txt"); bare=$(median <"$RESULTS/iops-blockio-bare.txt")

# --- BPF cost per event: SystemScope (with and without stacks) and biolatency under the same load ------
echo 1 >/proc/sys/kernel/bpf_stats_enabled
costs=""
for variant in "default" "stacks"; do
  echo "BPF run time per event (bpf_stats) under fio, blockio $variant + biolatency -Q"
  extra=(); [[ $variant == stacks ]] && extra=(--stacks true)
  "$BIN" record blockio "${extra[@]}" --duration 600 >/dev/null 2>"$RESULTS/record-blockio.log" & rec=$!; pids+=("$rec")
  biolatency -Q 600 1 >/dev/null 2>&1 & a=$!; pids+=("$a")
  sleep 3
  fio_run "$FIO_SECONDS" >/dev/null
  bpftool prog show -j >"$RESULTS/progs.json"
  : >"$RESULTS/owners.txt"
  for owner in "SystemScope blockio ($variant):$rec" "biolatency -Q:$a"; do
    for info in /proc/${owner##*:}/fdinfo/*; do
      awk -v who="${owner%:*}" '/^prog_id:/ {print $2 "\t" who}' "$info" 2>/dev/null
    done >>"$RESULTS/owners.txt"
  done
  kill -TERM "$rec" "$a"; wait "$rec" "$a" 2>/dev/null || true
  costs+=$(python3 - "$RESULTS/progs.json" "$RESULTS/owners.txt" "$variant" <<'PY'
import json, sys
progs = json.load(open(sys.argv[1]))
owners = dict(line.rstrip("\n").split("\t") for line in open(sys.argv[2]) if line.strip())
for p in progs:
    owner = owners.get(str(p["id"]))
    if owner is None or not p.get("run_cnt") or (sys.argv[3] == "stacks" and owner.startswith("biolatency")):
        continue
    print(f"| {owner} | {p.get('name','?')} | {p['type']} | {p['run_cnt']} | {p['run_time_ns'] / p['run_cnt']:.0f} ns |")
PY
)$'\n'
done
echo "$stats_was" >/proc/sys/kernel/bpf_stats_enabled

# --- the agent under fio: one detached session ---------------------------------------------------------
"$BIN" serve --listen "127.0.0.1:$PORT" >"$RESULTS/agent.log" 2>&1 & agent=$!; pids+=("$agent")
for _ in $(seq 1 200); do curl -sf "http://127.0.0.1:$PORT/api/health" >/dev/null && break; sleep 0.05; done
echo "agent under fio: ${RUN_SECONDS}s, one detached blockio session"
sid=$(api POST /api/sessions '{"sources":["blockio"],"detached":true}' | json 'd["id"]')
sleep 2
t0=$(cpu_ns "$agent"); s0=$(now_ms)
agent_iops=$(fio_run "$RUN_SECONDS" | json 'round(d["jobs"][0]["read"]["iops"])')
t1=$(cpu_ns "$agent"); s1=$(now_ms)
snapshot=$(api GET "/api/sessions/$sid")
lost=$(echo "$snapshot" | json 'sum(c["value"] for s in d["sources"] for c in s["counters"] if c["kind"] == "lost")')
lost_detail=$(echo "$snapshot" | json '", ".join(s["id"] + "/" + c["name"] + "=" + str(c["value"]) for s in d["sources"] for c in s["counters"] if c["kind"] == "lost" and c["value"])')
requests=$(echo "$snapshot" | json 'sum(c["value"] for s in d["sources"] for c in s["counters"] if s["id"] == "blockio" and c["name"] == "requests")')
agent_row="| $agent_iops | $requests | $(awk -v t="$((t1 - t0))" -v ms="$((s1 - s0))" 'BEGIN {printf "%.1f", t / 1e6 / ms * 100}') % | $(( $(rss_kb "$agent") / 1024 )) MiB | ${lost}${lost_detail:+ ($lost_detail)} |"
api DELETE "/api/sessions/$sid" >/dev/null
kill "$agent"; wait "$agent" 2>/dev/null || true

{
echo "## Block I/O layer"
echo
echo "\`fio\` 4 KiB random reads (O_DIRECT, libaio, queue depth 16, ${FIO_SECONDS} s) on $disk: IOPS with the tracer attached ÷ without (median of $ROUNDS interleaved rounds; bare median $bare IOPS):"
echo
echo "| tracer | ratio |"
echo "|---|---|"
echo "| SystemScope \`record blockio\` (per device, process, cgroup and operation: count, bytes, queue/device/total latency histograms, sizes, sequential share; slow requests streamed) | $(printf %.3f "$ratio_ss") |"
echo "| libbpf-tools \`biolatency -Q\` (one histogram of insert → completion) | $(printf %.3f "$ratio_bl") |"
echo
echo "BPF run time per event (\`kernel.bpf_stats_enabled\`, SystemScope and biolatency attached at once under fio):"
echo
echo "| tool | program | type | runs | ns per run |"
echo "|---|---|---|---|---|"
printf '%s' "$costs"
echo
echo "Agent under fio, one detached blockio session, ${RUN_SECONDS} s:"
echo
echo "| IOPS | requests collected (session total) | agent CPU (% of one CPU) | agent RSS | events lost (every source's lost counters) |"
echo "|---|---|---|---|---|"
echo "$agent_row"
echo
} >>"$REPORT"
echo "block I/O layer: done"
