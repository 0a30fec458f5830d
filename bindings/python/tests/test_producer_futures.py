"""Producer futures: the concurrent.futures API of the per-record Future, exactly-once resolution
with the right positions, failures, back-pressure and close against a server that never answers,
threads, callbacks on the report thread, and C memory over repeated create/destroy."""
import concurrent.futures as cf
import gc
import socket
import threading
import time
from collections import Counter

import pytest

import libkinesis
from libkinesis._ffi import lib
from conftest import create_stream, read_all, unique

pytestmark = pytest.mark.skipif(not hasattr(lib, "kinesis_producer_new"),
                                reason="libkinesis.so has no producer")


class StalledServer:
    """Accepts TCP connections and never answers: requests hang until the client's timeout."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.conns = []
        self.stop = False
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.sock.getsockname()[1]

    def _accept(self):
        self.sock.settimeout(0.1)
        while not self.stop:
            try:
                self.conns.append(self.sock.accept()[0])
            except OSError:
                pass

    def close(self):
        self.stop = True
        self.thread.join()
        for c in self.conns:
            c.close()
        self.sock.close()


@pytest.fixture
def stalled():
    s = StalledServer()
    c = libkinesis.Client(region_name="us-east-1", endpoint_url=s.url, aws_access_key_id="a",
                          aws_secret_access_key="b", max_attempts=1, connect_timeout=1,
                          read_timeout=1)
    yield c
    c.close()
    s.close()


def test_future_api_while_pending_and_after(kinesalite):
    name = create_stream(kinesalite)
    with libkinesis.Producer(kinesalite, linger_ms=60000) as p:
        fut = p.put(name, b"pending", "k")
        assert isinstance(fut, cf.Future)
        assert fut.running() and not fut.done() and not fut.cancelled()
        assert fut.cancel() is False  # queued records cannot be called back
        assert "running" in repr(fut)
        with pytest.raises(cf.TimeoutError):
            fut.result(timeout=0.05)
        with pytest.raises(cf.TimeoutError):
            fut.exception(timeout=0.01)
        done, not_done = cf.wait([fut], timeout=0.01)
        assert not done and not_done == {fut}
        seen = []
        fut.add_done_callback(lambda f: seen.append((f, threading.current_thread().name)))
        with pytest.raises(RuntimeError):
            fut.set_result(None)
        with pytest.raises(RuntimeError):
            fut.set_running_or_notify_cancel()
        pool = cf.ThreadPoolExecutor(1)
        waiter = pool.submit(fut.result, 30)  # blocks in another thread
        p.flush(timeout=30)
        assert fut.done() and not fut.running() and not fut.cancelled()
        rep = fut.result(timeout=0)
        assert rep is fut.result() and rep is waiter.result(timeout=10)
        pool.shutdown()
        assert rep.shard_id == "shardId-000000000000" and rep.sequence_number
        assert rep.attempts >= 1 and rep.latency_ms >= 0 and isinstance(rep.aggregated, bool)
        assert fut.exception() is None and fut.exception(timeout=0) is None
        assert seen == [(fut, "libkinesis-reports")]
        late = []
        fut.add_done_callback(late.append)  # after completion: called at once, here
        assert late == [fut]
        assert "finished" in repr(fut) and "DeliveryReport" in repr(fut)
        done, not_done = cf.wait([fut], timeout=0)
        assert done == {fut} and not not_done


def test_wait_and_as_completed_across_resolution(kinesalite):
    name = create_stream(kinesalite, shards=2)
    with libkinesis.Producer(kinesalite, linger_ms=300) as p:
        futs = [p.put(name, b"r%d" % i, "k%d" % i) for i in range(2000)]
        # Installed before any resolves (linger 300 ms): the waiters must be told.
        got = list(cf.as_completed(futs, timeout=60))
        assert len(got) == 2000 and set(got) == set(futs)
        done, not_done = cf.wait(futs, timeout=0, return_when=cf.ALL_COMPLETED)
        assert len(done) == 2000 and not not_done
        more = [p.put(name, b"m%d" % i, "k%d" % i) for i in range(500)]
        first = cf.wait(more, timeout=60, return_when=cf.FIRST_COMPLETED)[0]
        assert first
        done, _ = cf.wait(more, timeout=60)
        assert len(done) == 500


def test_every_future_resolves_once_with_its_position(kinesalite):
    name = create_stream(kinesalite, shards=2)
    calls = Counter()
    n = 6000
    with libkinesis.Producer(kinesalite, linger_ms=20) as p:
        futs = []
        for i in range(n):
            f = p.put(name, b"rec-%06d" % i, "key-%d" % (i % 97))
            if i % 3 == 0:  # some with callbacks added while pending, some never looked at
                f.add_done_callback(lambda f: calls.update([id(f)]))
            futs.append(f)
        p.flush(timeout=60)
        assert p.outstanding == 0
    assert all(f.done() for f in futs)
    assert len(calls) == n // 3 and set(calls.values()) == {1}
    got = list(libkinesis.deaggregate(read_all(kinesalite, name)))
    by_pos = {(u.sequence_number, u.sub_sequence_number): u for u in got}
    assert len(by_pos) == n  # no duplicates, nothing lost
    for i, f in enumerate(futs):
        r = f.result()
        u = by_pos[(r.sequence_number, r.sub_sequence_number)]
        assert u.data == b"rec-%06d" % i and u.partition_key == "key-%d" % (i % 97)


def test_kept_futures_have_reports_when_the_rest_are_dropped(kinesalite):
    """The report thread decodes a take's strings only if some future of it is still held: the
    kept ones (every 10th) must get their right reports, also when asked for on another thread
    the moment they finish, and the dropped ones must be freed at once (no cycle, no reference
    left in the producer)."""
    import weakref

    name = create_stream(kinesalite, shards=2)
    n = 5000
    kept, dropped, polled = [], [], {}
    stop = threading.Event()

    def poll():  # races the report thread: result() right after done()
        while not stop.is_set():
            for i, f in list(kept):
                if i not in polled and f.done():
                    polled[i] = f.result()

    t = threading.Thread(target=poll)
    t.start()
    try:
        with libkinesis.Producer(kinesalite, linger_ms=20) as p:
            for i in range(n):
                f = p.put(name, b"rec-%06d" % i, "key-%d" % (i % 97))
                if i % 10 == 0:
                    kept.append((i, f))
                elif i % 10 == 5:
                    dropped.append(weakref.ref(f))
            del f
            p.flush(timeout=60)
    finally:
        stop.set()
        t.join()
    assert all(w() is None for w in dropped)  # freed by reference counting, without gc
    got = list(libkinesis.deaggregate(read_all(kinesalite, name)))
    by_pos = {(u.sequence_number, u.sub_sequence_number): u for u in got}
    assert len(by_pos) == n
    for i, f in kept:
        r = f.result()
        assert r.shard_id.startswith("shardId-")
        assert by_pos[(r.sequence_number, r.sub_sequence_number)].data == b"rec-%06d" % i
        if i in polled:
            assert polled[i] == r


def test_outcomes_are_stored_only_for_batches_somebody_holds(kinesalite, monkeypatch):
    """A batch of records whose futures were all dropped stores no outcome: its reports only go
    into the buffer accounting (no _Take is made for them); a batch with a held future stores
    every outcome, and the held ones resolve with their own reports. Nothing is left behind."""
    import libkinesis.producer as lp

    takes = []
    real_take = lp._Take

    class CountedTake(real_take):
        __slots__ = ()

        def __init__(self):
            takes.append(1)
            real_take.__init__(self)

    monkeypatch.setattr(lp, "_Take", CountedTake)
    name = create_stream(kinesalite, shards=2)
    n = 3000
    with libkinesis.Producer(kinesalite, linger_ms=20) as p:
        for i in range(n):
            p.put(name, b"drop-%06d" % i, "key-%d" % (i % 97))  # every future dropped
        p.flush(timeout=60)
        assert not takes and not p._core._batches and p.outstanding == 0
        held = [(i, p.put(name, b"one-%06d" % i, "key-%d" % (i % 97))) for i in range(n)]
        held = held[::700]  # one held future in each of a few batches, the rest dropped
        p.flush(timeout=60)
        assert takes and not p._core._batches and p.outstanding == 0
    by_pos = {(u.sequence_number, u.sub_sequence_number): u
              for u in libkinesis.deaggregate(read_all(kinesalite, name))}
    assert len(by_pos) == 2 * n
    for i, f in held:
        r = f.result(timeout=0)
        assert by_pos[(r.sequence_number, r.sub_sequence_number)].data == b"one-%06d" % i


def test_records_c_had_no_room_for_are_handed_over_again(kinesalite, monkeypatch):
    """When C takes only part of a batch (its buffer was full), the rest is staged again and
    handed over in a later batch: every future, held or with a callback registered before or
    after the first attempt, resolves once, with its own record's report."""
    import libkinesis.producer as lp

    real = lib.kinesis_producer_put_batch
    calls = []

    def half_full(handle, bt_ref, acc_ref, err_ref):
        bt = bt_ref._obj
        calls.append(bt.count)
        if len(calls) % 2 and bt.count > 1:  # every other call: room for half of the batch
            full = bt.count
            bt.count = full // 2
            try:
                st = real(handle, bt_ref, acc_ref, err_ref)
            finally:
                bt.count = full
            return st or lp._QUEUE_FULL
        return real(handle, bt_ref, acc_ref, err_ref)

    monkeypatch.setattr(lib, "kinesis_producer_put_batch", half_full)
    name = create_stream(kinesalite, shards=2)
    n = 4000
    called = Counter()
    with libkinesis.Producer(kinesalite, linger_ms=20) as p:
        futs = []
        for i in range(n):
            f = p.put(name, b"again-%06d" % i, "key-%d" % (i % 97))
            if i % 5 == 0:  # registered while staged, so before any hand-over
                f.add_done_callback(lambda f: called.update([id(f)]))
            futs.append(f)
        for f in futs[1::5]:  # and these after some hand-overs
            f.add_done_callback(lambda f: called.update([id(f)]))
        p.flush(timeout=60)
        assert p.outstanding == 0 and not p._core._batches
    assert any(c > 1 for c in calls[::2])  # some batches were cut in two
    assert len(called) == 2 * n // 5 and set(called.values()) == {1}
    by_pos = {(u.sequence_number, u.sub_sequence_number): u
              for u in libkinesis.deaggregate(read_all(kinesalite, name))}
    assert len(by_pos) == n
    for i, f in enumerate(futs):
        r = f.result(timeout=0)
        assert by_pos[(r.sequence_number, r.sub_sequence_number)].data == b"again-%06d" % i


