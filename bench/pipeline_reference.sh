#!/usr/bin/env bash
# Issue 3, benchmark (a): RFI + dedispersion of the reference case (1024 channels over
# 1000-1500 MHz, 98.304 us, 51.5 s, 8-bit filterbank with a 3 ms pulsar at DM 50), DM 0-150 with
# the smearing-based plan, through `tianyan dedisperse`. The closing log line gives the time per
# stage (read, rfi, dedisp, write) and the real-time factor; the plan is logged first.
# Usage: bench/pipeline_reference.sh [THREADS=2] [DIR=/dev/shm/tianyan-ref]
#   DIR defaults to tmpfs so that writing 1161 series (2 GB) measures the pipeline, not the disk.
set -euo pipefail
cd "$(dirname "$0")/.."
threads=${1:-2}
dir=${2:-/dev/shm/tianyan-ref}
exe=${TIANYAN:-build/apps/tianyan}
rm -rf "$dir" && mkdir -p "$dir"
trap 'rm -rf "$dir"' EXIT
cat >"$dir/ref.toml" <<'TOML'
[observation]
source = "REF"
nchan = 1024
tsamp_s = 98.304e-6
duration_s = 51.5
freq_lo_mhz = 1000.0
freq_hi_mhz = 1500.0
npol = 1
nbits = 8
seed = 11

[output]
format = "filterbank"

[[pulsar]]
period_s = 0.003
dm = 50.0
snr = 30.0
TOML
"$exe" -q simulate "$dir/ref.toml" -o "$dir/ref" >/dev/null
export OMP_WAIT_POLICY=passive  # shared cores: libgomp's spinning costs more than it saves
/usr/bin/time -f "wall %e s, peak memory %M KB" \
  "$exe" dedisperse "$dir/ref.fil" --dm 0:150 -j "$threads" -o "$dir/out" 2>&1 >/dev/null |
  grep -vE "% done|^  " || true
