"""Client: boto3 method names, parameters and response shapes; round trips on both servers."""
import datetime
import os
import subprocess
import sys

import pytest

import libkinesis
from conftest import REPO, create_stream, make_client, read_all, unique


def test_put_record_round_trip(client):
    name = create_stream(client, shards=2)
    r = client.put_record(StreamName=name, Data=b"hello \x00\xff", PartitionKey="pk-1")
    assert set(r) >= {"ShardId", "SequenceNumber", "ResponseMetadata"}
    assert r["ShardId"].startswith("shardId-")
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 200
    recs = read_all(client, name, r["ShardId"])
    assert len(recs) == 1
    rec = recs[0]
    assert rec["Data"] == b"hello \x00\xff"
    assert rec["PartitionKey"] == "pk-1"
    assert rec["SequenceNumber"] == r["SequenceNumber"]
    ts = rec["ApproximateArrivalTimestamp"]
    assert isinstance(ts, datetime.datetime) and ts.tzinfo is not None
    now = datetime.datetime.now(datetime.timezone.utc)
    assert abs((now - ts).total_seconds()) < 600
    client.delete_stream(StreamName=name)


def test_put_records_and_blob_types(client):
    name = create_stream(client)
    entries = [
        {"Data": b"bytes", "PartitionKey": "a"},
        {"Data": bytearray(b"bytearray"), "PartitionKey": "b"},
        {"Data": "text \u00e9", "PartitionKey": "c"},
        {"Data": memoryview(b"view"), "PartitionKey": "d", "ExplicitHashKey": "1"},
    ]
    r = client.put_records(StreamName=name, Records=entries)
    assert r["FailedRecordCount"] == 0
    assert len(r["Records"]) == 4 and all("SequenceNumber" in e for e in r["Records"])
    got = [x["Data"] for x in read_all(client, name)]
    assert got == [b"bytes", b"bytearray", "text \u00e9".encode(), b"view"]


def test_describe_and_timestamps(client):
    name = create_stream(client)
    d = client.describe_stream(StreamName=name)["StreamDescription"]
    assert d["StreamName"] == name and d["StreamStatus"] == "ACTIVE"
    created = d["StreamCreationTimestamp"]
    assert isinstance(created, datetime.datetime) and created.tzinfo is not None
    s = client.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]
    assert s["OpenShardCount"] == 1
    client.put_record(StreamName=name, Data=b"x", PartitionKey="k")
    # A timestamp parameter accepts a datetime (serialized as epoch seconds).
    shard = client.list_shards(StreamName=name)["Shards"][0]["ShardId"]
    it = client.get_shard_iterator(StreamName=name, ShardId=shard, ShardIteratorType="AT_TIMESTAMP",
                                   Timestamp=created - datetime.timedelta(seconds=5))
    recs = client.get_records(ShardIterator=it["ShardIterator"])["Records"]
    assert [r["Data"] for r in recs] == [b"x"]


def test_list_streams_paginator_and_tags(client):
    names = [create_stream(client) for _ in range(3)]
    seen = []
    for page in client.get_paginator("list_streams").paginate(PaginationConfig={"PageSize": 2}):
        seen.extend(page["StreamNames"])
    assert set(names) <= set(seen)
    assert client.can_paginate("list_shards") and not client.can_paginate("put_record")
    client.add_tags_to_stream(StreamName=names[0], Tags={"team": "data", "env": "test"})
    tags = client.list_tags_for_stream(StreamName=names[0])["Tags"]
    assert {t["Key"]: t["Value"] for t in tags} == {"team": "data", "env": "test"}


def test_waiters(kinesalite):
    name = unique()
    kinesalite.create_stream(StreamName=name, ShardCount=1)
    kinesalite.get_waiter("stream_exists").wait(StreamName=name,
                                                 WaiterConfig={"Delay": 0.05, "MaxAttempts": 200})
    kinesalite.delete_stream(StreamName=name)
    kinesalite.get_waiter("stream_not_exists").wait(StreamName=name,
                                                     WaiterConfig={"Delay": 0.05,
                                                                   "MaxAttempts": 200})


def test_call_json_reaches_any_operation(kinesalite):
    r = kinesalite.call_json("ListStreams", {"Limit": 1})
    assert "StreamNames" in r and "HasMoreStreams" in r
    r = kinesalite.call_json("ListStreams", '{"Limit": 1}')
    assert "StreamNames" in r


def test_every_operation_is_a_method():
    from libkinesis import _model
    for py_name, spec in _model.OPERATIONS.items():
        assert callable(getattr(libkinesis.Client, py_name)), py_name
        assert getattr(libkinesis.Client, py_name).__doc__
    assert len(_model.OPERATIONS) == 39


def test_config_from_environment(monkeypatch):
    url = os.environ.get("KINESIS_TEST_KINESALITE_ENDPOINT")
    if not url:
        pytest.skip("kinesalite not started")
    monkeypatch.setenv("AWS_ENDPOINT_URL_KINESIS", url)
    monkeypatch.setenv("AWS_REGION", "eu-west-3")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "envkey")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "envsecret")
    with libkinesis.Client() as c:
        assert c.meta.endpoint_url == url
        assert c.meta.region_name == "eu-west-3"
        assert "StreamNames" in c.list_streams()


def test_boto3_style_config_object():
    class Config:  # duck-typed botocore.config.Config
        connect_timeout = 1
        read_timeout = 2
        retries = {"max_attempts": 0}

    with libkinesis.Client(region_name="us-east-1", endpoint_url="http://127.0.0.1:1",
                           aws_access_key_id="a", aws_secret_access_key="b",
                           config=Config()) as c:
        with pytest.raises(libkinesis.EndpointConnectionError) as ei:
            c.list_streams()
        assert ei.value.attempts == 1


def test_library_not_found_names_where_it_looked():
    env = dict(os.environ, LIBKINESIS_LIBRARY="/nonexistent/libkinesis.so",
               PYTHONPATH=os.path.join(REPO, "bindings", "python", "src"))
    p = subprocess.run([sys.executable, "-c", "import libkinesis"], env=env, cwd=REPO,
                       capture_output=True, text=True,
                       )
    assert p.returncode != 0
    assert "LibraryNotFoundError" in p.stderr and "/nonexistent/libkinesis.so" in p.stderr
