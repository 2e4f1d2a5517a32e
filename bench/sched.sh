#!/usr/bin/env bash
# The scheduler layer's cost, side by side in one run (interleaved rounds, medians):
#   1. `perf bench sched pipe` ops/s with SystemScope's sched + offcpu sources on all CPUs ÷ without,
#      against libbpf-tools runqlat + offcputime doing the same jobs together;
#   2. BPF run time per event of every program (bpf_stats: run_time_ns / run_cnt);
#   3. the agent's CPU and RSS at the highest context-switch rate this machine produces, with a live
#      stream and timeline queries (what the web UI's timeline panel does), and events lost.
# Called by bench/run.sh; alone: bench/sched.sh (as root, after make build). Appends to $REPORT.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${BIN:-$PWD/out/systemscope}
PORT=${PORT:-17171}
ROUNDS=${ROUNDS:-5}
RUN_SECONDS=${RUN_SECONDS:-10}
RESULTS=${RESULTS:-bench/results}
REPORT=${REPORT:-$RESULTS/sched.md}
PIPE_LOOPS=${PIPE_LOOPS:-200000}
mkdir -p "$RESULTS"

[[ $EUID -eq 0 ]] || { echo "bench: run as root" >&2; exit 1; }
for tool in perf runqlat offcputime curl python3 bpftool; do
  command -v $tool >/dev/null || { echo "bench: $tool is missing (apt-get install linux-perf libbpf-tools curl bpftool)" >&2; exit 1; }
done

pids=()
stats_was=$(cat /proc/sys/kernel/bpf_stats_enabled)
cleanup() {
  for p in "${pids[@]}"; do pkill -P "$p" 2>/dev/null || true; kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "$stats_was" >/proc/sys/kernel/bpf_stats_enabled
  declare -F browser_stop >/dev/null && browser_stop
}
trap cleanup EXIT

