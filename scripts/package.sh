#!/usr/bin/env bash
# `make package`: the packages a school installs, built from this checkout with nothing
# downloaded beyond the package registries.
#   - ardoise_<v>_amd64.deb and ardoise-<v>-1.x86_64.rpm: the desktop app and the `ardoise`
#     command (the Tauri bundler, run by the Tauri CLI from its npm package);
#   - ardoise-server_<v>_amd64.deb: the server as a systemd service (dpkg-deb);
#   - apt/: a signed APT repository of both .debs, for a school's or académie's server;
#   - updates/: the updater's channel for unmanaged installs, latest.json and the app's
#     packages with their signatures (ARDOISE_UPDATE_BASE_URL: where it will be served).
# Everything lands in $TARGET_DIR/package/. The .debs are then checked: the libraries their
# binaries load are all declared (dpkg-shlibdeps), the app's binary carries the .deb
# bundle marker, lintian and desktop-file-validate report no error.
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."
root=$PWD
target=$(realpath -m "${TARGET_DIR:-${CARGO_TARGET_DIR:-$root/target}}")
out=$target/package
stage=$out/stage
version=$(scripts/version.sh)
changelog_version=$(sed -n '1s/^@PACKAGE@ (\(.*\)) .*/\1/p' packaging/changelog)
[ "$changelog_version" = "$version" ] || {
  echo "package: packaging/changelog is at $changelog_version, Cargo.toml at $version" >&2
  exit 1
}

rm -rf "$out"
mkdir -p "$stage"

# --- Binaries. One build per package, each with the features it has elsewhere, so the app
# is the very binary `make e2e` ran (built with the same command and the same updater key)
# and nothing is rebuilt.
updater_pub=$(scripts/updater-key.sh)
ARDOISE_UPDATER_PUBKEY=$updater_pub cargo build --release --locked -p ardoise-app --features custom-protocol
cargo build --release --locked -p ardoise-cli
cargo build --release --locked -p ardoise-server
# Packages ship stripped binaries (lintian). The app is stripped in place because the
# bundler takes it from the target folder; a post-link strip keeps the bundle marker.
strip "$target/release/ardoise-app"
install -m 0755 -s "$target/release/ardoise" "$stage/ardoise"
install -m 0755 -s "$target/release/ardoise-server" "$stage/ardoise-server"

# The manual pages: the two commands print theirs (clap_mangen), the app's is written.
"$target/release/ardoise" manpage | gzip -9n > "$stage/ardoise.1.gz"
"$target/release/ardoise-server" --print-manpage | gzip -9n > "$stage/ardoise-server.1.gz"
gzip -9nc packaging/app/ardoise-app.1 > "$stage/ardoise-app.1.gz"

# Debian's changelog of each package, compressed as policy asks (gzip -9n).
for pkg in ardoise ardoise-server; do
  sed "s/@PACKAGE@/$pkg/" packaging/changelog | gzip -9n > "$stage/changelog-$pkg.gz"
done

# The shared libraries the binaries load, as Debian package relations (dpkg-shlibdeps
# wants a debian/control of its own).
shlibdeps() {
  local work found
  work=$(mktemp -d)
  mkdir -p "$work/debian"
  printf 'Source: ardoise\n\nPackage: ardoise\nArchitecture: any\n' > "$work/debian/control"
  found=$(cd "$work" && dpkg-shlibdeps -O "$@" | sed -n 's/^shlibs:Depends=//p')
  rm -rf "$work"
  [ -n "$found" ] || { echo "package: dpkg-shlibdeps found no dependency for $*" >&2; return 1; }
  echo "$found"
}

# --- The app. The Tauri CLI appends WebKitGTK and GTK to Depends itself: they are left
# out of the computed list so that no relation is written twice.
app_depends=$(shlibdeps "$target/release/ardoise-app" "$stage/ardoise" |
  tr ',' '\n' | sed 's/^ *//' | grep -v '^libwebkit2gtk-4.1-0\b\|^libgtk-3-0\b' | paste -sd, -)
echo "package: ardoise depends on $app_depends (+ libwebkit2gtk-4.1-0, libgtk-3-0)"
python3 - "$stage/tauri.package.json" "$app_depends" "$stage" "$root/packaging" <<'EOF'
import json, sys
path, depends, stage, packaging = sys.argv[1:]
files = {
    "/usr/bin/ardoise": f"{stage}/ardoise",
    "/usr/share/doc/ardoise/copyright": f"{packaging}/copyright",
    "/usr/share/doc/ardoise/changelog.gz": f"{stage}/changelog-ardoise.gz",
    "/usr/share/man/man1/ardoise.1.gz": f"{stage}/ardoise.1.gz",
    "/usr/share/man/man1/ardoise-app.1.gz": f"{stage}/ardoise-app.1.gz",
}
config = {"bundle": {"active": True, "linux": {
    "deb": {"depends": [d.strip() for d in depends.split(",") if d.strip()], "files": files},
    "rpm": {"files": {"/usr/bin/ardoise": f"{stage}/ardoise",
                      "/usr/share/licenses/ardoise/copyright": f"{packaging}/copyright",
                      "/usr/share/man/man1/ardoise.1.gz": f"{stage}/ardoise.1.gz",
                      "/usr/share/man/man1/ardoise-app.1.gz": f"{stage}/ardoise-app.1.gz"}},
}}}
json.dump(config, open(path, "w"), indent=2)
EOF
ui/node_modules/.bin/tauri bundle --ci --bundles deb,rpm --config "$stage/tauri.package.json"
cp "$target/release/bundle/deb/Ardoise_${version}_amd64.deb" "$out/ardoise_${version}_amd64.deb"
cp "$target/release/bundle/rpm/Ardoise-${version}-1.x86_64.rpm" "$out/ardoise-${version}-1.x86_64.rpm"

