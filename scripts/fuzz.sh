#!/usr/bin/env bash
# Runs the libFuzzer targets for a bounded time each (docs/hardening.md, "Fuzzing").
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]   fuzz (default 60 s, every target)
#   scripts/fuzz.sh --seeds                            regenerate fuzz/corpus/ from our writers
#
# Builds nothing: BUILD_DIR (default build-hardening, relative to the repository) must hold a
# clang build with -DTIANYAN_SANITIZE=address,undefined -DTIANYAN_FUZZ=ON. TARGET is a name
# such as `psrfits` (tianyan_fuzz_psrfits). Each target fuzzes a COPY of fuzz/corpus/TARGET
# (the committed seeds are never written) under -timeout=10 -rss_limit_mb=2048
# -malloc_limit_mb=2048; JOBS targets (default 2) run at once. Prints per target the
# executions, exec/s, corpus size and PASS/FAIL, and exits 1 when any target found a crash,
# leak, timeout, out-of-memory or sanitizer report; the input that caused it is left in
# FINDINGS_DIR/TARGET/ (default BUILD_DIR/fuzz-findings, emptied when TARGET runs again) and
# the log in FUZZ_WORK/TARGET/log (default BUILD_DIR/fuzz-run, emptied at the start).
# Replay a finding with
#   BUILD_DIR/fuzz/tianyan_fuzz_TARGET FINDINGS_DIR/TARGET/crash-...
# A long run (docs): scripts/fuzz.sh 3600; the grown corpora stay in FUZZ_WORK/*/corpus.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-build-hardening}"
[[ "$build" = /* ]] || build="$repo/$build"
jobs="${JOBS:-2}"
work="${FUZZ_WORK:-$build/fuzz-run}"
findings="${FINDINGS_DIR:-$build/fuzz-findings}"

die() { echo "fuzz.sh: $*" >&2; exit 2; }

if [[ "${1:-}" == "--seeds" ]]; then
  gen="$build/fuzz/tianyan_fuzz_make_seeds"
  [[ -x "$gen" ]] || die "$gen not built (cmake --build $build --target tianyan_fuzz_make_seeds)"
  "$gen" "$repo/fuzz/corpus" "$repo"
  echo "seeds written under $repo/fuzz/corpus"
  exit 0
fi

seconds=60
if [[ $# -gt 0 && "$1" =~ ^[0-9]+$ ]]; then
  seconds="$1"
  shift
fi
[[ "$seconds" -ge 1 ]] || die "SECONDS_PER_TARGET must be at least 1"
[[ -d "$build/fuzz" ]] || die "$build/fuzz: no fuzz targets (configure with -DTIANYAN_FUZZ=ON, or set BUILD_DIR)"

targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
  for exe in "$build"/fuzz/tianyan_fuzz_*; do
    name="${exe##*/tianyan_fuzz_}"
    [[ -x "$exe" && "$name" != make_seeds ]] && targets+=("$name")
  done
fi
[[ ${#targets[@]} -gt 0 ]] || die "no fuzz targets built in $build/fuzz"
for t in "${targets[@]}"; do
  [[ -x "$build/fuzz/tianyan_fuzz_$t" ]] || die "no target $build/fuzz/tianyan_fuzz_$t"
done

rm -rf "$work"
mkdir -p "$work" "$findings"

# One target: its own corpus copy, scratch folder (TIANYAN_FUZZ_TMP) and log.
run_one() {
  local t="$1" dir="$work/$1"
  rm -rf "${findings:?}/$t"
  mkdir -p "$dir/corpus" "$dir/tmp" "$findings/$t"
  if [[ -d "$repo/fuzz/corpus/$t" ]]; then cp -R "$repo/fuzz/corpus/$t/." "$dir/corpus/"; fi
  local rc=0
  TIANYAN_FUZZ_TMP="$dir/tmp" \
  ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}" \
  UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}" \
    "$build/fuzz/tianyan_fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -malloc_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$findings/$t/" \
      "$dir/corpus" >"$dir/log" 2>&1 || rc=$?
  echo "$rc" >"$dir/rc"
}

running=0
for t in "${targets[@]}"; do
  if [[ $running -ge $jobs ]]; then
    wait -n || true
    running=$((running - 1))
  fi
  echo "fuzzing $t for ${seconds} s ..."
  run_one "$t" &
  running=$((running + 1))
done
wait

failed=0
printf '\n%-16s %12s %9s %8s  %s\n' target executions exec/s corpus result
for t in "${targets[@]}"; do
  dir="$work/$t"
  rc="$(cat "$dir/rc" 2>/dev/null || echo 99)"
  execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -1)"
  rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$dir/log" | tail -1)"
  ncorpus="$(find "$dir/corpus" -type f | wc -l)"
  result=PASS
  # A report with exit status 0 would be a sanitizer that did not halt: fail on it too.
  if [[ "$rc" != 0 ]] || grep -qE '^==[0-9]+==ERROR|runtime error:|FUZZ CONTRACT VIOLATION' "$dir/log"; then
    result="FAIL (exit $rc; log $dir/log; inputs in $findings/$t/)"
    failed=1
  fi
  printf '%-16s %12s %9s %8s  %s\n' "$t" "${execs:-?}" "${rate:-?}" "$ncorpus" "$result"
done
if [[ $failed -ne 0 ]]; then
  for t in "${targets[@]}"; do
    if [[ "$(cat "$work/$t/rc" 2>/dev/null || echo 99)" != 0 ]]; then
      echo
      echo "---- $t: end of $work/$t/log"
      tail -n 40 "$work/$t/log"
    fi
  done
  echo
  echo "fuzz.sh: FAILED; crashing inputs are under $findings"
  exit 1
fi
echo "fuzz.sh: all ${#targets[@]} target(s) passed (${seconds} s each)"
