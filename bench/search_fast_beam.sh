#!/usr/bin/env bash
# Issue 4, benchmark (c): `tianyan search -c configs/fast.toml` end to end on a FAST-like beam:
# 4096 channels over 1000-1500 MHz, 49.152 us, 60 s, 8-bit PSRFITS in FAST layout (1024
# samples per row, 128 rows per file), the FAST noise diode, a 37.1 ms pulsar at DM 120 (as
# configs/sim/fast_beam.toml) and a 4.3 ms pulsar at DM 450; fast.toml's DM plan (DM 0-1000,
# tolerance 1.2, band edges outside 1050-1450 MHz masked, resources.memory_gb = 8).
# Prints the search's log (DM and acceleration trials, the whole-series batches, the time per
# stage, the real-time factor; progress lines are left out), the wall time and peak memory
# (GNU time), wall / observation and observation / wall, the plan, what was injected and the
# top 3 candidates from OUT/candidates.csv.
#
# Size: one polarisation (NPOL=1, total intensity) by default: 60 s is 1.22M samples x 4096
# channels x 1 byte = 5.0 GB of PSRFITS. FAST records AABB (NPOL=2: 10.0 GB, what the reader
# sees from the telescope). The default DIR is tmpfs (RAM): on a 23 GB machine the 5 GB input
# plus the search's ~8 GB (memory_gb) fit; with NPOL=2 (10 GB + 8 GB) give DIR on a disk.
# The simulator itself holds ~30 MB whatever the duration.
# Usage: bench/search_fast_beam.sh [THREADS=2] [DIR=/dev/shm/tianyan-search-fast]
#   Environment: TIANYAN (the executable, default build/apps/tianyan), DURATION (observation
#   length in s, default 60; shorter for smoke tests), NPOL (1 or 2, default 1), NBITS (8; the
#   simulator also writes 1, 2, 4), MEMORY_GB (default: fast.toml's 8; other values search with
#   a copy of fast.toml that sets resources.memory_gb, to see the cost of batching).
#   FFTW plans are measured once per FFT length and kept as wisdom
#   ($TIANYAN_FFTW_WISDOM or ~/.cache/tianyan/fftwf-wisdom): the first run on a machine (or
#   at a new DURATION) includes that planning; time the second.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/search_common.sh
source bench/search_common.sh
threads=${1:-2}
dir=${2:-/dev/shm/tianyan-search-fast}
exe=${TIANYAN:-build/apps/tianyan}
duration=${DURATION:-60}
npol=${NPOL:-1}
nbits=${NBITS:-8}
config=configs/fast.toml
rm -rf "$dir" && mkdir -p "$dir"
trap 'rm -rf "$dir"' EXIT
if [ -n "${MEMORY_GB:-}" ]; then
  sed -E "s/^memory_gb *=.*/memory_gb = $MEMORY_GB/" configs/fast.toml >"$dir/fast.toml"
  config=$dir/fast.toml
fi
write_fast_beam_toml "$dir/beam.toml" "$duration" $npol $nbits
"$exe" -q simulate "$dir/beam.toml" -j "$threads" -o "$dir/beam" >/dev/null
files=("$dir"/beam-M01_*.fits)
echo "input: ${#files[@]} PSRFITS files, $(du -ch "${files[@]}" | tail -1 | cut -f1), ${duration} s," \
  "npol $npol, $nbits-bit; config $config; threads $threads;" \
  "load average $(cut -d' ' -f1-3 /proc/loadavg)"

timed_search "$exe" "$dir" "$dir/beam.truth.json" "$duration" \
  "${files[@]}" -c "$config" -j "$threads"
