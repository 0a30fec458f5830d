#!/usr/bin/env bash
# The README's first command: from a fresh machine to records flowing.
# Installs what is missing, builds libkinesis, starts a local Kinesis (kinesalite on 127.0.0.1)
# unless an endpoint is configured (AWS_ENDPOINT_URL_KINESIS or AWS_ENDPOINT_URL), then runs the
# producer -> consumer example (the libkinesis producer with KPL aggregation, the consumer with
# checkpoints) and shows the stream with the kinesis CLI.
#   KINESIS_DEMO_RECORDS  how many records to put (default 20000)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
records=${KINESIS_DEMO_RECORDS:-20000}
build=${KINESIS_DEMO_BUILD_DIR:-$repo/build-demo}

echo "== 1/3 installing what is missing"
bash tests/harness/install-deps.sh

echo "== 2/3 building libkinesis (Release) in $build"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DKINESIS_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null
echo "built $(ls "$build"/lib/libkinesis.so.* | head -1) and $build/lib/kinesis"

stream="demo-$(date +%s)"
run_pipeline() {  # $1 = endpoint URL
    local endpoint=$1 checkpoints
    checkpoints=$(mktemp -d)
    echo "== 3/3 producer -> consumer on $endpoint, stream $stream"
    "$build/examples/producer" --endpoint-url "$endpoint" --stream-name "$stream" --count "$records" --shards 2
    "$build/examples/consumer" --endpoint-url "$endpoint" --stream-name "$stream" --expect "$records" \
        --checkpoint-dir "$checkpoints"
    echo "-- a second consumer run resumes from the checkpoints: nothing left to read"
    "$build/examples/consumer" --endpoint-url "$endpoint" --stream-name "$stream" --expect 0 \
        --checkpoint-dir "$checkpoints" --print 0
    echo "-- the stream, as the kinesis CLI sees it:"
    "$build/lib/kinesis" --endpoint-url "$endpoint" describe-stream-summary --stream-name "$stream"
    rm -rf "$checkpoints"
}

configured=${AWS_ENDPOINT_URL_KINESIS:-${AWS_ENDPOINT_URL:-}}
if [ -n "$configured" ]; then
    run_pipeline "$configured"
else
    echo "== starting kinesalite on 127.0.0.1 (no endpoint configured)"
    export -f run_pipeline
    export build stream records
    python3 tests/harness/with_servers.py --quiet --servers kinesalite -- \
        bash -c 'run_pipeline "$KINESIS_TEST_KINESALITE_ENDPOINT"'
fi
echo "== demo done: $records records went through $stream"
