# Helpers shared by the stack benchmarks (bench/stack-quality.sh, bench/unwind-overhead.sh).
# Source it from a script that has `set -euo pipefail` and runs from the repository root.

median() { sort -g | awk '{a[NR]=$1} END {if (NR==0) {print "nan"; exit} if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
now_ns() { date +%s%N; }

# The analysis runs on Debian's python3 (standard library only), not whatever a version manager
# put first on PATH.
BENCH_PYTHON=${BENCH_PYTHON:-$( [[ -x /usr/bin/python3 ]] && echo /usr/bin/python3 || command -v python3 )}

# Every process a script started, stopped at exit (also on Ctrl+C and errors): SIGTERM to the
# process and everything below it, a grace period for recorders that write their output when
# stopped (STOP_GRACE seconds), then SIGKILL for anything still there.
bench_pids=()      # still to stop
bench_started=()   # every process ever started, for bench_survivors
bench_track() { bench_pids+=("$@"); bench_started+=("$@"); }
bench_descendants() { # PID: its children, theirs, and so on
  local child
  for child in $(pgrep -P "$1" 2>/dev/null); do echo "$child"; bench_descendants "$child"; done
}
bench_stop() { # PID...: stop these (and their descendants) and wait for them
  local p tree
  for p in "$@"; do
    tree=$(bench_descendants "$p")
    bench_started+=($tree)
    kill -TERM $tree "$p" 2>/dev/null || true
    # Wait for the whole tree: a wrapper below a subshell may still be writing what it measured.
    for _ in $(seq 1 $((${STOP_GRACE:-30} * 10))); do kill -0 $tree "$p" 2>/dev/null || break; sleep 0.1; done
    # Only what is still below it now: a pid that exited since may already name another process.
    kill -0 "$p" 2>/dev/null && kill -KILL $(bench_descendants "$p") "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
}
bench_stop_all() { ((${#bench_pids[@]})) && bench_stop "${bench_pids[@]}"; bench_pids=(); }
# Which of the started processes are still alive (should print nothing).
bench_survivors() { local p; for p in "${bench_started[@]}"; do kill -0 "$p" 2>/dev/null && echo "$p"; done; return 0; }
bpf_link_count() { bpftool link show 2>/dev/null | grep -cE '^[0-9]+:' || true; }

# Compressible test data, bounded: blocks of fresh random bytes, their base64 text and a repeated
# seed block (so that compressors find both short and long matches). Reused while its size fits.
bench_data() { # PATH MiB
  local path=$1 mib=$2 seed
  [[ -f $path && $(stat -c %s "$path") -eq $((mib * 1048576)) ]] && return 0
  echo "generating ${mib} MiB of input in $path" >&2
  seed=$(mktemp)
  head -c 1M /dev/urandom >"$seed"
  { for _ in $(seq 1 $(((mib + 3) / 4))); do
      head -c 1M /dev/urandom
      head -c 768K /dev/urandom | base64 -w 100
      cat "$seed" "$seed"
    done; } >"$path.tmp"
  truncate -s $((mib * 1048576)) "$path.tmp"
  mv "$path.tmp" "$path"
  rm -f "$seed"
}

# Runs a command and writes "CPU-seconds max-RSS-KiB" of it (and the children it waited for) to
# FILE when it exits: the recorder's own cost, its exit work (symbolising, writing the profile)
# included. Stop it with bench_stop, which signals the command itself (this wrapper's child); the
# wrapper outlives the signal to collect the usage.
with_rusage() { # FILE COMMAND...
  "$BENCH_PYTHON" -c '
import os, signal, subprocess, sys
child = subprocess.Popen(sys.argv[2:])
for signum in (signal.SIGTERM, signal.SIGINT):
    signal.signal(signum, lambda *_: None)
_, status, usage = os.wait4(child.pid, 0)
with open(sys.argv[1], "w") as f:
    f.write(f"{usage.ru_utime + usage.ru_stime:.2f} {usage.ru_maxrss}\n")
sys.exit(os.waitstatus_to_exitcode(status))
' "$@"
}