def test_batch_numbers_running_out_is_a_full_buffer(kinesalite, monkeypatch):
    """With every batch number but half in use (here 8 numbers: millions in a real run), more
    records wait as for a full buffer, on both paths, and all go through once numbers are free."""
    import libkinesis.producer as lp

    monkeypatch.setattr(lp, "_BID_MASK", 7)
    name = create_stream(kinesalite, shards=2)
    seen = []
    real_new = lp._Core._new_batch

    def counting(self, n):
        b = real_new(self, n)
        seen.append(len(self._batches))
        return b

    monkeypatch.setattr(lp._Core, "_new_batch", counting)
    with libkinesis.Producer(kinesalite, linger_ms=5) as p:
        futs = [p.put(name, b"n-%05d" % i, "k%d" % (i % 13)) for i in range(5000)]
        futs += [p.put(name, b"ehk-%d" % i, "k", explicit_hash_key=str(i)) for i in range(20)]
        p.flush(timeout=60)
        assert not p._core._batches and p.outstanding == 0
    assert max(seen) == 4  # a number is given while at most half (4 of 8) are in use
    got = sorted(u.data for u in libkinesis.deaggregate(read_all(kinesalite, name)))
    assert got == sorted([b"n-%05d" % i for i in range(5000)] + [b"ehk-%d" % i for i in range(20)])
    assert all(f.result(timeout=0).sequence_number for f in futs)