# --- The server, laid out as it is installed.
srv=$stage/ardoise-server-root
install -D -m 0755 "$stage/ardoise-server" "$srv/usr/bin/ardoise-server"
install -D -m 0644 packaging/server/ardoise-server.service "$srv/lib/systemd/system/ardoise-server.service"
install -D -m 0644 packaging/server/config.toml "$srv/etc/ardoise-server/config.toml"
install -D -m 0644 packaging/copyright "$srv/usr/share/doc/ardoise-server/copyright"
install -D -m 0644 packaging/server/README.Debian "$srv/usr/share/doc/ardoise-server/README.Debian"
install -D -m 0644 "$stage/changelog-ardoise-server.gz" "$srv/usr/share/doc/ardoise-server/changelog.gz"
install -D -m 0644 "$stage/ardoise-server.1.gz" "$srv/usr/share/man/man1/ardoise-server.1.gz"
mkdir -p "$srv/DEBIAN"
for script in postinst prerm postrm; do
  install -m 0755 "packaging/server/$script" "$srv/DEBIAN/$script"
done
echo /etc/ardoise-server/config.toml > "$srv/DEBIAN/conffiles"
server_depends=$(shlibdeps "$srv/usr/bin/ardoise-server")
# Conffiles are left out of md5sums, as dpkg keeps their sums itself.
(cd "$srv" && find . -type f ! -path './DEBIAN/*' ! -path './etc/*' -printf '%P\0' | sort -z | xargs -0 md5sum) > "$srv/DEBIAN/md5sums"
cat > "$srv/DEBIAN/control" <<EOF
Package: ardoise-server
Version: $version
Architecture: amd64
Maintainer: Équipe Ardoise <equipe@ardoise.fr>
Installed-Size: $(du -sk --exclude=DEBIAN "$srv" | cut -f1)
Depends: $server_depends, adduser
Section: education
Priority: optional
Description: Ardoise server: a school's ENT for the cahier de textes
 The reference server of Ardoise, run as the systemd service
 ardoise-server: it keeps the school's cahier de textes (lessons and
 homework), timetable and documents, and the Ardoise apps synchronise
 with it whenever the network is there.
 .
 It imports the timetable from STS-Web and the accounts from a CSV
 file, and serves a calendar feed per person. Its data lives in
 /var/lib/ardoise-server.
EOF
dpkg-deb --root-owner-group -Zxz --build "$srv" "$out/ardoise-server_${version}_amd64.deb" >/dev/null

# --- Checks.
check=$stage/check
mkdir -p "$check"
dpkg-deb -x "$out/ardoise_${version}_amd64.deb" "$check/app"
grep -q __TAURI_BUNDLE_TYPE_VAR_DEB "$check/app/usr/bin/ardoise-app" || {
  echo "package: the packaged app does not carry the .deb bundle marker" >&2
  exit 1
}
for bin in "$check/app/usr/bin/ardoise-app" "$check/app/usr/bin/ardoise"; do
  if ldd "$bin" | grep -q 'not found'; then
    echo "package: $bin loads a library this machine lacks" >&2
    exit 1
  fi
