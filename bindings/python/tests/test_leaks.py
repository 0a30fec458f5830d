"""No C resource outlives its Python owner: repeated create/destroy with a counting C allocator
(kinesis_allocator hooks implemented with ctypes callbacks) and tracemalloc for Python objects."""
import ctypes
import gc
import threading
import tracemalloc

import pytest

import libkinesis
from libkinesis import _ffi


class CountingAllocator:
    """A kinesis_allocator whose hooks call libc and count live blocks (thread-safe)."""

    def __init__(self):
        libc = ctypes.CDLL(None)
        self._malloc = libc.malloc
        self._malloc.restype = ctypes.c_void_p
        self._malloc.argtypes = [ctypes.c_size_t]
        self._realloc = libc.realloc
        self._realloc.restype = ctypes.c_void_p
        self._realloc.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
        self._free = libc.free
        self._free.argtypes = [ctypes.c_void_p]
        self.live = set()
        self.total = 0
        self.lock = threading.Lock()

        def alloc(user, size):
            p = self._malloc(size or 1)
            with self.lock:
                self.live.add(p)
                self.total += 1
            return p

        def realloc(user, ptr, old, new):
            p = self._realloc(ptr, new or 1)
            if p:
                with self.lock:
                    self.live.discard(ptr)
                    self.live.add(p)
                    self.total += 1
            return p

        def free(user, ptr):
            if ptr:
                with self.lock:
                    self.live.discard(ptr)
                self._free(ptr)

        self.struct = _ffi.Allocator(_ffi.ALLOC_FN(alloc), _ffi.REALLOC_FN(realloc),
                                     _ffi.FREE_FN(free), None)


def client_with(alloc, endpoint="http://127.0.0.1:1"):
    return libkinesis.Client(region_name="us-east-1", endpoint_url=endpoint, max_attempts=1,
                             aws_access_key_id="a", aws_secret_access_key="b",
                             _allocator=alloc.struct)


def test_client_create_destroy_frees_everything(kinesalite):
    alloc = CountingAllocator()
    endpoint = kinesalite.meta.endpoint_url
    for i in range(30):
        c = client_with(alloc, endpoint)
        c.list_streams()
        with pytest.raises(libkinesis.ResourceNotFoundException):
            c.describe_stream(StreamName="missing-%d" % i)
        if i % 2:
            c.close()
        else:
            del c  # freed by the garbage collector
            gc.collect()
    assert alloc.total > 30
    assert not alloc.live, "%d C blocks still allocated" % len(alloc.live)


def test_calls_from_threads_with_python_allocator(kinesalite):
    """C calls run without the GIL; the allocator hooks re-enter Python from those threads."""
    alloc = CountingAllocator()
    c = client_with(alloc, kinesalite.meta.endpoint_url)
    errors = []

    def work():
        try:
            for _ in range(10):
                c.list_streams()
        except Exception as e:  # pragma: no cover
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    c.close()
    assert not alloc.live


def test_python_memory_is_bounded(kinesalite):
    endpoint = kinesalite.meta.endpoint_url
    recs = [{"PartitionKey": "k%d" % i, "Data": b"x" * 50} for i in range(200)]

    def cycle():
        with libkinesis.Client(region_name="us-east-1", endpoint_url=endpoint,
                               aws_access_key_id="a", aws_secret_access_key="b") as c:
            c.list_streams()
        packed = libkinesis.aggregate(recs)
        assert len(list(libkinesis.deaggregate(packed))) == 200

    for _ in range(20):  # warm caches
        cycle()
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    for _ in range(200):
        cycle()
    gc.collect()
    grown = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    assert grown < 256 * 1024, "Python memory grew by %d bytes over 200 cycles" % grown


def test_rss_bounded():
    """C memory of the default allocator: RSS stays flat over many client/aggregate cycles."""
    def rss_kb():
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    recs = [{"PartitionKey": "k%d" % i, "Data": b"y" * 1000} for i in range(500)]

    def cycle():
        c = libkinesis.Client(region_name="us-east-1", endpoint_url="http://127.0.0.1:1",
                              aws_access_key_id="a", aws_secret_access_key="b")
        c.close()
        libkinesis.aggregate(recs)

    for _ in range(50):
        cycle()
    gc.collect()
    before = rss_kb()
    for _ in range(500):
        cycle()
    gc.collect()
    assert rss_kb() - before < 8 * 1024
