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

export OMP_WAIT_POLICY=passive  # shared cores: libgomp's spinning costs more than it saves
rc=0
/usr/bin/time -f "wall %e s, peak memory %M KB" -o "$dir/time.txt" \
  "$exe" search "$dir/ref.fil" --dm 0:150 "${accel_args[@]}" -j "$threads" -o "$dir/out" \
  >"$dir/table.txt" 2>"$dir/search.log" || rc=$?
grep -vE "% done" "$dir/search.log" || true
cat "$dir/time.txt"
if [ "$rc" -ne 0 ]; then
  echo "tianyan search failed with exit code $rc" >&2
  exit "$rc"
fi
python3 - "$dir/time.txt" "$dir/out/candidates.json" "$dir/ref.truth.json" "$duration" <<'PY'
import json, re, sys
time_txt, cands, truth, duration = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
m = re.search(r"wall ([0-9.]+) s, peak memory ([0-9]+) KB", open(time_txt).read())
wall, peak_kb = float(m.group(1)), int(m.group(2))
j = json.load(open(cands))
b = j["beams"][0]
t = b["timings"]
print(f"DM trials {b['dm_trials']} ({b['dm_lo']:g}..{b['dm_hi']:g}), acceleration trials "
      f"{b['accel_trials']}, {b['raw_candidates']} candidates before sifting, "
      f"{b['candidates']} after")
steps = ", ".join(f"dDM {s['ddm']:g} to {s['dm_hi']:g} at ds {s['downsample']} ({s['ndm']})"
                  for s in b["plan"]["steps"])
print(f"plan: {b['plan']['nsub']} subbands; {steps}")
print("stages: " + ", ".join(f"{k[:-2]} {t[k]:.2f} s" for k in
                              ("read_s", "rfi_s", "dedisp_s", "search_s", "sift_s", "total_s")))
print(f"wall {wall:.2f} s for {duration:g} s of data: wall / observation {wall / duration:.3f}, "
      f"{duration / wall:.2f}x real time; peak memory {peak_kb / 1024:.0f} MiB "
      f"(series + search workspaces {b['peak_series_bytes'] / 2**20:.0f} MiB)")
for p in json.load(open(truth)).get("pulsars", []):
    mid = p["middle"]
    print(f"injected {p.get('name', '?')}: P {1e3 * mid['period_s']:.6f} ms (f {mid['frequency_hz']:.4f} Hz"
          f" at mid), DM {p['dm']:g}, accel {p.get('accel_ms2', 0):g} m/s^2, "
          f"ideal S/N {p['ideal_snr']:.1f}")
PY
echo "top 3 of candidates.csv:"
head -4 "$dir/out/candidates.csv"