done
desktop-file-validate "$check/app/usr/share/applications/Ardoise.desktop"
# The server's sandbox as systemd scores it, offline from the unit as packaged: an exposure
# above 2.5 of 10 fails (1.6 when written; the score's own lines are kept for the record).
dpkg-deb -x "$out/ardoise-server_${version}_amd64.deb" "$check/server"
systemd-analyze security --offline=yes --threshold=25 --root="$check/server" ardoise-server.service \
  > "$stage/server-security.txt" || {
  cat "$stage/server-security.txt" >&2
  echo "package: the server's unit is less sandboxed than it should be" >&2
  exit 1
}
grep 'Overall exposure level' "$stage/server-security.txt"
status=0
for deb in "$out"/*.deb; do
  # Errors fail the build; warnings and notes are printed for the record.
  report=$(lintian --tag-display-limit 0 "$deb" 2>&1 | grep -v "^running with root privileges" || true)
  [ -z "$report" ] || echo "$report"
  if grep -q '^E: ' <<< "$report"; then
    echo "package: lintian reports errors for $(basename "$deb")" >&2
    status=1
  fi
done
[ "$status" -eq 0 ] || exit 1

# --- The APT repository managed machines update from: the .debs, their index, a Release
# signed with the archive key. ARDOISE_APT_GNUPGHOME names the GnuPG home holding the
# school's own key and ARDOISE_APT_KEY which key of it (its fingerprint); without them a
# test key is made once and kept in the target folder.
repo=$out/apt
keys=${ARDOISE_APT_GNUPGHOME:-$target/apt-test-key}
key=${ARDOISE_APT_KEY:-}
[ -z "${ARDOISE_APT_GNUPGHOME:-}" ] || [ -n "$key" ] || {
  echo "package: ARDOISE_APT_GNUPGHOME needs ARDOISE_APT_KEY (the fingerprint to sign with)" >&2
  exit 1
}
if [ -z "${ARDOISE_APT_GNUPGHOME:-}" ] && [ ! -f "$keys/.made" ]; then
  rm -rf "$keys"
  mkdir -m 0700 -p "$keys"
  gpg --homedir "$keys" --batch --quiet --passphrase '' \
    --quick-gen-key "Ardoise archive (test key) <archive@ardoise.fr>" ed25519 sign never
  touch "$keys/.made"
fi
if [ -z "$key" ]; then
  key=$(gpg --homedir "$keys" --batch --with-colons --list-secret-keys | awk -F: '$1 == "fpr" { print $10; exit }')
fi
mkdir -p "$repo/pool/main" "$repo/dists/stable/main/binary-amd64"
cp "$out"/*.deb "$repo/pool/main/"
(
  cd "$repo"
  apt-ftparchive packages pool > dists/stable/main/binary-amd64/Packages
  gzip -9nk dists/stable/main/binary-amd64/Packages
  apt-ftparchive \
    -o APT::FTPArchive::Release::Origin=Ardoise \
    -o APT::FTPArchive::Release::Label=Ardoise \
    -o APT::FTPArchive::Release::Suite=stable \
    -o APT::FTPArchive::Release::Codename=stable \
    -o APT::FTPArchive::Release::Architectures=amd64 \
    -o APT::FTPArchive::Release::Components=main \
    -o APT::FTPArchive::Release::Description="Ardoise, offline-first ENT client and server" \
    release dists/stable > dists/stable/Release.tmp
  mv dists/stable/Release.tmp dists/stable/Release
  gpg --homedir "$keys" --batch --yes --quiet --local-user "$key" --clearsign -o dists/stable/InRelease dists/stable/Release
  gpg --homedir "$keys" --batch --yes --quiet --local-user "$key" --armor --detach-sign -o dists/stable/Release.gpg dists/stable/Release
  # Only that key goes to the computers, never the rest of the keyring.
  gpg --homedir "$keys" --batch --quiet --export "$key" > ardoise-archive-keyring.gpg
)

# --- The updater's channel: a static latest.json naming each package with its signature,
# bound to the version (the app refuses a signature for another). Any web server can
# serve the folder; its address goes in the school's policy (UpdateUrl). The signatures
# cover the packages, not their addresses: a school that serves the folder elsewhere may
# rewrite the two "url" fields.
updates=$out/updates
base=${ARDOISE_UPDATE_BASE_URL:-https://mises-a-jour.ardoise.fr/stable}
mkdir -p "$updates"
cp "$out/ardoise_${version}_amd64.deb" "$out/ardoise-${version}-1.x86_64.rpm" "$updates/"
updater_key=${ARDOISE_UPDATER_KEY:-$target/updater-key/ardoise.key}
for pkg in "$updates"/*.deb "$updates"/*.rpm; do
  env -u TAURI_SIGNING_PRIVATE_KEY ui/node_modules/.bin/tauri signer sign \
    --password "${TAURI_SIGNING_PRIVATE_KEY_PASSWORD:-}" \
    --app-version "$version" --private-key-path "$updater_key" "$pkg" >/dev/null
done
python3 - "$updates" "$version" "${base%/}" <<'EOF'
import datetime, json, sys
folder, version, base = sys.argv[1:]
def entry(name):
    return {"url": f"{base}/{name}", "signature": open(f"{folder}/{name}.sig").read()}
manifest = {
    "version": version,
    "notes": f"Ardoise {version}",
    "pub_date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    "platforms": {
        "linux-x86_64-deb": entry(f"ardoise_{version}_amd64.deb"),
        "linux-x86_64-rpm": entry(f"ardoise-{version}-1.x86_64.rpm"),
    },
}
json.dump(manifest, open(f"{folder}/latest.json", "w"), indent=2)
EOF

ls -l "$out"/*.deb "$out"/*.rpm
echo "make package: ardoise_${version}_amd64.deb, ardoise-${version}-1.x86_64.rpm, ardoise-server_${version}_amd64.deb, the signed APT repository apt/ and the updater's channel updates/ in $out"
