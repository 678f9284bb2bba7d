#!/usr/bin/env bash
# AddressSanitizer + UndefinedBehaviorSanitizer run of the unit and small end-to-end tests
# (docs/hardening.md). One clang build serves this script and the fuzzers (scripts/fuzz.sh):
# the library, tianyan, the fuzz targets and the test suites in SAN_SUITES, all instrumented.
#
# Usage: scripts/sanitize.sh [extra ctest arguments, e.g. -R '^io\.']
#   BUILD_DIR  (default: build-hardening)
#   SAN_SUITES (default below; "all" builds and runs every suite, heavy ones included)
# Exit status: ctest's, or 1 when any sanitizer report was written (also by a child process
# whose failure a test expected: every report is collected, see SAN_REPORTS below).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build-hardening}
[[ $build_dir = /* ]] || build_dir=$PWD/$build_dir

TIANYAN_TEST_PACKAGES=1 TIANYAN_HARDENING_PACKAGES=1 scripts/setup.sh --no-build

# -Wno-pass-failed: the instrumentation stops clang vectorising the `#pragma omp simd` loops,
# which it reports as a warning; the plain build vectorises them.
# CUDA stays off: nvcc would need clang as its host compiler, and device code is not
# instrumented anyway. Benchmarks are not run here. ccache where present (CI may lack it).
launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi
# The unit suites and the small end-to-end ones. Left to the plain build (scripts/test.sh):
#   fold, pipeline, search_e2e - many full searches and folds, with detection rates over seeds:
#                     30-60 minutes under ASan, through code the unit and cli suites run;
#   campaign, slurm - the Slurm tier starts a cluster of its own (scripts/slurm_local.sh);
#   faults          - its file-size limits (RLIMIT_FSIZE) make clang's OpenMP runtime die of
#                     SIGBUS registering itself in /dev/shm, before tianyan runs (gcc's does not);
#   long, long_slow - minutes to hours of data even without ASan.
default_suites="io;sim;rfi;dedisp;config;spectrum;harmonics;accel;sift;fold_opt;fold_io;plot;\
multibeam;report;cli;malformed"
suites=${SAN_SUITES:-$default_suites}
[[ $suites == all ]] && suites=""
# Statistical tests that repeat what their suites already run once, over many seeds (minutes
# each under ASan): excluded by name unless SAN_SUITES=all.
heavy='^(accel\.AccelRefine\..*Bound|fold_opt\.FoldOptimise\.RecoversOffsetsAndSnr|cli\.Determinism\.)'
exclude=()
[[ -n $suites ]] && exclude=(-E "$heavy")

t0=$SECONDS
# -O1 and line tables only: what the sanitizers' documentation recommends for fast, readable
# reports; full debug information would only lengthen the build.
CC=clang CXX=clang++ cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only -DNDEBUG" \
  -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only -DNDEBUG" \
  -DTIANYAN_CUDA=OFF -DTIANYAN_BUILD_BENCH=OFF "${launcher[@]}" -DTIANYAN_TEST_SUITES="$suites" \
  -DTIANYAN_SANITIZE=address,undefined -DTIANYAN_FUZZ=ON -DCMAKE_CXX_FLAGS=-Wno-pass-failed \
  >/dev/null
cmake --build "$build_dir" -j "$(nproc)"
t1=$SECONDS

# Every report goes to a file of its own (PREFIX.PID) as well as failing its process: a test
# that spawns `tianyan` and expects it to fail (exit 3) would otherwise pass over a report in
# the child. The directory is checked after ctest.
reports="$build_dir/sanitizer-reports"
rm -rf "$reports" && mkdir -p "$reports"
symbolizer=$(command -v llvm-symbolizer || true)
# ASan: stop at the first error; leaks checked at every exit; use-after-return and the
# initialisation-order checks are off by default and cheap enough here.
export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:detect_stack_use_after_return=1:\
check_initialization_order=1:strict_init_order=1:log_path=$reports/asan"
# UBSan (built with -fno-sanitize-recover=all, so the first report aborts the process).
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$reports/ubsan"
# Leaks inside third-party libraries only; every entry says why (scripts/sanitizers/lsan.supp).
export LSAN_OPTIONS="suppressions=$PWD/scripts/sanitizers/lsan.supp:print_suppressions=0"
[[ -n $symbolizer ]] && export ASAN_SYMBOLIZER_PATH=$symbolizer UBSAN_SYMBOLIZER_PATH=$symbolizer
# The Slurm tier starts a cluster of its own (scripts/slurm_local.sh): not under sanitizers.
unset TIANYAN_SLURM

# Excluded labels, and why:
#   slow  - the slow tier (about 20 GB, hours): far beyond a sanitizer run's memory and time.
#   long  - more than 2^32 channel-samples through the pipeline: minutes without ASan, several
#           times that with it; the plain build (scripts/test.sh) runs it.
#   slurm - needs a Slurm cluster (TIANYAN_SLURM=1), not started here.
status=0
ctest --test-dir "$build_dir" --output-on-failure -j "$(nproc)" -LE 'slow|long|slurm' \
  "${exclude[@]}" "$@" || status=$?
t2=$SECONDS

if compgen -G "$reports/*" >/dev/null; then
  echo "sanitize: sanitizer reports were written:" >&2
  for f in "$reports"/*; do
    echo "==== $f" >&2
    cat "$f" >&2
  done
  status=1
fi
echo "sanitize: build $((t1 - t0)) s, tests $((t2 - t1)) s, status $status"
exit "$status"
