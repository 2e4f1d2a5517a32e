#!/usr/bin/env bash
# The syscall layer's cost, side by side in one run (interleaved rounds, medians):
#   1. `perf bench syscall basic` ns per getppid() with each tracer attached ÷ without: SystemScope's
#      `syscalls` source (count, errors and a latency histogram per process and syscall), libbpf-tools
#      `syscount` (counts only) and `syscount -L` (with total latency), and bpftrace counting by pid and
#      syscall;
#   2. BPF run time per event of every program (bpf_stats);
#   3. the agent's CPU and RSS while a syscall loop runs flat out, with the live stream open, and events lost.
# Called by bench/run.sh; alone: bench/syscalls.sh (as root, after make build). Appends to $REPORT.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${BIN:-$PWD/out/systemscope}
PORT=${PORT:-17172}
ROUNDS=${ROUNDS:-5}
RUN_SECONDS=${RUN_SECONDS:-10}
LOOPS=${LOOPS:-5000000}
RESULTS=${RESULTS:-bench/results}
REPORT=${REPORT:-$RESULTS/syscalls.md}
mkdir -p "$RESULTS"

[[ $EUID -eq 0 ]] || { echo "bench: run as root" >&2; exit 1; }
for tool in perf syscount bpftrace curl python3 bpftool; do
  command -v $tool >/dev/null || { echo "bench: $tool is missing (apt-get install linux-perf libbpf-tools bpftrace curl bpftool)" >&2; exit 1; }
done
# bpftrace's tracepoint probes read the format files of tracefs.
if [[ ! -d /sys/kernel/tracing/events ]]; then
  echo "bench: mounting tracefs at /sys/kernel/tracing for bpftrace"
  mount -t tracefs nodev /sys/kernel/tracing
fi

pids=()
stats_was=$(cat /proc/sys/kernel/bpf_stats_enabled)
cleanup() {
  for p in "${pids[@]}"; do pkill -P "$p" 2>/dev/null || true; kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "$stats_was" >/proc/sys/kernel/bpf_stats_enabled
}
trap cleanup EXIT

