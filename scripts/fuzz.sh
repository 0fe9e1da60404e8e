#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz) with clang, AddressSanitizer and UndefinedBehaviorSanitizer
# in build-fuzz/, then fuzzes each target for SECONDS (default 30), one after another, starting from
# its committed seed corpus. New interesting inputs go to build-fuzz/corpus/<target>/ (copy the ones
# worth keeping into tests/fuzz/corpus/<target>/); a finding stops its target and is written to
# build-fuzz/findings/<target>/. Usage: scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-30}"
shift || true
targets=("$@")
if ((${#targets[@]} == 0)); then targets=(npy idx cifar spec); fi

CC=clang-14 CXX=clang++-14 cmake -S . -B build-fuzz -DNORMLAB_FUZZ=ON -DNORMLAB_BUILD_TESTS=OFF \
  -DNORMLAB_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build build-fuzz -j2 --target "${targets[@]/#/fuzz_}"

status=0
for t in "${targets[@]}"; do
  mkdir -p "build-fuzz/corpus/$t" "build-fuzz/findings/$t"
  dict=()
  if [[ -f "tests/fuzz/$t.dict" ]]; then dict=("-dict=tests/fuzz/$t.dict"); fi
  echo "fuzz: $t for ${seconds}s"
  if ! "build-fuzz/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -print_final_stats=1 \
      -artifact_prefix="build-fuzz/findings/$t/" "${dict[@]}" "build-fuzz/corpus/$t" "tests/fuzz/corpus/$t" \
      2>"build-fuzz/fuzz_$t.log"; then
    echo "fuzz: $t found a problem; see build-fuzz/fuzz_$t.log and build-fuzz/findings/$t/"
    status=1
  fi
  grep -E "stat::number_of_executed_units|stat::new_units_added" "build-fuzz/fuzz_$t.log" || true
done
exit $status
