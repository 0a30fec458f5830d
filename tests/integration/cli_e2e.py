#!/usr/bin/env python3
"""End-to-end tests of the kinesis command-line tool.

usage: cli_e2e.py --cli PATH [--offline]

--offline: no servers. Checks the request JSON of every one of the 39 commands built from
    representative options (--generate-request-json), shorthand and JSON values, usage errors,
    local validation (nothing sent), help, and a dead endpoint.
default: run under tests/harness/with_servers.py; on every server it exported
    (KINESIS_TEST_<NAME>_ENDPOINT) the CLI creates a 2-shard stream, puts records with put-record
    and put-records, checks their shards against MD5 routing, reads them back per shard and
    checks every record, then checks error reporting and deletes the stream.
Exits 0 on success, 1 on a failure, 77 when no server is available (ctest skip)."""

import base64
import hashlib
import json
import os
import socket
import subprocess
import sys
import threading
import time

CLI = None
FAILURES = []


def run(args, env=None, timeout=60, stdin=None):
    e = dict(os.environ)
    if env:
        e.update(env)
    p = subprocess.run([CLI] + args, capture_output=True, text=True, env=e, timeout=timeout,
                       input=stdin)
    return p.returncode, p.stdout, p.stderr


def check(cond, what):
    if not cond:
        FAILURES.append(what)
        print("FAIL:", what, flush=True)
    return cond


# ---------------------------------------------------------------------------------------------
# offline: request JSON of every command

B64_HELLO = base64.b64encode(b"hello").decode()