def test_failed_records_raise_with_code_and_message(kinesalite):
    with libkinesis.Producer(kinesalite, linger_ms=5, record_ttl_ms=20000) as p:
        futs = [p.put("no-such-stream-%s" % unique(), b"x", "k") for _ in range(3)]
        for f in futs:
            err = f.exception(timeout=60)
            assert isinstance(err, libkinesis.KinesisError)
            assert err.code == "ResourceNotFoundException" and err.message
            with pytest.raises(libkinesis.ResourceNotFoundException):
                f.result()
            assert "raised" in repr(f)


@pytest.mark.parametrize("bad", [
    dict(partition_key=""),
    dict(partition_key="k" * 257),
    dict(partition_key="a\x00b"),
    dict(partition_key="\ud800"),
    dict(partition_key=b"bytes"),
    dict(data=b"x" * (1024 * 1024 + 1)),
    dict(explicit_hash_key=str(2 ** 128)),
    dict(explicit_hash_key="12a"),
    dict(explicit_hash_key="\u00e9"),
    dict(stream_name=""),
])
def test_invalid_records_raise_at_put(kinesalite, bad):
    name = create_stream(kinesalite)
    args = dict(stream_name=name, data=b"ok", partition_key="k")
    with libkinesis.Producer(kinesalite) as p:
        p.put(name, b"first", "k").result(timeout=30)  # the stream is known: the fast path
        args.update(bad)
        with pytest.raises(libkinesis.ParamValidationError):
            p.put(args["stream_name"], args["data"], args["partition_key"],
                  args.get("explicit_hash_key"))
        assert p.outstanding == 0


