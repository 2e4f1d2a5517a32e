#!/usr/bin/env bash
# The gpu source's cost on the stand-in CUDA driver library (tests/workloads/gpu), side by side in one run
# (interleaved rounds, medians):
#   1. added ns per traced call: the driver program calls cuLaunchKernel in a tight loop; the time per call
#      with SystemScope's gpu source (uprobe + uretprobe, user stack walked and sent with every call, and
#      without the stack) and with bpftrace counting the same uprobe and uretprobe, minus the bare time;
#   2. overhead as a ratio at 100k calls/s: the driver paces its launches with ~10 µs of computation each;
#      elapsed time traced ÷ bare;
#   3. BPF run time per probe hit (bpf_stats) and records lost.
# Called by bench/run.sh; alone: bench/gpu-api.sh (as root, after make build). Appends to $REPORT.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${BIN:-$PWD/out/systemscope}
ROUNDS=${ROUNDS:-5}
CALLS=${CALLS:-50000}           # launches per tight-loop measurement
PACED_CALLS=${PACED_CALLS:-100000}
PACED_NS=${PACED_NS:-9500}      # computation between paced launches: ~100k launches/s on this machine's cores
RESULTS=${RESULTS:-bench/results}
REPORT=${REPORT:-$RESULTS/gpu-api.md}
mkdir -p "$RESULTS"

[[ $EUID -eq 0 ]] || { echo "bench: run as root" >&2; exit 1; }
[[ -x $BIN ]] || { echo "bench: $BIN is missing: run 'make build'" >&2; exit 1; }
for tool in gcc bpftrace python3; do
  command -v $tool >/dev/null || { echo "bench: $tool is missing (apt-get install gcc bpftrace python3)" >&2; exit 1; }
done

WORK=$(mktemp -d /tmp/systemscope-gpu-bench.XXXXXX)
pids=()
stats_was=$(cat /proc/sys/kernel/bpf_stats_enabled)
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "$stats_was" >/proc/sys/kernel/bpf_stats_enabled
  rm -rf "$WORK"
}
trap cleanup EXIT