# (command args, expected request JSON). Every one of the service model's 39 operations.
REQUESTS = [
    (["add-tags-to-stream", "--stream-name", "s", "--tags", "a=1,b=two"],
     {"StreamName": "s", "Tags": {"a": "1", "b": "two"}}),
    (["create-stream", "--stream-name", "s", "--shard-count", "2"],
     {"StreamName": "s", "ShardCount": 2}),
    (["decrease-stream-retention-period", "--stream-name", "s", "--retention-period-hours", "24"],
     {"StreamName": "s", "RetentionPeriodHours": 24}),
    (["delete-resource-policy", "--resource-arn", "arn:aws:kinesis:us-east-1:1:stream/s"],
     {"ResourceARN": "arn:aws:kinesis:us-east-1:1:stream/s"}),
    (["delete-stream", "--stream-name", "s", "--enforce-consumer-deletion"],
     {"StreamName": "s", "EnforceConsumerDeletion": True}),
    (["deregister-stream-consumer", "--stream-arn", "arn:s", "--consumer-name", "c"],
     {"StreamARN": "arn:s", "ConsumerName": "c"}),
    (["describe-account-settings"], {}),
    (["describe-limits"], {}),
    (["describe-stream", "--stream-name", "s", "--limit", "5", "--exclusive-start-shard-id",
      "shardId-000000000001"],
     {"StreamName": "s", "Limit": 5, "ExclusiveStartShardId": "shardId-000000000001"}),
    (["describe-stream-consumer", "--consumer-arn", "arn:c"], {"ConsumerARN": "arn:c"}),
    (["describe-stream-summary", "--stream-arn", "arn:s"], {"StreamARN": "arn:s"}),
    (["disable-enhanced-monitoring", "--stream-name", "s", "--shard-level-metrics", "ALL"],
     {"StreamName": "s", "ShardLevelMetrics": ["ALL"]}),
    (["enable-enhanced-monitoring", "--stream-name", "s", "--shard-level-metrics",
      "IncomingBytes", "OutgoingBytes"],
     {"StreamName": "s", "ShardLevelMetrics": ["IncomingBytes", "OutgoingBytes"]}),
    (["get-records", "--shard-iterator", "AAAA", "--limit", "100"],
     {"ShardIterator": "AAAA", "Limit": 100}),
    (["get-resource-policy", "--resource-arn", "arn:s"], {"ResourceARN": "arn:s"}),
    (["get-shard-iterator", "--stream-name", "s", "--shard-id", "shardId-000000000000",
      "--shard-iterator-type", "AT_TIMESTAMP", "--timestamp", "2024-05-01T12:00:00Z"],
     {"StreamName": "s", "ShardId": "shardId-000000000000", "ShardIteratorType": "AT_TIMESTAMP",
      "Timestamp": 1714564800}),
    (["increase-stream-retention-period", "--stream-name", "s", "--retention-period-hours",
      "48"], {"StreamName": "s", "RetentionPeriodHours": 48}),
    (["list-shards", "--stream-name", "s", "--max-results", "10", "--shard-filter",
      "Type=AT_TIMESTAMP,Timestamp=1700000000.5"],
     {"StreamName": "s", "MaxResults": 10,
      "ShardFilter": {"Type": "AT_TIMESTAMP", "Timestamp": 1700000000.5}}),
    (["list-stream-consumers", "--stream-arn", "arn:s", "--stream-creation-timestamp",
      "1700000000"], {"StreamARN": "arn:s", "StreamCreationTimestamp": 1700000000}),
    (["list-streams", "--limit", "3"], {"Limit": 3}),
    (["list-tags-for-resource", "--resource-arn", "arn:s"], {"ResourceARN": "arn:s"}),
    (["list-tags-for-stream", "--stream-name", "s", "--exclusive-start-tag-key", "k"],
     {"StreamName": "s", "ExclusiveStartTagKey": "k"}),
    (["merge-shards", "--stream-name", "s", "--shard-to-merge", "shardId-0",
      "--adjacent-shard-to-merge", "shardId-1"],
     {"StreamName": "s", "ShardToMerge": "shardId-0", "AdjacentShardToMerge": "shardId-1"}),
    (["put-record", "--stream-name", "s", "--partition-key", "pk", "--data", "hello",
      "--explicit-hash-key", "123", "--sequence-number-for-ordering", "9"],
     {"StreamName": "s", "Data": B64_HELLO, "PartitionKey": "pk", "ExplicitHashKey": "123",
      "SequenceNumberForOrdering": "9"}),
    (["put-records", "--stream-name", "s", "--records",
      "Data=aGVsbG8=,PartitionKey=a", "Data=eA==,PartitionKey=b,ExplicitHashKey=7"],
     {"Records": [{"Data": "aGVsbG8=", "PartitionKey": "a"},
                  {"Data": "eA==", "PartitionKey": "b", "ExplicitHashKey": "7"}],
      "StreamName": "s"}),
    (["put-resource-policy", "--resource-arn", "arn:s", "--policy", '{"Version":"2012-10-17"}'],
     {"ResourceARN": "arn:s", "Policy": '{"Version":"2012-10-17"}'}),
    (["register-stream-consumer", "--stream-arn", "arn:s", "--consumer-name", "c", "--tags",
      "team=data"], {"StreamARN": "arn:s", "ConsumerName": "c", "Tags": {"team": "data"}}),
    (["remove-tags-from-stream", "--stream-name", "s", "--tag-keys", "a", "b"],
     {"StreamName": "s", "TagKeys": ["a", "b"]}),
    (["split-shard", "--stream-name", "s", "--shard-to-split", "shardId-000000000000",
      "--new-starting-hash-key", "170141183460469231731687303715884105728"],
     {"StreamName": "s", "ShardToSplit": "shardId-000000000000",
      "NewStartingHashKey": "170141183460469231731687303715884105728"}),
    (["start-stream-encryption", "--stream-name", "s", "--encryption-type", "KMS", "--key-id",
      "alias/aws/kinesis"],
     {"StreamName": "s", "EncryptionType": "KMS", "KeyId": "alias/aws/kinesis"}),
    (["stop-stream-encryption", "--stream-name", "s", "--encryption-type", "KMS", "--key-id",
      "alias/aws/kinesis"],
     {"StreamName": "s", "EncryptionType": "KMS", "KeyId": "alias/aws/kinesis"}),
    (["subscribe-to-shard", "--consumer-arn", "arn:c", "--shard-id", "shardId-0",
      "--starting-position", "Type=AT_SEQUENCE_NUMBER,SequenceNumber=49590338271490256608559692538361571095921575989136588898"],
     {"ConsumerARN": "arn:c", "ShardId": "shardId-0",
      "StartingPosition": {"Type": "AT_SEQUENCE_NUMBER",
                           "SequenceNumber": "49590338271490256608559692538361571095921575989136588898"}}),
    (["tag-resource", "--resource-arn", "arn:s", "--tags", '{"a": "1", "b": "2"}'],
     {"ResourceARN": "arn:s", "Tags": {"a": "1", "b": "2"}}),
    (["untag-resource", "--resource-arn", "arn:s", "--tag-keys", "a,b"],
     {"ResourceARN": "arn:s", "TagKeys": ["a", "b"]}),
    (["update-account-settings", "--minimum-throughput-billing-commitment", "Status=ENABLED"],
     {"MinimumThroughputBillingCommitment": {"Status": "ENABLED"}}),
    (["update-max-record-size", "--stream-arn", "arn:s", "--max-record-size-in-ki-b", "2048"],
     {"StreamARN": "arn:s", "MaxRecordSizeInKiB": 2048}),
    (["update-shard-count", "--stream-name", "s", "--target-shard-count", "4", "--scaling-type",
      "UNIFORM_SCALING"],
     {"StreamName": "s", "TargetShardCount": 4, "ScalingType": "UNIFORM_SCALING"}),
    (["update-stream-mode", "--stream-arn", "arn:s", "--stream-mode-details",
      "StreamMode=ON_DEMAND"], {"StreamARN": "arn:s", "StreamModeDetails": {"StreamMode": "ON_DEMAND"}}),
    (["update-stream-warm-throughput", "--stream-name", "s", "--warm-throughput-mi-bps", "100"],
     {"StreamName": "s", "WarmThroughputMiBps": 100}),
]

