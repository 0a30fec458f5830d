"""ctypes declarations of the libkinesis C API, and the loader that finds libkinesis.so.

Only the standard library is used, so installing the package needs no compiler. ctypes releases
the GIL around every foreign call and takes it again inside callbacks (CFUNCTYPE), which is what
makes C threads calling back into Python safe.
"""
import ctypes
import os
from ctypes import (
    CFUNCTYPE,
    POINTER,
    Structure,
    c_char,
    c_char_p,
    c_int,
    c_int32,
    c_int64,
    c_size_t,
    c_uint8,
    c_uint32,
    c_uint64,
    c_void_p,
)
from typing import List, Optional

__all__ = ["lib", "load_library", "LibraryNotFoundError"]


class LibraryNotFoundError(ImportError):
    """libkinesis.so could not be loaded; the message lists every place that was tried."""


_SONAMES = ("libkinesis.so.0", "libkinesis.so", "libkinesis.dylib")


def _build_tree_candidates() -> List[str]:
    """libkinesis.so in build trees of the source checkout this package came from."""
    roots = []
    here = os.path.dirname(os.path.abspath(__file__))
    # Running from the source tree: <repo>/bindings/python/src/libkinesis
    roots.append(os.path.normpath(os.path.join(here, "..", "..", "..", "..")))
    try:  # installed by the in-tree backend, which records the checkout it was built from
        from . import _buildinfo  # type: ignore[attr-defined]

        roots.append(_buildinfo.SOURCE_ROOT)
    except ImportError:
        pass
    out: List[str] = []
    for root in roots:
        if not os.path.isfile(os.path.join(root, "include", "kinesis", "client.h")):
            continue
        # Non-sanitized trees first: an ASan-built library cannot be loaded into python.
        for name in ("build-py", "build", "build-release", "build-demo"):
            path = os.path.join(root, name, "lib", "libkinesis.so")
            if path not in out:
                out.append(path)
    return out


def load_library(path: Optional[str] = None) -> ctypes.CDLL:
    """Load libkinesis: `path`, else $LIBKINESIS_LIBRARY, else the system loader (LD_LIBRARY_PATH,
    ld.so.cache, installed prefixes), else the source checkout's build trees.

    Raises LibraryNotFoundError naming every place tried and why it failed."""
    tried = []
    explicit = path or os.environ.get("LIBKINESIS_LIBRARY")
    if explicit:
        try:
            return ctypes.CDLL(explicit)
        except OSError as e:
            raise LibraryNotFoundError(
                "cannot load libkinesis from LIBKINESIS_LIBRARY=%s: %s" % (explicit, e)
            ) from None
    for name in _SONAMES:
        try:
            return ctypes.CDLL(name)
        except OSError as e:
            tried.append("system loader %s: %s" % (name, e))
    for cand in _build_tree_candidates():
        if not os.path.exists(cand):
            tried.append("%s: not found" % cand)
            continue
        try:
            return ctypes.CDLL(cand)
        except OSError as e:
            tried.append("%s: %s" % (cand, e))
    raise LibraryNotFoundError(
        "libkinesis shared library not found. Set LIBKINESIS_LIBRARY to the path of "
        "libkinesis.so, add its directory to LD_LIBRARY_PATH, or install it. Tried:\n  "
        + "\n  ".join(tried)
    )


# ---- structures (must match include/kinesis/*.h; tests/test_abi.py checks with a compiler) ----

ALLOC_FN = CFUNCTYPE(c_void_p, c_void_p, c_size_t)
REALLOC_FN = CFUNCTYPE(c_void_p, c_void_p, c_void_p, c_size_t, c_size_t)
FREE_FN = CFUNCTYPE(None, c_void_p, c_void_p)
LOG_FN = CFUNCTYPE(None, c_void_p, c_int, c_char_p)


class Allocator(Structure):
    _fields_ = [("alloc", ALLOC_FN), ("realloc", REALLOC_FN), ("free", FREE_FN), ("user", c_void_p)]


class Error(Structure):
    _fields_ = [
        ("status", c_int),
        ("http_status", c_int32),
        ("attempts", c_uint32),
        ("type", c_char * 128),
        ("message", c_char * 1024),
        ("request_id", c_char * 128),
    ]


class RetryPolicy(Structure):
    _fields_ = [("max_attempts", c_uint32), ("base_delay_ms", c_uint32), ("max_delay_ms", c_uint32)]


class ClientOptions(Structure):
    _fields_ = [
        ("region", c_char_p),
        ("endpoint_url", c_char_p),
        ("profile", c_char_p),
        ("use_fips", c_uint8),
        ("use_dualstack", c_uint8),
        ("connect_timeout_ms", c_uint32),
        ("request_timeout_ms", c_uint32),
        ("retry", RetryPolicy),
        ("user_agent_suffix", c_char_p),
        ("ca_file", c_char_p),
        ("ca_path", c_char_p),
        ("insecure_skip_verify", c_uint8),
        ("http_version", c_int),
        ("transport", c_void_p),
        ("signer", c_void_p),
        ("credentials", c_void_p),
        ("max_record_bytes", c_uint32),
        ("max_put_records_bytes", c_uint32),
        ("log_fn", LOG_FN),
        ("log_user", c_void_p),
        ("log_level", c_int),
        ("allocator", POINTER(Allocator)),
    ]


