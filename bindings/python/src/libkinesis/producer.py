"""libkinesis.Producer: KPL-class batching, aggregation and retries from the C producer, with a
``concurrent.futures.Future`` per record."""
import ctypes
import itertools
import json
import threading
from concurrent.futures import Future
from typing import Any, Dict, Optional

from . import _ffi
from ._ffi import lib
from .errors import KinesisError, QueueFullError, make_error, raise_for_error

__all__ = ["Producer", "DeliveryReport", "FlushTimeoutError"]

_QUEUE_FULL = _ffi.status_value("KINESIS_E_QUEUE_FULL")
_TIMEOUT = _ffi.status_value("KINESIS_E_TIMEOUT")
_U32_MAX = 0xFFFFFFFF


class FlushTimeoutError(KinesisError, TimeoutError):
    """flush() or close() ran out of time before every record had its report."""


class DeliveryReport:
    """Where a record was stored: shard_id, sequence_number (of the Kinesis record, shared by an
    aggregate's members), sub_sequence_number (its index inside the aggregate), aggregated,
    attempts and latency_ms."""

    __slots__ = ("shard_id", "sequence_number", "sub_sequence_number", "aggregated", "attempts",
                 "latency_ms")

    def __init__(self, shard_id: str, sequence_number: str, sub_sequence_number: int,
                 aggregated: bool, attempts: int, latency_ms: int) -> None:
        self.shard_id = shard_id
        self.sequence_number = sequence_number
        self.sub_sequence_number = sub_sequence_number
        self.aggregated = aggregated
        self.attempts = attempts
        self.latency_ms = latency_ms

    def __repr__(self) -> str:
        return "DeliveryReport(shard_id=%r, sequence_number=%r, sub_sequence_number=%r)" % (
            self.shard_id, self.sequence_number, self.sub_sequence_number)


def _ms(seconds: Optional[float]) -> int:
    if seconds is None:
        return _U32_MAX
    return max(0, min(int(seconds * 1000), _U32_MAX - 1))


def _serve_reports(handle: int, stop: threading.Event) -> None:
    """The Producer's report thread: ctypes releases the GIL while poll waits, and the delivery
    reports call back on this (Python) thread."""
    poll = lib.kinesis_producer_poll
    while not stop.is_set():
        poll(handle, 100)


