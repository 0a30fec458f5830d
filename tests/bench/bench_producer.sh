#!/bin/sh
# Producer benchmark (not a test): one run, the same records (100 B, random keys) into 4-shard
# streams on kinesalite: boto3 put_records in batches of 500, our producer without aggregation, our
# producer with aggregation (records lent with put_batch, lent one put() each, and copied by the
# producer as it does by default). Prints `BENCH <name> <value> <unit>` lines (records/s, client
# CPU seconds per million records, peak RSS) and the CPU ratios against boto3. Each client sends
# the records 1 + BENCH_STEADY_PASSES (default 3) times: `_cold_` lines are the first pass
# (one-time costs of a fresh process), the others the median of the rest (steady state, the
# figures the targets are about). Beside them, the least any producer of these records over
# libcurl spends without aggregation (bench_producer --send: prebuilt PutRecords bodies signed and
# sent, nothing else) and the ratio boto3 over it: no producer without aggregation over libcurl can
# exceed it; and the same with aggregation (--send-agg: keys hashed, records aggregated per shard,
# MD5, base64, signed and sent, with this library's codecs, nothing else). All these clients run
# at once and are measured in turns, one pass each per round (bench_producer_turns.py), so that
# all of them meet the same drift of the machine's speed.
# Usage: tests/bench/bench_producer.sh [BUILD_DIR]   (a Release build with benchmarks:
#   cmake -B build-rel -DCMAKE_BUILD_TYPE=Release -DKINESIS_BUILD_BENCHMARKS=ON -DKINESIS_BUILD_CLI=ON
#   && cmake --build build-rel). Builds nothing. Env: BENCH_RECORDS (default 200000).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-}
if [ -z "$build" ]; then
    for c in "$root"/build-rel "$root"/build-prod-rel "$root"/build*; do
        if [ -x "$c/tests/bench_producer" ]; then build=$c; break; fi
    done
fi
bin=$build/tests/bench_producer
[ -n "$build" ] && [ -x "$bin" ] || { echo "bench_producer not found; pass the build dir" >&2; exit 2; }
export BENCH_BIN="$bin" BENCH_N="${BENCH_RECORDS:-200000}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
BENCH_LOG_DIR=$tmp python3 "$root/tests/harness/with_servers.py" --servers kinesalite --quiet -- \
    python3 "$here/bench_producer_turns.py"
