#!/usr/bin/env bash
# Simulator write speed against the bare disk, in the same run and on the same disk:
#   dd of the same number of bytes (with fsync, as tianyan's atomic outputs fsync too), then
#   `tianyan simulate configs/sim/fast_beam.toml` (4096 channels, 49.152 us, 2 pols, 8-bit
#   PSRFITS) for DURATION seconds, with its peak memory (GNU time).
# Usage: bench/simulate_vs_dd.sh [DURATION_S=60] [DIR=/tmp/tianyan-simbench] [THREADS=0]
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-60}
dir=${2:-/tmp/tianyan-simbench}
threads=${3:-0}
exe=${TIANYAN:-build/apps/tianyan}
rm -rf "$dir" && mkdir -p "$dir"
trap 'rm -rf "$dir"' EXIT

# Bytes the simulation writes: 8 KiB per sample (4096 channels x 2 pols x 1 byte) plus headers.
mib=$(python3 -c "print(int($duration / 49.152e-6 * 8192 / 2**20))")
t0=$(date +%s.%N)
dd if=/dev/zero of="$dir/dd.bin" bs=1M count="$mib" conv=fsync status=none
t1=$(date +%s.%N)
rm -f "$dir/dd.bin"
dd_s=$(python3 -c "print($t1 - $t0)")

/usr/bin/time -f "%e %M" -o "$dir/time.txt" \
  "$exe" -q simulate configs/sim/fast_beam.toml --duration "$duration" -j "$threads" -o "$dir/beam" >/dev/null
read -r sim_s peak_kb <"$dir/time.txt"
bytes=$(du -cb "$dir"/beam-M01_*.fits | tail -1 | cut -f1)

python3 - "$bytes" "$dd_s" "$sim_s" "$peak_kb" "$mib" "$duration" <<'PY'
import sys
nbytes, dd_s, sim_s, peak_kb, mib, dur = sys.argv[1:]
nbytes, dd_s, sim_s, peak_kb, mib, dur = int(nbytes), float(dd_s), float(sim_s), int(peak_kb), int(mib), float(dur)
dd_rate = mib * 2**20 / dd_s / 1e6
sim_rate = nbytes / sim_s / 1e6
print(f"observation: {dur:g} s FAST beam, {nbytes/1e9:.2f} GB of PSRFITS")
print(f"dd (fsync):  {dd_rate:7.1f} MB/s ({dd_s:.1f} s)")
print(f"simulate:    {sim_rate:7.1f} MB/s ({sim_s:.1f} s), peak memory {peak_kb/1024:.0f} MiB")
print(f"ratio simulate/dd: {sim_rate/dd_rate:.2f}")
PY
