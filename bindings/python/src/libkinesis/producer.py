"""libkinesis.Producer: KPL-class batching, aggregation and retries from the C producer, with a
``concurrent.futures.Future`` per record.

Cost model (why the code looks the way it does): the C producer needs about a microsecond per
record, so the Python side must stay near that too. put() therefore does no ctypes call: it
checks the record, makes a slim Future and appends one tuple to a staging list. The records are
handed to C in batches with one kinesis_producer_put_batch() call (keys and data joined, lengths
in arrays), and the delivery reports come back in arrays of up to _TAKE_CAP from
kinesis_producer_take_reports() on a Python thread, where they are resolved with loops that run
in C (map/zip/memoryview slices) and decoded into DeliveryReport objects only when asked for.
The producer holds no Future: a Future holds its batch of records (_Batch), and the reports of a
batch none of whose Futures is alive any more are only counted, not stored, so a Future dropped
by its caller is freed at once (by reference counting, before the garbage collector sees it).
"""
import ctypes
import itertools
import json
import operator
import sys
import threading
import time
from array import array
from bisect import bisect_left
from collections import Counter
from concurrent.futures import Future
from concurrent.futures._base import FINISHED, LOGGER, RUNNING
from typing import Any, Dict, List, Optional, Tuple

from . import _ffi
from ._ffi import lib
from .errors import KinesisError, QueueFullError, make_error, raise_for_error

__all__ = ["Producer", "DeliveryReport", "FlushTimeoutError"]

_QUEUE_FULL = _ffi.status_value("KINESIS_E_QUEUE_FULL")
_TIMEOUT = _ffi.status_value("KINESIS_E_TIMEOUT")
_CANCELLED = _ffi.status_value("KINESIS_E_CANCELLED")
_U32_MAX = 0xFFFFFFFF

_OVERHEAD = 96       # bytes the C producer charges per record beyond data and keys
_BATCH = 512         # staged records that make put() submit at once
_STAGE_LEN = 4 * _BATCH  # the stage is one flat list: stream, key, data, future per record
_FAST_DATA = 3840    # data bytes handled by put()'s shortest path (with a key of <= 256)
_FAST_CHARGE = _FAST_DATA + 256 + _OVERHEAD  # the most a record staged by put() is counted for
_LINGER = 0.004      # longest staged records wait before the report thread submits them (s)
_TAKE_CAP = 4096     # reports per take_reports() call
# A record's opaque is its key bytes << 32 | its id: the key bytes of the reports of one take are
# the sum of a strided 32-bit view (exact buffer accounting without a per-record Python step). An
# id is its _Batch's number << _IDX_BITS | its index in the batch.
_IDX_BITS = 10
_BATCH_MAX = 1 << _IDX_BITS  # records per _Batch (one put_batch() call hands over at most this)
_IDX_MASK = _BATCH_MAX - 1
_BID_MASK = (1 << (32 - _IDX_BITS)) - 1
_LO, _HI = (0, 1) if sys.byteorder == "little" else (1, 0)  # an opaque's 32-bit halves in memory
# Reference counts tell whether anyone outside the producer still holds a Future of a batch (and
# so whether a take's reports must be kept); an interpreter without them (not CPython) is taken
# to hold every one.
_refcount = getattr(sys, "getrefcount", None)


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

    def __eq__(self, other: Any) -> bool:
        if not isinstance(other, DeliveryReport):
            return NotImplemented
        return all(getattr(self, f) == getattr(other, f) for f in self.__slots__)

    __hash__ = None  # type: ignore[assignment]


# ---- the report array's layout, from the ctypes declaration (checked against the C header by
# tests/test_abi.py): indexes into 8-byte ('Q'/'q') and 4-byte ('i'/'I') views of one report.

def _layout() -> Tuple[int, Dict[str, int]]:
    from ._producer_ffi import DeliveryReport as R

    size = ctypes.sizeof(R)
    assert size % 8 == 0
    idx = {}
    for name, width in (("shard_id", 8), ("sequence_number", 8), ("sub_sequence_number", 8),
                        ("error_code", 8), ("error_message", 8), ("data_len", 8),
                        ("opaque", 8), ("latency_ms", 8), ("status", 4), ("aggregated", 4),
                        ("attempts", 4)):
        off = getattr(R, name).offset
        assert off % width == 0 and getattr(R, name).size == width, name
        idx[name] = off // width
    return size, idx


_REPORT_SIZE, _IX = _layout()
_QW = _REPORT_SIZE // 8  # stride of one report in 8-byte words
_IW = _REPORT_SIZE // 4  # ... and in 4-byte words
_SH, _SQ, _SUB = _IX["shard_id"], _IX["sequence_number"], _IX["sub_sequence_number"]
_CODE, _MSG, _DLEN = _IX["error_code"], _IX["error_message"], _IX["data_len"]
_OP, _LAT = _IX["opaque"], _IX["latency_ms"]
_ST, _AGG, _ATT = _IX["status"], _IX["aggregated"], _IX["attempts"]


class _Take:
    """The reports of one take_reports() call that some future still needs: copied out of the C
    array, with the strings their pointers named (an aggregate's members share one shard id and
    one sequence number). The copy is made only when a held batch (see _Batch) stored the take
    for one of its records: nobody else could ever ask for a report."""

    __slots__ = ("q", "sq", "i", "u", "strs", "busy")

    def __init__(self) -> None:
        # Held by the report thread from before the futures are resolved until keep() ran (or
        # was found unneeded): a result() on another thread in between waits for it.
        self.busy = threading.Lock()
        self.busy.acquire()

    def keep(self, raw: bytes) -> None:
        mv = memoryview(raw)
        q = self.q = mv.cast("Q")
        self.sq = mv.cast("q")
        self.i = mv.cast("i")
        self.u = mv.cast("I")
        ptrs = set(q[_SH::_QW].tolist())
        ptrs.update(q[_SQ::_QW].tolist())
        self.strs = {p: _cstr(p) for p in ptrs}  # (the pointers are valid until the next take)

    def report(self, k: int) -> DeliveryReport:
        try:
            strs = self.strs
        except AttributeError:
            with self.busy:  # released once the report thread has run keep()
                pass
            strs = self.strs
        b = k * _QW
        q = self.q
        return DeliveryReport(strs[q[b + _SH]], strs[q[b + _SQ]], q[b + _SUB],
                              bool(self.i[k * _IW + _AGG]), self.u[k * _IW + _ATT],
                              self.sq[b + _LAT])