class HashKey(Structure):
    _fields_ = [("hi", c_uint64), ("lo", c_uint64)]


class AggRecord(Structure):
    _fields_ = [
        ("partition_key", c_char_p),
        ("partition_key_len", c_size_t),
        ("explicit_hash_key", c_char_p),
        ("explicit_hash_key_len", c_size_t),
        ("data", c_char_p),
        ("data_len", c_size_t),
    ]


class AggEncoderOptions(Structure):
    _fields_ = [
        ("max_record_bytes", c_uint32),
        ("max_records", c_uint32),
        ("always_aggregate", c_int),
        ("max_keys", c_uint32),
        ("crypto", c_void_p),
    ]


class AggOutput(Structure):
    _fields_ = [
        ("data", c_void_p),
        ("data_len", c_size_t),
        ("partition_key", c_void_p),
        ("partition_key_len", c_size_t),
        ("explicit_hash_key", c_char_p),
        ("explicit_hash_key_len", c_size_t),
        ("record_count", c_uint32),
        ("aggregated", c_int),
    ]


class AggUserRecord(Structure):
    _fields_ = [
        ("partition_key", c_void_p),
        ("partition_key_len", c_size_t),
        ("explicit_hash_key", c_void_p),
        ("explicit_hash_key_len", c_size_t),
        ("data", c_void_p),
        ("data_len", c_size_t),
        ("sub_sequence_number", c_uint64),
        ("aggregated", c_int),
    ]


class AggDecodeOptions(Structure):
    _fields_ = [
        ("mode", c_int),
        ("has_range", c_int),
        ("range_start", HashKey),
        ("range_end", HashKey),
        ("crypto", c_void_p),
        ("scratch", POINTER(c_uint32)),
        ("scratch_count", c_size_t),
        ("md5_checked", c_int),
    ]


# Encoder and decoder are caller-storage structs with private fields; reserve generously
# (test_abi.py checks the real sizes fit).
AGG_STATE_BYTES = 2048
AggState = c_uint64 * (AGG_STATE_BYTES // 8)


def _declare(lib: ctypes.CDLL) -> None:
    def f(name, restype, *argtypes):
        fn = getattr(lib, name)
        fn.restype = restype
        fn.argtypes = list(argtypes)

    f("kinesis_version", c_char_p)
    f("kinesis_status_name", c_char_p, c_int)
    f("kinesis_status_str", c_char_p, c_int)
    f("kinesis_status_is_retryable", c_int, c_int)
    f("kinesis_free", None, c_void_p, c_void_p)
    f("kinesis_default_allocator", c_void_p)
    f("kinesis_client_options_init", None, POINTER(ClientOptions))
    f("kinesis_client_new", c_int, POINTER(ClientOptions), POINTER(c_void_p), POINTER(Error))
    f("kinesis_client_destroy", None, c_void_p)
    f("kinesis_client_region", c_char_p, c_void_p)
    f("kinesis_client_endpoint", c_char_p, c_void_p)
    f("kinesis_client_allocator", c_void_p, c_void_p)
    f(
        "kinesis_client_call_json",
        c_int,
        c_void_p,
        c_char_p,
        c_char_p,
        c_size_t,
        POINTER(c_void_p),
        POINTER(c_size_t),
        POINTER(Error),
    )
    f("kinesis_credentials_provider_new_static", c_void_p, c_char_p, c_char_p, c_char_p, c_void_p)
    f("kinesis_credentials_provider_destroy", None, c_void_p)
    f("kinesis_agg_encoder_init", c_int, c_void_p, POINTER(AggEncoderOptions), c_void_p)
    f("kinesis_agg_encoder_clean_up", None, c_void_p)
    f("kinesis_agg_encoder_add", c_int, c_void_p, POINTER(AggRecord))
    f("kinesis_agg_encoder_count", c_uint32, c_void_p)
    f("kinesis_agg_encoder_finish", c_int, c_void_p, POINTER(AggOutput))
    f("kinesis_agg_decoder_init", c_int, c_void_p, c_char_p, c_size_t, c_void_p)
    f("kinesis_agg_decoder_next", c_int, c_void_p, POINTER(AggUserRecord))
    f("kinesis_agg_decoder_outcome", c_int, c_void_p)
    f("kinesis_agg_decoder_scratch_needed", c_size_t, c_void_p)


lib = load_library()
_declare(lib)

KINESIS_OK = 0


def status_name(status: int) -> str:
    """The C status's name, e.g. "KINESIS_E_TIMEOUT"."""
    return lib.kinesis_status_name(status).decode()


def status_str(status: int) -> str:
    """The C status's one-line description."""
    return lib.kinesis_status_str(status).decode()


_STATUS_BY_NAME = {}
for _i in range(0, 256):
    _n = lib.kinesis_status_name(_i).decode()
    if _n == "KINESIS_E_UNKNOWN":
        break
    _STATUS_BY_NAME[_n] = _i


def status_value(name: str) -> int:
    """Numeric value of a status by name (values are ABI; looked up from the library)."""
    return _STATUS_BY_NAME[name]

