"""Consumer: iterator and callback modes, checkpoints across a shard split, close/stop."""
import threading
import time

import pytest

import libkinesis
from libkinesis._ffi import lib
from conftest import create_stream, wait_active

pytestmark = pytest.mark.skipif(not hasattr(lib, "kinesis_consumer_new"),
                                reason="libkinesis.so has no consumer")

FAST = dict(idle_interval_ms=50, min_call_interval_ms=20, shard_sync_interval_ms=200)


def put_all(client, name, start, count):
    with libkinesis.Producer(client, linger_ms=5) as p:
        futs = [p.put(name, b"r%06d" % i, "key-%d" % (i % 20)) for i in range(start, start + count)]
        p.flush(timeout=60)
    return [f.result() for f in futs]


def test_iterate_across_split_with_checkpoint(client, tmp_path):
    name = create_stream(client, shards=1)
    cp = tmp_path / "cp.json"
    put_all(client, name, 0, 300)
    seen = []
    with libkinesis.Consumer(client, name, checkpoint_path=str(cp), idle_exit=2, **FAST) as c:
        for rec in c:
            assert isinstance(rec, libkinesis.UserRecord)
            assert rec.shard_id == "shardId-000000000000" and rec.approximate_arrival_timestamp
            seen.append(rec.data)
            if len(seen) == 120:
                break
    assert cp.exists()
    # Split the shard at the middle of the hash range, then write more records.
    shard = client.list_shards(StreamName=name)["Shards"][0]
    client.split_shard(StreamName=name, ShardToSplit=shard["ShardId"],
                       NewStartingHashKey=str(2 ** 127))
    wait_active(client, name)
    put_all(client, name, 300, 300)
    rest = []
    by_key = {}
    with libkinesis.Consumer(client, name, checkpoint_path=str(cp), idle_exit=2, **FAST) as c:
        for rec in c:
            rest.append(rec.data)
            by_key.setdefault(rec.partition_key, []).append(rec.data)
        shards = {s for s in c._shards.values()}
    # Nothing lost, nothing delivered twice: the second consumer starts right after the first.
    assert seen + sorted(rest) == sorted(seen + rest)
    assert sorted(seen + rest) == [b"r%06d" % i for i in range(600)]
    assert not set(seen) & set(rest)
    assert len(shards) == 3  # the parent, then both children
    for key, datas in by_key.items():  # per key, sequence order across the split
        assert datas == sorted(datas), key


def test_callback_mode_and_stop(kinesalite, tmp_path):
    name = create_stream(kinesalite, shards=2)
    put_all(kinesalite, name, 0, 200)
    got = []
    c = libkinesis.Consumer(kinesalite, name, idle_exit=1.5, **FAST)
    threads = set()

    def on_record(rec):
        threads.add(threading.get_ident())
        got.append(rec.data)

    c.run(on_record)
    assert sorted(got) == [b"r%06d" % i for i in range(200)]
    assert threading.get_ident() not in threads  # called from the consumer's thread
    c.close()
    # A callback returning False stops it; an exception propagates to run()'s caller.
    c = libkinesis.Consumer(kinesalite, name, **FAST)
    n = []
    c.run(lambda rec: n.append(1) or len(n) < 10)
    assert len(n) == 10
    c.close()
    c = libkinesis.Consumer(kinesalite, name, **FAST)

    def boom(rec):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        c.run(boom)
    c.close()


def test_close_from_another_thread_ends_iteration(kinesalite):
    name = create_stream(kinesalite)
    c = libkinesis.Consumer(kinesalite, name, start="LATEST", **FAST)
    threading.Timer(0.5, c.stop).start()
    t = time.monotonic()
    assert list(c) == []
    assert time.monotonic() - t < 5
    c.close()
    c.close()


def test_errors(kinesalite):
    c = libkinesis.Consumer(kinesalite, "no-such-stream-%d" % time.time_ns(), **FAST)
    with pytest.raises(libkinesis.ResourceNotFoundException):
        next(iter(c))
    c.close()
    with pytest.raises(TypeError):
        libkinesis.Consumer(kinesalite, "s", bogus=1)


def test_repeated_create_destroy(kinesalite, tmp_path):
    name = create_stream(kinesalite)
    put_all(kinesalite, name, 0, 10)
    for i in range(10):
        with libkinesis.Consumer(kinesalite, name, checkpoint_path=str(tmp_path / ("c%d" % i)),
                                 idle_exit=0.3, **FAST) as c:
            assert len(list(c)) == 10


def test_iterator_fields_and_exact_checkpoints(kinesalite, tmp_path):
    # Records come in packed batches; only those the iterator yielded count at close().
    name = create_stream(kinesalite, shards=1)
    with libkinesis.Producer(kinesalite, linger_ms=5) as p:
        futs = [p.put(name, b"r%06d" % i, "key-%d" % (i % 20),
                      explicit_hash_key="12345" if i % 7 == 0 else None) for i in range(60)]
        p.flush(timeout=60)
    for f in futs:
        f.result()
    cp = str(tmp_path / "cp.json")
    got = []
    with libkinesis.Consumer(kinesalite, name, checkpoint_path=cp, idle_exit=1, **FAST) as c:
        got.append(next(c))
    with libkinesis.Consumer(kinesalite, name, checkpoint_path=cp, idle_exit=1, **FAST) as c:
        got.append(next(c))  # next() and iteration share one stream
        for rec in c:
            got.append(rec)
            if len(got) == 8:
                break
    with libkinesis.Consumer(kinesalite, name, checkpoint_path=cp, idle_exit=1, **FAST) as c:
        got.extend(c)
    assert [r.data for r in got] == [b"r%06d" % i for i in range(60)]
    for i, r in enumerate(got):
        assert r.partition_key == "key-%d" % (i % 20)
        assert r.explicit_hash_key == ("12345" if i % 7 == 0 else None)
        assert r.shard_id == "shardId-000000000000"
        assert isinstance(r.sequence_number, str) and r.sequence_number.isdigit()
        assert r.approximate_arrival_timestamp.tzinfo is not None
    # Members of one aggregate share a sequence number and count up their sub-sequence numbers.
    for a, b in zip(got, got[1:]):
        if a.sequence_number == b.sequence_number:
            assert b.aggregated and b.sub_sequence_number == a.sub_sequence_number + 1
