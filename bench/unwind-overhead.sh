#!/usr/bin/env bash
# What walking user stacks costs, side by side in one run (interleaved rounds, medians): a fixed
# CPU-bound job — one `xz -T1 -6` per CPU, each compressing the same generated input (liblzma and
# glibc: no frame pointers, stacks ~12 frames deep) — timed bare and with each profiler sampling
# every CPU at 99 Hz with user stacks:
#   SystemScope `record cpu` with unwind tables, and with `--unwind-tables false`,
#   bpftrace `profile:hz:99 { @[ustack] = count(); }`,
#   `perf record -a --call-graph dwarf` and `--call-graph fp`.
# Reported: the job's wall time and CPU time ÷ bare (median of the per-round ratios), and each
# profiler's own CPU seconds and peak RSS over the run (its exit work included).
# Called by bench/run.sh; alone: bench/unwind-overhead.sh (as root, after make build). Appends to $REPORT.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

BIN=${BIN:-$PWD/out/systemscope}
ROUNDS=${ROUNDS:-5}
OVERHEAD_MB=${OVERHEAD_MB:-16}         # input of each xz (~1.5-2 MiB/s at -6: ~10 s of CPU)
JOBS=${JOBS:-$(nproc)}
RESULTS=${RESULTS:-bench/results}
REPORT=${REPORT:-$RESULTS/unwind-overhead.md}
mkdir -p "$RESULTS"

[[ $EUID -eq 0 ]] || { echo "bench: run as root (BPF and perf events need it)" >&2; exit 1; }
[[ -x $BIN ]] || { echo "bench: $BIN is missing: run 'make build'" >&2; exit 1; }
for tool in perf xz bpftool; do
  command -v $tool >/dev/null || { echo "bench: $tool is missing (apt-get install linux-perf xz-utils bpftool)" >&2; exit 1; }
done

WORK=$(mktemp -d /tmp/systemscope-unwind-overhead.XXXXXX)
links_before=$(bpf_link_count)
cleanup() { bench_stop_all; rm -rf "$WORK"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

declare -A label=(
  [bare]="none"
  [systemscope_tables]="SystemScope \`record cpu\` (unwind tables)"
  [systemscope_fp]="SystemScope \`record cpu --unwind-tables false\`"
  [bpftrace]="bpftrace \`profile:hz:99 { @[ustack] = count(); }\`"
  [perf_dwarf]="\`perf record -a --call-graph dwarf\`"
  [perf_fp]="\`perf record -a --call-graph fp\`"
)
configs=(bare systemscope_tables systemscope_fp)
command -v bpftrace >/dev/null && configs+=(bpftrace)
configs+=(perf_dwarf perf_fp)

INPUT=/tmp/systemscope-unwind-overhead-${OVERHEAD_MB}M.bin
bench_data "$INPUT" "$OVERHEAD_MB"
cat "$INPUT" >/dev/null   # in the page cache before the first round

# The job: JOBS compressors at once; sets job_wall and job_cpu (seconds). Run in the background
# and waited for, so that Ctrl+C stops it (tracked) instead of leaving compressors running.
job() {
  local t0 j
  t0=$(now_ns)
  with_rusage "$WORK/job.usage" sh -c 'for _ in $(seq 1 "$1"); do xz -T1 -6 -c "$2" >/dev/null & done; wait' sh "$JOBS" "$INPUT" &
  j=$!; bench_track "$j"
  wait "$j"
  job_wall=$(awk -v ns="$(($(now_ns) - t0))" 'BEGIN {printf "%.3f", ns / 1e9}')
  job_cpu=$(cut -d' ' -f1 "$WORK/job.usage")
}

profiler() { # CONFIG: sets cmd to the profiler's command line, recording every CPU at 99 Hz until stopped
  case $1 in
    systemscope_*)
      cmd=("$BIN" record cpu --frequency 99 --format folded -o "$WORK/ss.folded")
      cmd+=(--unwind-tables "$([[ $1 == systemscope_tables ]] && echo true || echo false)") ;;
    bpftrace) cmd=(bpftrace -e 'profile:hz:99 { @[ustack] = count(); }') ;;
    perf_dwarf) cmd=(perf record -F 99 -a --call-graph dwarf -o "$WORK/perf.data") ;;
    perf_fp) cmd=(perf record -F 99 -a --call-graph fp -o "$WORK/perf.data") ;;
  esac
}
settle() { case $1 in bpftrace) echo 4 ;; *) echo 2 ;; esac; }   # load and attach before the job starts

