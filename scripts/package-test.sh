#!/usr/bin/env bash
# The packages, proven on a clean system (part of `make test`; run `make package` first).
#
# A minimal Debian 12 (debootstrap, cached between runs) is given the signed APT repository
# `make package` wrote (a copy whose signature was tampered with must be refused), and
# installs the app from it with `apt-get install --no-install-recommends`, so a library
# the package forgets to declare fails here and not on a teacher's PC. Then:
#   - every library of the installed binaries is found (ldd);
#   - the installed `ardoise` logs in to the demo server (on this machine's loopback) and
#     the installed app opens on that profile under Xvfb: its screenshot must not be blank
#     (artifacts/package/app-installed.png);
#   - removing the package leaves none of its files behind.
# The same for the server's .deb: installed, started as its service account with the unit's
# command line, answers its health check, stops cleanly, purged.
# Needs root (chroot, mounts): run through sudo otherwise. The mounts are made in a mount
# namespace of its own, so they end with the test however it ends. Prints
# `package-test: … passed` at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "package-test: needs root, or sudo" >&2; exit 1; }
  exec sudo --preserve-env=TARGET_DIR,CARGO_TARGET_DIR "$0" "$@"
fi
if [ -z "${ARDOISE_PKGTEST_NAMESPACE:-}" ]; then
  exec env ARDOISE_PKGTEST_NAMESPACE=1 unshare --mount --propagation private "$0" "$@"
fi
root_dir=$PWD
target=$(realpath -m "${TARGET_DIR:-${CARGO_TARGET_DIR:-$root_dir/target}}")
out=$target/package
cache=$target/pkgtest
base=$cache/base
sys=$cache/system
artifacts=$root_dir/artifacts/package
version=$(scripts/version.sh)
app_deb=$out/ardoise_${version}_amd64.deb
server_deb=$out/ardoise-server_${version}_amd64.deb
repo=$out/apt
demo_server=$target/debug/ardoise-server

for f in "$app_deb" "$server_deb" "$repo/dists/stable/InRelease"; do
  [ -f "$f" ] || { echo "package-test: $f is missing (make package)" >&2; exit 1; }
done
[ -x "$demo_server" ] || { echo "package-test: $demo_server is missing (make build)" >&2; exit 1; }
mkdir -p "$cache" "$artifacts"

