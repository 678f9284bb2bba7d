# shellcheck shell=bash
# Sourced by bench/search_*.sh. timed_search EXE DIR TRUTH_JSON DURATION_S ARGS...: runs
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
