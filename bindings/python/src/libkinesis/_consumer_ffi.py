"""ctypes declarations of include/kinesis/consumer.h (loaded on first use)."""
from ctypes import (CFUNCTYPE, POINTER, Structure, c_char, c_char_p, c_double, c_int, c_int64,
                    c_size_t, c_uint8, c_uint32, c_uint64, c_void_p)

from ._ffi import Error, lib

START = {"TRIM_HORIZON": 0, "LATEST": 1, "AT_TIMESTAMP": 2}


class ConsumerRecord(Structure):
    _fields_ = [
        ("shard_id", c_char_p),
        ("sequence_number", c_char_p),
        ("sub_sequence_number", c_uint64),
        ("aggregated", c_int),
        ("partition_key", c_void_p),
        ("partition_key_len", c_size_t),
        ("explicit_hash_key", c_char_p),
        ("approximate_arrival_timestamp", c_double),
        ("data", c_void_p),
        ("data_len", c_size_t),
        ("millis_behind_latest", c_int64),
    ]


class PackedRecord(Structure):
    """kinesis_consumer_packed_record; the iterator reads it with PACKED_FORMAT instead."""
    _fields_ = [
        ("sub_sequence_number", c_uint64),
        ("approximate_arrival_timestamp", c_double),
        ("data_offset", c_uint32),
        ("data_len", c_uint32),
        ("partition_key_offset", c_uint32),
        ("partition_key_len", c_uint32),
        ("explicit_hash_key_offset", c_uint32),
        ("explicit_hash_key_len", c_uint32),
        ("sequence_number_offset", c_uint32),
        ("sequence_number_len", c_uint32),
        ("aggregated", c_uint8),
        ("reserved_", c_uint8 * 7),
    ]


# struct module form of PackedRecord (same field order), for struct.iter_unpack.
PACKED_FORMAT = "=QdIIIIIIIIB7x"


class ConsumerBatch(Structure):
    _fields_ = [
        ("records", c_void_p),
        ("count", c_size_t),
        ("bytes", c_void_p),
        ("bytes_len", c_size_t),
        ("shard_id", c_char_p),
        ("millis_behind_latest", c_int64),
    ]


RECORD_FN = CFUNCTYPE(c_int, c_void_p, POINTER(ConsumerRecord))
DROP_FN = CFUNCTYPE(None, c_void_p, c_char_p, c_char_p, c_uint64, c_int)
PRE_FN = CFUNCTYPE(None, c_void_p)


class ConsumerOptions(Structure):
    _fields_ = [
        ("stream", c_char_p),
        ("application", c_char_p),
        ("start", c_int),
        ("start_timestamp", c_double),
        ("on_record", RECORD_FN),
        ("on_drop", DROP_FN),
        ("pre_checkpoint", PRE_FN),
        ("user", c_void_p),
        ("checkpoints", c_void_p),
        ("checkpoint_every_records", c_uint32),
        ("checkpoint_interval_ms", c_uint32),
        ("manual_checkpoints", c_int),
        ("max_records_per_call", c_uint32),
        ("min_call_interval_ms", c_uint32),
        ("max_bytes_per_second", c_uint32),
        ("idle_interval_ms", c_uint32),
        ("shard_sync_interval_ms", c_uint32),
        ("backoff_base_ms", c_uint32),
        ("backoff_max_ms", c_uint32),
        ("max_queued_batches", c_uint32),
        ("efo_consumer_name", c_char_p),
        ("idle_exit_ms", c_uint32),
    ]


class ConsumerStats(Structure):
    _fields_ = [(n, c_uint64) for n in (
        "records_delivered", "kinesis_records", "records_skipped", "aggregates_dropped",
        "user_records_dropped", "get_records_calls", "throttled", "iterator_renewals",
        "transient_failures", "subscriptions", "checkpoints_written")] + [
        ("shards_known", c_uint32), ("shards_reading", c_uint32), ("shards_finished", c_uint32)]


class Checkpoint(Structure):
    _fields_ = [("sequence_number", c_char * 130), ("sub_sequence_number", c_uint64),
                ("shard_ended", c_uint8)]


POLL_OPTIONS = ("max_records_per_call", "min_call_interval_ms", "max_bytes_per_second",
                "idle_interval_ms", "shard_sync_interval_ms", "backoff_base_ms",
                "backoff_max_ms", "max_queued_batches", "checkpoint_every_records")

STRUCTS = {"kinesis_consumer_record": ConsumerRecord, "kinesis_consumer_options": ConsumerOptions,
           "kinesis_consumer_stats": ConsumerStats, "kinesis_checkpoint": Checkpoint,
           "kinesis_consumer_packed_record": PackedRecord,
           "kinesis_consumer_batch": ConsumerBatch}


def _f(name, restype, *argtypes):
    fn = getattr(lib, name)
    fn.restype = restype
    fn.argtypes = list(argtypes)


_f("kinesis_consumer_options_init", None, POINTER(ConsumerOptions))
_f("kinesis_consumer_new", c_int, c_void_p, POINTER(ConsumerOptions), POINTER(c_void_p),
   POINTER(Error))
_f("kinesis_consumer_run", c_int, c_void_p, POINTER(Error))
_f("kinesis_consumer_next", c_int, c_void_p, POINTER(ConsumerRecord), c_uint32, POINTER(Error))
_f("kinesis_consumer_next_batch", c_int, c_void_p, c_size_t, c_uint32, POINTER(ConsumerBatch),
   POINTER(Error))
_f("kinesis_consumer_batch_done", c_int, c_void_p, c_size_t, POINTER(Error))
_f("kinesis_consumer_stop", None, c_void_p)
_f("kinesis_consumer_checkpoint", c_int, c_void_p, c_char_p, c_char_p, c_uint64, POINTER(Error))
_f("kinesis_consumer_get_stats", None, c_void_p, POINTER(ConsumerStats))
_f("kinesis_consumer_destroy", None, c_void_p)
_f("kinesis_file_checkpoint_store_new", c_int, c_char_p, c_char_p, c_char_p, c_char_p, c_void_p,
   POINTER(c_void_p), POINTER(Error))
_f("kinesis_checkpoint_store_destroy", None, c_void_p)
