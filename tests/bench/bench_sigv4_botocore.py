#!/usr/bin/env python3
"""botocore's SigV4Auth on the same two requests as bench_sigv4.c: PutRecord with a 200-byte
body (signatures/s) and PutRecords with a 1 MiB body (MB/s of body signed).

usage: bench_sigv4_botocore.py [seconds per figure, default 3]
Prints "BENCH <name> <value> <unit>" lines. Rates are per CPU second (time.process_time), as
bench_sigv4 and `openssl speed` measure, so a busy machine skews all three alike. Only
add_auth() is timed: the request object is built once, which favours botocore (a real call
builds one per attempt)."""
import sys
import time

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"


def make_body(length, prefix, suffix):
    body = bytearray(prefix)
    for i in range(len(prefix), length - len(suffix)):
        body.append(ALPHABET[i % 42])
    body += suffix
    assert len(body) == length
    return bytes(body)


def run(auth, request, seconds):
    for _ in range(20):  # warm up
        auth.add_auth(request)
    n = 0
    t0 = time.process_time()
    while True:
        for _ in range(16):
            auth.add_auth(request)
        n += 16
        t = time.process_time()
        if t - t0 >= seconds:
            return n / (t - t0)


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 3.0
    creds = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY").get_frozen_credentials()
    auth = SigV4Auth(creds, "kinesis", "us-east-1")
    url = "https://kinesis.us-east-1.amazonaws.com/"
    small = make_body(200, b'{"StreamName":"bench-stream","PartitionKey":"pk-1","Data":"', b'"}')
    large = make_body(1 << 20, b'{"StreamName":"bench-stream","Records":[{"PartitionKey":"pk","Data":"',
                      b'"}]}')

    def request(target, body):
        return AWSRequest(method="POST", url=url, data=body,
                          headers={"Content-Type": "application/x-amz-json-1.1",
                                   "X-Amz-Target": "Kinesis_20131202." + target})

    small_rate = run(auth, request("PutRecord", small), seconds)
    print("BENCH botocore_sigv4_small %.0f signatures/s" % small_rate)
    large_rate = run(auth, request("PutRecords", large), seconds)
    print("BENCH botocore_sigv4_large_signatures %.1f signatures/s" % large_rate)
    print("BENCH botocore_sigv4_large %.1f MB/s" % (large_rate * len(large) / 1e6))


if __name__ == "__main__":
    main()