def test_mixed_paths_keep_order_per_key(kinesalite):
    """Staged records, explicit hash keys, large records, other data types and two streams, in
    ordered mode: each key's records arrive in put() order."""
    a = create_stream(kinesalite, shards=2)
    b = create_stream(kinesalite)
    big = b"B" * 60000  # over aggregation_max_bytes: its own C put
    with libkinesis.Producer(kinesalite, ordered=True, linger_ms=10) as p:
        futs = []
        for i in range(1500):
            stream = a if i % 5 else b
            if i % 50 == 7:
                data = bytearray(b"%06d-ba" % i)
            elif i % 70 == 3:
                data = big[:-8] + b"%06d-B" % i + b"!"
                data = data[-60000:]
            else:
                data = b"%06d" % i
            ehk = str(2 ** 127) if i % 90 == 11 else None
            futs.append(p.put(stream, data, "key-%d" % (i % 7), explicit_hash_key=ehk))
        p.flush(timeout=60)
        assert all(f.result(timeout=0).sequence_number for f in futs)
    for stream in (a, b):
        per_key = {}
        for s in kinesalite.list_shards(StreamName=stream)["Shards"]:
            sid = s["ShardId"]
            for u in libkinesis.deaggregate(read_all(kinesalite, stream, shard_id=sid)):
                per_key.setdefault((sid, u.partition_key), []).append(u.data)
        assert sum(map(len, per_key.values())) == (1200 if stream == a else 300)
        for seq in per_key.values():
            idx = [int(bytes(d)[-9:-3]) if d.endswith(b"!") else int(bytes(d)[:6]) for d in seq]
            assert idx == sorted(idx)


def test_threads_put_concurrently(kinesalite):
    name = create_stream(kinesalite, shards=2)
    with libkinesis.Producer(kinesalite, linger_ms=10, max_buffer_records=500) as p:
        results = {}

        def work(t):
            results[t] = [p.put(name, b"t%d-%d" % (t, i), "k%d" % i) for i in range(1500)]

        threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        p.flush(timeout=60)
        assert p.outstanding == 0
    futs = [f for fs in results.values() for f in fs]
    assert len(futs) == 6000 and all(f.result(timeout=0).shard_id for f in futs)
    got = list(libkinesis.deaggregate(read_all(kinesalite, name)))
    assert sorted(u.data for u in got) == sorted(b"t%d-%d" % (t, i) for t in range(4)
                                                 for i in range(1500))


def test_callbacks_run_on_report_thread_and_may_put(kinesalite):
    name = create_stream(kinesalite)
    with libkinesis.Producer(kinesalite, linger_ms=5) as p:
        chained = []
        errors = []

        def again(f):
            try:
                chained.append(p.put(name, b"chained", "k"))
                p.flush()
            except libkinesis.KinesisError as e:
                errors.append(e)

        p.put(name, b"first", "k").add_done_callback(again)
        deadline = time.monotonic() + 30
        while not chained and time.monotonic() < deadline:
            time.sleep(0.01)
        p.flush(timeout=30)
        assert chained[0].result(timeout=30).sequence_number
        assert errors and "callback" in str(errors[0])  # flush() cannot wait on that thread


