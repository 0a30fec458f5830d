#!/usr/bin/env bash
# The README's second command: every test. Installs what is missing, builds with clang,
# AddressSanitizer + UndefinedBehaviorSanitizer and -Werror (and once more with gcc, optimised,
# to catch what only gcc warns about), then runs every ctest test: cmocka
# unit tests, bounded libFuzzer runs, the CLI and the install package, and integration tests
# against moto, kinesalite and kinesis-local started on 127.0.0.1; then the unit tests of the gcc
# build. Under CI=true a server that cannot start is a failure, not a skip.
#   KINESIS_FUZZ_SECONDS  seconds per fuzz target (default 30)
#   KINESIS_TEST_BUILD_DIR build directory (default build-test)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
build=${KINESIS_TEST_BUILD_DIR:-$repo/build-test}

bash tests/harness/install-deps.sh
CC=clang cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DKINESIS_BUILD_TESTS=ON \
    -DKINESIS_SANITIZE=ON -DKINESIS_FUZZ=ON -DKINESIS_BUILD_BENCHMARKS=ON \
    -DKINESIS_FUZZ_SECONDS="${KINESIS_FUZZ_SECONDS:-30}" >/dev/null
cmake --build "$build" -j"$(nproc)"
# The same sources with gcc, optimised, as the demo and firmware builds compile them: gcc warns
# about things clang does not (format truncation, implicit declarations), and -Werror holds.
cmake -S . -B "$build/gcc-release" -DCMAKE_C_COMPILER=gcc -DCMAKE_BUILD_TYPE=Release \
    -DKINESIS_BUILD_TESTS=ON -DKINESIS_BUILD_BENCHMARKS=ON >/dev/null
cmake --build "$build/gcc-release" -j"$(nproc)"
cd "$build"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ctest --output-on-failure -j"$(nproc)"
# The unit tests once more as the gcc build optimised them: what runs much faster there (records
# queued before the first request leaves, say) must hold too.
cd "$build/gcc-release"
ctest --output-on-failure -j"$(nproc)" -L unit
