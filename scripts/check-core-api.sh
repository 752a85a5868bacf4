#!/usr/bin/env bash
# Invariant: the app and the CLI are thin callers of the core API (`ardoise_sync::views`,
# `logbook`, `docs`…). They never read the replica's tables: no SQL, no rusqlite, and not
# the `inspect` feature that opens the raw connection to tests and benchmarks.
set -euo pipefail
status=0
for crate in ardoise-app ardoise-cli; do
  # Captured first: a failing `cargo tree` stops the gate instead of matching nothing.
  direct=$(cargo tree -p "$crate" -e normal --depth 1 --prefix none)
  features=$(cargo tree -p "$crate" -e normal,features --prefix none)
  if grep -E '^rusqlite ' <<<"$direct" || grep -E '^ardoise-sync feature "inspect"' <<<"$features"; then
    echo "check-core-api: $crate reaches the replica's schema (see above)"; status=1
  fi
done
if grep -rnE '\brusqlite\b|\.sql\(|Replica::sql|\b(SELECT|INSERT INTO|UPDATE|DELETE FROM)\b' src-tauri/src cli/src; then
  echo "check-core-api: SQL in the app or the CLI (see above): put the query in ardoise-sync"
  status=1
fi
[ $status -eq 0 ] && echo "check-core-api: the app and the CLI read the replica through the core API only"
exit $status
