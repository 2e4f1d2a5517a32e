#!/usr/bin/env bash
# Stack quality on real programs nobody here wrote, against perf, side by side: each program runs
# alone and every recorder is started together on its pid for DURATION seconds at 99 Hz —
#   SystemScope `record cpu` with unwind tables and with `--unwind-tables false`,
#   `perf record --call-graph dwarf` (the reference) and `perf record --call-graph fp`.
# Per program and recorder: samples, share of complete stacks, root frames, frames shown as a bare
# address or lying outside every mapping, and the top-10 self and inclusive function shares with
# their difference to perf dwarf (bench/stack_quality does the analysis).
# Programs: xz, zstd, gzip (compressing generated data fed in a loop), `openssl speed -evp sha256`,
# CPython in a CPU-bound loop, sqlite3 running a heavy query — all built without frame pointers —
# and one with frame pointers: a Go program when `go` is installed, else a C program built with
# -fno-omit-frame-pointer. Called by bench/run.sh; alone: bench/stack-quality.sh (as root, after
# make build). Appends to $REPORT; the folded stacks stay in $RESULTS/stack-quality/<program>/.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

BIN=${BIN:-$PWD/out/systemscope}
DURATION=${DURATION:-8}                # seconds each program is recorded
DATA_MB=${DATA_MB:-256}                # generated input of the compressors (cached in /tmp)
WORKLOAD_PYTHON=${WORKLOAD_PYTHON:-python3}
PERF_DWARF=${PERF_DWARF:-dwarf}         # perf's DWARF mode as a user would start it (8 KiB of stack per sample)
RESULTS=${RESULTS:-bench/results}
REPORT=${REPORT:-$RESULTS/stack-quality.md}
OUT=$RESULTS/stack-quality
default_programs="xz zstd gzip openssl python3 sqlite3 $(command -v go >/dev/null && echo go || echo c-fp)"
PROGRAMS=${PROGRAMS:-$default_programs}

[[ $EUID -eq 0 ]] || { echo "bench: run as root (BPF and perf events need it)" >&2; exit 1; }
[[ -x $BIN ]] || { echo "bench: $BIN is missing: run 'make build'" >&2; exit 1; }
for tool in perf readelf bpftool xz zstd gzip openssl sqlite3 gcc; do
  command -v $tool >/dev/null || { echo "bench: $tool is missing (apt-get install linux-perf binutils bpftool xz-utils zstd gzip openssl sqlite3 gcc)" >&2; exit 1; }
done

WORK=$(mktemp -d /tmp/systemscope-stack-quality.XXXXXX)
links_before=$(bpf_link_count)
cleanup() {
  bench_stop_all
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- recorders ---------------------------------------------------------------------------------------
# SystemScope twice: unwind tables (the default) and the kernel's frame-pointer walk (--unwind-tables false).
recorders=(systemscope-tables systemscope-fp perf-dwarf perf-fp)
declare -A label=([systemscope-tables]="SystemScope tables" [systemscope-fp]="SystemScope frame pointers")
label[perf-dwarf]="perf --call-graph $PERF_DWARF"
label[perf-fp]="perf --call-graph fp"

record() { # RECORDER PID DIR: one recorder on PID for DURATION seconds, folded stacks to DIR/RECORDER.folded
  local id=$1 pid=$2 dir=$3
  case $id in
    systemscope-*)
      local unwind=(--unwind-tables "$([[ $id == systemscope-tables ]] && echo true || echo false)")
      "$BIN" record cpu --pid "$pid" --duration "$DURATION" --frequency 99 --format folded "${unwind[@]}" \
        -o "$dir/$id.folded" 2>"$dir/$id.log" ;;
    perf-*)
      perf record -F 99 --call-graph "$([[ $id == perf-dwarf ]] && echo "$PERF_DWARF" || echo fp)" -p "$pid" -o "$WORK/$id.data" -- sleep "$DURATION" >"$dir/$id.log" 2>&1 ;;
  esac
}
perf_folded() { # RECORDER DIR
  perf script -i "$WORK/$1.data" -F comm,tid,ip,sym,dso --no-inline 2>>"$2/$1.log" \
    | "$BENCH_PYTHON" -B bench/stack_quality collapse-perf >"$2/$1.folded"
  rm -f "$WORK/$1.data"
}

