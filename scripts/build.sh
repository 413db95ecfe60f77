#!/usr/bin/env bash
# build.sh [normal|asan|tsan ...] — configures and builds holdfast (RelWithDebInfo).
#   normal -> build/        asan -> build-asan/ (-DHF_SANITIZE=address)
#   tsan   -> build-tsan/ (-DHF_SANITIZE=thread)
# No argument = normal. Several flavours may be given. Builds with -j$(nproc) (override with
# JOBS=n) and shows make's progress. HF_BUILD_PREFIX=build-me renames the dirs (build-me, build-me-asan,
# build-me-tsan). Only some targets: TARGETS="holdfast hf_runtime_test". Links with gold
# (-DHF_LINKER=gold: about half bfd's link time, see CMakeLists.txt); HF_LINKER=bfd, or empty for
# the compiler's default, sets another.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
jobs=${JOBS:-$(nproc)}
prefix=${HF_BUILD_PREFIX:-build}  # build dirs: $prefix, $prefix-asan, $prefix-tsan
[ $# -eq 0 ] && set -- normal

for flavour in "$@"; do
  case $flavour in
    normal) dir=$prefix sanitize= cxxflags= ;;
    asan) dir=$prefix-asan sanitize=address cxxflags= ;;
    tsan) dir=$prefix-tsan sanitize=thread cxxflags= ;;  # -Wno-tsan: see CMakeLists.txt
    *) echo "usage: $0 [normal|asan|tsan ...]" >&2; exit 2 ;;
  esac
  echo "== build $flavour -> $dir (-j$jobs)"
  start=$(date +%s)
  mkdir -p "$root/$dir"
  cmake -S "$root" -B "$root/$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHF_SANITIZE="$sanitize" \
    -DHF_LINKER="${HF_LINKER-gold}" \
    -DCMAKE_CXX_FLAGS="$cxxflags" \
    >"$root/$dir/configure.log" 2>&1 || { cat "$root/$dir/configure.log"; exit 1; }
  # shellcheck disable=SC2086
  cmake --build "$root/$dir" -j "$jobs" ${TARGETS:+--target $TARGETS}
  echo "== build $flavour done in $(($(date +%s) - start)) s"
done
