#!/usr/bin/env bash
# Issue 4, benchmarks (b) and (d): `tianyan search` end to end on the reference case of
# bench/pipeline_reference.sh (1024 channels over 1000-1500 MHz, 98.304 us, 51.5 s, 8-bit
# filterbank, one polarisation, seed 11, a 3 ms pulsar at DM 50), DM 0-150 with the
# smearing-based plan of the built-in configuration (the same 1161 trials as the dedispersion
# benchmark: no -c).
#   (b) ACCEL_MAX=0: no acceleration search.
#   (d) ACCEL_MAX>0: `--accel-max ACCEL_MAX`, and the observation also holds a binary
#       millisecond pulsar (2.1 ms, DM 90, 120 m/s^2) that only an acceleration search finds
#       at full strength.
# Prints the search's log (its closing lines give the DM and acceleration trials, the time per
# stage and the real-time factor; progress lines are left out), the wall time and peak memory
# (GNU time), wall / observation and observation / wall, the plan, what was injected and the
# top 3 candidates from OUT/candidates.csv.
# Usage: bench/search_reference.sh [THREADS=2] [ACCEL_MAX=0] [DIR=/dev/shm/tianyan-search-ref]
#   DIR defaults to tmpfs so that the input (537 MB) is read from memory, as in
#   pipeline_reference.sh. Environment: TIANYAN (the executable, default build/apps/tianyan),
#   DURATION (observation length in s, default 51.5; shorter only for smoke tests).
#   FFTW plans are measured once per FFT length and kept as wisdom
#   ($TIANYAN_FFTW_WISDOM or ~/.cache/tianyan/fftwf-wisdom): the first run on a machine (or
#   at a new DURATION) includes that planning; time the second.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/search_common.sh
source bench/search_common.sh
threads=${1:-2}
accel_max=${2:-0}
dir=${3:-/dev/shm/tianyan-search-ref}
exe=${TIANYAN:-build/apps/tianyan}
duration=${DURATION:-51.5}
rm -rf "$dir" && mkdir -p "$dir"
trap 'rm -rf "$dir"' EXIT
cat >"$dir/ref.toml" <<TOML
[observation]
source = "REF"
nchan = 1024
tsamp_s = 98.304e-6
duration_s = $duration
freq_lo_mhz = 1000.0
freq_hi_mhz = 1500.0
npol = 1
nbits = 8
seed = 11

[output]
format = "filterbank"

[[pulsar]]
name = "PSR_REF"
period_s = 0.003
dm = 50.0
snr = 30.0
TOML
accel_args=()
if awk -v a="$accel_max" 'BEGIN { exit !(a > 0) }'; then
  accel_args=(--accel-max "$accel_max")
  cat >>"$dir/ref.toml" <<'TOML'

[[pulsar]]
name = "PSR_REF_BINARY"
period_s = 0.0021
dm = 90.0
duty_cycle = 0.08
accel_ms2 = 120.0
snr = 30.0
TOML
fi
"$exe" -q simulate "$dir/ref.toml" -o "$dir/ref" >/dev/null
echo "input: $(du -h "$dir/ref.fil" | cut -f1) filterbank, ${duration} s; threads $threads," \
  "accel-max $accel_max; load average $(cut -d' ' -f1-3 /proc/loadavg)"

timed_search "$exe" "$dir" "$dir/ref.truth.json" "$duration" \
  "$dir/ref.fil" --dm 0:150 "${accel_args[@]}" -j "$threads"