# --- programs -----------------------------------------------------------------------------------------
DATA=/tmp/systemscope-stack-quality-${DATA_MB}M.bin
PY_LOOP='
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)
def work(seed):
    table = {str(i): i * seed for i in range(50000)}
    return sorted(table.values())[-1] + fib(20)
i = 0
while True:
    i = (i + work(i)) % 1000003'
SQL="WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 4000000000)
     SELECT sum(length(printf('%d-%x', x, x * 2654435761)) + (x * x) % 7), max(hex(x)) FROM c;"
declare -A what=(
  [xz]="xz -T1 -6 of generated data" [zstd]="zstd -19 --single-thread of generated data"
  [gzip]="gzip -9 of generated data" [openssl]="openssl speed -evp sha256 -bytes 16384"
  [python3]="CPython: recursion, dicts and sorting in a loop" [sqlite3]="sqlite3: a recursive CTE aggregated over 4·10⁹ rows"
  [go]="a Go program (frame pointers): goroutines sorting, hashing, recursing" [c-fp]="a C program built with -O2 -fno-omit-frame-pointer"
)

build_fp_program() { # the frame-pointer reference: Go if installed, else C
  case $1 in
    go)
      cat >"$WORK/spin.go" <<'GO'
package main

import (
	"crypto/sha256"
	"sort"
	"sync"
)

var sink int

func fib(n int) int {
	if n < 2 {
		return n
	}
	return fib(n-1) + fib(n-2)
}

func churn(seed int) int {
	m := make(map[int][]byte)
	for i := 0; i < 20000; i++ {
		b := make([]byte, 64)
		b[0] = byte(i + seed)
		m[i] = b
	}
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	sum := sha256.Sum256(m[keys[len(keys)/2]])
	return int(sum[0]) + fib(22)
}

func main() {
	var wg sync.WaitGroup
	var mu sync.Mutex
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ; i++ {
				v := churn(i + w)
				mu.Lock()
				sink += v
				mu.Unlock()
			}
		}(w)
	}
	wg.Wait()
}
GO
      (cd "$WORK" && GOCACHE=${GOCACHE:-/tmp/systemscope-bench-gocache} GOPATH=$WORK/gopath GO111MODULE=off go build -o "$WORK/go-spin" spin.go) ;;
    c-fp)
      cat >"$WORK/spin.c" <<'C'
/* Frame pointers everywhere on the hot path, no libc in it: a walk by frame pointers is complete. */
__attribute__((noinline)) unsigned long mix(unsigned long x, int rounds) {
  for (int i = 0; i < rounds; i++) x = x * 6364136223846793005UL + 1442695040888963407UL;
  return x;
}
__attribute__((noinline)) unsigned long hot(unsigned long x) { return mix(x, 3000); }
__attribute__((noinline)) unsigned long cold(unsigned long x) { return mix(x, 1000); }
__attribute__((noinline)) unsigned long descend(unsigned long x, int depth) {
  if (depth == 0) return hot(x) ^ cold(x);
  return descend(x + depth, depth - 1) + 1;
}
int main(void) {
  volatile unsigned long sink = 0;
  for (unsigned long i = 0;; i++) sink += descend(i, (int)(i % 24));
}
C
      gcc -O2 -fno-omit-frame-pointer -mno-omit-leaf-frame-pointer -o "$WORK/c-spin" "$WORK/spin.c" ;;
  esac
}