# More request-building cases: shorthand and JSON forms, typing, globals anywhere.
EXTRA_REQUESTS = [
    (["create-stream", "--stream-name", "s", "--stream-mode-details",
      '{"StreamMode": "ON_DEMAND"}', "--tags", "a=1", "--warm-throughput-mi-bps", "0"],
     {"StreamName": "s", "StreamModeDetails": {"StreamMode": "ON_DEMAND"}, "Tags": {"a": "1"},
      "WarmThroughputMiBps": 0}),
    (["put-record", "--stream-name", "s", "--partition-key", "\u00e9t\u00e9", "--data-base64",
      "AAEC/w=="], {"StreamName": "s", "Data": "AAEC/w==", "PartitionKey": "\u00e9t\u00e9"}),
    (["put-record", "--stream-name=s", "--partition-key=k", "--data=a=b"],
     {"StreamName": "s", "Data": base64.b64encode(b"a=b").decode(), "PartitionKey": "k"}),
    (["put-records", "--stream-name", "s", "--records",
      '[{"Data": "eA==", "PartitionKey": "a"}]'],
     {"Records": [{"Data": "eA==", "PartitionKey": "a"}], "StreamName": "s"}),
    (["put-records", "--stream-name", "s", "--records",
      "Data=eA==,PartitionKey='a,b'", '{"Data": "eQ==", "PartitionKey": "c"}'],
     {"Records": [{"Data": "eA==", "PartitionKey": "a,b"}, {"Data": "eQ==", "PartitionKey": "c"}],
      "StreamName": "s"}),
    (["delete-stream", "--stream-name", "s", "--no-enforce-consumer-deletion"],
     {"StreamName": "s", "EnforceConsumerDeletion": False}),
    (["get-shard-iterator", "--stream-name", "s", "--shard-id", "x", "--shard-iterator-type",
      "AT_TIMESTAMP", "--timestamp", "1700000000.25"],
     {"StreamName": "s", "ShardId": "x", "ShardIteratorType": "AT_TIMESTAMP",
      "Timestamp": 1700000000.25}),
    (["get-shard-iterator", "--stream-name", "s", "--shard-id", "x", "--shard-iterator-type",
      "AT_TIMESTAMP", "--timestamp", "2024-05-01T14:00:00.5+02:00"],
     {"StreamName": "s", "ShardId": "x", "ShardIteratorType": "AT_TIMESTAMP",
      "Timestamp": 1714564800.5}),
    (["list-shards", "--stream-name", "s", "--shard-filter",
      '{"Type": "AFTER_SHARD_ID", "ShardId": "shardId-1"}'],
     {"StreamName": "s", "ShardFilter": {"Type": "AFTER_SHARD_ID", "ShardId": "shardId-1"}}),
    (["list-streams", "--page-size", "2", "--starting-token", "tok"],
     {"Limit": 2, "NextToken": "tok"}),
    (["add-tags-to-stream", "--tags", "k={x}", "--stream-name", "s"], None),  # value not a string
    (["add-tags-to-stream", "--cli-input-json", '{"StreamName": "s", "Tags": {"a": "1"}}',
      "--stream-name", "t"], {"Tags": {"a": "1"}, "StreamName": "t"}),
    (["subscribe-to-shard", "--consumer-arn", "c", "--shard-id", "s", "--starting-position",
      "Type=AT_TIMESTAMP,Timestamp=2024-01-01"],
     {"ConsumerARN": "c", "ShardId": "s",
      "StartingPosition": {"Type": "AT_TIMESTAMP", "Timestamp": 1704067200}}),
]


