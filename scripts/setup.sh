#!/usr/bin/env bash
# Installs the Debian packages tianyan needs (only those missing), then configures and builds.
# Running it again only builds. Usage: scripts/setup.sh [--no-build]
#   BUILD_DIR (default: build), BUILD_TYPE (default: Release), TIANYAN_CUDA (default: auto)
set -euo pipefail
cd "$(dirname "$0")/.."

# Build: compiler, CMake, the libraries (PLplot with its cairo driver draws the plots headless).
# Tests: fitsverify and astropy (independent readers); TIANYAN_TEST_PACKAGES=1 (scripts/test.sh)
# adds chromium, which loads report.html in the browser test, and Slurm with munge, which
# scripts/slurm_local.sh starts as a one-node cluster for the campaign test (TIANYAN_SLURM=1).
packages=(
  g++ cmake ninja-build pkg-config git
  libfftw3-dev libcfitsio-dev libtomlplusplus-dev libcli11-dev libfmt-dev libspdlog-dev
  nlohmann-json3-dev libgtest-dev libbenchmark-dev libplplot-dev plplot-driver-cairo
  fitsverify python3 python3-numpy python3-astropy
)
[[ ${TIANYAN_TEST_PACKAGES:-0} == 1 ]] && packages+=(chromium slurmctld slurmd slurm-client munge)
# Hardening (scripts/sanitize.sh, scripts/fuzz.sh): clang with its sanitizer and libFuzzer
# runtimes, clang's OpenMP, and llvm-symbolizer for readable reports.
[[ ${TIANYAN_HARDENING_PACKAGES:-0} == 1 ]] && packages+=(clang libclang-rt-14-dev libomp-14-dev llvm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "tianyan setup: these Debian packages are missing: ${missing[*]}" >&2
    echo "Install them as root: apt-get install ${missing[*]}" >&2
    exit 4
  fi
  echo "tianyan setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt_opts=(-o DPkg::Lock::Timeout=120 -y -q --no-install-recommends)
  for attempt in 1 2 3; do
    if apt-get -o DPkg::Lock::Timeout=120 update -q && apt-get "${apt_opts[@]}" install "${missing[@]}"; then
      break
    fi
    [[ $attempt == 3 ]] && { echo "tianyan setup: apt-get failed" >&2; exit 4; }
    sleep 10
  done
fi

[[ ${1:-} == --no-build ]] && exit 0

build_dir=${BUILD_DIR:-build}
cmake_args=(-S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Release}")
[[ -n ${TIANYAN_CUDA:-} ]] && cmake_args+=(-DTIANYAN_CUDA="$TIANYAN_CUDA")
cmake "${cmake_args[@]}" >/dev/null
cmake --build "$build_dir" -j "$(nproc)"
