#!/usr/bin/env bash
# Quick start: set everything up, then run the server on the bundled sample footage
# (or on the cameras of ECS_CONFIG / --config FILE). Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec ./entrypoint.sh "$@"