def offline_requests():
    names = set()
    for args, expected in REQUESTS + EXTRA_REQUESTS:
        names.add(args[0])
        # globals go before or after the command
        for argv in (["--generate-request-json"] + args, args + ["--generate-request-json"]):
            rc, out, err = run(argv + ["--region", "us-east-1"])
            if expected is None:
                check(rc == 252 and "error" in err, f"{args}: expected a usage error, got {rc} {err}")
                continue
            if not check(rc == 0, f"{args}: rc {rc}: {err.strip()}"):
                continue
            try:
                got = json.loads(out)
            except ValueError:
                check(False, f"{args}: not JSON: {out!r}")
                continue
            check(got == expected, f"{args}: request {got} != {expected}")
            # integers unquoted, key order of the model not required
    rc, out, _ = run(["help"])
    section = out.split("\nCommands:\n", 1)[-1]
    listed = [line.split()[0] for line in section.splitlines() if line.startswith("  ")]
    # the tool's own commands beside the 39 operations
    extras = ("aggregate", "deaggregate", "wait", "produce", "consume")
    commands = [c for c in listed if c not in extras]
    check(rc == 0 and len(commands) == 39, f"help lists {len(commands)} operations, not 39")
    check("aggregate" in listed and "deaggregate" in listed and "wait" in listed,
          "help lists aggregate, deaggregate and wait")
    check(set(commands) == names, f"commands without a request test: {set(commands) - names}")


def offline_errors():
    # unknown option, missing required option, bad integer, unknown command: 252
    for args, needle in [
        (["put-record", "--stream-name", "s", "--partition-key", "k", "--data", "x", "--bogus"],
         "--bogus"),
        (["get-shard-iterator", "--stream-name", "s"], "--shard-id, --shard-iterator-type"),
        (["create-stream", "--stream-name", "s", "--shard-count", "two"], "--shard-count"),
        (["no-such-command"], "no-such-command"),
        (["put-record", "--stream-name", "s", "--partition-key", "k", "--data-base64", "!!"],
         "base64"),
        (["get-shard-iterator", "--stream-name", "s", "--shard-id", "x",
          "--shard-iterator-type", "AT_TIMESTAMP", "--timestamp", "yesterday"], "timestamp"),
        (["--output", "table", "list-streams"], "json"),
        ([], "command"),
    ]:
        rc, out, err = run(args)
        check(rc == 252 and needle in err, f"{args}: rc {rc}, stderr {err.strip()!r}")
    rc, out, _ = run(["put-record", "help"])
    check(rc == 0 and "--partition-key" in out and "--data-base64" in out, "put-record help")
    rc, out, err = run(["--region", "us-east-1", "subscribe-to-shard", "--consumer-arn", "c",
                        "--shard-id", "s", "--starting-position", "Type=LATEST"],
                       env={"AWS_ACCESS_KEY_ID": "k", "AWS_SECRET_ACCESS_KEY": "s"})
    # a consumer ARN that is not an ARN is refused before anything is sent
    check(rc == 252 and "ARN" in err, f"subscribe-to-shard: rc {rc} {err.strip()}")


def offline_files():
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        binf = os.path.join(d, "data.bin")
        with open(binf, "wb") as f:
            f.write(b"\x00\x01bin\xff")
        recs = os.path.join(d, "records.json")
        with open(recs, "w") as f:
            json.dump([{"Data": "eA==", "PartitionKey": "a"}], f)
        inp = os.path.join(d, "input.json")
        with open(inp, "w") as f:
            json.dump({"StreamName": "s", "ShardCount": 3}, f)
        for args, expected in [
            (["put-record", "--stream-name", "s", "--partition-key", "k", "--data",
              "fileb://" + binf],
             {"StreamName": "s", "PartitionKey": "k",
              "Data": base64.b64encode(b"\x00\x01bin\xff").decode()}),
            (["put-records", "--stream-name", "s", "--records", "file://" + recs],
             {"StreamName": "s", "Records": [{"Data": "eA==", "PartitionKey": "a"}]}),
            (["create-stream", "--cli-input-json", "file://" + inp, "--shard-count", "4"],
             {"StreamName": "s", "ShardCount": 4}),
        ]:
            rc, out, err = run(["--generate-request-json"] + args)
            check(rc == 0 and json.loads(out or "null") == expected,
                  f"{args[0]} from a file: rc {rc} {out!r} {err!r}")
        rc, out, err = run(["--generate-request-json", "put-records", "--stream-name", "s",
                            "--records", "file://" + os.path.join(d, "missing")])
        check(rc == 252 and "cannot read" in err, f"missing file: rc {rc} {err!r}")


