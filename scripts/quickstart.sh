#!/usr/bin/env bash
# The README's main job: set up, simulate the built-in FAST-like sample beam (a pulsar, the
# noise diode and RFI) and describe it. Outputs go to ./sample/ (or $1).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
out=${1:-sample}
mkdir -p "$out"
build/apps/tianyan simulate configs/sim/sample.toml -o "$out/sample"
build/apps/tianyan info "$out"
echo
echo "What was injected (and its ideal matched-filter S/N): $out/sample.truth.json"
