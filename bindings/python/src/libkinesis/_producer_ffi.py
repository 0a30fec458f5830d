"""ctypes declarations of include/kinesis/producer.h (loaded on first use, so a library without
the producer still serves the client and aggregation)."""
from ctypes import (CFUNCTYPE, POINTER, Structure, c_char_p, c_int, c_int64, c_size_t, c_uint32,
                    c_uint64, c_void_p)

from ._ffi import Error, lib

F_LEND = 0x1


class ProducerRecord(Structure):
    _fields_ = [
        ("stream", c_char_p),
        ("partition_key", c_char_p),
        ("explicit_hash_key", c_char_p),
        ("data", c_char_p),
        ("data_len", c_size_t),
        ("opaque", c_void_p),
        ("flags", c_uint32),
    ]


class DeliveryReport(Structure):
    _fields_ = [
        ("status", c_int),
        ("stream", c_char_p),
        ("shard_id", c_char_p),
        ("sequence_number", c_char_p),
        ("sub_sequence_number", c_uint64),
        ("aggregated", c_int),
        ("attempts", c_uint32),
        ("last_error", c_int),
        ("error_code", c_char_p),
        ("error_message", c_char_p),
        ("partition_key", c_char_p),
        ("explicit_hash_key", c_char_p),
        ("data", c_void_p),
        ("data_len", c_size_t),
        ("opaque", c_void_p),
        ("latency_ms", c_int64),
    ]


DR_FN = CFUNCTYPE(None, c_void_p, POINTER(DeliveryReport))
STATS_FN = CFUNCTYPE(None, c_void_p, c_char_p, c_size_t)

OPTION_NAMES = (
    "max_buffer_bytes", "max_buffer_records", "put_block_ms", "linger_ms", "record_ttl_ms",
    "aggregation", "aggregation_max_bytes", "aggregation_max_count", "collection_max_count",
    "collection_max_bytes", "max_in_flight", "ordered", "shard_rate_bytes", "shard_rate_records",
    "retry_base_ms", "retry_max_ms", "shard_map_refresh_ms", "stats_interval_ms", "report_thread",
    "report_queue",
)


class ProducerOptions(Structure):
    _fields_ = [("max_buffer_bytes", c_uint64)] + [(n, c_uint32) for n in OPTION_NAMES[1:]] + [
        ("dr_cb", DR_FN),
        ("dr_user", c_void_p),
        ("stats_cb", STATS_FN),
        ("stats_user", c_void_p),
    ]


class ProducerBatch(Structure):
    """kinesis_producer_batch: records of one stream in parallel arrays (pointers as integers or
    bytes: the caller keeps the buffers alive for the call)."""
    _fields_ = [
        ("stream", c_char_p),
        ("count", c_size_t),
        ("partition_keys", c_char_p),
        ("partition_key_lens", c_void_p),
        ("data", c_char_p),
        ("data_lens", c_void_p),
        ("explicit_hash_keys", c_void_p),
        ("opaques", c_void_p),
        ("flags", c_uint32),
    ]


STRUCTS = {"kinesis_producer_record": ProducerRecord,
           "kinesis_producer_batch": ProducerBatch,
           "kinesis_delivery_report": DeliveryReport,
           "kinesis_producer_options": ProducerOptions}


def _f(name, restype, *argtypes):
    fn = getattr(lib, name)
    fn.restype = restype
    fn.argtypes = list(argtypes)


_f("kinesis_producer_options_init", None, POINTER(ProducerOptions))
_f("kinesis_producer_options_set", c_int, POINTER(ProducerOptions), c_char_p, c_char_p,
   POINTER(Error))
_f("kinesis_producer_new", c_int, c_void_p, POINTER(ProducerOptions), POINTER(c_void_p),
   POINTER(Error))
_f("kinesis_producer_put", c_int, c_void_p, POINTER(ProducerRecord), POINTER(Error))
_f("kinesis_producer_put_batch", c_int, c_void_p, POINTER(ProducerBatch), POINTER(c_size_t),
   POINTER(Error))
_f("kinesis_producer_take_reports", c_int, c_void_p, c_void_p, c_size_t, c_uint32,
   POINTER(c_size_t))
_f("kinesis_producer_poll", c_int, c_void_p, c_uint32)
_f("kinesis_producer_flush", c_int, c_void_p, c_uint32)
_f("kinesis_producer_close", c_int, c_void_p, c_uint32)
_f("kinesis_producer_destroy", None, c_void_p)
_f("kinesis_producer_stats_json", c_int, c_void_p, POINTER(c_void_p), POINTER(c_size_t))
_f("kinesis_producer_outstanding", c_uint64, c_void_p)