median() { sort -g | awk '{a[NR]=$1} END {if (NR==0) {print "nan"; exit} if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
now_ms() { date +%s%3N; }
# CPU time of the whole process in ns, threads that already exited included (utime + stime of /proc/PID/stat).
cpu_ns() { awk -v hz="$(getconf CLK_TCK)" '{sub(/^.*\) /, ""); printf "%.0f", ($12 + $13) * 1e9 / hz}' "/proc/$1/stat"; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
pipe_ops() { perf bench sched pipe -l "$PIPE_LOOPS" 2>/dev/null | awk '/ops\/sec/ {print $1}'; }
api() { curl -sf -X "$1" -H 'content-type: application/json' ${3:+-d "$3"} "http://127.0.0.1:$PORT$2"; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

# Background jobs of a script ignore SIGINT: stop the recorders with SIGTERM, which they also handle.
measure_bare() { pipe_ops; }
measure_systemscope() {
  "$BIN" record sched,offcpu --duration 600 >/dev/null 2>"$RESULTS/record-sched.log" & local rec=$!; pids+=("$rec")
  sleep 2   # load and attach before the measured run
  pipe_ops
  kill -TERM "$rec"; wait "$rec" 2>/dev/null || true
}
measure_libbpf() {
  runqlat 600 1 >/dev/null 2>&1 & local a=$!; pids+=("$a")
  offcputime 600 >/dev/null 2>&1 & local b=$!; pids+=("$b")
  sleep 3
  pipe_ops
  kill -TERM "$a" "$b"; wait "$a" "$b" 2>/dev/null || true
}

echo "scheduler overhead: $ROUNDS rounds of perf bench sched pipe -l $PIPE_LOOPS: bare / SystemScope sched+offcpu / runqlat+offcputime"
: >"$RESULTS/ratio-sched-ss.txt"; : >"$RESULTS/ratio-sched-libbpf.txt"
configs=(bare systemscope libbpf)
for round in $(seq 1 "$ROUNDS"); do
  declare -A ops=()
  for k in 0 1 2; do
    config=${configs[$(( (k + round) % 3 ))]}
    ops[$config]=$(measure_$config)
  done
  echo "${ops[systemscope]} ${ops[bare]}" | awk '{print $1/$2}' >>"$RESULTS/ratio-sched-ss.txt"
  echo "${ops[libbpf]} ${ops[bare]}" | awk '{print $1/$2}' >>"$RESULTS/ratio-sched-libbpf.txt"
  echo "  round $round: bare ${ops[bare]}, systemscope ${ops[systemscope]}, runqlat+offcputime ${ops[libbpf]} ops/s"
  unset ops
done
ratio_ss=$(median <"$RESULTS/ratio-sched-ss.txt"); ratio_lb=$(median <"$RESULTS/ratio-sched-libbpf.txt")

# --- BPF cost per event, both tools attached at once under the same load -----------------------------
echo "BPF run time per event (bpf_stats) under perf bench sched pipe"
echo 1 >/proc/sys/kernel/bpf_stats_enabled
"$BIN" record sched,offcpu,cpu --duration 600 >/dev/null 2>"$RESULTS/record-sched.log" & rec=$!; pids+=("$rec")
runqlat 600 1 >/dev/null 2>&1 & a=$!; pids+=("$a")
offcputime 600 >/dev/null 2>&1 & b=$!; pids+=("$b")
sleep 3
pipe_ops >/dev/null
bpftool prog show -j >"$RESULTS/progs.json"
# Which tool holds which program: the prog_id of each BPF fd in /proc/PID/fdinfo.
: >"$RESULTS/owners.txt"
for owner in "SystemScope:$rec" "runqlat:$a" "offcputime:$b"; do
  for info in /proc/${owner#*:}/fdinfo/*; do
    awk -v who="${owner%%:*}" '/^prog_id:/ {print $2, who}' "$info" 2>/dev/null
  done >>"$RESULTS/owners.txt"
done
kill -TERM "$rec" "$a" "$b"; wait "$rec" "$a" "$b" 2>/dev/null || true
echo "$stats_was" >/proc/sys/kernel/bpf_stats_enabled
costs=$(python3 - "$RESULTS/progs.json" "$RESULTS/owners.txt" <<'PY'
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

# --- the agent at the highest switch rate: nobody looking, then the page open in chromium -------------
source bench/chromium.sh
"$BIN" serve --listen "127.0.0.1:$PORT" >"$RESULTS/agent.log" 2>&1 & agent=$!; pids+=("$agent")
for _ in $(seq 1 200); do curl -sf "http://127.0.0.1:$PORT/api/health" >/dev/null && break; sleep 0.05; done
browser_start || true
perf bench sched pipe -l 1000000000 >/dev/null 2>&1 & load=$!; pids+=("$load")
agent_rows=()
# One detached session of sched+offcpu+cpu on all CPUs for RUN_SECONDS; $1: "none" or "page" (the web
# UI viewing the session, its overview with the thread timeline live, in a visible tab).
measure_agent() {
  local sid tab='' t0 t1 s0 s1 c0 c1 snapshot lost lost_detail capped reserved
  sid=$(api POST /api/sessions '{"sources":["sched","offcpu","cpu"],"detached":true}' | json 'd["id"]')
  if [[ $1 == page ]]; then
    [[ -n "$BROWSER_PID" ]] || { agent_rows+=("| the page open (timeline live) | chromium missing: not measured | | | | | |"); api DELETE "/api/sessions/$sid" >/dev/null; return; }
    if ! tab=$(browser_open "http://127.0.0.1:$PORT/?session=$sid"); then
      agent_rows+=("| the page open (timeline live) | chromium did not open the tab: not measured | | | | | |"); api DELETE "/api/sessions/$sid" >/dev/null; return
    fi
  fi
  sleep 3   # attach, first windows, the page's first draw
  c0=$(awk '/^ctxt/ {print $2}' /proc/stat); t0=$(cpu_ns "$agent"); s0=$(now_ms)
  sleep "$RUN_SECONDS"
  c1=$(awk '/^ctxt/ {print $2}' /proc/stat); t1=$(cpu_ns "$agent"); s1=$(now_ms)
  snapshot=$(api GET "/api/sessions/$sid")
  lost=$(echo "$snapshot" | json 'sum(c["value"] for s in d["sources"] for c in s["counters"] if c["kind"] == "lost")')
  lost_detail=$(echo "$snapshot" | json '", ".join(s["id"] + "/" + c["name"] + "=" + str(c["value"]) for s in d["sources"] for c in s["counters"] if c["kind"] == "lost" and c["value"])')
  capped=$(api GET "/api/sessions/$sid/models/threads.timeline" | json 'd["capped"]')
  reserved=$(echo "$snapshot" | json 'sum(c["value"] for s in d["sources"] for c in s["counters"] if c["name"] == "stacks.reserved")')
  agent_rows+=("| $([[ $1 == page ]] && echo 'the page open on the session (overview: thread timeline live, flame graphs, stream)' || echo 'nobody looking (detached session)') \
| $(awk -v c="$((c1 - c0))" -v ms="$((s1 - s0))" 'BEGIN {printf "%.0f", c / (ms / 1000)}') \
| $(awk -v t="$((t1 - t0))" -v ms="$((s1 - s0))" 'BEGIN {printf "%.1f", t / 1e6 / ms * 100}') % \
| $(( $(rss_kb "$agent") / 1024 )) MiB | ${lost}${lost_detail:+ ($lost_detail)} | ${reserved} | ${capped} |")
  [[ -n "$tab" ]] && browser_close "$tab"
  api DELETE "/api/sessions/$sid" >/dev/null
  sleep 2
}
echo "agent under perf bench sched pipe: ${RUN_SECONDS}s, sched+offcpu+cpu, nobody looking, then the page open"
measure_agent none
measure_agent page
pkill -P "$load" 2>/dev/null || true; kill "$load" 2>/dev/null || true
browser_stop
kill "$agent"; wait "$agent" 2>/dev/null || true

{
echo "## Scheduler layer"
echo
echo "\`perf bench sched pipe -l $PIPE_LOOPS\` ops/s with the tracers attached ÷ without (all CPUs; median of $ROUNDS interleaved rounds):"
echo
echo "| tracer | ratio |"
echo "|---|---|"
echo "| SystemScope \`record sched,offcpu\` (run-queue latency histograms per process and cgroup, switch counts, run-queue length, timeline stream; off-CPU time by kernel + user stack and waker stack) | $(printf %.3f "$ratio_ss") |"
echo "| libbpf-tools \`runqlat\` + \`offcputime\` together | $(printf %.3f "$ratio_lb") |"
echo
echo "BPF run time per event (\`kernel.bpf_stats_enabled\`, all three tools attached at once under the same load):"
echo
echo "| tool | program | type | runs | ns per run |"
echo "|---|---|---|---|---|"
echo "$costs"
echo
echo "Agent at the highest context-switch rate this machine produces (\`perf bench sched pipe\`), one session of sched+offcpu+cpu on all CPUs, ${RUN_SECONDS} s:"
echo
echo "| viewer | context switches/s | agent CPU (% of one CPU) | agent RSS | events lost (every source's lost counters) | stacks kept in the reserve (the stacks map could not allocate) | switches over the timeline's per-second cap (counted, not streamed) |"
echo "|---|---|---|---|---|---|---|"
printf '%s\n' "${agent_rows[@]}"
echo
} >>"$REPORT"
echo "scheduler layer: done"
