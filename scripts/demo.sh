#!/usr/bin/env bash
# make demo: the reference ENT with the demo school on $1, the profile of martin in $2, and
# the real app window. Without a display, the app runs under Xvfb and a screenshot is saved.
set -euo pipefail
cd "$(dirname "$0")/.."
addr="$1"; dir="$2"
bin="${TARGET_DIR:-${CARGO_TARGET_DIR:-target}}/debug"
mkdir -p "$dir"

"$bin/ardoise-server" --data "$dir/server" --listen "$addr" --demo >"$dir/server.log" 2>&1 &
server=$!
trap 'kill -TERM $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  grep -q "listening on" "$dir/server.log" 2>/dev/null && break
  sleep 0.1
done
echo "Serveur ENT de démonstration : http://$addr (journal : $dir/server.log)"

profile="$dir/martin"
ARDOISE_PASSWORD=ardoise "$bin/ardoise" --profile "$profile" login --server "http://$addr" --user martin
"$bin/ardoise" --profile "$profile" sync

export ARDOISE_PROFILE="$profile" XDG_DATA_HOME="$PWD/$dir/xdg"
if [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; then
  "$bin/ardoise-app"
else
  echo "Pas d'écran : l'application tourne sous Xvfb ; capture dans $dir/demo.png (Ctrl+C pour arrêter)."
  xvfb-run -a -s "-screen 0 1280x800x24" bash -c '
    "$0" & app=$!
    sleep 8; import -window root "$1"; echo "Capture : $1"
    wait $app' "$bin/ardoise-app" "$dir/demo.png"
fi
