"""boto3-compatible conversion between Python values and the Kinesis JSON protocol.

Requests: blobs (bytes, bytearray, memoryview, str as UTF-8, or a readable file object) become
base64 text; timestamps (aware or naive-UTC datetime, epoch number, or ISO 8601 string) become
epoch seconds. Responses: base64 blobs become bytes and epoch numbers become timezone-aware
datetime objects (UTC). Which members are blobs or timestamps comes from the generated _model.
"""
import base64
import binascii
import datetime as _dt
from typing import Any

__all__ = ["serialize", "deserialize", "to_epoch", "from_epoch", "blob_to_bytes"]

_UTC = _dt.timezone.utc
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_UTC)
_b64encode = binascii.b2a_base64
_b64decode = binascii.a2b_base64


def blob_to_bytes(value: Any) -> bytes:
    """bytes for a blob parameter, as botocore accepts them."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, str):
        return value.encode("utf-8")
    read = getattr(value, "read", None)
    if read is not None:
        data = read()
        return data.encode("utf-8") if isinstance(data, str) else bytes(data)
    raise TypeError("blob must be bytes, bytearray, str or a file-like object, not %s"
                    % type(value).__name__)


def to_epoch(value: Any) -> Any:
    """Epoch seconds for a timestamp parameter (int when whole, else millisecond precision)."""
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=_UTC)
        delta = value - _EPOCH
        if delta.microseconds == 0:
            return delta.days * 86400 + delta.seconds
        return round(delta.total_seconds(), 3)
    if isinstance(value, _dt.date):
        return to_epoch(_dt.datetime(value.year, value.month, value.day, tzinfo=_UTC))
    if isinstance(value, bool):
        raise TypeError("timestamp must be a datetime, a number or an ISO 8601 string")
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        try:
            return to_epoch(float(value))
        except ValueError:
            pass
        text = value.strip()
        if text.endswith("Z"):
            text = text[:-1] + "+00:00"
        return to_epoch(_dt.datetime.fromisoformat(text))
    raise TypeError("timestamp must be a datetime, a number or an ISO 8601 string, not %s"
                    % type(value).__name__)


def from_epoch(value: Any) -> Any:
    """Aware datetime for an epoch-seconds number (strings are parsed as ISO 8601)."""
    if isinstance(value, (int, float)):
        return _dt.datetime.fromtimestamp(value, _UTC)
    if isinstance(value, str):
        text = value[:-1] + "+00:00" if value.endswith("Z") else value
        parsed = _dt.datetime.fromisoformat(text)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=_UTC)
    return value


def serialize(value: Any, tree: Any) -> Any:
    """A JSON-ready copy of `value` with blobs and timestamps converted along `tree`."""
    if tree is None or value is None:
        return value
    if tree == "b":
        return _b64encode(blob_to_bytes(value), newline=False).decode("ascii")
    if tree == "t":
        return to_epoch(value)
    if isinstance(tree, dict):
        if not isinstance(value, dict):
            return value
        out = dict(value)
        for key, sub in tree.items():
            if key in out:
                out[key] = serialize(out[key], sub)
        return out
    kind, sub = tree
    if kind == "L" and isinstance(value, (list, tuple)):
        return [serialize(v, sub) for v in value]
    if kind == "M" and isinstance(value, dict):
        return {k: serialize(v, sub) for k, v in value.items()}
    return value


def deserialize(value: Any, tree: Any) -> Any:
    """Convert a parsed JSON response in place along `tree`; returns it."""
    if tree is None or value is None:
        return value
    if tree == "b":
        return _b64decode(value) if isinstance(value, str) else value
    if tree == "t":
        return from_epoch(value)
    if isinstance(tree, dict):
        if isinstance(value, dict):
            for key, sub in tree.items():
                v = value.get(key)
                if v is not None:
                    value[key] = deserialize(v, sub)
        return value
    kind, sub = tree
    if kind == "L" and isinstance(value, list):
        if sub == "b":
            return [_b64decode(v) for v in value]
        if isinstance(sub, dict) and len(sub) <= 3:
            # Fast path for record lists (GetRecords): flat members only.
            flat = all(isinstance(s, str) for s in sub.values())
            if flat:
                items = list(sub.items())
                for item in value:
                    for key, s in items:
                        v = item.get(key)
                        if v is not None:
                            item[key] = _b64decode(v) if s == "b" else from_epoch(v)
                return value
        for i, v in enumerate(value):
            value[i] = deserialize(v, sub)
        return value
    if kind == "M" and isinstance(value, dict):
        for k, v in value.items():
            value[k] = deserialize(v, sub)
    return value


def b64(data: bytes) -> str:
    """Standard padded base64 text."""
    return base64.b64encode(data).decode("ascii")
