#!/usr/bin/env bash
# Invariant: the core crates (protocol, sync) never depend on tauri, so they stay usable by
# the CLI, the server, tests and any other shell.
set -euo pipefail
status=0
for crate in ardoise-protocol ardoise-sync; do
  # Captured first: a failing `cargo tree` stops the gate instead of matching nothing.
  tree=$(cargo tree -p "$crate" -e normal --prefix none)
  if grep -iE '^(tauri|wry|tao)[ -]' <<<"$tree"; then
    echo "check-core-deps: $crate depends on tauri (see above)"; status=1
  fi
done
[ $status -eq 0 ] && echo "check-core-deps: protocol and sync are free of tauri"
exit $status
