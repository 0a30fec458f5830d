"""Shared fixtures: clients for the local servers that tests/harness/with_servers.py started.

Run (from the repository root) as the README's test command does:
    tests/harness/with_servers.py --servers kinesalite,kinesis-local -- \
        /usr/bin/python3 -m pytest bindings/python/tests
LIBKINESIS_LIBRARY should name a libkinesis.so built without sanitizers.
"""
import os
import sys
import time
import uuid

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "src"))

import libkinesis  # noqa: E402

SERVERS = {"kinesalite": "KINESIS_TEST_KINESALITE_ENDPOINT",
           "kinesis-local": "KINESIS_TEST_KINESIS_LOCAL_ENDPOINT"}
REPO = os.path.normpath(os.path.join(HERE, "..", "..", ".."))


def endpoint(name):
    url = os.environ.get(SERVERS[name])
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail("%s is not running (%s unset) under CI" % (name, SERVERS[name]))
        pytest.skip("%s not started (run under tests/harness/with_servers.py)" % name)
    return url


def make_client(name, **kw):
    kw.setdefault("region_name", "us-east-1")
    kw.setdefault("aws_access_key_id", "test")
    kw.setdefault("aws_secret_access_key", "test")
    return libkinesis.Client(endpoint_url=endpoint(name), **kw)


@pytest.fixture(params=sorted(SERVERS))
def server(request):
    """Each test using this runs once per local server."""
    return request.param


@pytest.fixture
def client(server):
    c = make_client(server)
    yield c
    c.close()


@pytest.fixture
def kinesalite():
    c = make_client("kinesalite")
    yield c
    c.close()


def unique(prefix="py"):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:12])


def create_stream(client, shards=1, name=None):
    name = name or unique()
    client.create_stream(StreamName=name, ShardCount=shards)
    wait_active(client, name)
    return name


def wait_active(client, name, timeout=30):
    deadline = time.time() + timeout
    while True:
        s = client.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]
        if s["StreamStatus"] == "ACTIVE":
            return
        if time.time() > deadline:
            raise AssertionError("stream %s not ACTIVE after %ss" % (name, timeout))
        time.sleep(0.05)


def read_all(client, name, shard_id=None):
    """Every record of a stream (or one shard), in shard then sequence order."""
    out = []
    shards = [shard_id] if shard_id else [
        s["ShardId"] for s in client.list_shards(StreamName=name)["Shards"]]
    for sid in shards:
        it = client.get_shard_iterator(StreamName=name, ShardId=sid,
                                       ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        while it:
            r = client.get_records(ShardIterator=it, Limit=10000)
            out.extend(r["Records"])
            if not r["Records"] and r.get("MillisBehindLatest", 0) == 0:
                break
            it = r.get("NextShardIterator")
    return out
