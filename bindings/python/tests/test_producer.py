"""Producer: futures with delivery reports, aggregation, back-pressure, flush and close."""
import time
from concurrent.futures import Future

import pytest

import libkinesis
from libkinesis._ffi import lib
from conftest import create_stream, read_all

pytestmark = pytest.mark.skipif(not hasattr(lib, "kinesis_producer_new"),
                                reason="libkinesis.so has no producer")


def test_put_round_trip_aggregated(client):
    name = create_stream(client, shards=2)
    with libkinesis.Producer(client, linger_ms=20) as p:
        futs = [p.put(name, b"record-%d" % i, "key-%d" % (i % 50)) for i in range(3000)]
        assert all(isinstance(f, Future) for f in futs)
        p.flush(timeout=60)
        reports = [f.result(timeout=0) for f in futs]
    shards = {r.shard_id for r in reports}
    assert shards <= {"shardId-000000000000", "shardId-000000000001"} and len(shards) == 2
    assert any(r.sub_sequence_number > 0 for r in reports)  # aggregated
    got = list(libkinesis.deaggregate(read_all(client, name)))
    assert sorted(u.data for u in got) == sorted(b"record-%d" % i for i in range(3000))
    # Each report names where its record is stored.
    by_pos = {(u.sequence_number, u.sub_sequence_number): u.data for u in got}
    for i, r in enumerate(reports[:200]):
        assert by_pos[(r.sequence_number, r.sub_sequence_number)] == b"record-%d" % i


def test_explicit_hash_key_and_errors(kinesalite):
    name = create_stream(kinesalite, shards=2)
    with libkinesis.Producer(kinesalite, aggregation=False) as p:
        f = p.put(name, b"high", "k", explicit_hash_key=str(2 ** 128 - 1))
        assert f.result(timeout=30).shard_id == "shardId-000000000001"
        with pytest.raises(libkinesis.ParamValidationError):
            p.put(name, b"x", "")
        with pytest.raises(libkinesis.ParamValidationError):
            p.put(name, b"x", "k", explicit_hash_key="abc")
        missing = p.put("no-such-stream-%d" % time.time_ns(), b"x", "k")
        with pytest.raises(libkinesis.KinesisError):
            missing.result(timeout=60)
    with pytest.raises(libkinesis.KinesisError, match="closed"):
        p.put(name, b"x", "k")


def test_back_pressure_raises_or_blocks(kinesalite):
    name = create_stream(kinesalite)
    # Fail fast: a tiny buffer and a long linger fill up at once.
    with libkinesis.Producer(kinesalite, block=False, max_buffer_records=10,
                             linger_ms=2000) as p:
        futs = [p.put(name, b"x", "k") for _ in range(10)]
        with pytest.raises(libkinesis.QueueFullError):
            p.put(name, b"x", "k")
        p.flush(timeout=30)
        assert all(f.result().shard_id for f in futs)
    # Blocking: put waits for space and every record still arrives.
    with libkinesis.Producer(kinesalite, block=True, put_timeout=30, max_buffer_records=20,
                             linger_ms=5) as p:
        futs = [p.put(name, b"y%d" % i, "k%d" % i) for i in range(500)]
        p.flush(timeout=60)
        assert all(f.result().sequence_number for f in futs)
        assert p.outstanding == 0
    # Blocking with a timeout that expires: QueueFullError after about put_timeout.
    with libkinesis.Producer(kinesalite, block=True, put_timeout=0.2, max_buffer_records=5,
                             linger_ms=5000) as p:
        for _ in range(5):
            p.put(name, b"z", "k")
        t = time.monotonic()
        with pytest.raises(libkinesis.QueueFullError):
            p.put(name, b"z", "k")
        assert 0.15 < time.monotonic() - t < 5


def test_options_are_validated(kinesalite):
    with pytest.raises(TypeError):
        libkinesis.Producer(kinesalite, no_such_option=1)
    with pytest.raises(libkinesis.ConfigurationError):
        libkinesis.Producer(kinesalite, max_in_flight=0)


def test_stats_and_repeated_create_destroy(kinesalite):
    name = create_stream(kinesalite)
    for _ in range(10):
        p = libkinesis.Producer(kinesalite, linger_ms=1)
        p.put(name, b"x", "k").result(timeout=30)
        assert isinstance(p.stats(), dict)
        p.close()
