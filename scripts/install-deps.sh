#!/usr/bin/env bash
# Installs what building, testing and running Ardoise need on Debian 12, and only what is
# missing, so a warm machine goes through in a second. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential pkg-config libwebkit2gtk-4.1-dev   # building the Tauri app
  libssl-dev libdbus-1-dev                           # SQLCipher's crypto, the OS keyring
  xvfb xauth webkit2gtk-driver                       # running it without a display, E2E
  imagemagick                                        # screenshots of the window
  python3-venv                                       # the tests' Python references
  poppler-utils                                      # pdftotext: the tests read PDFs back
  debootstrap lintian desktop-file-utils             # make package and its clean-system test
  apt-utils gnupg                                    # the signed APT repository (apt-ftparchive)
  systemd                                            # systemd-analyze: the server unit's sandbox score
  postgresql                                         # the server's PostgreSQL store: its tests' own cluster
  curl ca-certificates
)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

for tool in cargo node npm; do
  command -v "$tool" >/dev/null || { echo "install-deps: $tool is required (see README)"; exit 1; }
done

# Front-end packages, exactly as locked.
if [ ! -d ui/node_modules ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
  echo "install-deps: npm ci in ui/"
  (cd ui && npm ci --no-audit --no-fund --loglevel=error)
fi
