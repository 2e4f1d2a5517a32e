#!/usr/bin/env bash
# The tuning loop's scenarios with the real binary, contained (a network namespace of its own,
# processes pinned to one CPU, a journal in a temporary directory): per scenario the metric before and
# after, the verdict, and the time from finding to verdict.
# Usage: bench/tuning.sh   (root; a built out/systemscope; gcc, iproute2, taskset)
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${SYSTEMSCOPE_BINARY:-$PWD/out/systemscope}
[[ $EUID -eq 0 ]] || { echo "bench: run as root" >&2; exit 1; }
[[ -x $BIN ]] || { echo "bench: $BIN is missing: run 'make build'" >&2; exit 1; }

WORK=$(mktemp -d)
NS=ss-bench-$$
export SYSTEMSCOPE_TUNING_JOURNAL=$WORK/journal.json
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    ip netns delete "$NS" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

gcc -O1 -o "$WORK/listen_burst" tests/workloads/listen_burst.c
gcc -O1 -o "$WORK/wake_often" tests/workloads/wake_often.c
gcc -O1 -o "$WORK/spinners" tests/workloads/spinners.c -lpthread

# Prints "scenario | before | after | verdict | seconds from finding to verdict" from a journal entry.
summary() {
    python3 -c '
import json, sys
e = json.load(sys.stdin)["actions"][0]
mean = lambda v: sum(v) / len(v) if v else float("nan")
v = e.get("verdict", {})
row = [sys.argv[1], "%.1f" % mean(e["baseline"]), "%.1f" % mean(e["after"]), str(v.get("kind")), str(e.get("secondsToVerdict"))]
print("| " + " | ".join(row) + " |")
' "$1"
}

echo "| scenario | metric before | metric after | verdict | finding → verdict (s) |"
echo "|---|---|---|---|---|"

# 1. Listen overflows in a namespace with somaxconn 8.
ip netns add "$NS"
ip netns exec "$NS" ip link set lo up
ip netns exec "$NS" sysctl -qw net.core.somaxconn=8
ip netns exec "$NS" "$WORK/listen_burst" server 7412 4096 120 > "$WORK/server.out" & pids+=($!)
ip netns exec "$NS" "$WORK/listen_burst" client 7412 64 120 > /dev/null & pids+=($!)
sleep 1
id=$("$BIN" advise --duration 5 --format json | python3 -c 'import json,sys; print(next(f["id"] for f in json.load(sys.stdin)["findings"] if f["id"].endswith(".port7412")))')
"$BIN" tune apply "$id" --allow-tuning --window 2 --windows 5 --json 2>/dev/null | summary "listen overflows/s (somaxconn 8 → 4096 in the namespace)" || true
"$BIN" tune rollback "$id" > /dev/null 2>&1 || true
for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; pids=()

# 2. A latency-sensitive process behind three spinning threads on CPU 1. Other processes busy on CPU 1
#    are hogs too and get reniced with them: the kept action is rolled back right after the figures.
taskset -c 1 "$WORK/wake_often" 120 > "$WORK/victim.out" & pids+=($!)
taskset -c 1 "$WORK/spinners" 3 120 > /dev/null & pids+=($!)
sleep 1
victim=$(sed -n 's/pid=//p' "$WORK/victim.out")
"$BIN" tune apply "cpu-contention.pid$victim" --pid "$victim" --allow-tuning --window 2 --windows 5 --json 2>/dev/null | summary "victim run-queue p99, µs (hogs reniced to 19)" || true
# Every hog the finding named goes back to its nice value, whoever's it is.
"$BIN" tune rollback "cpu-contention.pid$victim" > /dev/null 2>&1 || true
for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; pids=()

# 3. A harmful change: the victim alone on CPU 0 moved onto the hogs' CPU 1.
taskset -c 0 "$WORK/wake_often" 120 > "$WORK/victim.out" & pids+=($!)
taskset -c 1 "$WORK/spinners" 3 120 > /dev/null & pids+=($!)
sleep 1
victim=$(sed -n 's/pid=//p' "$WORK/victim.out")
"$BIN" tune apply --tunable process.affinity --target "pid:$victim" --value 1 --metric "runqlat-p99:$victim" --allow-tuning --window 2 --windows 5 --json 2>/dev/null | summary "victim run-queue p99, µs (pinned onto the busy CPU)" || true
