"""aggregate / deaggregate / deaggregate_lambda_event, cross-checked with the C CLI."""
import base64
import json
import os
import shutil
import subprocess

import pytest

import libkinesis
from libkinesis import UserRecord, aggregate, deaggregate, deaggregate_lambda_event
from conftest import REPO, create_stream, read_all


def records(n, size=20):
    out = []
    for i in range(n):
        r = {"PartitionKey": "key-%d" % (i % 37), "Data": (b"%06d" % i) * (size // 6 + 1)}
        if i % 5 == 0:
            r["ExplicitHashKey"] = str(i * 12345678901234567890)
        out.append(r)
    return out


def test_round_trip_in_order():
    recs = records(5000, 300)
    packed = aggregate(recs)
    assert len(packed) > 1  # more than 1 MiB: split over several aggregates
    for p in packed:
        assert p["PartitionKey"] == "a"
        assert p["Data"][:4] == libkinesis.aggregation.AGG_MAGIC
        assert len(p["Data"]) + 1 <= 1048576
        assert int(p["ExplicitHashKey"]) < 2 ** 128
    out = list(deaggregate(dict(p, SequenceNumber=str(i)) for i, p in enumerate(packed)))
    assert [(u.partition_key, u.explicit_hash_key, u.data) for u in out] == [
        (r["PartitionKey"], r.get("ExplicitHashKey"), r["Data"]) for r in recs]
    assert all(isinstance(u, UserRecord) and u.aggregated for u in out)
    # sub-sequence numbers count from 0 inside each aggregate
    firsts = [u for u in out if u.sub_sequence_number == 0]
    assert len(firsts) == len(packed)


def test_limits_and_single_record():
    assert aggregate([]) == []
    single = aggregate([{"PartitionKey": "k", "Data": b"alone"}])
    assert single == [{"PartitionKey": "k", "Data": b"alone"}]
    forced = aggregate([{"PartitionKey": "k", "Data": b"alone"}], always_aggregate=True)
    assert forced[0]["PartitionKey"] == "a" and forced[0]["Data"][:4] == b"\xf3\x89\x9a\xc2"
    small = aggregate(records(100), max_records=10)
    assert len(small) == 10
    with pytest.raises(libkinesis.ParamValidationError):
        aggregate([{"PartitionKey": "", "Data": b"x"}])
    with pytest.raises(libkinesis.ParamValidationError):
        aggregate([{"PartitionKey": "k", "ExplicitHashKey": "-1", "Data": b"x"}])
    with pytest.raises(libkinesis.ParamValidationError):
        aggregate([{"PartitionKey": "k", "Data": b"x" * 2000000}])


def test_plain_and_corrupt_records_pass_through():
    plain = [{"Data": b"not aggregated", "PartitionKey": "p", "SequenceNumber": "7"}]
    out = list(deaggregate(plain, shard_id="shardId-000000000001"))
    assert len(out) == 1 and out[0].data == b"not aggregated" and not out[0].aggregated
    assert out[0].shard_id == "shardId-000000000001" and out[0].sequence_number == "7"
    blob = bytearray(aggregate(records(3), always_aggregate=True)[0]["Data"])
    blob[-1] ^= 1  # MD5 mismatch: the KCL hands it over as one ordinary record
    out = list(deaggregate([{"Data": bytes(blob), "PartitionKey": "a"}]))
    assert len(out) == 1 and out[0].data == bytes(blob) and out[0].partition_key == "a"


def test_lambda_event():
    packed = aggregate(records(10), always_aggregate=True)
    event = {"Records": [
        {"kinesis": {"kinesisSchemaVersion": "1.0", "partitionKey": p["PartitionKey"],
                     "sequenceNumber": "4959%d" % i,
                     "data": base64.b64encode(p["Data"]).decode(),
                     "approximateArrivalTimestamp": 1545084650.987},
         "eventSource": "aws:kinesis", "eventID": "shardId-000000000006:4959%d" % i,
         "eventName": "aws:kinesis:record",
         "eventSourceARN": "arn:aws:kinesis:us-east-2:123456789012:stream/lambda-stream"}
        for i, p in enumerate(packed)]
        + [{"kinesis": {"partitionKey": "plain", "sequenceNumber": "1",
                        "data": base64.b64encode(b"plain data").decode(),
                        "approximateArrivalTimestamp": 1545084650.987},
            "eventID": "shardId-000000000006:1"}]}
    out = list(deaggregate_lambda_event(event))
    assert len(out) == 11
    assert [u.data for u in out[:10]] == [r["Data"] for r in records(10)]
    assert out[-1].data == b"plain data" and out[-1].partition_key == "plain"
    assert all(u.shard_id == "shardId-000000000006" for u in out)
    assert out[0].approximate_arrival_timestamp.timestamp() == pytest.approx(1545084650.987)
    assert out[3].sub_sequence_number == 3 and out[3].sequence_number == "49590"


def cli():
    path = os.environ.get("KINESIS_CLI") or shutil.which("kinesis")
    for cand in [path] + [os.path.join(REPO, d, "lib", "kinesis")
                          for d in ("build-test", "build", "build-py", "build-cli")]:
        if cand and os.access(cand, os.X_OK):
            return cand
    if os.environ.get("CI") == "true":
        pytest.fail("the kinesis CLI was not found (KINESIS_CLI)")
    pytest.skip("the kinesis CLI was not found (set KINESIS_CLI)")


def as_json_lines(recs):
    lines = []
    for r in recs:
        d = {"PartitionKey": r["PartitionKey"]}
        if "ExplicitHashKey" in r:
            d["ExplicitHashKey"] = r["ExplicitHashKey"]
        d["Data"] = base64.b64encode(r["Data"]).decode()
        lines.append(json.dumps(d))
    return "\n".join(lines) + "\n"


def test_cross_check_with_cli():
    """Same input: the CLI's aggregates equal ours byte for byte, and each side unpacks the
    other's."""
    exe = cli()
    recs = records(3000, 500)
    p = subprocess.run([exe, "aggregate"], input=as_json_lines(recs), capture_output=True,
                       text=True, check=True)
    theirs = [json.loads(line) for line in p.stdout.splitlines()]
    ours = aggregate(recs)
    assert len(theirs) == len(ours) > 1
    for t, o in zip(theirs, ours):
        assert base64.b64decode(t["Data"]) == o["Data"]
        assert t["PartitionKey"] == o["PartitionKey"]
        assert t.get("ExplicitHashKey") == o.get("ExplicitHashKey")
    p = subprocess.run([exe, "deaggregate"], input=as_json_lines(ours), capture_output=True,
                       text=True, check=True)
    users = [json.loads(line) for line in p.stdout.splitlines()]
    assert [(u["PartitionKey"], u.get("ExplicitHashKey"), base64.b64decode(u["Data"]))
            for u in users] == [(r["PartitionKey"], r.get("ExplicitHashKey"), r["Data"])
                                for r in recs]
    mine = list(deaggregate({"Data": base64.b64decode(t["Data"]),
                             "PartitionKey": t["PartitionKey"]} for t in theirs))
    assert [u.data for u in mine] == [r["Data"] for r in recs]


def test_aggregated_through_the_service(client):
    name = create_stream(client, shards=2)
    recs = records(2000, 100)
    packed = aggregate(recs)
    for i in range(0, len(packed), 500):
        r = client.put_records(StreamName=name, Records=packed[i:i + 500])
        assert r["FailedRecordCount"] == 0
    got = list(deaggregate(read_all(client, name)))
    assert sorted(u.data for u in got) == sorted(r["Data"] for r in recs)
