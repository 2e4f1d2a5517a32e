#!/usr/bin/env bash
# Soak: sessions with every source started and stopped in a loop for SOAK_SECONDS (default 30 min)
# with the web UI open in a headless chromium: the agent's RSS must stay flat, and after each stop it
# must hold no BPF program, map, link or perf fd. Writes bench/results/soak.md.
#   bench/soak.sh              (as root, after make build)
#   SOAK_SECONDS=120 bench/soak.sh
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${BIN:-$PWD/out/systemscope}
PORT=${PORT:-17172}
SOAK_SECONDS=${SOAK_SECONDS:-1800}
RESULTS=${RESULTS:-bench/results}
REPORT=$RESULTS/soak.md
mkdir -p "$RESULTS"
[[ $EUID -eq 0 ]] || { echo "soak: run as root" >&2; exit 1; }

pids=()
source bench/chromium.sh
cleanup() { browser_stop; for p in "${pids[@]}"; do pkill -P "$p" 2>/dev/null || true; kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

api() { curl -sf -X "$1" -H 'content-type: application/json' ${3:+-d "$3"} "http://127.0.0.1:$PORT$2"; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
held() { ls -l /proc/$1/fd 2>/dev/null | grep -cE 'anon_inode:(bpf-prog|bpf-map|bpf_link|\[perf_event\])' || true; }

"$BIN" serve --listen "127.0.0.1:$PORT" >"$RESULTS/soak-agent.log" 2>&1 & agent=$!; pids+=("$agent")
for _ in $(seq 1 200); do curl -sf "http://127.0.0.1:$PORT/api/health" >/dev/null && break; sleep 0.05; done

# The UI open all along, as a person would leave it: each session is viewed in a tab of its own
# (stream, timeline, flame graphs), and the tab is closed before the stop.
ui=false
browser_start && ui=true

# Something to observe: switches, sleeps and CPU.
perf bench sched pipe -l 1000000000 >/dev/null 2>&1 & pids+=($!)

sources=$(api GET /api/capabilities | json '",".join("\"" + s["id"] + "\"" for s in d["sources"] if s["available"] and not s["implicit"])')
echo "soak: ${SOAK_SECONDS}s of sessions with [$sources]"
sleep 2
rss_start=$(rss_kb "$agent"); rss_max=$rss_start
cycles=0; leaks=0; failures=0
end=$(( $(date +%s) + SOAK_SECONDS ))
while (( $(date +%s) < end )); do
  if ! sid=$(api POST /api/sessions "{\"sources\":[$sources]}" | json 'd["id"]'); then
    failures=$((failures + 1)); sleep 1; continue
  fi
  if $ui; then
    tab=$(browser_open "http://127.0.0.1:$PORT/?session=$sid") || failures=$((failures + 1))
    sleep 4
  else
    timeout 4 curl -sN "http://127.0.0.1:$PORT/api/sessions/$sid/stream" >/dev/null || true
  fi
  for model in $(api GET "/api/sessions/$sid/models" | json '" ".join(m["id"] for m in d)'); do
    api GET "/api/sessions/$sid/models/$model" >/dev/null || failures=$((failures + 1))
  done
  $ui && browser_close "$tab"
  api DELETE "/api/sessions/$sid" >/dev/null || failures=$((failures + 1))
  count=$(held "$agent")
  if (( count > 0 )); then leaks=$((leaks + 1)); echo "  cycle $cycles: $count kernel objects held after stop" >&2; fi
  cycles=$((cycles + 1))
  rss=$(rss_kb "$agent"); (( rss > rss_max )) && rss_max=$rss
  (( cycles == 20 )) && rss_warm=$rss
  (( cycles % 20 == 0 )) && echo "  $cycles cycles, RSS $((rss / 1024)) MiB"
done
rss_end=$(rss_kb "$agent")
rss_warm=${rss_warm:-$rss_end}
# Idle: the symbolizer lets go of what it parsed 30 s after the last session; the stopped sessions'
# models stay readable (the last 4, for 10 min).
sleep 40
rss_idle=$(rss_kb "$agent")

{
echo "# Soak"
echo
echo "$(date -u +%F) · $(uname -r) · ${SOAK_SECONDS}s · sources [$sources] · $($ui && echo "each session viewed in the web UI (headless chromium)" || echo "chromium missing: sessions viewed by a stream only") · perf bench sched pipe running"
echo
echo "| measure | value |"
echo "|---|---|"
echo "| session cycles (start, viewed 4 s, read every model, stop) | $cycles |"
echo "| agent RSS before the first session / after 20 cycles / at the end / max | $((rss_start / 1024)) / $((rss_warm / 1024)) / $((rss_end / 1024)) / $((rss_max / 1024)) MiB |"
echo "| agent RSS 40 s after the last stop (caches released, last 4 sessions' models kept) | $((rss_idle / 1024)) MiB |"
echo "| stops after which BPF objects or perf fds were still held | $leaks |"
echo "| failed requests | $failures |"
} >"$REPORT"
cat "$REPORT"