# The Debian mirror this machine is set up with.
mirror=$(sed -n 's/^URIs: *\([^ ]*\).*/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian

mounted=()
unmount_all() {
  local i
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
    umount -l "${mounted[$i]}" 2>/dev/null || true
  done
  mounted=()
}
# Never delete through a bind mount: /dev would go with it.
remove_tree() {
  if findmnt -rno TARGET | grep -q "^$1\(/\|$\)"; then
    echo "package-test: $1 still has mounts, not deleting it" >&2
    exit 1
  fi
  rm -rf --one-file-system "$1"
}
server_pid=
cleanup() {
  [ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null || true
  unmount_all
}
trap cleanup EXIT
trap 'exit 130' INT TERM

in_sys() {
  chroot "$sys" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
    DEBIAN_FRONTEND=noninteractive "$@"
}

# --- The clean system: debootstrap once, then a fresh copy for each run.
start=$(date +%s)
if [ ! -f "$base/.complete" ]; then
  echo "package-test: debootstrap bookworm from $mirror (once; cached in $base)"
  remove_tree "$base"
  debootstrap --variant=minbase bookworm "$base" "$mirror" > "$cache/debootstrap.log" 2>&1 || {
    tail -20 "$cache/debootstrap.log" >&2
    exit 1
  }
  # What the test itself uses inside: a virtual display and a way to photograph it.
  chroot "$base" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends xvfb xauth x11-apps > "$cache/base-apt.log" 2>&1 || {
    tail -20 "$cache/base-apt.log" >&2
    exit 1
  }
  chroot "$base" apt-get clean
  touch "$base/.complete"
fi
remove_tree "$sys"
cp -a "$base" "$sys"
for m in proc sys dev dev/pts; do
  mount --bind "/$m" "$sys/$m"
  mounted+=("$sys/$m")
done
# Downloaded packages are kept between runs.
mkdir -p "$cache/apt-archives/partial"
mount --bind "$cache/apt-archives" "$sys/var/cache/apt/archives"
mounted+=("$sys/var/cache/apt/archives")
cp /etc/resolv.conf "$sys/etc/resolv.conf" 2>/dev/null || true
# No service is started by a package inside this system (the server is started by hand).
printf '#!/bin/sh\nexit 101\n' > "$sys/usr/sbin/policy-rc.d"
chmod 0755 "$sys/usr/sbin/policy-rc.d"
echo "package-test: clean system ready in $(($(date +%s) - start)) s"

# --- The signed APT repository, as a school's server would publish it. A copy whose
# signed index was changed after signing must be refused by apt.
cp -a "$repo" "$sys/srv/ardoise-apt"
cp -a "$repo" "$sys/srv/ardoise-apt-tampered"
sed -i 's/^Origin: Ardoise$/Origin: Quelqu-un-d-autre/' "$sys/srv/ardoise-apt-tampered/dists/stable/InRelease"
rm -f "$sys/srv/ardoise-apt-tampered/dists/stable/Release.gpg"
keyring=/srv/ardoise-apt/ardoise-archive-keyring.gpg
echo "deb [signed-by=$keyring] file:/srv/ardoise-apt-tampered stable main" > "$sys/tmp/tampered.list"
if in_sys apt-get update -o Dir::Etc::sourcelist=/tmp/tampered.list -o Dir::Etc::sourceparts=- \
  > "$cache/apt-tampered.log" 2>&1; then
  cat "$cache/apt-tampered.log" >&2
  echo "package-test: apt accepted a repository whose signature does not match" >&2
  exit 1
fi
grep -q "BADSIG" "$cache/apt-tampered.log" || {
  cat "$cache/apt-tampered.log" >&2
  echo "package-test: apt refused the tampered repository, but not for its signature" >&2
  exit 1
}
echo "package-test: a repository tampered with after signing is refused (BADSIG)"
echo "deb [signed-by=$keyring] file:/srv/ardoise-apt stable main" > "$sys/etc/apt/sources.list.d/ardoise.list"

# --- The app, from the signed repository.
start=$(date +%s)
in_sys apt-get update -qq > "$cache/apt-update.log" 2>&1 || {
  cat "$cache/apt-update.log" >&2
  echo "package-test: apt-get update failed with the signed repository" >&2
  exit 1
}
in_sys apt-get install -y -qq --no-install-recommends ardoise > "$cache/app-apt.log" 2>&1 || {
  tail -30 "$cache/app-apt.log" >&2
  exit 1
}
in_sys apt-cache policy ardoise | grep -q "file:/srv/ardoise-apt stable/main" || {
  in_sys apt-cache policy ardoise >&2
  echo "package-test: ardoise did not come from the signed repository" >&2
  exit 1
}
echo "package-test: app installed from the signed repository with its dependencies in $(($(date +%s) - start)) s"
missing=$(in_sys sh -c 'ldd /usr/bin/ardoise-app /usr/bin/ardoise | grep "not found" || true')
if [ -n "$missing" ]; then
  echo "package-test: libraries not found on a clean system:" >&2
  echo "$missing" >&2
  exit 1
fi
in_sys dpkg -L ardoise | sort > "$cache/app-files.txt"

# The demo server runs on this machine; the clean system shares its loopback.
rm -rf "$cache/demo-data"
"$demo_server" --data "$cache/demo-data" --demo --listen 127.0.0.1:0 > "$cache/demo-server.log" 2>&1 &
server_pid=$!
url=
for _ in $(seq 1 100); do
  url=$(sed -n 's/^listening on \(http:[^ ]*\)$/\1/p' "$cache/demo-server.log")
  [ -n "$url" ] && break
  sleep 0.3
done
[ -n "$url" ] || { cat "$cache/demo-server.log" >&2; echo "package-test: the demo server did not start" >&2; exit 1; }

in_sys sh -c "mkdir -p /tmp/home && ARDOISE_PROFILE=/tmp/profile ARDOISE_PASSWORD=ardoise HOME=/tmp/home ardoise login --server $url --user martin" > "$cache/app-login.log" 2>&1 || {
  cat "$cache/app-login.log" >&2
  echo "package-test: the installed ardoise could not log in" >&2
  exit 1
}
# The installed app on that profile, photographed once its window has something in it.
cat > "$sys/tmp/run-app.sh" <<'EOF'
#!/bin/sh
export HOME=/tmp/home ARDOISE_PROFILE=/tmp/profile
ardoise-app > /tmp/app.log 2>&1 &
app=$!
i=0
while [ $i -lt 40 ]; do
  sleep 1.5
  kill -0 $app 2>/dev/null || { echo "the app stopped"; cat /tmp/app.log; exit 1; }
  xwd -root -silent > /tmp/shot.xwd
  # A blank frame packs into a few kilobytes; a drawn week into tens.
  if [ "$(gzip -c /tmp/shot.xwd | wc -c)" -gt 60000 ]; then
    sleep 2
    xwd -root -silent > /tmp/shot.xwd
    kill $app
    exit 0
  fi
  i=$((i + 1))
done
kill $app
echo "the window stayed blank"
exit 1
EOF
chmod +x "$sys/tmp/run-app.sh"
start=$(date +%s)
if ! in_sys xvfb-run -a -s "-screen 0 1280x800x24" /tmp/run-app.sh > "$cache/app-run.log" 2>&1; then
  cat "$cache/app-run.log" >&2
  echo "package-test: the installed app did not draw its window" >&2
  exit 1
fi
convert "xwd:$sys/tmp/shot.xwd" "$artifacts/app-installed.png"
colours=$(convert "$artifacts/app-installed.png" -format %k info:)
echo "package-test: installed app drew its window in $(($(date +%s) - start)) s, $colours colours (artifacts/package/app-installed.png)"
[ "$colours" -ge 50 ] || { echo "package-test: the screenshot is nearly blank" >&2; exit 1; }
kill "$server_pid" 2>/dev/null || true
wait "$server_pid" 2>/dev/null || true
server_pid=

in_sys apt-get purge -y -qq ardoise > /dev/null
left=$(while read -r f; do [ -f "$sys$f" ] && echo "$f"; done < "$cache/app-files.txt" || true)
if [ -n "$left" ]; then
  echo "package-test: files left after removing ardoise:" >&2
  echo "$left" >&2
  exit 1
fi
echo "package-test: app removed, none of its $(wc -l < "$cache/app-files.txt") paths left"

# --- The server.
in_sys apt-get install -y -qq --no-install-recommends ardoise-server > "$cache/server-apt.log" 2>&1 || {
  tail -30 "$cache/server-apt.log" >&2
  exit 1
}
in_sys dpkg -L ardoise-server | sort > "$cache/server-files.txt"
owner=$(in_sys stat -c %U /var/lib/ardoise-server)
[ "$owner" = ardoise-server ] || { echo "package-test: /var/lib/ardoise-server belongs to $owner" >&2; exit 1; }
exec_start=$(sed -n 's/^ExecStart=//p' "$sys/lib/systemd/system/ardoise-server.service")
# The unit's command line, as its account; only the port is moved off the usual one. (Not
# under systemd: the unit's sandboxing is not exercised here.)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# shellcheck disable=SC2086 # the unit's command line is split as systemd splits it
chroot --userspec=ardoise-server:ardoise-server "$sys" /usr/bin/env -i PATH=/usr/bin:/bin \
  $exec_start --listen "127.0.0.1:$port" > "$cache/server-run.log" 2>&1 &
server_pid=$!
healthy=
for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:$port/v1/health" > /dev/null 2>&1; then
    healthy=yes
    break
  fi
  sleep 0.2
done
[ -n "$healthy" ] || { cat "$cache/server-run.log" >&2; echo "package-test: the installed server did not answer" >&2; exit 1; }
[ -n "$(ls -A "$sys/var/lib/ardoise-server")" ] || { echo "package-test: the server wrote nothing in /var/lib/ardoise-server" >&2; exit 1; }
kill -TERM "$server_pid"
if ! wait "$server_pid"; then
  cat "$cache/server-run.log" >&2
  echo "package-test: the installed server did not stop cleanly" >&2
  exit 1
fi
server_pid=
echo "package-test: server installed, answered its health check as ardoise-server, stopped cleanly"
in_sys apt-get purge -y -qq ardoise-server > /dev/null
left=$(while read -r f; do [ -f "$sys$f" ] && echo "$f"; done < "$cache/server-files.txt" || true)
if [ -n "$left" ]; then
  echo "package-test: files left after purging ardoise-server:" >&2
  echo "$left" >&2
  exit 1
fi
echo "package-test: server purged; its data folder is kept by design ($(ls -A "$sys/var/lib/ardoise-server" | wc -l) entries)"

unmount_all
remove_tree "$sys"
echo "package-test: app and server packages passed on a clean Debian 12"