def _report_error(q: memoryview, i: memoryview, u: memoryview, k: int) -> KinesisError:
    """The error of the failed report k (views of the C array)."""
    b, st = k * _QW, i[k * _IW + _ST]
    name = _ffi.status_name(st)
    # A failure outside PutRecords (ListShards for the shard map) comes without the service's
    # code: name the error class after the status then.
    code = _cstr(q[b + _CODE]) or _CODE_OF_STATUS.get(name, "")
    msg = _cstr(q[b + _MSG]) or _ffi.status_str(st)
    return make_error(name, code, msg, attempts=u[k * _IW + _ATT], operation="PutRecords")


_CODE_OF_STATUS = {
    "KINESIS_E_RESOURCE_NOT_FOUND": "ResourceNotFoundException",
    "KINESIS_E_RESOURCE_IN_USE": "ResourceInUseException",
    "KINESIS_E_ACCESS_DENIED": "AccessDeniedException",
    "KINESIS_E_VALIDATION": "ValidationException",
}


_string_at = ctypes.string_at


def _cstr(p: int) -> str:
    return _string_at(p).decode("utf-8", "replace") if p else ""


# ---- the Future ------------------------------------------------------------------------------

class _Batch:
    """The records of one put_batch() call (at most _BATCH_MAX; a single put() is a batch of
    one), and the outcomes their futures read.

    A future knows its batch and its index (_bi, stored when the records are handed to C, and only
    on the futures somebody still holds then); the producer holds the batch until every one
    of its records is reported, and nothing holds a future. So when the reports of a batch come,
    its reference count tells whether any of its futures is still alive: if none is, nobody can
    ever look at their outcomes, and the reports only go into the buffer accounting (one count per
    batch, not a store per record). Otherwise each record's outcome goes into res (the _Take
    holding its report, at pos, or its error), and the futures that have waiters or callbacks
    (watch: index -> future, see _RecordFuture._condition) are woken. Under CPython a future
    nobody holds is freed at once, so put() reuses warm memory and the garbage collector sees
    few of them survive."""

    __slots__ = ("bid", "n", "left", "res", "pos", "watch")

    def __init__(self, bid: int, n: int) -> None:
        self.bid = bid
        self.n = n
        self.left = n  # records handed to C and not yet reported (under _Core._cv)
        self.res: Optional[List[Any]] = None  # made for the first held report
        self.pos: Any = None
        self.watch: Optional[Dict[int, "_RecordFuture"]] = None


_STAGED = _Batch(-1, 0)  # the batch of a future whose record is not handed to C yet
_LAZY = threading.Lock()


def _watch(b: _Batch, i: int, fut: "_RecordFuture") -> None:
    w = b.watch
    if w is None:
        w = b.watch = {}
    w[i] = fut


class _RecordFuture(Future):
    """A concurrent.futures.Future for one record, cheap to make and to resolve.

    It is RUNNING from the start (a queued record cannot be called back, so cancel() returns
    False, as for an executor's running task) until its outcome is known: the entry of its
    _Batch that the report thread stores (_bi: the batch and the index, one tuple so that a
    record handed over again in another batch is never read half-updated), or, for a record
    that never reached C, its own _result (_FAILED) and _exception. _state is derived from
    that. The Condition, waiter list and callback list of Future are made only when someone
    needs them (result() with a wait, add_done_callback(), wait()/as_completed()), and making
    them registers the future in its batch's watch map, the only futures the report thread
    wakes. That is race-free: whoever makes the Condition registers the future before reading
    the outcome under it, and the report thread stores the outcome before looking at the watch
    map (the submit path, which sets _bi, looks for a Condition after setting it). The report is
    decoded into a DeliveryReport on first result(). Only the producer resolves it: set_result()
    and set_exception() raise RuntimeError.
    """

    _cond: Any = None
    _result: Any = None
    _exception: Any = None
    _report: Any = None
    _bi: Tuple[_Batch, int] = (_STAGED, 0)
    __init__ = object.__init__  # no per-instance fields: the class defaults serve until needed

    def _outcome(self) -> Any:
        """None while running, else the _Take holding the report or the record's error."""
        if self._result is not None:
            return self._exception
        b, i = self._bi
        res = b.res
        return None if res is None else res[i]

    @property
    def _state(self) -> str:  # what Future's own methods (under the Condition) read
        return RUNNING if self._outcome() is None else FINISHED

    @property
    def _condition(self) -> threading.Condition:  # what Future's own methods and wait() use
        c = self._cond
        if c is None:
            with _LAZY:
                c = self._cond
                if c is None:
                    self._waiters: List[Any] = []
                    self._done_callbacks: List[Any] = []
                    c = self._cond = threading.Condition()
                    b, i = self._bi
                    if b is not _STAGED:
                        _watch(b, i, self)
        return c

    def _wake(self) -> None:
        """After the outcome was stored: tell the waiters and run the callbacks."""
        with self._cond:
            if isinstance(self._outcome(), BaseException):
                for w in self._waiters:
                    w.add_exception(self)
            else:
                for w in self._waiters:
                    w.add_result(self)
            self._cond.notify_all()
        self._invoke_callbacks()

    def cancel(self) -> bool:
        return False

    def cancelled(self) -> bool:
        return False

    def running(self) -> bool:
        return self._outcome() is None

    def done(self) -> bool:
        return self._outcome() is not None

    def set_running_or_notify_cancel(self) -> bool:
        raise RuntimeError("a Producer's Future is running from the start")

    def set_result(self, result: Any) -> None:
        raise RuntimeError("a Producer's Future is resolved by its producer")

    def set_exception(self, exception: Optional[BaseException]) -> None:
        raise RuntimeError("a Producer's Future is resolved by its producer")

    def add_done_callback(self, fn: Any) -> None:
        if self._outcome() is None:
            return Future.add_done_callback(self, fn)  # appends under the Condition, or calls
        try:
            fn(self)
        except Exception:
            LOGGER.exception("exception calling callback for %r", self)

    def result(self, timeout: Optional[float] = None) -> DeliveryReport:
        o = self._outcome()
        if o is None:
            Future.result(self, timeout)  # waits; raises TimeoutError (or an early failure)
            o = self._outcome()
        if isinstance(o, BaseException):
            try:
                raise o
            finally:
                self = None  # type: ignore[assignment]  # no cycle through the traceback
                o = None
        rep = self._report
        if rep is None:
            b, i = self._bi
            rep = self.__dict__.setdefault("_report", o.report(b.pos[i]))
        return rep

    def exception(self, timeout: Optional[float] = None) -> Optional[BaseException]:
        o = self._outcome()
        if o is None:
            Future.exception(self, timeout)  # waits (or raises TimeoutError)
            o = self._outcome()
        return o if isinstance(o, BaseException) else None

    def __repr__(self) -> str:
        o = self._outcome()
        if o is not None:
            if isinstance(o, BaseException):
                what = "raised %s" % type(o).__name__
            else:
                what = "returned DeliveryReport"
            return "<%s at %#x state=finished %s>" % (type(self).__name__, id(self), what)
        return "<%s at %#x state=running>" % (type(self).__name__, id(self))


