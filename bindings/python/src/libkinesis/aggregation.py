"""KPL-compatible aggregation: aggregate() for put_records, deaggregate() for get_records and
deaggregate_lambda_event() for AWS Lambda Kinesis events. The codec is the C library's."""
import binascii
import ctypes
import datetime as _dt
from typing import Any, Dict, Iterable, Iterator, List, Mapping, Optional

from . import _ffi
from ._convert import blob_to_bytes, from_epoch
from ._ffi import lib
from .errors import raise_for_error

__all__ = ["UserRecord", "aggregate", "deaggregate", "deaggregate_lambda_event", "AGG_MAGIC"]

AGG_MAGIC = b"\xf3\x89\x9a\xc2"
_AGG_FULL = _ffi.status_value("KINESIS_E_AGG_FULL")
_BUFFER_TOO_SMALL = _ffi.status_value("KINESIS_E_BUFFER_TOO_SMALL")
_string_at = ctypes.string_at
_byref = ctypes.byref
_dec_init = lib.kinesis_agg_decoder_init
_dec_next = lib.kinesis_agg_decoder_next


class UserRecord:
    """One user record, as the KCL delivers it (an aggregate's member, or a plain record).

    data: bytes; partition_key: str; explicit_hash_key: str or None; sequence_number: str
    (of the Kinesis record that carried it); sub_sequence_number: int (0 for a plain record);
    shard_id: str or None; approximate_arrival_timestamp: aware datetime or None;
    aggregated: whether it came out of an aggregate."""

    __slots__ = ("data", "partition_key", "explicit_hash_key", "sequence_number",
                 "sub_sequence_number", "shard_id", "approximate_arrival_timestamp",
                 "aggregated")

    def __init__(
        self,
        data: bytes,
        partition_key: str,
        explicit_hash_key: Optional[str] = None,
        sequence_number: Optional[str] = None,
        sub_sequence_number: int = 0,
        shard_id: Optional[str] = None,
        approximate_arrival_timestamp: Optional[_dt.datetime] = None,
        aggregated: bool = False,
    ) -> None:
        self.data = data
        self.partition_key = partition_key
        self.explicit_hash_key = explicit_hash_key
        self.sequence_number = sequence_number
        self.sub_sequence_number = sub_sequence_number
        self.shard_id = shard_id
        self.approximate_arrival_timestamp = approximate_arrival_timestamp
        self.aggregated = aggregated

    def _key(self) -> Any:
        return tuple(getattr(self, s) for s in self.__slots__)

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, UserRecord) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash((self.sequence_number, self.sub_sequence_number, self.shard_id))

    def __repr__(self) -> str:
        return ("UserRecord(shard_id=%r, sequence_number=%r, sub_sequence_number=%r, "
                "partition_key=%r, data=%r)" % (self.shard_id, self.sequence_number,
                                                self.sub_sequence_number, self.partition_key,
                                                self.data[:32]))

    def to_dict(self) -> Dict[str, Any]:
        """The record as a boto3-style dict (Data, PartitionKey, ExplicitHashKey, ...)."""
        d: Dict[str, Any] = {"Data": self.data, "PartitionKey": self.partition_key}
        if self.explicit_hash_key is not None:
            d["ExplicitHashKey"] = self.explicit_hash_key
        if self.sequence_number is not None:
            d["SequenceNumber"] = self.sequence_number
        d["SubSequenceNumber"] = self.sub_sequence_number
        if self.approximate_arrival_timestamp is not None:
            d["ApproximateArrivalTimestamp"] = self.approximate_arrival_timestamp
        return d


