#!/usr/bin/env bash
# Prints the version of the workspace (Cargo.toml's [workspace.package]): the packages'.
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(sed -n '/^\[workspace.package\]/,/^\[/s/^version = "\(.*\)"/\1/p' Cargo.toml)
[ -n "$version" ] || { echo "version: none in Cargo.toml" >&2; exit 1; }
echo "$version"
