#!/usr/bin/env bash
# The real app binary in a real WebKit window under Xvfb, against the real demo server:
# checks the window shows the week (not a blank or error page) and keeps the screenshot.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=target/debug
work=$(mktemp -d)
mkdir -p artifacts
port=$((20000 + RANDOM % 20000))
"$bin/ardoise-server" --data "$work/server" --listen "127.0.0.1:$port" --demo >"$work/server.log" 2>&1 &
server=$!
trap 'kill -TERM $server 2>/dev/null; wait $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do grep -q "listening on" "$work/server.log" && break; sleep 0.1; done
ARDOISE_PASSWORD=ardoise "$bin/ardoise" --profile "$work/martin" login --server "http://127.0.0.1:$port" --user martin 2>/dev/null
"$bin/ardoise" --profile "$work/martin" sync 2>/dev/null
ARDOISE_PROFILE="$work/martin" XDG_DATA_HOME="$work/xdg" xvfb-run -a -s "-screen 0 1280x800x24" bash -c '
  "$0" & app=$!
  sleep 8; import -window root "$1"; kill $app; wait $app 2>/dev/null || true' "$bin/ardoise-app" artifacts/week.png
# A rendered week has the header colour and many others; a blank window has one or two.
colours=$(convert artifacts/week.png -format %k info:)
header=$(convert artifacts/week.png -format '%[pixel:p{5,5}]' info:)
echo "screenshot: artifacts/week.png, $colours colours, header pixel $header"
if [ "$colours" -lt 50 ]; then echo "screenshot: the window looks blank"; exit 1; fi
if [ "$header" != "srgb(31,78,121)" ]; then echo "screenshot: no Ardoise header: the UI did not render"; exit 1; fi
echo "1 passed, 0 failed"