def aggregate(
    records: Iterable[Mapping[str, Any]],
    max_record_bytes: int = 0,
    max_records: int = 0,
    always_aggregate: bool = False,
) -> List[Dict[str, Any]]:
    """Pack user records into KPL aggregated records, in order.

    records: dicts with "PartitionKey" (str), "Data" (bytes, or str as UTF-8) and optionally
    "ExplicitHashKey" (decimal str). Returns dicts {"PartitionKey", "ExplicitHashKey", "Data"}
    ready for ``client.put_records(Records=..., StreamName=...)`` (at most 500 per call). Each
    output stays within max_record_bytes (default 1 MiB); a lone record is passed through as
    itself unless always_aggregate. Raises ParamValidationError for an invalid key or a record
    too large to send."""
    opts = _ffi.AggEncoderOptions()
    opts.max_record_bytes = max_record_bytes
    opts.max_records = max_records
    opts.always_aggregate = 1 if always_aggregate else 0
    enc = _ffi.AggState()
    st = lib.kinesis_agg_encoder_init(enc, _byref(opts), None)
    if st:
        raise_for_error(st, None, "aggregate")
    out: List[Dict[str, Any]] = []
    rec = _ffi.AggRecord()
    res = _ffi.AggOutput()
    add = lib.kinesis_agg_encoder_add
    rec_ref = _byref(rec)

    def finish() -> None:
        st = lib.kinesis_agg_encoder_finish(enc, _byref(res))
        if st:
            raise_for_error(st, None, "aggregate")
        d: Dict[str, Any] = {
            "PartitionKey": _string_at(res.partition_key, res.partition_key_len).decode("utf-8"),
        }
        if res.explicit_hash_key:
            d["ExplicitHashKey"] = res.explicit_hash_key.decode("ascii")
        d["Data"] = _string_at(res.data, res.data_len)
        out.append(d)

    try:
        for r in records:
            pk = r["PartitionKey"]
            pkb = pk.encode("utf-8") if isinstance(pk, str) else bytes(pk)
            data = r["Data"]
            if type(data) is not bytes:
                data = blob_to_bytes(data)
            ehk = r.get("ExplicitHashKey")
            rec.partition_key = pkb
            rec.partition_key_len = len(pkb)
            if ehk is None:
                rec.explicit_hash_key = None
                rec.explicit_hash_key_len = 0
            else:
                ehkb = ehk.encode("ascii")
                rec.explicit_hash_key = ehkb
                rec.explicit_hash_key_len = len(ehkb)
            rec.data = data
            rec.data_len = len(data)
            st = add(enc, rec_ref)
            if st == _AGG_FULL:
                finish()
                st = add(enc, rec_ref)
            if st:
                raise_for_error(st, None, "aggregate")
        if lib.kinesis_agg_encoder_count(enc):
            finish()
    finally:
        lib.kinesis_agg_encoder_clean_up(enc)
    return out


def _unpack(
    data: bytes,
    partition_key: str,
    explicit_hash_key: Optional[str],
    sequence_number: Optional[str],
    shard_id: Optional[str],
    arrival: Any,
    out: List[UserRecord],
) -> None:
    """Append the user records inside one Kinesis record to `out`."""
    if data[:4] != AGG_MAGIC:
        out.append(UserRecord(data, partition_key, explicit_hash_key, sequence_number, 0,
                              shard_id, arrival, False))
        return
    dec = _ffi.AggState()
    ur = _ffi.AggUserRecord()
    st = _dec_init(dec, data, len(data), None)
    if st == _BUFFER_TOO_SMALL:  # more keys than the decoder's inline index holds
        need = lib.kinesis_agg_decoder_scratch_needed(dec)
        opts = _ffi.AggDecodeOptions()
        scratch = (ctypes.c_uint32 * need)()
        opts.scratch = scratch
        opts.scratch_count = need
        st = _dec_init(dec, data, len(data), _byref(opts))
    if st:
        raise_for_error(st, None, "deaggregate")
    ur_ref = _byref(ur)
    while _dec_next(dec, ur_ref):
        if not ur.aggregated:
            out.append(UserRecord(data, partition_key, explicit_hash_key, sequence_number, 0,
                                  shard_id, arrival, False))
            continue
        ehk = (_string_at(ur.explicit_hash_key, ur.explicit_hash_key_len).decode("ascii")
               if ur.explicit_hash_key else None)
        out.append(UserRecord(
            _string_at(ur.data, ur.data_len) if ur.data_len else b"",
            _string_at(ur.partition_key, ur.partition_key_len).decode("utf-8", "replace"),
            ehk, sequence_number, ur.sub_sequence_number, shard_id, arrival, True))


def deaggregate(records: Iterable[Mapping[str, Any]],
                shard_id: Optional[str] = None) -> Iterator[UserRecord]:
    """Yield the user records inside records shaped as ``get_records()["Records"]`` returns them
    (Data as bytes, PartitionKey, SequenceNumber, ApproximateArrivalTimestamp), as the KCL does:
    aggregates are unpacked (MD5 checked), other records pass through as themselves."""
    for r in records:
        batch: List[UserRecord] = []
        data = r["Data"]
        if type(data) is not bytes:
            data = blob_to_bytes(data)
        _unpack(data, r.get("PartitionKey", ""), r.get("ExplicitHashKey"),
                r.get("SequenceNumber"), shard_id, r.get("ApproximateArrivalTimestamp"), batch)
        yield from batch


def deaggregate_lambda_event(event: Mapping[str, Any]) -> Iterator[UserRecord]:
    """Yield the user records of an AWS Lambda Kinesis event (``event["Records"][i]["kinesis"]``
    with base64 ``data``), with shard_id taken from each record's eventID."""
    for r in event.get("Records", ()):
        k = r["kinesis"]
        data = binascii.a2b_base64(k["data"])
        event_id = r.get("eventID") or ""
        shard_id = event_id.split(":", 1)[0] if ":" in event_id else None
        arrival = k.get("approximateArrivalTimestamp")
        batch: List[UserRecord] = []
        _unpack(data, k.get("partitionKey", ""), k.get("explicitHashKey"),
                k.get("sequenceNumber"), shard_id,
                from_epoch(arrival) if arrival is not None else None, batch)
        yield from batch
