#!/usr/bin/env bash
# Python bindings benchmark: boto3 vs libkinesis (Producer/Consumer) client CPU per million
# records against one kinesalite. Builds a plain (non-sanitized) libkinesis.so in build-bench-py
# unless LIBKINESIS_LIBRARY is set. Uses the python3 on PATH (it needs boto3).
#   BENCH_RECORDS (default 100000), BENCH_RECORD_BYTES (default 100)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
if [ -z "${LIBKINESIS_LIBRARY:-}" ]; then
    build=$repo/build-bench-py
    CC=${CC:-clang} cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=Release -DKINESIS_BUILD_CLI=OFF \
        -DKINESIS_BUILD_EXAMPLES=OFF >/dev/null
    cmake --build "$build" -j"$(nproc)" --target kinesis_shared >/dev/null
    export LIBKINESIS_LIBRARY=$build/lib/libkinesis.so
fi
exec python3 "$repo/tests/harness/with_servers.py" --quiet --servers kinesalite -- \
    python3 "$repo/tests/bench/bench_python.py"
