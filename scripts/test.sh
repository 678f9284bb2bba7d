#!/usr/bin/env bash
# Sets up, builds and runs the test suite (the default tier: everything not labelled `slow`).
# Slow tiers: ctest --test-dir build -L slow   (see README, "Tests").
set -euo pipefail
cd "$(dirname "$0")/.."
TIANYAN_TEST_PACKAGES=1 scripts/setup.sh
ctest --test-dir "${BUILD_DIR:-build}" --output-on-failure -j "$(nproc)" -LE slow "$@"
