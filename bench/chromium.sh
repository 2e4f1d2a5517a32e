# The web UI open in a headless chromium, as a person leaves it, for the benches (sourced).
# Tabs are opened and closed through chromium's DevTools HTTP endpoints, so a bench can view a
# session in the real page (its stream, its timeline queries) and close the tab without pressing
# Stop, with nothing but curl.
#   browser_start            starts chromium (sets BROWSER_PID; no-op without chromium)
#   browser_open URL         opens a tab in front, prints its id
#   browser_close ID         closes the tab
#   browser_stop             stops chromium and removes its profile

BROWSER_DEBUG_PORT=${BROWSER_DEBUG_PORT:-9333}
BROWSER_PID=

browser_start() {
  command -v chromium >/dev/null || { echo "bench: chromium is missing (apt-get install chromium); the UI is not open" >&2; return 1; }
  BROWSER_PROFILE=$(mktemp -d)
  chromium --headless=new --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --disable-background-timer-throttling \
    --disable-renderer-backgrounding --window-size=1600,1000 \
    --remote-debugging-address=127.0.0.1 --remote-debugging-port="$BROWSER_DEBUG_PORT" \
    --user-data-dir="$BROWSER_PROFILE" about:blank >/dev/null 2>&1 &
  BROWSER_PID=$!
  for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$BROWSER_DEBUG_PORT/json/version" >/dev/null && return 0
    sleep 0.1
  done
  echo "bench: chromium did not open its DevTools port $BROWSER_DEBUG_PORT" >&2
  return 1
}

browser_open() {
  local id
  id=$(curl -sf -X PUT "http://127.0.0.1:$BROWSER_DEBUG_PORT/json/new?$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])') || return 1
  # In front, so the page is visible and does what a person watching it would make it do.
  curl -sf "http://127.0.0.1:$BROWSER_DEBUG_PORT/json/activate/$id" >/dev/null || true
  echo "$id"
}

browser_close() { curl -sf "http://127.0.0.1:$BROWSER_DEBUG_PORT/json/close/$1" >/dev/null || true; }

browser_stop() {
  if [[ -n "$BROWSER_PID" ]]; then
    kill "$BROWSER_PID" 2>/dev/null || true
    wait "$BROWSER_PID" 2>/dev/null || true
  fi
  # Its helper processes may still be writing the profile for a moment.
  if [[ -n "${BROWSER_PROFILE:-}" ]]; then
    rm -rf "$BROWSER_PROFILE" 2>/dev/null || { sleep 1; rm -rf "$BROWSER_PROFILE" 2>/dev/null || true; }
  fi
  BROWSER_PID=
}
