#!/usr/bin/env bash
# Invariant: the core crates (protocol, sync) never depend on tauri, so they stay usable by
# the CLI, the server, tests and any other shell.
set -euo pipefail
status=0
for crate in ardoise-protocol ardoise-sync; do
  if cargo tree -p "$crate" -e normal --prefix none | grep -iE '^(tauri|wry|tao)[ -]'; then
    echo "check-core-deps: $crate depends on tauri (see above)"; status=1
  fi
done
[ $status -eq 0 ] && echo "check-core-deps: protocol and sync are free of tauri"
exit $status