class Producer:
    """An asynchronous producer on a Client (which must stay open while the producer lives).

    ``put(stream_name, data, partition_key, explicit_hash_key=None)`` queues one record and
    returns a Future resolving to a DeliveryReport, or raising the record's KinesisError.
    Records are aggregated per predicted shard (KPL format) and sent with PutRecords; only
    failed ones are retried, until ``record_ttl_ms``.

    Back-pressure: when the buffer (``max_buffer_records`` / ``max_buffer_bytes``) is full,
    ``put`` blocks up to ``put_timeout`` seconds (``block=True``, default 30 s) and then raises
    QueueFullError; with ``block=False`` it raises at once.

    Options: every field of kinesis_producer_options by name (``linger_ms``, ``aggregation``,
    ``max_in_flight``, ``record_ttl_ms``, ``ordered``, ...; see the C README's table).
    Delivery reports are served by a Python thread of the Producer (polling the C producer), so
    Future callbacks run there with no foreign-thread GIL hand-off per record.
    Use it as a context manager: leaving the block flushes and closes.
    """

    def __init__(self, client: Any, block: bool = True, put_timeout: float = 30.0,
                 close_timeout: Optional[float] = 60.0, **options: Any) -> None:
        from . import _producer_ffi as pf

        self._pf = pf
        self._handle: Optional[int] = None
        self._client = client  # keeps the C client alive while the producer lives
        self._close_timeout = close_timeout
        opts = pf.ProducerOptions()
        lib.kinesis_producer_options_init(ctypes.byref(opts))
        err = _ffi.Error()
        for name, value in options.items():
            if name not in pf.OPTION_NAMES or name in ("report_thread", "put_block_ms"):
                raise TypeError("Producer() got an unexpected option %r" % name)
            if isinstance(value, bool):
                value = int(value)
            st = lib.kinesis_producer_options_set(ctypes.byref(opts), name.encode(),
                                                  str(value).encode(), ctypes.byref(err))
            if st:
                raise_for_error(st, err, "Producer")
        opts.put_block_ms = _ms(put_timeout) if block else 0
        opts.report_thread = 0  # served by our own Python thread: cheap GIL hand-offs
        self._pending: Dict[int, Any] = {}
        self._ids = itertools.count(1)
        self._dr = pf.DR_FN(self._on_report)  # referenced until destroy
        opts.dr_cb = self._dr
        handle = ctypes.c_void_p()
        st = lib.kinesis_producer_new(client.handle, ctypes.byref(opts), ctypes.byref(handle),
                                      ctypes.byref(err))
        if st:
            raise_for_error(st, err, "Producer")
        self._handle = handle.value
        self._stop_polling = threading.Event()
        # The thread holds the handle, not self, so an abandoned Producer can still be collected
        # (its __del__ closes it, stopping the thread first).
        self._poller = threading.Thread(target=_serve_reports, name="libkinesis-reports",
                                        args=(self._handle, self._stop_polling), daemon=True)
        self._poller.start()
        self._local = threading.local()
        self._put = lib.kinesis_producer_put
        self._streams: Dict[str, bytes] = {}

    # Runs on the report-serving thread (or the thread in flush()/close()).
    def _on_report(self, user: Any, rp: Any) -> None:
        r = rp.contents
        entry = self._pending.pop(r.opaque, None)
        if entry is None:
            return
        fut = entry[0]
        if r.status == 0:
            fut.set_result(DeliveryReport(r.shard_id.decode(), r.sequence_number.decode(),
                                          r.sub_sequence_number, bool(r.aggregated), r.attempts,
                                          r.latency_ms))
        else:
            fut.set_exception(make_error(
                _ffi.status_name(r.status), (r.error_code or b"").decode("utf-8", "replace"),
                (r.error_message or b"").decode("utf-8", "replace")
                or _ffi.status_str(r.status), attempts=r.attempts, operation="PutRecords"))

    def put(self, stream_name: str, data: Any, partition_key: str,
            explicit_hash_key: Optional[str] = None) -> "Future[DeliveryReport]":
        """Queue one record; returns its Future. Raises at once (nothing queued) for an invalid
        record (ParamValidationError), a full buffer (QueueFullError) or a closed producer."""
        handle = self._handle
        if not handle:
            raise KinesisError("the producer is closed", "ProducerClosed")
        loc = self._local
        try:
            rec, rec_ref, err, err_ref = loc.bufs
        except AttributeError:
            rec = self._pf.ProducerRecord()
            rec.flags = self._pf.F_LEND
            err = _ffi.Error()
            rec_ref, err_ref = ctypes.byref(rec), ctypes.byref(err)
            loc.bufs = (rec, rec_ref, err, err_ref)
        sb = self._streams.get(stream_name)
        if sb is None:
            sb = self._streams[stream_name] = stream_name.encode("utf-8")
        if type(data) is not bytes:
            from ._convert import blob_to_bytes
            data = blob_to_bytes(data)
        pk = partition_key.encode("utf-8")
        rec.stream = sb
        rec.partition_key = pk
        rec.explicit_hash_key = explicit_hash_key.encode("ascii") if explicit_hash_key else None
        rec.data = data
        rec.data_len = len(data)
        rid = next(self._ids)
        rec.opaque = rid
        fut: Future = Future()
        # The data is lent to C (no copy): the bytes object stays referenced until the report.
        self._pending[rid] = (fut, data)
        st = self._put(handle, rec_ref, err_ref)
        if st:
            self._pending.pop(rid, None)
            if st == _QUEUE_FULL:
                raise QueueFullError("producer buffer full", "KINESIS_E_QUEUE_FULL",
                                     status="KINESIS_E_QUEUE_FULL")
            raise_for_error(st, err, "put")
        return fut

    def flush(self, timeout: Optional[float] = None) -> None:
        """Send everything now and wait until every record put so far has its report (None =
        no limit). Raises FlushTimeoutError when the time ran out first."""
        if not self._handle:
            return
        st = lib.kinesis_producer_flush(self._handle, _ms(timeout))
        if st == _TIMEOUT:
            raise FlushTimeoutError("flush timed out with %d records outstanding"
                                    % self.outstanding, "KINESIS_E_TIMEOUT")
        if st:
            raise_for_error(st, None, "flush")

    @property
    def outstanding(self) -> int:
        """Records put and not yet reported."""
        return int(lib.kinesis_producer_outstanding(self._handle)) if self._handle else 0

    def stats(self) -> Dict[str, Any]:
        """The C producer's statistics document (see the C README)."""
        out = ctypes.c_void_p()
        n = ctypes.c_size_t()
        st = lib.kinesis_producer_stats_json(self._handle, ctypes.byref(out), ctypes.byref(n))
        if st:
            raise_for_error(st, None, "stats")
        try:
            return json.loads(ctypes.string_at(out.value, n.value))
        finally:
            lib.kinesis_free(lib.kinesis_client_allocator(self._client.handle), out.value)

    def close(self, timeout: Optional[float] = None) -> None:
        """Flush up to `timeout` seconds (default: the producer's close_timeout), then stop;
        records still pending fail with CancelledError. Idempotent."""
        handle, self._handle = self._handle, None
        if not handle:
            return
        t = self._close_timeout if timeout is None else timeout
        self._stop_polling.set()  # close() must not run beside another call on the producer
        if self._poller is not threading.current_thread():
            self._poller.join()
        lib.kinesis_producer_close(handle, _ms(t))
        lib.kinesis_producer_destroy(handle)
        for fut, _ in list(self._pending.values()):  # not reported (should not happen)
            if not fut.done():
                fut.set_exception(KinesisError("producer closed", "KINESIS_E_CANCELLED"))
        self._pending.clear()

    def __enter__(self) -> "Producer":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close(0)
        except Exception:
            pass
