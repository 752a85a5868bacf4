#!/usr/bin/env bash
# The updater key: prints the public key the app is built with (ARDOISE_UPDATER_PUBKEY).
# ARDOISE_UPDATER_KEY names the private key (a minisign pair as `tauri signer generate`
# writes it, the public half beside it as <key>.pub): the project's release key when set;
# otherwise a test key, made once in $TARGET_DIR/updater-key/ and kept there, so that the
# app `make e2e` tests and `make package` ships is built once with the same key.
set -euo pipefail
cd "$(dirname "$0")/.."
target=$(realpath -m "${TARGET_DIR:-${CARGO_TARGET_DIR:-$PWD/target}}")
key=${ARDOISE_UPDATER_KEY:-$target/updater-key/ardoise.key}
if [ ! -f "$key" ]; then
  if [ -n "${ARDOISE_UPDATER_KEY:-}" ]; then
    echo "updater-key: ARDOISE_UPDATER_KEY names $key, which does not exist" >&2
    exit 1
  fi
  mkdir -p "$(dirname "$key")"
  ui/node_modules/.bin/tauri signer generate --ci --password "" --write-keys "$key" >/dev/null
fi
[ -f "$key.pub" ] || {
  echo "updater-key: $key.pub (the public half) is missing" >&2
  exit 1
}
cat "$key.pub"