_FAILED = True  # _result of a future that failed before C reported it (its _exception is set)


def _held_of(objs: List[Any], refs: Optional[int]) -> List[int]:
    """The indexes of the objects of objs that something besides objs holds: those with more
    than refs references (_SOLE_REFS: objs alone; all of them without reference counts)."""
    if refs is None:
        return list(range(len(objs)))
    return list(itertools.compress(range(len(objs)),
                                   map(operator.gt, map(_refcount, objs),
                                       itertools.repeat(refs))))


def _sole_refs() -> Optional[int]:
    """The reference count _held_of() sees for an object its list alone holds (interpreters count
    temporary references differently); None without sys.getrefcount."""
    if _refcount is None:
        return None
    for refs in range(1, 16):
        if not _held_of([_RecordFuture()], refs):
            return refs
    return None


_SOLE_REFS = _sole_refs()
# ... and for a batch that _Core._batches holds too.
_BATCH_REFS = None if _SOLE_REFS is None else _SOLE_REFS + 1


def _ms(seconds: Optional[float]) -> int:
    if seconds is None:
        return _U32_MAX
    return max(0, min(int(seconds * 1000), _U32_MAX - 1))


def _error_from(st: int, err: Any, operation: str) -> KinesisError:
    try:
        raise_for_error(st, err, operation)
    except KinesisError as e:
        return e
    return KinesisError(_ffi.status_str(st), _ffi.status_name(st))  # pragma: no cover


def _closed_error() -> KinesisError:
    return make_error("KINESIS_E_CANCELLED", "", "producer closed before the record was delivered",
                      operation="PutRecords")


