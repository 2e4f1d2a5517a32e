#!/usr/bin/env bash
# The dotnet source's cost and reach, measured in one run:
#   1. requests/s of an ASP.NET Core app on loopback driven by wrk, with `record dotnet` attached
#      (allocation sampling on) ÷ without (interleaved rounds, medians);
#   2. time from attaching (a session started over the API) to the first GC shown in dotnet.gcs;
#   3. the agent's memory with 20 .NET processes attached (one session, `--comm` filter).
# Alone: bench/dotnet.sh (as root, after make build). Smoke: ROUNDS=1 RUN_SECONDS=3 PROCESSES=3 bench/dotnet.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

BIN=${BIN:-$PWD/out/systemscope}
PORT=${PORT:-17173}
APP_PORT=${APP_PORT:-18080}
ROUNDS=${ROUNDS:-5}
RUN_SECONDS=${RUN_SECONDS:-10}
PROCESSES=${PROCESSES:-20}
RESULTS=${RESULTS:-bench/results}
APP_DIR=$RESULTS/dotnet-app
mkdir -p "$RESULTS" "$APP_DIR"
[[ -n ${REPORT:-} ]] || { REPORT=$RESULTS/dotnet.md; : >"$REPORT"; }

[[ $EUID -eq 0 ]] || { echo "bench: run as root" >&2; exit 1; }
[[ -x $BIN ]] || { echo "bench: $BIN is missing: run 'make build'" >&2; exit 1; }
for tool in wrk curl dotnet python3; do
  command -v $tool >/dev/null || { echo "bench: $tool is missing (apt-get install wrk curl python3)" >&2; exit 1; }
done
trap 'bench_stop_all' EXIT

