#!/usr/bin/env bash
# Starts the camera server, in Docker and outside it alike:
#   1. validates the configuration and gets one camerad command line per camera (plan.js writes
#      them, and each camera's source URI, as 0600 files in the 0700 runtime folder: a password in
#      the URI never appears in argv, `ps` or camerad's environment);
#   2. starts each camerad under a small supervisor that restarts it with backoff after a crash,
#      but not after exit code 2 (configuration error);
#   3. waits for every control socket, then starts the Node server attached to them;
#   4. forwards SIGTERM/SIGINT to everything and exits when all have stopped.
# Arguments are passed to the server (e.g. --config FILE); ECS_* variables override settings.
set -uo pipefail
cd "$(dirname "$0")" || exit 1

log() { printf '[entrypoint] %s\n' "$*" >&2; }

# onnxruntime's native library would post telemetry to Microsoft (server/vision/ortTelemetryOff.ts).
export ORT_DISABLE_TELEMETRY=1

for f in dist/server/main.js dist/server/cli/plan.js; do
  [ -f "$f" ] || { log "$f missing: run scripts/setup.sh first"; exit 1; }
done

# The image's state volume (mounted on data/state, docker/compose.yml): one created by an image
# that ran as root is root's, and this uid could not write the database or keys in it. Checked
# only when data/state is a mount point (so not outside Docker); its top level only (cheap).
state=data/state
if [ -d "$state" ] && mountpoint -q "$state" 2>/dev/null; then
  if [ ! -w "$state" ] || [ ! -x "$state" ] || [ -n "$(find "$state" -mindepth 1 -maxdepth 1 ! -writable -print -quit 2>/dev/null)" ]; then
    log "$PWD/$state (the state volume) is not writable by uid $(id -u): a volume from an image that ran as root."
    log "Give it to uid $(id -u) once: docker run --rm --user 0 -v <project>_camserver-state:/s <image> chown -R $(id -u):$(id -g) /s"
    log "(<project>: the compose project, 'docker' by default; see docker/README.md)"
    exit 1
  fi
fi

# 1. plan (exit code 2 and a message naming the setting on a configuration error)
plan=$(node dist/server/cli/plan.js "$@") || exit $?

supervisor_pids=()
sockets=()
node_pid=""
stopping=0

# 2. supervise one camerad: restart after a crash with backoff 0.5 s doubling to 10 s
supervise() {
  local id=$1 argv_file=$2 child="" delay_ms=500 started rc
  local -a argv
  local name
  mapfile -d '' -t argv < "$argv_file"
  # camerad reads no ECS_ setting: keep them (credentials included) out of its /proc/PID/environ.
  # This function runs in its own subshell, so the server still gets them.
  while read -r name; do unset "$name"; done < <(compgen -e | grep '^ECS_')
  trap 'stopping=1; [ -n "$child" ] && kill -TERM "$child" 2>/dev/null' TERM INT
  while :; do
    started=$SECONDS
    "${argv[@]}" &
    child=$!
    wait "$child"
    rc=$?
    # `wait` returns early when a trapped signal arrives: wait for the child's real exit.
    if [ "$stopping" = 1 ]; then wait "$child" 2>/dev/null; exit 0; fi
    case $rc in
      0) log "camerad $id stopped"; exit 0 ;;
      2) log "camerad $id: configuration error (see above); not restarting"; exit 2 ;;
    esac
    [ $((SECONDS - started)) -ge 10 ] && delay_ms=500
    log "camerad $id exited with code $rc; restarting in ${delay_ms} ms"
    sleep "$((delay_ms / 1000)).$(printf '%03d' $((delay_ms % 1000)))"
    delay_ms=$((delay_ms * 2 > 10000 ? 10000 : delay_ms * 2))
  done
}

shutdown() {
  stopping=1
  log "stopping"
  [ -n "$node_pid" ] && kill -TERM "$node_pid" 2>/dev/null
  for pid in "${supervisor_pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
}
trap shutdown TERM INT

while IFS=$'\t' read -r id socket argv_file; do
  rm -f "$socket"
  supervise "$id" "$argv_file" &
  supervisor_pids+=($!)
  sockets+=("$socket")
done <<< "$plan"

# 3. wait for each control socket (20 s), then start the server attached to them
for i in "${!sockets[@]}"; do
  for _ in $(seq 200); do
    [ -S "${sockets[$i]}" ] && break
    kill -0 "${supervisor_pids[$i]}" 2>/dev/null || break
    [ "$stopping" = 1 ] && break
    sleep 0.1
  done
  if [ ! -S "${sockets[$i]}" ]; then
    log "camerad did not open ${sockets[$i]}"
    shutdown
    wait
    exit 2
  fi
done
[ "$stopping" = 1 ] && { wait; exit 0; }

ECS_CAMERAD__MODE=attach node dist/server/main.js "$@" &
node_pid=$!

# 4. run until the server exits or a camerad fails for good, then stop the rest
rc=0
while :; do
  wait -n "$node_pid" "${supervisor_pids[@]}"
  rc=$?
  if [ "$stopping" = 1 ]; then break; fi
  if ! kill -0 "$node_pid" 2>/dev/null; then log "server exited with code $rc"; break; fi
  if [ "$rc" = 2 ]; then log "a camerad failed with a configuration error"; break; fi
done
shutdown
wait
[ "$stopping" = 1 ] && [ "$rc" -ge 128 ] && rc=0
exit "$rc"