class Listener:
    """A loopback port that counts connections (to prove that nothing was sent)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.count = 0
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def loop(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.count += 1
            c.close()

    def close(self):
        self.sock.close()


def offline_nothing_sent():
    lst = Listener()
    ep = ["--endpoint-url", f"http://127.0.0.1:{lst.port}", "--region", "us-east-1"]
    env = {"AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "x", "AWS_MAX_ATTEMPTS": "1"}
    cases = [
        ["put-record", "--stream-name", "s", "--partition-key", "", "--data", "x"],
        ["put-record", "--stream-name", "s", "--partition-key", "k" * 257, "--data", "x"],
        ["put-record", "--stream-name", "s", "--partition-key", "k", "--data", "x",
         "--explicit-hash-key", str(2 ** 128)],
        ["put-records", "--stream-name", "s", "--records", "Data=eA==,PartitionKey="],
        ["put-records", "--stream-name", "s", "--records",
         json.dumps([{"Data": "eA==", "PartitionKey": "k" * 257}])],
    ]
    for args in cases:
        rc, _, err = run(ep + args, env=env)
        check(rc == 252 and ("partition" in err.lower() or "hash key" in err.lower()),
              f"{args[:1]} bad key: rc {rc} {err.strip()}")
    check(lst.count == 0, f"validation failures sent {lst.count} connections")
    lst.close()


def dead_endpoint():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    env = {"AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "x"}
    t0 = time.time()
    rc, out, err = run(["--endpoint-url", f"http://127.0.0.1:{port}", "--region", "us-east-1",
                        "list-streams"], env=env, timeout=120)
    took = time.time() - t0
    check(rc == 255 and "KINESIS_E_CONNECT" in err, f"dead endpoint: rc {rc}, {err.strip()!r}")
    check(took < 60, f"dead endpoint took {took:.1f}s")


# ---------------------------------------------------------------------------------------------
# against servers

def hash_key(pk):
    return int.from_bytes(hashlib.md5(pk.encode("utf-8")).digest(), "big")


class Server:
    def __init__(self, name, endpoint, env):
        self.name, self.endpoint, self.env = name, endpoint, env

    def cli(self, args, expect_ok=True):
        rc, out, err = run(["--endpoint-url", self.endpoint, "--region", "us-east-1"] + args,
                           env=self.env)
        if expect_ok and not check(rc == 0, f"{self.name}: {args[:3]}: rc {rc}: {err.strip()}"):
            return None
        if not expect_ok:
            return rc, out, err
        return json.loads(out) if out.strip() else {}


def server_test(srv):
    name = f"cli-e2e-{os.getpid()}-{srv.name}"
    t0 = time.time()
    if srv.cli(["create-stream", "--stream-name", name, "--shard-count", "2"]) is None:
        return
    deadline = time.time() + 60
    status = None
    while time.time() < deadline:
        d = srv.cli(["describe-stream-summary", "--stream-name", name])
        status = d and d.get("StreamDescriptionSummary", {}).get("StreamStatus")
        if status == "ACTIVE" or d is None:
            break
        time.sleep(0.2)
    if not check(status == "ACTIVE", f"{srv.name}: stream not ACTIVE ({status})"):
        return
    shards = srv.cli(["list-shards", "--stream-name", name])["Shards"]
    check(len(shards) == 2, f"{srv.name}: {len(shards)} shards")
    ranges = [(int(s["HashKeyRange"]["StartingHashKey"]), int(s["HashKeyRange"]["EndingHashKey"]),
               s["ShardId"]) for s in shards]

    def shard_for(pk):
        h = hash_key(pk)
        for lo, hi, sid in ranges:
            if lo <= h <= hi:
                return sid
        return None

    expected = {}  # (pk, data bytes) -> shard
    # put-record: text, unicode text, binary via --data-base64
    singles = [("alpha", "hello world", None), ("\u00fcml\u00e4ut-key", "d\u00e4ta \u2713", None),
               ("binary-1", None, bytes(range(256)))]
    for pk, text, raw in singles:
        args = ["put-record", "--stream-name", name, "--partition-key", pk]
        if raw is None:
            args += ["--data", text]
            data = text.encode("utf-8")
        else:
            args += ["--data-base64", base64.b64encode(raw).decode()]
            data = raw
        r = srv.cli(args)
        if r is None:
            continue
        check(r.get("ShardId") == shard_for(pk),
              f"{srv.name}: put-record {pk!r} went to {r.get('ShardId')}, MD5 says {shard_for(pk)}")
        check(bool(r.get("SequenceNumber")), f"{srv.name}: put-record without SequenceNumber")
        expected[(pk, data)] = r.get("ShardId")
    # put-records: shorthand items and a JSON list
    batch = [(f"key-{i}", f"record {i}".encode()) for i in range(8)]
    shorthand = [f"Data={base64.b64encode(d).decode()},PartitionKey={pk}" for pk, d in batch[:4]]
    js = json.dumps([{"Data": base64.b64encode(d).decode(), "PartitionKey": pk}
                     for pk, d in batch[4:]])
    for recs, part in ((shorthand, batch[:4]), ([js], batch[4:])):
        r = srv.cli(["put-records", "--stream-name", name, "--records"] + recs)
        if r is None:
            continue
        check(r.get("FailedRecordCount", 0) == 0, f"{srv.name}: put-records failures {r}")
        results = r.get("Records", [])
        check(len(results) == len(part), f"{srv.name}: put-records returned {len(results)}")
        for (pk, d), res in zip(part, results):
            check(res.get("ShardId") == shard_for(pk),
                  f"{srv.name}: put-records {pk} went to {res.get('ShardId')}, MD5 says {shard_for(pk)}")
            expected[(pk, d)] = res.get("ShardId")
    # read back per shard
    got = {}
    for _, _, sid in ranges:
        it = srv.cli(["get-shard-iterator", "--stream-name", name, "--shard-id", sid,
                      "--shard-iterator-type", "TRIM_HORIZON"])
        iterator = it and it.get("ShardIterator")
        want = sum(1 for v in expected.values() if v == sid)
        n = 0
        for _ in range(10):
            if not iterator:
                break
            r = srv.cli(["get-records", "--shard-iterator", iterator])
            if r is None:
                break
            for rec in r.get("Records", []):
                got[(rec["PartitionKey"], base64.b64decode(rec["Data"]))] = sid
                n += 1
            iterator = r.get("NextShardIterator")
            if n >= want:
                break
    for key, sid in expected.items():
        check(got.get(key) == sid, f"{srv.name}: record {key[0]!r} not read back from {sid}")
    check(len(got) == len(expected), f"{srv.name}: read {len(got)} records, put {len(expected)}")
    # pagination: every page followed and merged, tokens dropped
    d = srv.cli(["describe-stream", "--stream-name", name])
    if d is not None:
        check(len(d["StreamDescription"]["Shards"]) == 2, f"{srv.name}: describe-stream shards")
    if srv.name != "moto":  # moto ignores ExclusiveStartShardId
        d = srv.cli(["describe-stream", "--stream-name", name, "--page-size", "1"])
        if d is not None:
            ids = [s["ShardId"] for s in d["StreamDescription"]["Shards"]]
            check(sorted(ids) == sorted(r[2] for r in ranges),
                  f"{srv.name}: describe-stream by pages: {ids}")
    # ListShards by NextToken pages (servers disagree on StreamName with NextToken)
    d = srv.cli(["list-shards", "--stream-name", name, "--page-size", "1"])
    if d is not None:
        ids = [s["ShardId"] for s in d["Shards"]]
        check(ids == [r[2] for r in ranges], f"{srv.name}: list-shards by pages: {ids}")
        check("NextToken" not in d, f"{srv.name}: list-shards kept NextToken")
    first = srv.cli(["list-shards", "--stream-name", name, "--max-results", "1", "--no-paginate"])
    if first is not None and first.get("NextToken"):  # kinesalite ignores MaxResults
        d = srv.cli(["list-shards", "--stream-name", name, "--starting-token", first["NextToken"]])
        if d is not None:
            ids = [s["ShardId"] for s in first["Shards"] + d["Shards"]]
            check(ids == [r[2] for r in ranges], f"{srv.name}: list-shards --starting-token: {ids}")
    other = name + "-b"
    srv.cli(["create-stream", "--stream-name", other, "--shard-count", "1"])
    ls = srv.cli(["list-streams", "--page-size", "1"])
    if ls is not None:
        names = ls.get("StreamNames", [])
        check(name in names and other in names, f"{srv.name}: list-streams pages: {names}")
        check("NextToken" not in ls, f"{srv.name}: list-streams kept NextToken")
    ls = srv.cli(["list-streams", "--max-items", "1"])
    if ls is not None:
        check(len(ls.get("StreamNames", [])) == 1, f"{srv.name}: --max-items 1: {ls}")
    # errors
    rc, out, err = srv.cli(["describe-stream", "--stream-name", name + "-missing"],
                           expect_ok=False)
    check(rc == 254 and "ResourceNotFoundException" in err and "DescribeStream" in err,
          f"{srv.name}: missing stream: rc {rc}, {err.strip()!r}")
    rc, out, err = srv.cli(["put-record", "--stream-name", name, "--partition-key", "",
                            "--data", "x"], expect_ok=False)
    check(rc == 252 and "partition" in err.lower(), f"{srv.name}: empty key: rc {rc} {err!r}")
    rc, out, err = srv.cli(["list-streams", "--frobnicate"], expect_ok=False)
    check(rc == 252 and "--frobnicate" in err, f"{srv.name}: unknown option: rc {rc}")
    # --debug: library log on stderr, output unchanged, no secret in the log
    rc, out, err = run(["--endpoint-url", srv.endpoint, "--region", "us-east-1", "--debug",
                        "describe-stream-summary", "--stream-name", name], env=srv.env)
    secret = srv.env.get("AWS_SECRET_ACCESS_KEY", os.environ.get("AWS_SECRET_ACCESS_KEY", ""))
    check(rc == 0 and "[DEBUG]" in err and json.loads(out).get("StreamDescriptionSummary"),
          f"{srv.name}: --debug: rc {rc}")
    check(not secret or secret not in err, f"{srv.name}: --debug logged the secret key")
    tls = os.environ.get("KINESIS_TEST_KINESIS_LOCAL_TLS_ENDPOINT")
    if srv.name == "kinesis-local" and tls:
        # self-signed certificate: refused unless --no-verify-ssl
        rc, out, err = run(["--endpoint-url", tls, "--region", "us-east-1", "list-streams"])
        check(rc == 255 and "KINESIS_E_TLS" in err, f"TLS without verification off: {rc} {err!r}")
        rc, out, err = run(["--endpoint-url", tls, "--region", "us-east-1", "--no-verify-ssl",
                            "list-streams"])
        check(rc == 0 and name in json.loads(out or "{}").get("StreamNames", []),
              f"TLS with --no-verify-ssl: {rc} {err!r}")
    srv.cli(["delete-stream", "--stream-name", name])
    srv.cli(["delete-stream", "--stream-name", other], expect_ok=False)  # may still be CREATING
    print(f"{srv.name}: done in {time.time() - t0:.1f}s", flush=True)


def main():
    global CLI
    args = sys.argv[1:]
    offline = "--offline" in args
    if "--cli" not in args:
        print(__doc__)
        return 2
    CLI = os.path.abspath(args[args.index("--cli") + 1])
    if offline:
        offline_requests()
        offline_errors()
        offline_files()
        offline_nothing_sent()
        dead_endpoint()
    else:
        servers = []
        for name, var in (("moto", "MOTO"), ("kinesalite", "KINESALITE"),
                          ("kinesis-local", "KINESIS_LOCAL")):
            ep = os.environ.get(f"KINESIS_TEST_{var}_ENDPOINT")
            if not ep:
                continue
            env = {}
            if var == "MOTO" and os.environ.get("KINESIS_TEST_MOTO_ACCESS_KEY_ID"):
                env["AWS_ACCESS_KEY_ID"] = os.environ["KINESIS_TEST_MOTO_ACCESS_KEY_ID"]
                env["AWS_SECRET_ACCESS_KEY"] = os.environ["KINESIS_TEST_MOTO_SECRET_ACCESS_KEY"]
            servers.append(Server(name, ep, env))
        if not servers:
            print("no servers exported (run under tests/harness/with_servers.py)")
            return 77
        threads = [threading.Thread(target=server_test, args=(s,)) for s in servers]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    if FAILURES:
        print(f"{len(FAILURES)} failure(s)")
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