def test_close_from_a_callback(kinesalite):
    name = create_stream(kinesalite)
    p = libkinesis.Producer(kinesalite, linger_ms=5)
    first = p.put(name, b"first", "k")
    first.add_done_callback(lambda f: p.close(timeout=10))
    futs = [p.put(name, b"x%d" % i, "k") for i in range(100)]
    for f in [first] + futs:
        f.exception(timeout=30)  # resolved either way, never left hanging
    deadline = time.monotonic() + 10
    while p._core._thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not p._core._thread.is_alive() and p.outstanding == 0
    with pytest.raises(libkinesis.KinesisError, match="closed"):
        p.put(name, b"late", "k")


def test_back_pressure_with_stalled_server(stalled):
    with libkinesis.Producer(stalled, block=False, max_buffer_records=10) as p:
        futs = [p.put("s", b"x", "k") for _ in range(10)]
        with pytest.raises(libkinesis.QueueFullError):
            p.put("s", b"x", "k")
        assert p.outstanding == 10
        t = time.monotonic()
        with pytest.raises(libkinesis.FlushTimeoutError):
            p.flush(timeout=0.2)
        assert time.monotonic() - t < 5
        p.close(timeout=0.2)
    for f in futs:  # given up by close(): each raises, none is left pending
        assert isinstance(f.exception(timeout=0), libkinesis.KinesisError)
    with libkinesis.Producer(stalled, block=True, put_timeout=0.3, max_buffer_records=5) as p:
        futs = [p.put("s", b"y", "k") for _ in range(5)]
        t = time.monotonic()
        with pytest.raises(libkinesis.QueueFullError):
            p.put("s", b"y", "k")
        assert 0.25 < time.monotonic() - t < 5
        # A thread blocked in put() gives up at its timeout too.
        out = []
        th = threading.Thread(target=lambda: out.append(pytest.raises(
            libkinesis.QueueFullError, p.put, "s", b"z", "k")))
        th.start()
        th.join(10)
        assert out
        p.close(timeout=0)
    assert all(f.done() for f in futs)
    # The byte cap: data + key + ~100 bytes per record.
    with libkinesis.Producer(stalled, block=False, max_buffer_bytes=2048) as p:
        futs = [p.put("s", b"b" * 500, "k") for _ in range(3)]
        with pytest.raises(libkinesis.QueueFullError):
            p.put("s", b"b" * 500, "k")
        assert p.outstanding == 3
        p.close(timeout=0)
    assert all(f.done() for f in futs)


def test_close_resolves_everything_and_is_idempotent(stalled):
    p = libkinesis.Producer(stalled, linger_ms=1)
    futs = [p.put("s", b"r%d" % i, "k%d" % i) for i in range(300)]
    t = time.monotonic()
    p.close(timeout=0.3)
    assert time.monotonic() - t < 20
    p.close()
    errs = [f.exception(timeout=0) for f in futs]
    assert all(isinstance(e, libkinesis.KinesisError) for e in errs)
    assert p.outstanding == 0


def test_repeated_create_destroy_frees_c_memory(kinesalite):
    from test_leaks import CountingAllocator, client_with

    alloc = CountingAllocator()
    name = create_stream(kinesalite)
    endpoint = kinesalite.meta.endpoint_url
    for i in range(8):
        c = client_with(alloc, endpoint)
        p = libkinesis.Producer(c, linger_ms=1)
        futs = [p.put(name, b"x%d" % j, "k%d" % j) for j in range(200)]
        if i % 2:
            p.close()
            assert all(f.result(timeout=0).sequence_number for f in futs)
        else:
            futs[-1].result(timeout=30)
            del p  # abandoned: collected, closed by __del__
            gc.collect()
        c.close()
    assert alloc.total > 100
    assert not alloc.live, "%d C blocks still allocated" % len(alloc.live)


def test_asyncio_wrap_future(kinesalite):
    import asyncio

    name = create_stream(kinesalite)
    with libkinesis.Producer(kinesalite, linger_ms=5) as p:
        async def main():
            ok = asyncio.wrap_future(p.put(name, b"a", "k"))
            bad = asyncio.wrap_future(p.put(name, b"b", "k", explicit_hash_key=str(2 ** 127)))
            rep = await asyncio.wait_for(ok, 30)
            return rep, await asyncio.wait_for(bad, 30)

        rep, rep2 = asyncio.run(main())
        assert rep.shard_id == rep2.shard_id == "shardId-000000000000" and rep.sequence_number
