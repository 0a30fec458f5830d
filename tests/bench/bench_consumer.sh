#!/bin/sh
# Consumer benchmark (not a test): N user records, plain and KPL-aggregated, read back from
# kinesalite with a boto3 get_records loop and with the libkinesis consumer in one run; prints
# BENCH lines (user records/s, client CPU s per million user records, boto3/consumer CPU ratio).
# Usage: tests/bench/bench_consumer.sh [BUILD_DIR]   (a Release build with benchmarks and the CLI:
#   cmake -B build-rel -DCMAKE_BUILD_TYPE=Release -DKINESIS_BUILD_BENCHMARKS=ON -DKINESIS_BUILD_CLI=ON
#   && cmake --build build-rel)
# Env: BENCH_RECORDS (default 100000), BENCH_AGG_RECORDS (user records of the aggregated stream,
# default BENCH_RECORDS), BENCH_RECORD_BYTES (default 100), BENCH_STEADY_PASSES (reads of each
# stream after the first, cold one, default 3; the headline figures are their median).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-$root/build-rel}
bin=$build/tests/bench_consumer
cli=$build/lib/kinesis
[ -x "$bin" ] && [ -x "$cli" ] || { echo "need $bin and $cli (see the usage above)" >&2; exit 2; }
exec python3 "$root/tests/harness/with_servers.py" --servers kinesalite --quiet -- \
    python3 "$here/bench_consumer.py" "$bin" "$cli"
