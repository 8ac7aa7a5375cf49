#!/usr/bin/env bash
# Removes what install.sh installed.
#   sudo tools/host-capture/uninstall.sh [--root DIR] [--prefix DIR] [--user NAME] [--purge]
# --purge also deletes the settings in /etc/host-capture, the manager's state, the shared folder
#         given by --folder (default /var/lib/host-capture, with every captured image) and the user.
# --root DIR  work under DIR instead of / (no systemctl, no user removal).
set -euo pipefail
root=""
prefix=/usr/local
user=host-capture
folder=/var/lib/host-capture
purge=0
usage() { sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --root) root="${2:?--root needs a folder}"; shift 2 ;;
    --prefix) prefix="${2:?--prefix needs a folder}"; shift 2 ;;
    --user) user="${2:?--user needs a name}"; shift 2 ;;
    --folder) folder="${2:?--folder needs a folder}"; shift 2 ;;
    --purge) purge=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "uninstall.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done
root="${root%/}"
unitdir=/etc/systemd/system
units=(host-capture.service image-sync-manager.timer image-sync-manager.service)

if [ -z "$root" ]; then
  systemctl disable --now "${units[@]}" 2>/dev/null || echo "uninstall.sh: some units were not enabled or running"
fi
for unit in "${units[@]}"; do rm -f "$root$unitdir/$unit"; done
rm -f "$root$prefix/bin/host-capture" "$root$prefix/bin/image-sync-manager"
rm -rf "$root$prefix/share/doc/host-capture"
if [ -z "$root" ]; then systemctl daemon-reload; fi

if [ "$purge" = 1 ]; then
  rm -rf "$root/etc/host-capture" "$root/var/lib/image-sync-manager" "$root$folder"
  if [ -z "$root" ] && getent passwd "$user" >/dev/null; then userdel "$user"; fi
  echo "uninstall.sh: removed the programs, units, settings, state and $folder"
else
  echo "uninstall.sh: removed the programs and units; kept /etc/host-capture and $folder (--purge deletes them)"
fi