start_program() { # NAME: starts it in the background; sets workload (the pid to record)
  case $1 in xz | zstd | gzip)
    # The compressor reads the data in a loop from a FIFO, so it runs (one pid) as long as needed.
    mkfifo "$WORK/feed-$1"
    (while :; do cat "$DATA"; done) >"$WORK/feed-$1" 2>/dev/null & bench_track $! ;;
  esac
  case $1 in
    xz) xz -T1 -6 -c <"$WORK/feed-$1" >/dev/null & ;;
    zstd) zstd -19 --single-thread -c <"$WORK/feed-$1" >/dev/null 2>&1 & ;;
    gzip) gzip -9 -c <"$WORK/feed-$1" >/dev/null & ;;
    openssl) openssl speed -evp sha256 -bytes 16384 -seconds $((DURATION + 60)) >/dev/null 2>&1 & ;;
    python3) "$python_binary" -c "$PY_LOOP" & ;;
    sqlite3) sqlite3 :memory: "$SQL" >/dev/null & ;;
    go) "$WORK/go-spin" & ;;
    c-fp) "$WORK/c-spin" & ;;
    *) echo "bench: unknown program $1 (known: ${!what[*]})" >&2; exit 2 ;;
  esac
  workload=$!; bench_track "$workload"
}

# --- run ----------------------------------------------------------------------------------------------
rm -rf "$OUT"; mkdir -p "$OUT"
for id in "${recorders[@]}"; do printf '%s\t%s\n' "$id" "${label[$id]}"; done >"$OUT/recorders"
: >"$OUT/programs"
case " $PROGRAMS " in *" xz "* | *" zstd "* | *" gzip "*) bench_data "$DATA" "$DATA_MB" ;; esac
if [[ " $PROGRAMS " == *" python3 "* ]]; then
  # The interpreter itself, not a version manager's shim that execs it later.
  python_binary=$("$WORKLOAD_PYTHON" -c 'import os, sys; print(os.path.realpath(sys.executable))')
  what[python3]+=" ($python_binary)"
fi
for program in $PROGRAMS; do
  case $program in go | c-fp) build_fp_program "$program" ;; esac
done

echo "stack quality: ${DURATION}s per program at 99 Hz, recorders together on one pid: ${recorders[*]}"
for program in $PROGRAMS; do
  dir=$OUT/$program; mkdir -p "$dir"
  start_program "$program"
  sleep 1   # past start-up: libraries mapped, the hot loop running
  kill -0 "$workload" 2>/dev/null || { echo "bench: $program exited at start" >&2; continue; }
  cp "/proc/$workload/maps" "$dir/maps"
  printf '%s\t%s\n' "$program" "${what[$program]}" >>"$OUT/programs"
  recording=()
  for id in "${recorders[@]}"; do record "$id" "$workload" "$dir" & recording+=($!); bench_track $!; done
  for p in "${recording[@]}"; do wait "$p" || echo "bench: a recorder of $program failed (see $dir/*.log)" >&2; done
  kill -0 "$workload" 2>/dev/null || echo "bench: $program ended before its recorders did: fewer samples" >&2
  bench_stop_all
  for id in "${recorders[@]}"; do [[ $id == perf-* ]] && perf_folded "$id" "$dir"; done
  echo "  $program: $(for id in "${recorders[@]}"; do printf '%s %s  ' "$id" "$(awk '{s+=$NF} END {print s+0}' "$dir/$id.folded" 2>/dev/null)"; done)samples"
done

# Nothing left behind: every process started is gone, no BPF link of ours remains.
survivors=$(bench_survivors | tr '\n' ' ')
links_after=$(bpf_link_count)
{
  "$BENCH_PYTHON" -B bench/stack_quality report "$OUT" "$DURATION"
  echo "Folded stacks: \`$OUT/<program>/<recorder>.folded\`. Left behind: processes ${survivors:-none}; BPF links on the machine before $links_before, after $links_after."
  echo
} | tee -a "$REPORT"