class _Core:
    """The producer's state; the report thread holds this, not the Producer, so an abandoned
    Producer is still collected (its __del__ closes the core)."""

    # Slots: more than 30 attributes would push every instance-attribute access of put()
    # through a dict lookup.
    __slots__ = ("_acc", "_alloc", "_batches", "_block", "_bt", "_close_deadline",
                 "_close_timeout", "_closed", "_cv", "_err", "_fast_data", "_handle", "_in_b",
                 "_in_n", "_known", "_last_submit", "_max_b", "_max_n", "_names", "_next_bid",
                 "_nref", "_pf", "_put_timeout", "_rbuf", "_rec", "_rmv", "_room_n",
                 "_room_waiters", "_stage", "_stage_max", "_stop", "_submit_lock", "_thread",
                 "_wake_later")

    def __init__(self, pf: Any, handle: int, alloc: Any, opts: Any, block: bool,
                 put_timeout: float, close_timeout: Optional[float]) -> None:
        self._pf = pf
        self._handle: Optional[int] = handle
        self._block = block
        self._put_timeout = put_timeout
        self._close_timeout = close_timeout
        self._max_n = int(opts.max_buffer_records)
        self._max_b = int(opts.max_buffer_bytes)
        self._stage_max = min(int(opts.aggregation_max_bytes), 10 << 20)  # <= max_record_bytes
        # Data + key of a shortest-path record stay within aggregation_max_bytes, so within the
        # client's max_record_bytes (kinesis_producer_new() checked that).
        self._fast_data = max(0, min(_FAST_DATA, self._stage_max - 256))
        # Stream names put() may stage (each was accepted once by a C put, which checks it);
        # emptied by close() so that every later put() takes the checked path and raises.
        self._known: Dict[str, bytes] = {}
        self._names: Dict[str, bytes] = {}
        self._stage: List[Any] = []  # stream, key, data, future, stream, key, ...
        self._last_submit = time.monotonic()
        # The batches with records in C, by number (see _Batch); changed under _cv.
        self._batches: Dict[int, _Batch] = {}
        self._next_bid = 0
        # Records handed to C and not yet resolved, under _cv; _room_* are what is left of the
        # caps (read without the lock by put()).
        self._cv = threading.Condition(threading.Lock())
        self._in_n = 0
        self._in_b = 0
        self._room_n = 4 * min(self._max_n, self._max_b // _FAST_CHARGE)
        self._room_waiters = 0
        self._submit_lock = threading.Lock()
        self._wake_later: List[_RecordFuture] = []
        self._alloc = alloc
        self._bt = pf.ProducerBatch()
        self._acc = ctypes.c_size_t()
        self._err = _ffi.Error()
        self._rec = pf.ProducerRecord()
        self._closed = False
        self._stop = False
        self._close_deadline: Optional[float] = None
        self._rbuf = (pf.DeliveryReport * _TAKE_CAP)()
        self._rmv = memoryview(self._rbuf).cast("B")
        self._nref = ctypes.c_size_t()
        self._thread = threading.Thread(target=self._serve, name="libkinesis-reports",
                                        daemon=True)
        self._thread.start()

    # ---- put ---------------------------------------------------------------------------------

    def put(self, stream_name: str, data: Any, partition_key: str,
            explicit_hash_key: Optional[str] = None) -> "Future[DeliveryReport]":
        """Queue one record; returns its Future (resolving to a DeliveryReport, or raising the
        record's KinesisError). Raises at once, with nothing queued, for an invalid record
        (ParamValidationError), a full buffer (QueueFullError) or a closed producer."""
        # The shortest path: every check at once, then one Future and one list extend.
        if (type(data) is bytes and len(data) <= self._fast_data and explicit_hash_key is None
                and type(partition_key) is str and 0 < len(partition_key) <= 256
                and partition_key.isascii() and "\0" not in partition_key
                and stream_name in self._known):
            stage = self._stage
            if len(stage) < self._room_n:
                fut = _RecordFuture()
                # One atomic extend (no lock: puts on other threads append beside it). An ASCII
                # key is staged as the str (its length is its byte length); the batch's keys
                # are encoded with one call when they are handed to C.
                stage += (stream_name, partition_key, data, fut)
                if len(stage) >= _STAGE_LEN:
                    self._submit()
                return fut
        return self._put_checked(stream_name, data, partition_key, explicit_hash_key)

    def _stage_wait(self, stream_name: str, pk: Any, data: bytes,
                    charge: int) -> "Future[DeliveryReport]":
        """Stage a checked record (its key as an ASCII str or as UTF-8 bytes) once the buffer has
        room for it (or raise QueueFullError)."""
        self._wait_room(charge)
        fut = _RecordFuture()
        stage = self._stage
        stage += (stream_name, pk, data, fut)
        if len(stage) >= _STAGE_LEN or charge > _FAST_CHARGE:
            self._submit()  # (a staged record never counts for more than _FAST_CHARGE)
        return fut

    def _fits(self, charge: int) -> bool:
        staged = len(self._stage) // 4  # counted for at most _FAST_CHARGE each
        n = self._in_n + staged
        return n == 0 or (n < self._max_n
                          and self._in_b + staged * _FAST_CHARGE + charge <= self._max_b)

    def _wait_room(self, charge: int) -> None:
        if self._fits(charge):
            return
        if self._stage:
            self._submit()  # exact accounting for what was staged
            if self._fits(charge):
                return
        if not self._block or threading.current_thread() is self._thread:
            # The report thread (a Future callback) must not wait for itself.
            raise QueueFullError("producer buffer full", "KINESIS_E_QUEUE_FULL",
                                 status="KINESIS_E_QUEUE_FULL")
        deadline = time.monotonic() + self._put_timeout
        self._submit()  # what is staged goes on while we wait
        with self._cv:
            self._room_waiters += 1
            try:
                while not self._fits(charge):
                    left = deadline - time.monotonic()
                    if left <= 0 or self._closed:
                        raise QueueFullError("producer buffer still full after %.3g s"
                                             % self._put_timeout, "KINESIS_E_QUEUE_FULL",
                                             status="KINESIS_E_QUEUE_FULL")
                    self._cv.wait(min(left, 0.05))
            finally:
                self._room_waiters -= 1

    def _put_checked(self, stream_name: str, data: Any, partition_key: Any,
                     explicit_hash_key: Optional[str]) -> "Future[DeliveryReport]":
        """Everything put()'s shortest path does not cover: conversions, a stream not seen yet, an
        explicit hash key, large records, keys the C producer must judge; and the closed check."""
        from .errors import ParamValidationError

        if self._closed:
            raise KinesisError("the producer is closed", "ProducerClosed")
        if type(data) is not bytes:
            from ._convert import blob_to_bytes
            data = blob_to_bytes(data)
            if type(data) is not bytes:
                data = bytes(data)
        if not isinstance(partition_key, str):
            raise ParamValidationError("partition_key must be a str, not %s"
                                       % type(partition_key).__name__)
        if not isinstance(stream_name, str):
            raise ParamValidationError("stream_name must be a str, not %s"
                                       % type(stream_name).__name__)
        try:
            pk = partition_key.encode("utf-8")
            stream_name.encode("utf-8")
        except UnicodeEncodeError:
            raise ParamValidationError("partition_key and stream_name must be valid Unicode (no "
                                       "lone surrogate)") from None
        ehk = None
        if explicit_hash_key:
            try:
                ehk = explicit_hash_key.encode("ascii")
            except (AttributeError, UnicodeEncodeError):
                raise ParamValidationError("explicit_hash_key must be a decimal integer string "
                                           "in [0, 2^128)") from None
        # The C strings end at a NUL: refuse one rather than send a shortened string.
        for what, v in (("partition_key", pk), ("explicit_hash_key", ehk),
                        ("stream_name", stream_name)):
            if v and ("\0" in v if isinstance(v, str) else b"\0" in v):
                raise ParamValidationError("%s must not contain a NUL character" % what)
        size = len(data) + len(pk)
        if (ehk is None and stream_name in self._known and size <= self._stage_max
                and 0 < len(partition_key) <= 256 and b"\0" not in pk):
            key = partition_key if len(pk) == len(partition_key) else pk  # ASCII: as put() does
            return self._stage_wait(stream_name, key, data, size + _OVERHEAD)
        # One C put, which checks everything, after whatever is staged (order is kept).
        extra = len(pk) + (len(ehk) if ehk else 0)
        charge = len(data) + extra + _OVERHEAD
        deadline = time.monotonic() + self._put_timeout
        while True:
            self._wait_room(charge)
            fut = _RecordFuture()
            with self._submit_lock:
                handle = self._handle
                if self._closed or not handle:
                    raise KinesisError("the producer is closed", "ProducerClosed")
                self._submit_locked()
                sb = self._names.get(stream_name) or stream_name.encode("utf-8")
                b = self._new_batch(1)
                exc = None
                st = _QUEUE_FULL  # (without a batch number free: taken as a full buffer)
                if b is not None:
                    fut._bi = (b, 0)
                    self._account(1, charge)
                    rec = self._rec
                    rec.stream = sb
                    rec.partition_key = pk
                    rec.explicit_hash_key = ehk
                    rec.data = data
                    rec.data_len = len(data)
                    rec.opaque = extra << 32 | b.bid << _IDX_BITS
                    rec.flags = 0
                    st = lib.kinesis_producer_put(handle, ctypes.byref(rec),
                                                  ctypes.byref(self._err))
                    rec.data = rec.partition_key = rec.explicit_hash_key = None
                    if not st:
                        self._names[stream_name] = sb
                        if not self._closed:
                            self._known[stream_name] = sb
                    else:
                        self._unhand(b, 1)
                        self._account(-1, -charge)
                        if st != _QUEUE_FULL:
                            exc = _error_from(st, self._err, "put")
            if self._wake_later:
                self._run_wakes()
            if not st:
                return fut
            if exc is not None:
                raise exc
            # C had no room although Python's count said so (puts racing on other threads).
            if not self._block or time.monotonic() >= deadline:
                raise QueueFullError("producer buffer full", "KINESIS_E_QUEUE_FULL",
                                     status="KINESIS_E_QUEUE_FULL")
            time.sleep(0.005)

    def _account(self, n: int, nbytes: int) -> None:
        with self._cv:
            self._account_locked(n, nbytes)

    def _account_locked(self, n: int, nbytes: int) -> None:
        self._in_n += n
        self._in_b += nbytes
        # What put()'s shortest path may stage, in stage list items (4 per record), with each
        # record counted for the most such a record can be.
        self._room_n = 4 * min(self._max_n - self._in_n,
                               (self._max_b - self._in_b) // _FAST_CHARGE)
        if n < 0 and self._room_waiters:
            self._cv.notify_all()

    # ---- submit ------------------------------------------------------------------------------

    def _submit(self) -> bool:
        """Hand the staged records to C, in order. False when C had no room for some of them
        (they stay staged, first in line)."""
        with self._submit_lock:
            all_in = self._submit_locked()
        if self._wake_later:
            self._run_wakes()
        return all_in

    def _submit_locked(self) -> bool:
        stage = self._stage
        k = len(stage)
        if not k:
            return True
        handle = self._handle
        if not handle:
            return True  # close() fails what is left
        self._last_submit = time.monotonic()
        items = stage[:k]  # k is a multiple of 4: put() extends by 4 items at once
        names, pks, datas, futs = items[0::4], items[1::4], items[2::4], items[3::4]
        del items
        k //= 4
        try:
            kb = "".join(pks).encode("ascii")  # put()'s keys: ASCII str
        except (TypeError, UnicodeEncodeError):  # some came checked, as UTF-8 bytes
            pks = [p.encode() if type(p) is str else p for p in pks]
            kb = b"".join(pks)
        db = b"".join(datas)
        nbytes = len(kb) + len(db) + _OVERHEAD * k
        # Counted as handed over before leaving the stage: a racing put() never sees room twice.
        self._account(k, nbytes)
        del stage[:4 * k]
        if k <= _BATCH_MAX and names.count(names[0]) == k:
            held = _held_of(futs, _SOLE_REFS)  # (futs is the producer's only reference now)
            left = self._send(handle, names[0], pks, datas, futs, held, kb, db)
        else:
            # Several streams or many records: the records of each stream together, in put()
            # order (a stable sort; order only counts within a stream), one batch per
            # _BATCH_MAX of them. Records of streams put in turns thus take one C call per
            # stream, not one per record.
            if names.count(names[0]) != k:
                pick = operator.itemgetter(*sorted(range(k), key=names.__getitem__))
                names, pks, datas, futs = (list(pick(x)) for x in (names, pks, datas, futs))
            held = _held_of(futs, _SOLE_REFS)  # (the only reference again: the old list went)
            left = None
            i = 0
            while i < k and left is None:
                j = i + 1
                while j < k and j - i < _BATCH_MAX and names[j] == names[i]:
                    j += 1
                run_held = held[bisect_left(held, i):bisect_left(held, j)]  # (held is sorted)
                left = self._send(handle, names[i], pks[i:j], datas[i:j], futs[i:j],
                                  [h - i for h in run_held])
                if left is not None:
                    left = (left[0] + i, left[1])
                i = j
        if left is None:
            return True
        # C was full: the rest goes back to the front of the stage.
        start, status = left
        rest = [x for t in zip(names[start:], pks[start:], datas[start:], futs[start:])
                for x in t]
        m = k - start
        rest_b = sum(map(len, rest[1::4])) + sum(map(len, rest[2::4])) + _OVERHEAD * m
        # (a str key here is ASCII: its length is its byte length)
        self._account(-m, -rest_b)
        stage[0:0] = rest
        return False

    def _send(self, handle: int, name: str, pks: List[Any], datas: List[bytes],
              futs: List[_RecordFuture], held: List[int], kb: Optional[bytes] = None,
              db: Optional[bytes] = None) -> Optional[Tuple[int, int]]:
        """put_batch() the records of one stream, at most _BATCH_MAX (already counted in _in_*;
        keys as ASCII str or bytes, kb and db their joined bytes when known; held: the indexes
        of the futures somebody holds). Returns None when all were queued or finished, else
        (index of the first record C had no room for, status)."""
        sb = self._names.get(name)
        if sb is None:
            sb = self._names[name] = name.encode("utf-8")
        n = len(futs)
        # (An array fills faster from a list than from an iterator: it is sized once.)
        klens = array("I", list(map(len, pks)))
        dlens = array("I", list(map(len, datas)))
        if kb is None:
            pks = [p.encode() if type(p) is str else p for p in pks]
            kb = b"".join(pks)
            db = b"".join(datas)
        b = self._new_batch(n)
        if b is None:
            return 0, _QUEUE_FULL
        base = b.bid << _IDX_BITS
        words = array("I", bytes(8 * n))  # the opaques as (id, key bytes) 32-bit halves
        wv = memoryview(words)
        wv[_LO::2] = array("I", range(base, base + n))
        wv[_HI::2] = klens
        for j in held:  # before C can report them (see _RecordFuture._condition)
            f = futs[j]
            f._bi = (b, j)
            if f._cond is not None:
                _watch(b, j, f)
        bt = self._bt
        bt.stream = sb
        bt.partition_keys = kb
        bt.partition_key_lens = klens.buffer_info()[0]
        bt.data = db
        bt.data_lens = dlens.buffer_info()[0]
        bt.opaques = words.buffer_info()[0]
        bt.explicit_hash_keys = None
        bt.flags = 0
        acc, err = self._acc, self._err
        put_batch = lib.kinesis_producer_put_batch
        done = 0
        try:
            while True:
                bt.count = n - done
                st = put_batch(handle, ctypes.byref(bt), ctypes.byref(acc), ctypes.byref(err))
                done += acc.value
                if not st:
                    return None
                if st == _QUEUE_FULL:
                    self._unhand(b, n - done)
                    if b.watch:  # (they register again in the batch that takes them)
                        for j in range(done, n):
                            b.watch.pop(j, None)
                    return done, st
                # The record at `done` was refused (put() checks records, so this is rare).
                failing = n if st == _CANCELLED else done + 1
                self._unhand(b, failing - done)
                for j in range(done, failing):
                    self._fail_now(futs[j], _error_from(st, err, "put"), len(pks[j]),
                                   len(datas[j]))
                done = failing
                if done >= n:
                    return None
                # Point the arrays at the rest.
                kb = b"".join(p.encode() if type(p) is str else p for p in pks[done:])
                db = b"".join(datas[done:])
                bt.partition_keys = kb
                bt.data = db
                bt.partition_key_lens = klens.buffer_info()[0] + 4 * done
                bt.data_lens = dlens.buffer_info()[0] + 4 * done
                bt.opaques = words.buffer_info()[0] + 8 * done
        finally:
            bt.partition_keys = bt.data = None

    def _new_batch(self, n: int) -> Optional[_Batch]:
        """A batch for n records about to be handed to C (under _submit_lock); None, to be
        taken as a full buffer, while half of the batch numbers are in use (millions of
        batches of a record or two each in flight, from a max_buffer_records that large)."""
        with self._cv:
            batches = self._batches
            if len(batches) > _BID_MASK // 2:
                return None
            bid = self._next_bid
            while bid in batches:  # (a number is free again once its batch is reported)
                bid = (bid + 1) & _BID_MASK
            self._next_bid = (bid + 1) & _BID_MASK
            b = batches[bid] = _Batch(bid, n)
        return b

    def _unhand(self, b: _Batch, m: int) -> None:
        """m records of batch b did not reach C after all."""
        with self._cv:
            b.left -= m
            if not b.left:
                del self._batches[b.bid]

    def _fail_now(self, fut: _RecordFuture, exc: BaseException, klen: int, dlen: int) -> None:
        """Finish a record that was counted as handed over but never reached C."""
        self._account(-1, -(klen + dlen + _OVERHEAD))
        fut._exception = exc
        fut._result = _FAILED
        if fut._cond is not None:
            self._wake_later.append(fut)  # callbacks run once the submit lock is released

    def _run_wakes(self) -> None:
        while self._wake_later:
            self._wake_later.pop(0)._wake()

    # ---- reports -----------------------------------------------------------------------------

    def _serve(self) -> None:
        """The report thread: takes reports (ctypes releases the GIL while C waits), resolves
        their futures, and submits what put() left staged for longer than _LINGER."""
        take = lib.kinesis_producer_take_reports
        addr = ctypes.addressof(self._rbuf)
        nref = self._nref
        nref_p = ctypes.byref(nref)
        handle = self._handle
        try:
            while True:
                stage = self._stage
                if stage:
                    wait = _LINGER - (time.monotonic() - self._last_submit)
                    if wait <= 0:
                        self._submit()
                        wait = _LINGER
                    ms = max(1, int(wait * 1000))
                else:
                    ms = 5 if self._in_n else 50
                if self._stop:
                    if self._close_deadline is None:
                        return  # close() on another thread takes over
                    if not self._in_n and not stage or time.monotonic() >= self._close_deadline:
                        break
                    self._submit()
                take(handle, addr, _TAKE_CAP, ms, nref_p)
                n = nref.value
                if n:
                    self._resolve(n)
        except BaseException:  # pragma: no cover - keep the interpreter informative
            LOGGER.exception("libkinesis producer report thread failed")
            raise
        self._finish()  # close() was called on this thread (from a Future callback)

    def _resolve(self, n: int) -> None:
        # Views of C's array: valid until the next take_reports(), which this thread makes.
        mv = self._rmv[:n * _REPORT_SIZE]
        q, u = mv.cast("Q"), mv.cast("I")
        ids = u[2 * _OP + _LO::_IW].tolist()
        bids = list(map(operator.rshift, ids, itertools.repeat(_IDX_BITS, n)))
        per_batch = Counter(bids)
        nbytes = sum(q[_DLEN::_QW]) + sum(u[2 * _OP + _HI::_IW]) + _OVERHEAD * n
        batches = self._batches
        with self._cv:
            bs = list(map(batches.get, per_batch))
            counts = list(per_batch.values())
            if None in bs:  # (a report whose id is not ours: nothing to resolve)
                known = [j for j, b in enumerate(bs) if b is not None]
                bs = [bs[j] for j in known]
                counts = [counts[j] for j in known]
            # The batches some future of which is still alive (see _Batch): with no other
            # reference than _batches and bs, none is.
            held = [bs[j] for j in _held_of(bs, _BATCH_REFS)]
            for b, c in zip(bs, counts):
                b.left -= c
                if not b.left:
                    del batches[b.bid]
        del bs
        woken: List[_RecordFuture] = []
        try:
            if held:  # else nobody can look at these outcomes: nothing to store
                woken = self._store(held, mv, ids, bids)
        finally:
            self._account(-n, -nbytes)  # once the futures are done: outstanding counts them
        for f in woken:
            f._wake()

    def _store(self, held: List[_Batch], mv: memoryview, ids: List[int],
               bids: List[int]) -> List[_RecordFuture]:
        """Store the outcomes of the reports (mv, with their ids and batch numbers) that belong
        to the held batches; returns the futures to wake."""
        q, i, u = mv.cast("Q"), mv.cast("i"), mv.cast("I")
        take = _Take()
        unheld = _refcount(take) if _refcount is not None else 0  # without any batch's
        woken = []
        try:
            by_bid = {b.bid: b for b in held}
            statuses = i[_ST::_IW]
            for k in itertools.compress(range(len(ids)), map(by_bid.__contains__, bids)):
                b = by_bid[bids[k]]
                j = ids[k] & _IDX_MASK
                res = b.res
                if res is None:
                    b.pos = array("I", bytes(4 * b.n))
                    res = b.res = [None] * b.n
                b.pos[j] = k  # before the outcome that makes the future done
                res[j] = _report_error(q, i, u, k) if statuses[k] else take
                w = b.watch
                if w and j in w:
                    woken.append(w.pop(j))
            # The held batches hold the take: copy the reports only if one stored it.
            if _refcount is None or _refcount(take) > unheld:
                take.keep(mv.tobytes())
        finally:
            take.busy.release()
        return woken

    # ---- flush, close ------------------------------------------------------------------------

    def flush(self, timeout: Optional[float] = None) -> None:
        if self._closed:
            return  # close() flushes (and may be finishing on the report thread)
        self._flush(timeout)

    def _flush(self, timeout: Optional[float]) -> None:
        handle = self._handle
        if not handle:
            return
        if threading.current_thread() is self._thread:
            raise KinesisError("flush() cannot wait for reports on the report thread (from a "
                               "Future callback)", "ProducerFlushInCallback")
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            all_in = self._submit()
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            st = lib.kinesis_producer_flush(handle, _ms(left))
            # With report_queue, C's flush returns once the report thread has taken every report
            # and come back for more: every record handed over before is resolved by then.
            if st == _TIMEOUT:
                raise FlushTimeoutError("flush timed out with %d records outstanding"
                                        % self.outstanding, "KINESIS_E_TIMEOUT")
            if st:
                raise_for_error(st, None, "flush")
            if all_in:
                return
            if deadline is not None and time.monotonic() >= deadline:
                raise FlushTimeoutError("flush timed out with %d records outstanding"
                                        % self.outstanding, "KINESIS_E_TIMEOUT")

    @property
    def outstanding(self) -> int:
        return self._in_n + len(self._stage) // 4 if self._handle else 0

    def close(self, timeout: Optional[float] = None) -> None:
        if self._closed:
            return
        self._closed = True
        self._known = {}  # later put()s take the checked path, which raises
        t = self._close_timeout if timeout is None else timeout
        if threading.current_thread() is self._thread:
            # From a Future callback: the report thread finishes the job when it returns.
            self._close_deadline = time.monotonic() + (t if t is not None else 1e9)
            self._stop = True
            return
        try:
            self._flush(t)
        except FlushTimeoutError:
            pass
        finally:
            self._stop = True
            self._thread.join()
            self._finish()

    def _finish(self) -> None:
        """Stop C (what it gives up is reported as cancelled), serve the last reports, fail
        whatever never reached C, free the producer."""
        handle = self._handle
        if not handle:
            return
        lib.kinesis_producer_close(handle, 0)
        take = lib.kinesis_producer_take_reports
        while True:
            take(handle, ctypes.addressof(self._rbuf), _TAKE_CAP, 0, ctypes.byref(self._nref))
            n = self._nref.value
            if not n:
                break
            self._resolve(n)
        with self._submit_lock:
            self._handle = None
            lib.kinesis_producer_destroy(handle)
        left = self._stage[:]
        del self._stage[:len(left)]
        woken = []
        for fut in left[3::4]:
            if fut._outcome() is None:
                fut._exception = _closed_error()
                fut._result = _FAILED
                if fut._cond is not None:
                    woken.append(fut)
        # C reports every record it gave up on, so no batch should be left; should one be, its
        # records are given up here too.
        with self._cv:
            left_batches = list(self._batches.values())
            self._batches.clear()
        for b in left_batches:
            if b.res is None:
                b.pos = array("I", bytes(4 * b.n))
                b.res = [None] * b.n
            for j in range(b.n):
                if b.res[j] is None:
                    b.res[j] = _closed_error()
                    if b.watch and j in b.watch:
                        woken.append(b.watch.pop(j))
        for fut in woken:
            fut._wake()
        with self._cv:
            self._in_n = self._in_b = 0
            self._cv.notify_all()

    def stats(self) -> Dict[str, Any]:
        handle = self._handle
        if not handle:
            raise KinesisError("the producer is closed", "ProducerClosed")
        out = ctypes.c_void_p()
        n = ctypes.c_size_t()
        st = lib.kinesis_producer_stats_json(handle, ctypes.byref(out), ctypes.byref(n))
        if st:
            raise_for_error(st, None, "stats")
        try:
            return json.loads(ctypes.string_at(out.value, n.value))
        finally:
            lib.kinesis_free(self._alloc, out.value)


class Producer:
    """An asynchronous producer on a Client (which must stay open while the producer lives).

    ``put(stream_name, data, partition_key, explicit_hash_key=None)`` queues one record and
    returns a ``concurrent.futures.Future`` resolving to a DeliveryReport, or raising the
    record's KinesisError. Records are aggregated per predicted shard (KPL format) and sent with
    PutRecords; only failed ones are retried, until ``record_ttl_ms``.

    Back-pressure: when the buffer (``max_buffer_records`` / ``max_buffer_bytes``, counted from
    put() until the record's Future is resolved) is full, ``put`` blocks up to ``put_timeout``
    seconds (``block=True``, default 30 s) and then raises QueueFullError; with ``block=False``
    it raises at once.

    Options: every field of kinesis_producer_options by name (``linger_ms``, ``aggregation``,
    ``max_in_flight``, ``record_ttl_ms``, ``ordered``, ...; see the C README's table).

    put() hands records to C in batches: a record waits at most a few milliseconds in Python
    (flush() and close() send everything at once). A Python thread of the Producer takes the
    delivery reports in batches and resolves the futures, so Future callbacks run on that
    thread: they may call put() (which then raises QueueFullError instead of blocking when the
    buffer is full) but not flush(). The Futures are running from the start: cancel() returns
    False. put() may be called from any number of threads; close() must not run beside
    another call on the producer.
    Use it as a context manager: leaving the block flushes and closes.
    """

    def __init__(self, client: Any, block: bool = True, put_timeout: float = 30.0,
                 close_timeout: Optional[float] = 60.0, **options: Any) -> None:
        from . import _producer_ffi as pf

        self._core: Optional[_Core] = None
        self._client = client  # keeps the C client alive while the producer lives
        opts = pf.ProducerOptions()
        lib.kinesis_producer_options_init(ctypes.byref(opts))
        err = _ffi.Error()
        for name, value in options.items():
            if name not in pf.OPTION_NAMES or name in ("report_thread", "put_block_ms",
                                                       "report_queue"):
                raise TypeError("Producer() got an unexpected option %r" % name)
            if isinstance(value, bool):
                value = int(value)
            st = lib.kinesis_producer_options_set(ctypes.byref(opts), name.encode(),
                                                  str(value).encode(), ctypes.byref(err))
            if st:
                raise_for_error(st, err, "Producer")
        opts.put_block_ms = 0  # Python blocks (C never does: the report thread must not wait)
        opts.report_thread = 0
        opts.report_queue = 1  # reports are taken in arrays by our thread
        handle = ctypes.c_void_p()
        st = lib.kinesis_producer_new(client.handle, ctypes.byref(opts), ctypes.byref(handle),
                                      ctypes.byref(err))
        if st:
            raise_for_error(st, err, "Producer")
        self._core = core = _Core(pf, handle.value, lib.kinesis_client_allocator(client.handle),
                                  opts, block, put_timeout, close_timeout)
        self.put = core.put  # the bound method itself: no extra call per record

    def put(self, stream_name: str, data: Any, partition_key: str,  # type: ignore[no-redef]
            explicit_hash_key: Optional[str] = None) -> "Future[DeliveryReport]":
        """Queue one record; returns its Future (resolving to a DeliveryReport, or raising the
        record's KinesisError). Raises at once, with nothing queued, for an invalid record
        (ParamValidationError), a full buffer (QueueFullError) or a closed producer."""
        if self._core is None:
            raise KinesisError("the producer is closed", "ProducerClosed")
        return self._core.put(stream_name, data, partition_key, explicit_hash_key)

    def flush(self, timeout: Optional[float] = None) -> None:
        """Send everything now and wait until every record put so far has its Future resolved
        (None = no limit). Raises FlushTimeoutError when the time ran out first."""
        if self._core is not None:
            self._core.flush(timeout)

    @property
    def outstanding(self) -> int:
        """Records put and not yet resolved."""
        return self._core.outstanding if self._core is not None else 0

    def stats(self) -> Dict[str, Any]:
        """The C producer's statistics document (see the C README)."""
        if self._core is None:
            raise KinesisError("the producer is closed", "ProducerClosed")
        return self._core.stats()

    def close(self, timeout: Optional[float] = None) -> None:
        """Flush up to `timeout` seconds (default: the producer's close_timeout), then stop;
        records still pending fail with libkinesis.CancelledError. Idempotent."""
        if self._core is not None:
            self._core.close(timeout)

    def __enter__(self) -> "Producer":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close(0)
        except Exception:
            pass
