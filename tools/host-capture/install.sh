#!/usr/bin/env bash
# Installs host-capture and image-sync-manager with their systemd units and default settings.
#   sudo tools/host-capture/install.sh [--root DIR] [--prefix DIR] [--user NAME] [--group NAME]
#                                      [--folder DIR] [--no-start]
# --root DIR  install under DIR instead of / (a test or an image build): no users are created,
#             no ownership changed and systemctl is not run.
# Existing settings files in /etc/host-capture are kept.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

root=""
prefix=/usr/local
user=host-capture
group=""
folder=/var/lib/host-capture
start=1
usage() { sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --root) root="${2:?--root needs a folder}"; shift 2 ;;
    --prefix) prefix="${2:?--prefix needs a folder}"; shift 2 ;;
    --user) user="${2:?--user needs a name}"; shift 2 ;;
    --group) group="${2:?--group needs a name}"; shift 2 ;;
    --folder) folder="${2:?--folder needs a folder}"; shift 2 ;;
    --no-start) start=0; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "install.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done
group="${group:-$user}"
for value in "$prefix" "$folder"; do
  case "$value" in
    /*) ;;
    *) echo "install.sh: $value must be an absolute path" >&2; exit 2 ;;
  esac
done
for value in "$user" "$group"; do
  [[ "$value" =~ ^[a-z_][a-z0-9_-]*$ ]] || { echo "install.sh: bad user/group name $value" >&2; exit 2; }
done
root="${root%/}"
confdir=/etc/host-capture
unitdir=/etc/systemd/system

# 1. the account and the shared folder (only on the real system)
if [ -z "$root" ]; then
  if ! getent group "$group" >/dev/null; then groupadd --system "$group"; fi
  if ! getent passwd "$user" >/dev/null; then
    extra=()
    # The camera devices belong to the video group on Raspberry Pi OS.
    if getent group video >/dev/null; then extra=(--groups video); fi
    useradd --system --gid "$group" "${extra[@]}" --home-dir "$folder" --no-create-home --shell /usr/sbin/nologin "$user"
  fi
fi
install -d -m 0755 "$root$folder"
if [ -z "$root" ]; then chown "$user:$group" "$root$folder"; fi

# 2. the programs and the README
install -d "$root$prefix/bin" "$root$prefix/share/doc/host-capture" "$root$unitdir" "$root$confdir"
install -m 0755 "$here/host-capture" "$here/image-sync-manager" "$root$prefix/bin/"
install -m 0644 "$here/README.md" "$root$prefix/share/doc/host-capture/README.md"

# 3. units and settings with this installation's values filled in
fill() {
  sed -e "s|@PREFIX@|$prefix|g" -e "s|@CONFDIR@|$confdir|g" -e "s|@USER@|$user|g" \
    -e "s|@GROUP@|$group|g" -e "s|@FOLDER@|$folder|g" "$1"
}
for unit in host-capture.service image-sync-manager.service image-sync-manager.timer; do
  fill "$here/systemd/$unit" > "$root$unitdir/$unit"
  chmod 0644 "$root$unitdir/$unit"
done
for conf in host-capture.conf image-sync-manager.conf; do
  if [ -e "$root$confdir/$conf" ]; then
    echo "install.sh: keeping the existing $confdir/$conf"
  else
    fill "$here/$conf" > "$root$confdir/$conf"
    chmod 0644 "$root$confdir/$conf"
  fi
done
echo "install.sh: installed into ${root:-/} (programs in $prefix/bin, units in $unitdir, settings in $confdir)"

# 4. start (only on the real system)
if [ -z "$root" ] && [ "$start" = 1 ]; then
  systemctl daemon-reload
  systemctl enable --now host-capture.service image-sync-manager.timer
  echo "install.sh: started; check with: host-capture --config $confdir/host-capture.conf --status"
fi
