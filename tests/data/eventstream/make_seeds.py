#!/usr/bin/env python3
"""Write the seed inputs of tests/fuzz/fuzz_eventstream.c (4 control bytes, then a stream of
event-stream messages built with zlib.crc32), and tests/data/eventstream/subscribe_to_shard.bin,
a SubscribeToShard response body: initial-response, two SubscribeToShardEvents, then a
ResourceNotFoundException. Run from the repository root:
    python3 tests/data/eventstream/make_seeds.py
"""
import os
import struct
import zlib

OUT = os.path.join("tests", "fuzz", "seeds_fuzz_eventstream")


def header(name, typ, value=None):
    out = bytes([len(name)]) + name.encode() + bytes([typ])
    if typ in (0, 1):
        return out
    if typ == 2:
        return out + struct.pack(">b", value)
    if typ == 3:
        return out + struct.pack(">h", value)
    if typ == 4:
        return out + struct.pack(">i", value)
    if typ in (5, 8):
        return out + struct.pack(">q", value)
    if typ in (6, 7):
        return out + struct.pack(">H", len(value)) + value
    if typ == 9:
        return out + value
    raise ValueError(typ)


def message(headers, payload=b""):
    hb = b"".join(headers)
    prelude = struct.pack(">II", 16 + len(hb) + len(payload), len(hb))
    body = prelude + struct.pack(">I", zlib.crc32(prelude)) + hb + payload
    return body + struct.pack(">I", zlib.crc32(body))


def s(name, value):
    return header(name, 7, value.encode())


initial = message([s(":event-type", "initial-response"), s(":content-type", "application/json"),
                   s(":message-type", "event")], b"{}")
event = message([s(":event-type", "SubscribeToShardEvent"), s(":content-type", "application/json"),
                 s(":message-type", "event")],
                b'{"ContinuationSequenceNumber":"4959","MillisBehindLatest":0,"Records":'
                b'[{"Data":"aGVsbG8=","PartitionKey":"pk","SequenceNumber":"4959"}]}')
exception = message([s(":exception-type", "ResourceNotFoundException"),
                     s(":content-type", "application/json"), s(":message-type", "exception")],
                    b'{"message":"Stream not found"}')
error = message([s(":error-code", "InternalFailure"), s(":error-message", "boom"),
                 s(":message-type", "error")])
all_types = message([header("t", 0), header("f", 1), header("b", 2, -2), header("s", 3, -300),
                     header("i", 4, -70000), header("l", 5, -(1 << 40)),
                     header("x", 6, b"\x00\xff\x10"), header("str", 7, b"hello"),
                     header("ts", 8, 1700000000123), header("u", 9, bytes(range(16)))],
                    b"payload")
minimal = message([])
big = message([s(":message-type", "event")], bytes(range(256)) * 8)

seeds = {
    "subscribe_whole": bytes([3, 0, 0, 0]) + initial + event + exception,
    "all_types_bytewise": bytes([2, 1, 1, 1]) + all_types,
    "fixed_buffer_stop": bytes([0x17, 5, 12, 3]) + initial + event + error,
    "alloc_failure": bytes([0x23, 7, 0, 2]) + big + event,
    "error_message": bytes([2, 13, 0, 0]) + error,
    "truncated": bytes([2, 0, 0, 0]) + event[:-3],
    "minimal": bytes([0, 16, 1, 0]) + minimal * 3,
    "header_limit": bytes([0x0a, 40, 0, 0]) + all_types + minimal,
    # ctl[3] bit 7: the harness repairs CRCs, so mutations reach the header parser.
    "repair_all_types": bytes([3, 0, 0, 0x80]) + all_types + initial,
    "max_headers": bytes([2, 0, 0, 0x80]) + message([header("h%d" % i, 0) for i in range(32)]),
    "too_many_headers": bytes([2, 0, 0, 0x80]) + message([header("h%d" % i, 1) for i in range(33)]),
    "repair_subscribe": bytes([2, 9, 1, 0x85]) + event + exception + error,
}
os.makedirs(OUT, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)

with open(os.path.join("tests", "data", "eventstream", "subscribe_to_shard.bin"), "wb") as f:
    f.write(initial + event + event + exception)