measure() { # CONFIG: appends "wall cpu profiler-cpu profiler-maxrss-KiB" to its file
  local config=$1 p cmd usage="nan nan"
  if [[ $config != bare ]]; then
    profiler "$config"; rm -f "$WORK/profiler.usage"
    with_rusage "$WORK/profiler.usage" "${cmd[@]}" >/dev/null 2>>"$RESULTS/unwind-overhead-profilers.log" &
    p=$!; bench_track "$p"
    sleep "$(settle "$config")"
    if ! kill -0 "$p" 2>/dev/null; then
      echo "bench: $config did not start (see $RESULTS/unwind-overhead-profilers.log)" >&2
      echo "nan nan nan nan" >>"$RESULTS/unwind-overhead-$config.txt"; job_wall=nan; return
    fi
  fi
  job
  if [[ $config != bare ]]; then
    bench_stop "$p"
    usage=$(cat "$WORK/profiler.usage" 2>/dev/null || echo "nan nan")
    rm -f "$WORK/perf.data" "$WORK/perf.data.old" "$WORK/ss.folded"
  fi
  echo "$job_wall $job_cpu $usage" >>"$RESULTS/unwind-overhead-$config.txt"
}

: >"$RESULTS/unwind-overhead-profilers.log"
for c in "${configs[@]}"; do : >"$RESULTS/unwind-overhead-$c.txt"; done
echo "unwind overhead: $ROUNDS rounds of $JOBS × xz -T1 -6 over ${OVERHEAD_MB} MiB: ${configs[*]}"
n=${#configs[@]}
for round in $(seq 1 "$ROUNDS"); do
  # Rotate the order each round: whatever runs first (a cold cache, a neighbour waking) must not
  # always be the same configuration.
  line="  round $round:"
  for k in $(seq 0 $((n - 1))); do
    config=${configs[$(( (k + round) % n ))]}
    measure "$config"
    line+=" $config ${job_wall}s"
  done
  echo "$line"
done

# Per-round ratios to that round's bare run (rows line up: round r is line r of every file).
ratio() { # CONFIG COLUMN
  paste -d' ' "$RESULTS/unwind-overhead-$1.txt" "$RESULTS/unwind-overhead-bare.txt" \
    | awk -v c="$2" -v n=4 '$c != "nan" && $(c + n) > 0 {printf "%.4f\n", $c / $(c + n)}' | median
}
column() { awk -v c="$2" '$c != "nan" {print $c}' "$RESULTS/unwind-overhead-$1.txt" | median; }
{
echo "## Stack-walking overhead (all CPUs, 99 Hz, user stacks)"
echo
echo "$JOBS × \`xz -T1 -6\` over the same ${OVERHEAD_MB} MiB at once, timed bare and under each profiler; medians of $ROUNDS interleaved rounds."
echo "Ratios are per round, to that round's bare run (1.000 = no cost). The profiler's CPU and peak RSS cover its whole run, exit work included."
echo
echo "| profiler | job wall time | wall ÷ bare | job CPU ÷ bare | profiler CPU | profiler peak RSS |"
echo "|---|---|---|---|---|---|"
for c in "${configs[@]}"; do
  if [[ $c == bare ]]; then
    echo "| none | $(column bare 1) s | 1.000 | 1.000 | | |"
  else
    rss=$(column "$c" 4)
    echo "| ${label[$c]} | $(column "$c" 1) s | $(ratio "$c" 1) | $(ratio "$c" 2) | $(column "$c" 3) s | $([[ $rss == nan ]] && echo n/a || echo "$((${rss%.*} / 1024)) MiB") |"
  fi
done
echo
survivors=$(bench_survivors | tr '\n' ' ')
echo "Left behind: processes ${survivors:-none}; BPF links on the machine before $links_before, after $(bpf_link_count)."
echo
} | tee -a "$REPORT"