api() { curl -sf -X "$1" -H 'content-type: application/json' ${3:+-d "$3"} "http://127.0.0.1:$PORT$2"; }
# Starts a session; on a refusal says why (the agent's problem details) and fails.
start_session() {
  local body=$1 answer
  answer=$(curl -s -X POST -H 'content-type: application/json' -d "$body" "http://127.0.0.1:$PORT/api/sessions")
  echo "$answer" | json 'd["id"]' 2>/dev/null || { echo "bench: session refused: $answer" >&2; return 1; }
}
json() { "$BENCH_PYTHON" -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
now_ms() { date +%s%3N; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }

# --- the app: a minimal ASP.NET Core endpoint that allocates a little per request, built here -----------
# An ordinary app, not held to the repository's build rules (AOT analyzers, warnings as errors).
echo '<Project />' >"$APP_DIR/Directory.Build.props"
echo '<Project />' >"$APP_DIR/Directory.Packages.props"
cat >"$APP_DIR/BenchApp.csproj" <<'XML'
<Project Sdk="Microsoft.NET.Sdk.Web">
  <PropertyGroup>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings>
    <InvariantGlobalization>true</InvariantGlobalization>
  </PropertyGroup>
</Project>
XML
cat >"$APP_DIR/Program.cs" <<'CS'
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
var app = builder.Build();
app.MapGet("/", () => string.Join(',', Enumerable.Range(0, 32).Select(i => $"item {i}")));
app.Run(args.Length > 0 ? args[0] : "http://127.0.0.1:18080");
CS
echo "building the ASP.NET Core app in $APP_DIR" >&2
dotnet build "$APP_DIR/BenchApp.csproj" -c Release -o "$APP_DIR/bin" --nologo -v:q >"$RESULTS/dotnet-app-build.log" 2>&1 \
  || { cat "$RESULTS/dotnet-app-build.log" >&2; exit 1; }
APP_DLL=$APP_DIR/bin/BenchApp.dll

started_app=0
start_app() { # PORT: starts the app (no variable set) and waits until it answers; its pid is in started_app
  ! curl -sf "http://127.0.0.1:$1/" >/dev/null || { echo "bench: port $1 is already taken" >&2; exit 1; }
  env -u DOTNET_PerfMapEnabled dotnet "$APP_DLL" "http://127.0.0.1:$1" >"$RESULTS/dotnet-app-$1.log" 2>&1 & started_app=$!
  bench_track "$started_app"
  for _ in $(seq 1 200); do curl -sf "http://127.0.0.1:$1/" >/dev/null && break; sleep 0.05; done
}
requests_per_s() { wrk -t2 -c32 -d"${RUN_SECONDS}s" "http://127.0.0.1:$APP_PORT/" 2>/dev/null | awk '/^Requests\/sec/ {print $2}'; }

start_app "$APP_PORT"; app=$started_app
wrk -t2 -c32 -d3s "http://127.0.0.1:$APP_PORT/" >/dev/null 2>&1   # warm-up: tiered JIT settles

measure_bare() { requests_per_s; }
measure_dotnet() {
  "$BIN" record dotnet --pid "$app" --duration 600 >/dev/null 2>"$RESULTS/record-dotnet.log" & local rec=$!
  bench_track "$rec"
  for _ in $(seq 1 100); do grep -q Recording "$RESULTS/record-dotnet.log" && break; sleep 0.1; done
  sleep 1
  requests_per_s
  bench_stop "$rec"
}

echo "dotnet overhead: $ROUNDS rounds of wrk -t2 -c32 -d${RUN_SECONDS}s on loopback: bare / record dotnet (allocations on)"
: >"$RESULTS/ratio-dotnet.txt"; : >"$RESULTS/bare-dotnet.txt"
configs=(bare dotnet)
for round in $(seq 1 "$ROUNDS"); do
  declare -A rps=()
  for k in 0 1; do
    config=${configs[$(( (k + round) % 2 ))]}
    rps[$config]=$(measure_$config)
  done
  echo "${rps[bare]}" >>"$RESULTS/bare-dotnet.txt"
  echo "${rps[dotnet]} ${rps[bare]}" | awk '{print $1/$2}' >>"$RESULTS/ratio-dotnet.txt"
  echo "  round $round: bare ${rps[bare]}, with dotnet ${rps[dotnet]} requests/s"
  unset rps
done
ratio=$(median <"$RESULTS/ratio-dotnet.txt"); bare=$(median <"$RESULTS/bare-dotnet.txt")

# --- attach to the first GC shown ------------------------------------------------------------------------
if ! kill -0 "$app" 2>/dev/null; then
  echo "bench: the app (pid $app) is gone after the overhead rounds; its output:" >&2
  tail -20 "$RESULTS/dotnet-app-$APP_PORT.log" >&2 || true
  start_app "$APP_PORT"; app=$started_app
fi
"$BIN" serve --listen "127.0.0.1:$PORT" >"$RESULTS/agent-dotnet.log" 2>&1 & agent=$!; bench_track "$agent"
for _ in $(seq 1 200); do curl -sf "http://127.0.0.1:$PORT/api/health" >/dev/null && break; sleep 0.05; done
wrk -t2 -c32 -d20s "http://127.0.0.1:$APP_PORT/" >/dev/null 2>&1 & load=$!; bench_track "$load"
sleep 1
: >"$RESULTS/first-gc.txt"
for _ in 1 2 3; do
  t0=$(now_ms)
  sid=$(start_session "{\"sources\":[\"dotnet\"],\"filter\":{\"pids\":[$app]},\"detached\":true}")
  while [[ $(api GET "/api/sessions/$sid/models/dotnet.gcs" | json 'len(d["rows"])') == 0 ]]; do
    (( $(now_ms) - t0 < 15000 )) || break
    sleep 0.02
  done
  echo $(( $(now_ms) - t0 )) >>"$RESULTS/first-gc.txt"
  api DELETE "/api/sessions/$sid" >/dev/null
done
first_gc=$(median <"$RESULTS/first-gc.txt")
bench_stop "$load"

# --- the agent with many .NET processes attached -----------------------------------------------------------
idle_rss=$(rss_kb "$agent")
others=()
for i in $(seq 1 "$PROCESSES"); do start_app $((APP_PORT + i)); others+=("$started_app"); done
pids_json=$(IFS=,; echo "${others[*]}")
sid=$(start_session "{\"sources\":[\"dotnet\"],\"filter\":{\"pids\":[$pids_json]},\"detached\":true}")
for i in $(seq 1 "$PROCESSES"); do curl -sf "http://127.0.0.1:$((APP_PORT + i))/" >/dev/null || true; done
sleep 10
snapshot=$(api GET "/api/sessions/$sid")
attached=$(echo "$snapshot" | json 'next(c["value"] for s in d["sources"] if s["id"] == "dotnet" for c in s["counters"] if c["name"] == "processes.attached")')
many_rss=$(rss_kb "$agent")
api DELETE "/api/sessions/$sid" >/dev/null
bench_stop "${others[@]}"
bench_stop "$agent"

{
echo "## .NET runtime (dotnet source)"
echo
echo "Requests/s of a minimal ASP.NET Core endpoint on loopback (\`wrk -t2 -c32 -d${RUN_SECONDS}s\`, bare median $(printf %.0f "$bare")/s) with \`record dotnet --pid\` attached (GC, allocation sampling with stacks, JIT, contention, exceptions, counters every second) ÷ without; median of $ROUNDS interleaved rounds: **$(printf %.3f "$ratio")** (goal ≥ 0.97)."
echo
echo "| measure | value |"
echo "|---|---|"
echo "| overhead ratio (requests/s with ÷ without) | $(printf %.3f "$ratio") |"
echo "| attach (session started over the API) → first GC in \`dotnet.gcs\`, app under load, median of 3 | ${first_gc} ms |"
echo "| agent RSS, idle | $((idle_rss / 1024)) MiB |"
echo "| agent RSS, one session attached to $attached of $PROCESSES .NET processes (10 s) | $((many_rss / 1024)) MiB |"
echo
} | tee -a "$REPORT"
echo "dotnet: done ($REPORT)"