median() { sort -g | awk '{a[NR]=$1} END {if (NR==0) {print "nan"; exit} if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
now_ms() { date +%s%3N; }
cpu_ns() { awk -v hz="$(getconf CLK_TCK)" '{sub(/^.*\) /, ""); printf "%.0f", ($12 + $13) * 1e9 / hz}' "/proc/$1/stat"; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
# ns per getppid() call.
syscall_ns() { perf bench syscall basic -l "$LOOPS" 2>/dev/null | awk '/usecs\/op/ {printf "%.1f", $1 * 1000}'; }
api() { curl -sf -X "$1" -H 'content-type: application/json' ${3:+-d "$3"} "http://127.0.0.1:$PORT$2"; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

BPFTRACE_PROGRAM='tracepoint:raw_syscalls:sys_exit { @[pid, args->id] = count(); }'

# Background jobs ignore SIGINT: stop the tracers with SIGTERM.
with() { # $1: settle seconds, then the tracer's command line
  local settle=$1; shift
  "$@" >/dev/null 2>>"$RESULTS/syscalls-tracers.log" & local t=$!; pids+=("$t")
  sleep "$settle"
  syscall_ns
  kill -TERM "$t"; wait "$t" 2>/dev/null || true
}
measure_bare() { syscall_ns; }
measure_systemscope() { with 2 "$BIN" record syscalls --duration 600; }
measure_syscount() { with 2 syscount -d 600; }
measure_syscount_latency() { with 2 syscount -L -d 600; }
measure_bpftrace() { with 4 bpftrace -e "$BPFTRACE_PROGRAM"; }

configs=(bare systemscope syscount syscount_latency bpftrace)
n=${#configs[@]}
for c in "${configs[@]}"; do : >"$RESULTS/syscalls-$c.txt"; done
echo "syscall overhead: $ROUNDS rounds of perf bench syscall basic -l $LOOPS: ${configs[*]}"
for round in $(seq 1 "$ROUNDS"); do
  line="  round $round:"
  for k in $(seq 0 $((n - 1))); do
    config=${configs[$(( (k + round) % n ))]}
    v=$(measure_$config)
    echo "$v" >>"$RESULTS/syscalls-$config.txt"
    line+=" $config $v ns"
  done
  echo "$line"
done
declare -A med=()
for c in "${configs[@]}"; do med[$c]=$(median <"$RESULTS/syscalls-$c.txt"); done
ratio() { awk -v a="${med[$1]}" -v b="${med[bare]}" 'BEGIN {printf "%.2f", a / b}'; }

# --- BPF cost per event: each tool alone under the same load (they would share the tracepoints) --------
echo "BPF run time per event (bpf_stats) under perf bench syscall basic"
echo 1 >/proc/sys/kernel/bpf_stats_enabled
costs=""
for tool in systemscope syscount syscount_latency; do
  case $tool in
    systemscope) "$BIN" record syscalls --duration 600 >/dev/null 2>>"$RESULTS/syscalls-tracers.log" & ;;
    syscount) syscount -d 600 >/dev/null 2>&1 & ;;
    syscount_latency) syscount -L -d 600 >/dev/null 2>&1 & ;;
  esac
  t=$!; pids+=("$t")
  sleep 2
  syscall_ns >/dev/null
  bpftool prog show -j >"$RESULTS/progs.json"
  : >"$RESULTS/owners.txt"
  for info in /proc/$t/fdinfo/*; do awk -v who="$tool" '/^prog_id:/ {print $2, who}' "$info" 2>/dev/null; done >>"$RESULTS/owners.txt"
  kill -TERM "$t"; wait "$t" 2>/dev/null || true
  costs+=$(python3 - "$RESULTS/progs.json" "$RESULTS/owners.txt" <<'PY'
import json, sys
progs = json.load(open(sys.argv[1]))
owners = dict(line.split() for line in open(sys.argv[2]) if line.strip())
for p in progs:
    owner = owners.get(str(p["id"]))
    if owner is None or not p.get("run_cnt"):
        continue
    print(f"| {owner} | {p.get('name','?')} | {p['run_cnt']} | {p['run_time_ns'] / p['run_cnt']:.0f} ns |")
PY
)$'\n'
done
echo "$stats_was" >/proc/sys/kernel/bpf_stats_enabled

# --- the agent while a syscall loop runs flat out, the live stream open -------------------------------
"$BIN" serve --listen "127.0.0.1:$PORT" >"$RESULTS/agent.log" 2>&1 & agent=$!; pids+=("$agent")
for _ in $(seq 1 200); do curl -sf "http://127.0.0.1:$PORT/api/health" >/dev/null && break; sleep 0.05; done
perf bench syscall basic -l 100000000000 >/dev/null 2>&1 & load=$!; pids+=("$load")
sid=$(api POST /api/sessions '{"sources":["syscalls"],"detached":true}' | json 'd["id"]')
curl -sfN "http://127.0.0.1:$PORT/api/sessions/$sid/stream" >/dev/null 2>&1 & stream=$!; pids+=("$stream")
sleep 3
t0=$(cpu_ns "$agent"); s0=$(now_ms)
sleep "$RUN_SECONDS"
t1=$(cpu_ns "$agent"); s1=$(now_ms)
snapshot=$(api GET "/api/sessions/$sid")
calls=$(echo "$snapshot" | json 'sum(c["value"] for s in d["sources"] for c in s["counters"] if c["name"] == "collected")')
lost=$(echo "$snapshot" | json 'sum(c["value"] for s in d["sources"] for c in s["counters"] if c["kind"] == "lost")')
agent_row="| $(awk -v c="$calls" -v ms="$(( s1 - s0 + 3000 ))" 'BEGIN {printf "%.0f", c / (ms / 1000)}') \
| $(awk -v t="$((t1 - t0))" -v ms="$((s1 - s0))" 'BEGIN {printf "%.1f", t / 1e6 / ms * 100}') % | $(( $(rss_kb "$agent") / 1024 )) MiB | $lost |"
kill "$stream" 2>/dev/null || true
api DELETE "/api/sessions/$sid" >/dev/null
pkill -P "$load" 2>/dev/null || true; kill "$load" 2>/dev/null || true
kill "$agent"; wait "$agent" 2>/dev/null || true

{
echo "## Syscall layer"
echo
echo "\`perf bench syscall basic -l $LOOPS\`: ns per getppid() with the tracer attached (every process), median of $ROUNDS interleaved rounds:"
echo
echo "| tracer | ns/call | ÷ bare |"
echo "|---|---|---|"
echo "| none | ${med[bare]} | 1.00 |"
echo "| SystemScope \`record syscalls\` (count, errors by errno, log2 latency histogram per process and syscall) | ${med[systemscope]} | $(ratio systemscope) |"
echo "| libbpf-tools \`syscount\` (counts per syscall) | ${med[syscount]} | $(ratio syscount) |"
echo "| libbpf-tools \`syscount -L\` (counts and total latency per syscall) | ${med[syscount_latency]} | $(ratio syscount_latency) |"
echo "| bpftrace, count by pid and syscall | ${med[bpftrace]} | $(ratio bpftrace) |"
echo
echo "BPF run time per event (\`kernel.bpf_stats_enabled\`), each tool alone under the same load:"
echo
echo "| tool | program | runs | ns per run |"
echo "|---|---|---|---|"
printf '%s' "$costs"
echo
echo "Agent while \`perf bench syscall basic\` runs flat out, one session of \`syscalls\` on every process with its live stream open, ${RUN_SECONDS} s:"
echo
echo "| calls/s collected | agent CPU (% of one CPU) | agent RSS | events lost |"
echo "|---|---|---|---|"
echo "$agent_row"
echo
} >>"$REPORT"
echo "syscall layer: done"
