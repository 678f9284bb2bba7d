# shellcheck shell=bash
# Sourced by bench/search_*.sh and bench/fold_bench.sh.
#
# write_fast_beam_toml FILE DURATION_S NPOL NBITS: the simulated FAST-like beam of the search
# and fold benchmarks: 4096 channels over 1000-1500 MHz, 49.152 us, PSRFITS in FAST layout (1024
# samples per row, 128 rows per file), the noise diode, a 37.1 ms pulsar at DM 120 and a 4.3 ms
# one at DM 450, both at ideal S/N 25.
write_fast_beam_toml() {
  cat >"$1" <<TOML
[observation]
source = "FAST_BEAM"
telescope = "FAST"
duration_s = $2
tsamp_s = 49.152e-6
nchan = 4096
freq_lo_mhz = 1000.0
freq_hi_mhz = 1500.0
npol = $3
nbits = $4
seed = 1

[output]
format = "psrfits"
nsblk = 1024
rows_per_file = 128

[[pulsar]]
name = "PSR_FAST_BEAM"
period_s = 0.0371
dm = 120.0
duty_cycle = 0.05
snr = 25.0

[[pulsar]]
name = "PSR_FAST_MSP"
period_s = 0.0043
dm = 450.0
duty_cycle = 0.06
snr = 25.0

[rfi.noise_diode]
enabled = true
amplitude_sigma = 0.3
TOML
}

# timed_search EXE DIR TRUTH_JSON DURATION_S ARGS...: runs
# `EXE search ARGS... -o DIR/out` under GNU time, prints its log without progress lines, the wall
# time and peak memory, bench/search_summary.py's summary and the top 3 candidates; returns the
# search's exit code when it fails.
timed_search() {
  local exe=$1 dir=$2 truth=$3 duration=$4
  shift 4
  export OMP_WAIT_POLICY=passive  # shared cores: libgomp's spinning costs more than it saves
  local rc=0
  /usr/bin/time -f "wall %e s, peak memory %M KB" -o "$dir/time.txt" \
    "$exe" search "$@" -o "$dir/out" >"$dir/table.txt" 2>"$dir/search.log" || rc=$?
  grep -vE "% done" "$dir/search.log" || true
  cat "$dir/time.txt"
  if [ "$rc" -ne 0 ]; then
    echo "tianyan search failed with exit code $rc" >&2
    return "$rc"
  fi
  python3 bench/search_summary.py "$dir/time.txt" "$dir/out/candidates.json" "$truth" "$duration"
  echo "top 3 of candidates.csv:"
  head -4 "$dir/out/candidates.csv"
}
