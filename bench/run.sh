#!/usr/bin/env bash
# SystemScope benchmarks: overhead as ratios measured side by side in one run (interleaved, medians),
# the idle agent's footprint, the profiling agent's footprint, and start-up latencies.
# Usage: bench/run.sh [--quick]   (needs root and a built out/systemscope; `make bench` does both)
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${SYSTEMSCOPE_BINARY:-$PWD/out/systemscope}
ROUNDS=${ROUNDS:-5}          # interleaved rounds for the overhead ratio
RUN_SECONDS=${RUN_SECONDS:-10}
IDLE_SECONDS=${IDLE_SECONDS:-60}
STACK_SECONDS=${STACK_SECONDS:-8}   # per program, stack quality against perf
OVERHEAD_MB=${OVERHEAD_MB:-16}      # input of each xz of the stack-walking overhead job
if [[ ${1:-} == --quick ]]; then ROUNDS=3; RUN_SECONDS=5; IDLE_SECONDS=15; STACK_SECONDS=4; OVERHEAD_MB=4; fi
PORT=${PORT:-17171}
RESULTS=bench/results
mkdir -p "$RESULTS"
REPORT=$RESULTS/latest.md
PAGE=$(getconf PAGESIZE)

[[ $EUID -eq 0 ]] || { echo "bench: run as root (BPF and perf events need it)" >&2; exit 1; }
[[ -x $BIN ]] || { echo "bench: $BIN is missing: run 'make build'" >&2; exit 1; }
for tool in sysbench curl; do command -v $tool >/dev/null || { echo "bench: $tool is missing (apt-get install $tool)" >&2; exit 1; }; done

