#!/usr/bin/env bash
# Makes the Python environment the tests use as an independent reference (see
# scripts/test-requirements.txt) in "$1", unless it is already there with the same
# requirements. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="$1"
requirements=scripts/test-requirements.txt
stamp="$venv/.requirements"
if [ -x "$venv/bin/python" ] && cmp -s "$requirements" "$stamp"; then
  exit 0
fi
echo "pyenv: installing the test's Python references into $venv"
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
cp "$requirements" "$stamp"