median() { sort -g | awk '{a[NR]=$1} END {if (NR==0) {print "nan"; exit} if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

LIB=$WORK/libcuda.so.1
gcc -O2 -shared -fPIC -fvisibility=hidden -o "$LIB" tests/workloads/gpu/cuda.c
gcc -O1 -g -fno-omit-frame-pointer -o "$WORK/gpu_driver" tests/workloads/gpu/gpu_driver.c -ldl -lpthread

# The driver with its options; prints the value of KEY= it reports (ns_per_call, elapsed_ns).
drive() { # KEY OPTIONS...
  local key=$1; shift
  "$WORK/gpu_driver" cuda "$LIB" 0 0 "$@" | awk -F= -v k="$key" '$1 == k {print $2}'
}
# A tracer in the background for one measurement: the driver waits until its probes are on the functions.
traced() { # LOG KEY DRIVER-OPTIONS -- TRACER...
  local log=$1 key=$2 options=() t value
  shift 2
  while [[ $1 != -- ]]; do options+=("$1"); shift; done
  shift
  "$@" >"$log" 2>&1 & t=$!; pids+=("$t")
  value=$(drive "$key" wait-probe=cuLaunchKernel "${options[@]}")
  kill -TERM "$t" 2>/dev/null || true; wait "$t" 2>/dev/null || true  # background jobs ignore SIGINT
  echo "$value"
}
systemscope() { exec "$BIN" record gpu --duration 600 --format json "$@"; }  # exec: the background job is the agent itself, for kill
BPFTRACE_PROGRAM="uprobe:$LIB:cuLaunchKernel { @calls = count(); } uretprobe:$LIB:cuLaunchKernel { @returns = count(); }"

echo "gpu-api: $ROUNDS rounds of $CALLS cuLaunchKernel calls bare / SystemScope gpu (stacks) / SystemScope gpu (no stacks) / bpftrace uprobe+uretprobe count"
: >"$RESULTS/gpu-bare.txt"; : >"$RESULTS/gpu-ss.txt"; : >"$RESULTS/gpu-ss-nostack.txt"; : >"$RESULTS/gpu-bt.txt"
: >"$RESULTS/gpu-paced-bare.txt"; : >"$RESULTS/gpu-paced-ss.txt"
echo 1 >/proc/sys/kernel/bpf_stats_enabled
for round in $(seq 1 "$ROUNDS"); do
  drive ns_per_call "loop=$CALLS" >>"$RESULTS/gpu-bare.txt"
  traced "$RESULTS/gpu-ss.log" ns_per_call "loop=$CALLS" -- systemscope >>"$RESULTS/gpu-ss.txt"
  traced "$RESULTS/gpu-ss-nostack.log" ns_per_call "loop=$CALLS" -- systemscope --stacks false >>"$RESULTS/gpu-ss-nostack.txt"
  traced "$RESULTS/gpu-bt.log" ns_per_call "loop=$CALLS" -- bpftrace -e "$BPFTRACE_PROGRAM" >>"$RESULTS/gpu-bt.txt"
  drive elapsed_ns "paced=$PACED_CALLS,$PACED_NS" >>"$RESULTS/gpu-paced-bare.txt"
  traced "$RESULTS/gpu-paced-ss.log" elapsed_ns "paced=$PACED_CALLS,$PACED_NS" -- systemscope >>"$RESULTS/gpu-paced-ss.txt"
  echo "  round $round: bare $(tail -1 "$RESULTS/gpu-bare.txt") ns, SystemScope $(tail -1 "$RESULTS/gpu-ss.txt") ns (no stacks $(tail -1 "$RESULTS/gpu-ss-nostack.txt")), bpftrace $(tail -1 "$RESULTS/gpu-bt.txt") ns per call"
done

# BPF run time per probe hit, by the kernel's own accounting (bpf_stats): what the programs cost, apart
# from the breakpoint trap every uprobe pays (which bpftrace's count pays too).
bpf_ns() { # PROGRAM-NAME: ns per run of the agent's program, read while it is attached
  bpftool prog show 2>/dev/null | awk -v n="$1" '$4 == n {for (i = 1; i < NF; i++) {if ($i == "run_time_ns") t = $(i+1); if ($i == "run_cnt") c = $(i+1)}} END {if (c > 0) printf "%.0f", t / c; else print "n/a"}'
}
"$BIN" record gpu --duration 600 --format json >"$RESULTS/gpu-stats.log" 2>&1 & stats_agent=$!; pids+=("$stats_agent")
drive ns_per_call wait-probe=cuLaunchKernel "loop=$CALLS" >/dev/null
entry_ns=$(bpf_ns gpu_entry); return_ns=$(bpf_ns gpu_return)
kill -TERM "$stats_agent" 2>/dev/null || true; wait "$stats_agent" 2>/dev/null || true

bare=$(median <"$RESULTS/gpu-bare.txt")
ss=$(median <"$RESULTS/gpu-ss.txt")
ss_nostack=$(median <"$RESULTS/gpu-ss-nostack.txt")
bt=$(median <"$RESULTS/gpu-bt.txt")
paced_bare=$(median <"$RESULTS/gpu-paced-bare.txt")
paced_ss=$(median <"$RESULTS/gpu-paced-ss.txt")
rate=$(python3 -c "print(f'{$PACED_CALLS / ($paced_bare / 1e9) / 1000:.0f}')")
ratio=$(python3 -c "print(f'{$paced_ss / $paced_bare:.3f}')")
# The recorder's own summary line names the calls and losses of its last round.
summary=$(grep -h '^gpu:' "$RESULTS/gpu-paced-ss.log" | tail -1 || true)

{
echo
echo "## GPU API calls (gpu source, stand-in libcuda.so.1)"
echo
echo "Tight loop of $CALLS \`cuLaunchKernel\` calls, median of $ROUNDS interleaved rounds:"
echo
echo "| | ns per call | added ns per call |"
echo "|---|---:|---:|"
echo "| bare | $bare | |"
echo "| SystemScope \`gpu\` (uprobe + uretprobe, user stack walked and sent per call) | $ss | $(python3 -c "print(f'{$ss - $bare:.0f}')") |"
echo "| SystemScope \`gpu --stacks false\` | $ss_nostack | $(python3 -c "print(f'{$ss_nostack - $bare:.0f}')") |"
echo "| bpftrace uprobe + uretprobe count | $bt | $(python3 -c "print(f'{$bt - $bare:.0f}')") |"
echo
echo "BPF run time per hit (bpf_stats, stacks on): entry $entry_ns ns, return $return_ns ns (the return walks the user stack and sends the record); the rest of the added time is the breakpoint trap and return trampoline every uprobe pays, as bpftrace's count shows."
echo
echo "Paced driver at ~${rate}k calls/s bare ($PACED_CALLS launches, ${PACED_NS} ns of computation each): elapsed traced ÷ bare = **$ratio** (median)."
echo
echo "Recorder summary of the last paced round: \`${summary:-n/a}\`"
} | tee -a "$REPORT"