pids=()
cleanup() { for p in "${pids[@]}"; do pkill -P "$p" 2>/dev/null || true; kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

median() { sort -g | awk '{a[NR]=$1} END {if (NR==0) {print "nan"; exit} if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
now_ms() { date +%s%3N; }
# On-CPU time of all the process's threads in ns (schedstat: finer than the 10 ms ticks of /proc/PID/stat).
cpu_ns() { cat /proc/$1/task/*/schedstat 2>/dev/null | awk '{s+=$1} END {printf "%.0f", s}'; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
ctx_switches() { cat /proc/$1/task/*/status 2>/dev/null | awk '/ctxt_switches/ {s+=$2} END {print s+0}'; }
bpf_progs() { ls -l /proc/$1/fd 2>/dev/null | grep -c 'anon_inode:bpf-prog' || true; }
perf_fds() { ls -l /proc/$1/fd 2>/dev/null | grep -c 'anon_inode:\[perf_event\]' || true; }
sysbench_eps() { sysbench cpu --threads=2 --time="$RUN_SECONDS" run 2>/dev/null | awk '/events per second/ {print $4}'; }

start_agent() {
  "$BIN" serve --listen "127.0.0.1:$PORT" >"$RESULTS/agent.log" 2>&1 &
  agent=$!; pids+=("$agent")
  for _ in $(seq 1 200); do curl -sf "http://127.0.0.1:$PORT/api/health" >/dev/null && return 0; sleep 0.05; done
  echo "bench: agent did not start, see $RESULTS/agent.log" >&2; exit 1
}
stop_agent() { kill "$agent" 2>/dev/null || true; wait "$agent" 2>/dev/null || true; }
api() { curl -sf -X "$1" -H 'content-type: application/json' ${3:+-d "$3"} "http://127.0.0.1:$PORT$2"; }
session_id() { python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'; }

{
echo "# SystemScope benchmarks"
echo
echo "$(date -u +%F) · $(uname -r) · $(nproc) CPUs · rounds=$ROUNDS × ${RUN_SECONDS}s"
echo
} >"$REPORT"

# --- 1. overhead: sysbench cpu throughput with profiling ÷ without, interleaved -------------------
echo "overhead: $ROUNDS rounds of sysbench cpu --threads=2 (${RUN_SECONDS}s) bare / SystemScope 99 Hz all CPUs / bpftrace 99 Hz"
have_bpftrace=0; command -v bpftrace >/dev/null && have_bpftrace=1
: >"$RESULTS/ratio-ss.txt"; : >"$RESULTS/ratio-bt.txt"
measure_bare() { sysbench_eps; }
measure_systemscope() {
  "$BIN" record cpu --frequency 99 --duration $((RUN_SECONDS + 3)) >/dev/null 2>"$RESULTS/record.log" & local rec=$!; pids+=("$rec")
  sleep 2   # load and attach before the measured run
  sysbench_eps; wait "$rec"
}
measure_bpftrace() {
  bpftrace -e 'profile:hz:99 { @[kstack, ustack] = count(); }' >/dev/null 2>&1 & local bt=$!; pids+=("$bt")
  sleep 3
  sysbench_eps; kill -INT "$bt"; wait "$bt" 2>/dev/null || true
}
configs=(bare systemscope); [[ $have_bpftrace == 1 ]] && configs+=(bpftrace)
for round in $(seq 1 "$ROUNDS"); do
  # Rotate the order each round: whatever runs first in a round (a cold cache, a host neighbour
  # waking up) must not always be the same configuration.
  declare -A eps=()
  n=${#configs[@]}
  for k in $(seq 0 $((n - 1))); do
    config=${configs[$(( (k + round) % n ))]}
    eps[$config]=$(measure_$config)
  done
  echo "${eps[systemscope]} ${eps[bare]}" | awk '{print $1/$2}' >>"$RESULTS/ratio-ss.txt"
  line="  round $round: bare ${eps[bare]} ev/s, systemscope ${eps[systemscope]} ev/s"
  if [[ $have_bpftrace == 1 ]]; then
    echo "${eps[bpftrace]} ${eps[bare]}" | awk '{print $1/$2}' >>"$RESULTS/ratio-bt.txt"
    line+=", bpftrace ${eps[bpftrace]} ev/s"
  fi
  echo "$line"
  unset eps
done
ratio_ss=$(median <"$RESULTS/ratio-ss.txt")
ratio_bt=$([[ $have_bpftrace == 1 ]] && median <"$RESULTS/ratio-bt.txt" || echo "n/a")
{
echo "## Overhead (throughput with profiling ÷ without; median of $ROUNDS interleaved rounds)"
echo
echo "| profiler (all CPUs, 99 Hz, kernel + user stacks) | sysbench cpu --threads=2 ratio |"
echo "|---|---|"
echo "| SystemScope \`record cpu\` | $(printf %.4f "$ratio_ss") |"
echo "| bpftrace \`profile:hz:99 { @[kstack, ustack] = count(); }\` | $ratio_bt |"
echo
} >>"$REPORT"

# --- 2. idle agent ---------------------------------------------------------------------------------
echo "idle agent: ${IDLE_SECONDS}s"
start_agent
sleep 3
t0=$(cpu_ns "$agent"); c0=$(ctx_switches "$agent"); s0=$(now_ms)
sleep "$IDLE_SECONDS"
t1=$(cpu_ns "$agent"); c1=$(ctx_switches "$agent"); s1=$(now_ms)
idle_cpu=$(awk -v t="$((t1 - t0))" -v ms="$((s1 - s0))" 'BEGIN {printf "%.4f", t / 1e6 / ms * 100}')
idle_wakeups=$(awk -v c="$((c1 - c0))" -v ms="$((s1 - s0))" 'BEGIN {printf "%.2f", c / (ms / 1000)}')
idle_rss=$(rss_kb "$agent"); idle_progs=$(bpf_progs "$agent"); idle_perf=$(perf_fds "$agent")
stop_agent

# --- 3. agent while profiling all CPUs at 99 Hz under load ------------------------------------------
echo "profiling agent: ${RUN_SECONDS}s under sysbench load"
start_agent
sid=$(api POST /api/sessions '{"sources":[{"id":"cpu","options":{"frequency":99}}],"detached":true}' | session_id)
# Someone is watching: a live stream is open, as the web UI keeps one.
curl -sN "http://127.0.0.1:$PORT/api/sessions/$sid/stream" >/dev/null & viewer=$!; pids+=("$viewer")
sysbench cpu --threads=2 --time=$((RUN_SECONDS + 4)) run >/dev/null 2>&1 & load=$!; pids+=("$load")
sleep 2
t0=$(cpu_ns "$agent"); s0=$(now_ms)
sleep "$RUN_SECONDS"
t1=$(cpu_ns "$agent"); s1=$(now_ms)
busy_cpu=$(awk -v t="$((t1 - t0))" -v ms="$((s1 - s0))" 'BEGIN {printf "%.3f", t / 1e6 / ms * 100}')
busy_rss=$(rss_kb "$agent"); busy_progs=$(bpf_progs "$agent"); busy_perf=$(perf_fds "$agent")
samples=$(api GET "/api/sessions/$sid/models/cpu.flamegraph" | sed -E 's/.*"totalSamples":([0-9]+).*/\1/')
api DELETE "/api/sessions/$sid" >/dev/null
kill "$viewer" 2>/dev/null || true
after_progs=$(bpf_progs "$agent"); after_perf=$(perf_fds "$agent")
wait "$load" 2>/dev/null || true
stop_agent

# --- 4. start-up latencies ---------------------------------------------------------------------------
echo "latencies: start → first page, start → first flame graph"
: >"$RESULTS/first-page.txt"; : >"$RESULTS/first-graph.txt"
sysbench cpu --threads=1 --time=$((ROUNDS * 8)) run >/dev/null 2>&1 & load=$!; pids+=("$load")
for _ in $(seq 1 "$ROUNDS"); do
  s0=$(now_ms)
  "$BIN" serve --listen "127.0.0.1:$PORT" >"$RESULTS/agent.log" 2>&1 & agent=$!; pids+=("$agent")
  until curl -sf "http://127.0.0.1:$PORT/" -o /dev/null; do sleep 0.005; done
  echo $(( $(now_ms) - s0 )) >>"$RESULTS/first-page.txt"
  s0=$(now_ms)
  sid=$(api POST /api/sessions "{\"sources\":[{\"id\":\"cpu\",\"options\":{\"frequency\":99}}],\"pid\":$load}" | session_id)
  until api GET "/api/sessions/$sid/models/cpu.flamegraph" | grep -q '"totalSamples":[1-9]'; do sleep 0.02; done
  echo $(( $(now_ms) - s0 )) >>"$RESULTS/first-graph.txt"
  stop_agent
done
first_page=$(median <"$RESULTS/first-page.txt"); first_graph=$(median <"$RESULTS/first-graph.txt")
pkill -P "$load" 2>/dev/null || true; kill "$load" 2>/dev/null || true

size=$(stat -c %s "$BIN")
{
echo "## Footprint"
echo
echo "| measure | value |"
echo "|---|---|"
echo "| idle agent CPU over ${IDLE_SECONDS}s | ${idle_cpu} % |"
echo "| idle agent wakeups (context switches, all threads) | ${idle_wakeups} /s |"
echo "| idle agent RSS | $((idle_rss / 1024)) MiB |"
echo "| idle agent BPF programs / perf fds held | ${idle_progs} / ${idle_perf} |"
echo "| profiling agent CPU (all CPUs, 99 Hz, sysbench load, live stream open) | ${busy_cpu} % of one CPU |"
echo "| profiling agent RSS | $((busy_rss / 1024)) MiB |"
echo "| profiling agent BPF programs / perf fds held | ${busy_progs} / ${busy_perf} (after stop: ${after_progs} / ${after_perf}) |"
echo "| samples in ${RUN_SECONDS}s profile | ${samples} |"
echo "| binary size | $((size / 1024 / 1024)) MiB ($size bytes) |"
echo "| start → first page served (median of $ROUNDS) | ${first_page} ms |"
echo "| start session → first flame graph with samples (median of $ROUNDS) | ${first_graph} ms |"
} >>"$REPORT"

# --- 5. the scheduler layer ---------------------------------------------------------------------------
if [[ ${SKIP_SCHED:-0} != 1 ]]; then
  BIN=$BIN PORT=$PORT ROUNDS=$ROUNDS RUN_SECONDS=$RUN_SECONDS REPORT=$REPORT RESULTS=$RESULTS bench/sched.sh
fi

# --- 6. the system layers: syscalls, block I/O, TCP, memory ------------------------------------------
for layer in syscalls blockio tcp memory; do
  if [[ ${SKIP_SYSTEM:-0} != 1 ]]; then
    BIN=$BIN ROUNDS=$ROUNDS RUN_SECONDS=$RUN_SECONDS REPORT=$REPORT RESULTS=$RESULTS "bench/$layer.sh"
  fi
done

# --- 6b. the .NET runtime: the dotnet source on an ASP.NET Core app ------------------------------------
if [[ ${SKIP_DOTNET:-0} != 1 ]]; then
  BIN=$BIN ROUNDS=$ROUNDS RUN_SECONDS=$RUN_SECONDS REPORT=$REPORT RESULTS=$RESULTS bench/dotnet.sh
fi

# --- 7. user stacks: what walking them costs, and how complete they are against perf ----------------
if [[ ${SKIP_STACKS:-0} != 1 ]]; then
  BIN=$BIN ROUNDS=$ROUNDS OVERHEAD_MB=$OVERHEAD_MB REPORT=$REPORT RESULTS=$RESULTS bench/unwind-overhead.sh
  BIN=$BIN ROUNDS=$ROUNDS REPORT=$REPORT RESULTS=$RESULTS bench/unwind-cost.sh
  BIN=$BIN DURATION=$STACK_SECONDS REPORT=$REPORT RESULTS=$RESULTS bench/stack-quality.sh
fi

# --- 7b. accelerator API calls: uprobe cost per call on the stand-in CUDA library -------------------
if [[ ${SKIP_GPU:-0} != 1 ]]; then
  BIN=$BIN ROUNDS=$ROUNDS REPORT=$REPORT RESULTS=$RESULTS bench/gpu-api.sh
fi

# --- 8. per-event costs of the agent's own code ----------------------------------------------------
echo "per-event costs"
dotnet run -c Release --project bench/SystemScope.Bench --nologo -v:q >>"$REPORT"

echo
cat "$REPORT"
