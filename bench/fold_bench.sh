#!/usr/bin/env bash
# `tianyan fold` of 50 candidates over a FAST-like beam against one pass of reading the same
# data, in the same run (docs/fold.md, "Benchmark"). The beam is the one of
# bench/search_fast_beam.sh: 4096 channels over 1000-1500 MHz, 49.152 us, 60 s, 8-bit PSRFITS
# in FAST layout, one polarisation, the noise diode, a 37.1 ms pulsar at DM 120 and a 4.3 ms
# one at DM 450. The 50 candidates: those two, and 48 at DMs uniform in 0-500 and periods
# log-uniform in 1.5 ms - 2 s (fixed seed), written as a candidates.csv; configs/fast.toml.
#
# The read pass: `tianyan rfi` over the same files, whose closing log line gives the time spent
# in the reader (every sample read and unpacked to float once) apart from the RFI stage; the
# fold's own log line gives the same split for its pass. Files live in DIR, tmpfs (RAM) by
# default: they are in the page cache for both passes (stated in the output).
# Ratio printed: fold wall time / read time of the read pass (goal <= 10).
# Usage: bench/fold_bench.sh [THREADS=2] [DIR=/dev/shm/tianyan-fold-bench]
#   Environment: TIANYAN (default build/apps/tianyan), DURATION (s, default 60), NCAND (50).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/search_common.sh
source bench/search_common.sh
threads=${1:-2}
dir=${2:-/dev/shm/tianyan-fold-bench}
exe=${TIANYAN:-build/apps/tianyan}
duration=${DURATION:-60}
ncand=${NCAND:-50}
export OMP_WAIT_POLICY=passive  # shared cores: libgomp's spinning costs more than it saves
rm -rf "$dir" && mkdir -p "$dir"
trap 'rm -rf "$dir"' EXIT
write_fast_beam_toml "$dir/beam.toml" "$duration" 1 8
t0=$(date +%s.%N)
"$exe" -q simulate "$dir/beam.toml" -j "$threads" -o "$dir/beam" >/dev/null
t1=$(date +%s.%N)
files=("$dir"/beam-M01_*.fits)
echo "input: ${#files[@]} PSRFITS files, $(du -ch "${files[@]}" | tail -1 | cut -f1), ${duration} s," \
  "4096 channels, 8-bit, npol 1 (simulated in $(python3 -c "print(f'{$t1-$t0:.1f}')") s);" \
  "DIR $dir on $(df --output=fstype "$dir" | tail -1) (in page cache: tmpfs is RAM)"

python3 - "$dir/candidates.csv" "${files[0]}" "$ncand" <<'PY'
import math, random, sys
path, first, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
rng = random.Random(2024)
cands = [(0.0371, 120.0), (0.0043, 450.0)]
while len(cands) < n:
    cands.append((math.exp(rng.uniform(math.log(1.5e-3), math.log(2.0))), rng.uniform(0, 500)))
with open(path, "w") as f:
    f.write("rank,period_s,freq_hz,epoch_mjd,dm,accel_ms2,sigma,snr,nharm,dm_hits,power,scan,"
            "beam,ra,dec,file\n")
    for i, (p, dm) in enumerate(cands[:n]):
        f.write(f"{i + 1},{p:.12g},{1 / p:.12g},,{dm:.3f},0,10,10,1,2,50,FAST_BEAM,1,,,{first}\n")
PY

echo "read pass: tianyan rfi -c configs/fast.toml -j $threads (load $(cut -d' ' -f1-3 /proc/loadavg))"
/usr/bin/time -f "rfi wall %e s, peak memory %M KB" -o "$dir/rfi_time.txt" \
  "$exe" rfi "${files[@]}" -c configs/fast.toml -j "$threads" -o "$dir/rfi" >/dev/null 2>"$dir/rfi.log"
grep -E "masked; rfi" "$dir/rfi.log" || true
cat "$dir/rfi_time.txt"

echo "fold: tianyan fold --candidates (top $ncand) -c configs/fast.toml -j $threads (load $(cut -d' ' -f1-3 /proc/loadavg))"
/usr/bin/time -f "fold wall %e s, peak memory %M KB" -o "$dir/fold_time.txt" \
  "$exe" fold "${files[@]}" --candidates "$dir/candidates.csv" --top "$ncand" \
  -c configs/fast.toml -j "$threads" -o "$dir/out" >"$dir/table.txt" 2>"$dir/fold.log"
grep -vE "% done" "$dir/fold.log" || true
cat "$dir/fold_time.txt"
head -4 "$dir/table.txt"

python3 - "$dir" <<'PY'
import re, sys
d = sys.argv[1]
rfi = open(f"{d}/rfi.log").read()
fold = open(f"{d}/fold.log").read()
read_s = float(re.search(r"read ([0-9.]+) s, write", rfi).group(1))
rfi_s = float(re.search(r"rfi ([0-9.]+) s, read", rfi).group(1))
rfi_wall = float(re.search(r"rfi wall ([0-9.]+) s", open(f"{d}/rfi_time.txt").read()).group(1))
fold_wall = float(re.search(r"fold wall ([0-9.]+) s", open(f"{d}/fold_time.txt").read()).group(1))
m = re.search(r"read ([0-9.]+) s, rfi ([0-9.]+) s, fold ([0-9.]+) s, optimise ([0-9.]+) s", fold)
fr, frfi, ff, fo = (float(x) for x in m.groups())
print(f"read pass: read {read_s:.2f} s (RFI {rfi_s:.2f} s, wall {rfi_wall:.2f} s)")
print(f"fold: wall {fold_wall:.2f} s = read {fr:.2f} + rfi {frfi:.2f} + fold {ff:.2f} + "
      f"optimise {fo:.2f} s (+ start-up, outputs)")
print(f"RATIO fold wall / read time = {fold_wall / read_s:.2f} (goal <= 10); "
      f"fold wall / read pass wall (read + RFI) = {fold_wall / rfi_wall:.2f}")
PY
