"""libkinesis.Consumer: every shard of a stream in resharding order, KPL deaggregation and
durable checkpoints, from the C consumer — as an iterator or with a callback."""
import ctypes
import datetime as _dt
import struct
import threading
from operator import length_hint
from typing import Any, Callable, Dict, Iterator, List, Optional, Union

from . import _ffi
from ._convert import to_epoch
from ._ffi import lib
from .aggregation import UserRecord
from .errors import KinesisError, raise_for_error

__all__ = ["Consumer"]

_TIMEOUT = _ffi.status_value("KINESIS_E_TIMEOUT")
_CANCELLED = _ffi.status_value("KINESIS_E_CANCELLED")
_UTC = _dt.timezone.utc
_fromtimestamp = _dt.datetime.fromtimestamp
_string_at = ctypes.string_at
# Records asked of the C consumer per call (a batch never spans two GetRecords responses).
_BATCH = 4096


class Consumer:
    """Read every shard of `stream_name` (children after their parents), yielding UserRecord
    objects (data, partition_key, explicit_hash_key, sequence_number, sub_sequence_number,
    shard_id, approximate_arrival_timestamp).

    start: "TRIM_HORIZON", "LATEST", or a datetime / epoch seconds (AT_TIMESTAMP).
    checkpoint_path: a JSON checkpoint file; every record the iterator has yielded (or the
    callback has returned from) is checkpointed at close() and every checkpoint_interval
    seconds, so a later Consumer with the same path starts right after it.
    efo_consumer_name: read through enhanced fan-out (SubscribeToShard) as this consumer.
    idle_exit: stop by itself once every shard has been empty for this many seconds.
    Other keyword options: max_records_per_call, min_call_interval_ms, idle_interval_ms,
    shard_sync_interval_ms, backoff_base_ms, backoff_max_ms, max_queued_batches,
    checkpoint_every_records.

    Iterate it (``for record in consumer``) or call ``run(callback)``. Ctrl-C, ``close()`` or
    ``stop()`` end it cleanly (checkpoints written). The Client must stay open meanwhile.
    """

    def __init__(self, client: Any, stream_name: str,
                 start: Union[str, float, _dt.datetime] = "TRIM_HORIZON",
                 checkpoint_path: Optional[str] = None, efo_consumer_name: Optional[str] = None,
                 application: str = "kinesis-consumer", checkpoint_interval: float = 5.0,
                 idle_exit: Optional[float] = None, **options: Any) -> None:
        from . import _consumer_ffi as cf

        self._cf = cf
        self._handle: Optional[int] = None
        self._store: Optional[int] = None
        self._client = client
        self.stream_name = stream_name
        opts = cf.ConsumerOptions()
        lib.kinesis_consumer_options_init(ctypes.byref(opts))
        self._keep = [stream_name.encode(), application.encode()]
        opts.stream, opts.application = self._keep[0], self._keep[1]
        if isinstance(start, str) and start in cf.START:
            opts.start = cf.START[start]
        else:
            opts.start = cf.START["AT_TIMESTAMP"]
            opts.start_timestamp = float(to_epoch(start))
        for name, value in options.items():
            if name not in cf.POLL_OPTIONS:
                raise TypeError("Consumer() got an unexpected option %r" % name)
            setattr(opts, name, int(value))
        opts.checkpoint_interval_ms = int(checkpoint_interval * 1000)
        if idle_exit:
            opts.idle_exit_ms = max(1, int(idle_exit * 1000))
        if efo_consumer_name:
            self._keep.append(efo_consumer_name.encode())
            opts.efo_consumer_name = self._keep[-1]
        err = _ffi.Error()
        if checkpoint_path:
            store = ctypes.c_void_p()
            st = lib.kinesis_file_checkpoint_store_new(
                str(checkpoint_path).encode(), None, self._keep[1], self._keep[0], None,
                ctypes.byref(store), ctypes.byref(err))
            if st:
                raise_for_error(st, err, "Consumer")
            self._store = store.value
            opts.checkpoints = self._store
        self._on_record_c = cf.RECORD_FN(self._on_record)
        opts.on_record = self._on_record_c
        self._callback: Optional[Callable[[UserRecord], Any]] = None
        self._callback_error: Optional[BaseException] = None
        handle = ctypes.c_void_p()
        st = lib.kinesis_consumer_new(client.handle, ctypes.byref(opts), ctypes.byref(handle),
                                      ctypes.byref(err))
        if st:
            self._free_store()
            raise_for_error(st, err, "Consumer")
        self._handle = handle.value
        self._rec = cf.ConsumerRecord()
        self._err = _ffi.Error()
        self._shards: Dict[bytes, str] = {}
        self._running = False
        self._done = False
        # Iterator state: the batch being yielded (its records were built at once; the list
        # iterator's position says how many were yielded) and the generator yielding them.
        self._batch_len = 0
        self._batch_it: Iterator[UserRecord] = iter(())
        self._gen: Optional[Iterator[UserRecord]] = None
        self._unpack = struct.Struct(cf.PACKED_FORMAT).iter_unpack

    def _convert(self, r: Any) -> UserRecord:
        sid = r.shard_id
        shard = self._shards.get(sid)
        if shard is None:
            shard = self._shards[sid] = sid.decode()
        ehk = r.explicit_hash_key
        ts = r.approximate_arrival_timestamp
        return UserRecord(
            _string_at(r.data, r.data_len) if r.data_len else b"",
            _string_at(r.partition_key, r.partition_key_len).decode("utf-8", "replace"),
            ehk.decode() if ehk is not None else None,
            r.sequence_number.decode(), r.sub_sequence_number, shard,
            _fromtimestamp(ts, _UTC) if ts else None, bool(r.aggregated))

    # ---- iterator ----------------------------------------------------------------------------

    def __iter__(self) -> Iterator[UserRecord]:
        if self._gen is None:
            self._gen = self._records()
        return self._gen

    def __next__(self) -> UserRecord:
        return next(self.__iter__())

    def _records(self) -> Iterator[UserRecord]:
        """Pull packed batches from the C consumer and yield their records. A batch counts as
        processed (for checkpoints) when the next one is pulled, or at close() as far as it was
        yielded."""
        batch = self._cf.ConsumerBatch()
        batch_ref, err_ref = ctypes.byref(batch), ctypes.byref(self._err)
        pull = lib.kinesis_consumer_next_batch
        while True:
            handle = self._handle
            if not handle or self._done:
                return
            try:
                # Short waits so Ctrl-C (handled between calls) stops the loop promptly.
                st = pull(handle, _BATCH, 200, batch_ref, err_ref)
            except KeyboardInterrupt:
                self.close()
                raise
            if st:
                if st == _TIMEOUT:
                    continue
                self._done = True
                if st == _CANCELLED:
                    return
                raise_for_error(st, self._err, "Consumer")
            recs = self._build(batch)
            self._batch_len = len(recs)
            self._batch_it = it = iter(recs)
            yield from it

    def _build(self, b: Any) -> List[UserRecord]:
        """UserRecords of a packed batch: one copy of the buffer, then slices of it. Members of
        an aggregate share their sequence number and arrival time, decoded once."""
        buf = _string_at(b.bytes, b.bytes_len)
        sid = b.shard_id
        shard = self._shards.get(sid)
        if shard is None:
            shard = self._shards[sid] = sid.decode()
        out: List[UserRecord] = []
        add = out.append
        seq_at, seq, ts_val, ts = -1, "", None, None
        for (sub, t, do, dl, po, pl, eo, el, so, sl, agg) in self._unpack(
                memoryview(buf)[b.records - b.bytes:]):
            if so != seq_at:
                seq_at, seq = so, buf[so:so + sl].decode()
            if t != ts_val:
                ts_val, ts = t, _fromtimestamp(t, _UTC) if t else None
            add(UserRecord(buf[do:do + dl], buf[po:po + pl].decode("utf-8", "replace"),
                           buf[eo:eo + el].decode() if el else None, seq, sub, shard, ts,
                           agg == 1))
        return out

    # ---- callback mode -----------------------------------------------------------------------

    def _on_record(self, user: Any, rp: Any) -> int:
        try:
            if self._callback(self._convert(rp.contents)) is False:
                return 1
            return 0
        except BaseException as e:  # handed to run()'s caller
            self._callback_error = e
            return 1

    def run(self, callback: Callable[[UserRecord], Any]) -> None:
        """Call `callback(record)` for every record until stop()/close(), Ctrl-C, idle_exit, or
        the callback returns False or raises (re-raised here). The C consumer runs on a helper
        thread; the callback runs on it too, one record at a time (the GIL is taken per call).
        """
        if not self._handle:
            raise KinesisError("the consumer is closed", "ConsumerClosed")
        self._callback = callback
        result: Dict[str, Any] = {}
        handle = self._handle

        def body() -> None:
            err = _ffi.Error()
            result["st"] = lib.kinesis_consumer_run(handle, ctypes.byref(err))
            result["err"] = err

        t = threading.Thread(target=body, name="libkinesis-consumer", daemon=True)
        self._running = True
        t.start()
        try:
            while t.is_alive():
                t.join(0.2)
        except KeyboardInterrupt:
            lib.kinesis_consumer_stop(handle)
            t.join()
            self._running = False
            self.close()
            raise
        self._running = False
        self._done = True
        if self._callback_error is not None:
            e, self._callback_error = self._callback_error, None
            raise e
        if result.get("st"):
            raise_for_error(result["st"], result["err"], "Consumer")

    # ---- control -----------------------------------------------------------------------------

    def checkpoint(self, record: UserRecord) -> None:
        """Checkpoint now at `record` (everything of its shard up to it is processed)."""
        err = _ffi.Error()
        st = lib.kinesis_consumer_checkpoint(self._handle, record.shard_id.encode(),
                                             record.sequence_number.encode(),
                                             record.sub_sequence_number, ctypes.byref(err))
        if st:
            raise_for_error(st, err, "checkpoint")

    def stats(self) -> Dict[str, int]:
        """The C consumer's counters."""
        s = self._cf.ConsumerStats()
        if self._handle:
            lib.kinesis_consumer_get_stats(self._handle, ctypes.byref(s))
        return {name: getattr(s, name) for name, _ in s._fields_}

    def stop(self) -> None:
        """Ask the consumer to stop (any thread); iteration or run() ends soon after."""
        if self._handle:
            lib.kinesis_consumer_stop(self._handle)

    def _free_store(self) -> None:
        store, self._store = self._store, None
        if store:
            lib.kinesis_checkpoint_store_destroy(store)

    def close(self) -> None:
        """Stop, write checkpoints of everything yielded, join the C threads, free everything.
        Idempotent. Not while run() executes on another thread (call stop() there)."""
        handle, self._handle = self._handle, None
        if handle:
            lib.kinesis_consumer_stop(handle)
            if not self._running and self._batch_len:
                # Of the batch being yielded, exactly the records yielded so far are processed.
                done = self._batch_len - length_hint(self._batch_it)
                self._batch_len = 0
                lib.kinesis_consumer_batch_done(handle, done, ctypes.byref(_ffi.Error()))
            lib.kinesis_consumer_destroy(handle)
        self._free_store()

    def __enter__(self) -> "Consumer":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass
