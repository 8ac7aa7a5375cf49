#!/usr/bin/env bash
# Sets up (with the test dependencies: Chromium, GStreamer RTSP server) and runs every check:
# lint of the shell scripts, type checks, lint, then all tests in one run of node's test runner inside a
# network namespace that records any DNS query or packet leaving the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --with-tests
echo "[test] shellcheck"
shellcheck entrypoint.sh scripts/*.sh .ci/run tools/host-capture/*.sh
echo "[test] python: the host programs compile, with nothing newer than Python 3.9 (their minimum)"
python3 -c 'import ast, sys
for path in sys.argv[1:]:
    source = open(path, encoding="utf-8").read()
    ast.parse(source, path, feature_version=(3, 9))
    compile(source, path, "exec")' tools/host-capture/host-capture tools/host-capture/image-sync-manager test/fixtures/host-capture/*.py
echo "[test] typecheck and lint"
npx --no-install tsc -p tsconfig.json --noEmit
npx --no-install tsc -p web/tsconfig.json
npx --no-install tsc -p bench/tsconfig.json
npx --no-install eslint .
npx --no-install prettier --check .
echo "[test] tests"
shopt -s globstar
exec scripts/netns-run.sh node --import tsx --test --test-concurrency=1 --test-reporter=spec test/**/*.test.ts
