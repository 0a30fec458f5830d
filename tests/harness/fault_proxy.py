#!/usr/bin/env python3
"""A fault-injecting HTTP/1.1 proxy for Kinesis on loopback (stdlib only).

Forwards every request to a real server (--upstream http://127.0.0.1:PORT) and injects faults on
chosen requests, by operation and request number, from a JSON rule file:

    {"rules": [{"op": "PutRecords", "every": 10, "offset": 1, "fault": "throttle"}, ...]}

A rule matches request number n (1-based, counted per operation) when n % every == offset % every
(and, optionally, n <= "until"). The first matching rule wins. Faults:

    throttle      400 ProvisionedThroughputExceededException for the whole request (not forwarded)
    500, 503      InternalFailure / ServiceUnavailable (not forwarded)
    partial       PutRecords: every "record_every"-th record (default 3) is answered with
                  ProvisionedThroughputExceededException; only the others are forwarded
    reset_before  the connection is reset before anything is forwarded
    reset_after   forwarded (the server applies it), then the connection is reset: response lost
    slow          forwarded, then the answer waits "delay_s" (default 3) seconds — longer than the
                  client's timeout, so the client gives up: response lost

GET /__proxy/stall?on=1 makes PutRecords requests wait until GET /__proxy/stall?on=0.

Every lost response (reset_after, slow) is logged to --log as a JSON line with the request's
record Data (base64) so a test can tell which duplicates a lost response explains. GET
/__proxy/stats returns counters. Listens on 127.0.0.1 only; prints "PORT <n>" on stdout once
ready; exits when its parent process exits or after --max-seconds.
"""
import argparse
import http.client
import http.server
import json
import os
import socket
import struct
import sys
import threading
import time
from urllib.parse import urlparse

LOCK = threading.Lock()
STATS = {"requests": 0, "faults": {}, "lost_responses": 0, "lost_records": 0}
COUNTS = {}
STALL = threading.Event()  # set = stalled
STALL_RELEASED = threading.Condition()


class Config:
    upstream = None
    rules = []
    log = None
    log_lock = threading.Lock()


def pick_rule(op):
    with LOCK:
        n = COUNTS.get(op, 0) + 1
        COUNTS[op] = n
        STATS["requests"] += 1
    for r in Config.rules:
        if r.get("op", "PutRecords") != op:
            continue
        every = int(r.get("every", 1))
        if r.get("until") and n > int(r["until"]):
            continue
        if r.get("from") and n < int(r["from"]):
            continue
        if n % every == int(r.get("offset", 0)) % every:
            return r, n
    return None, n


def count_fault(name):
    with LOCK:
        STATS["faults"][name] = STATS["faults"].get(name, 0) + 1


def log_lost(op, n, body, fault):
    records = []
    if op == "PutRecords":
        try:
            records = [e.get("Data", "") for e in json.loads(body).get("Records", [])]
        except ValueError:
            records = []
    elif op == "PutRecord":
        try:
            records = [json.loads(body).get("Data", "")]
        except ValueError:
            records = []
    with LOCK:
        STATS["lost_responses"] += 1
        STATS["lost_records"] += len(records)
    if Config.log:
        with Config.log_lock:
            with open(Config.log, "a") as f:
                f.write(json.dumps({"op": op, "n": n, "fault": fault, "records": records}) + "\n")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet
        pass

    def upstream_conn(self):
        conn = getattr(self, "_up", None)
        if conn is None:
            u = urlparse(Config.upstream)
            conn = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
            self._up = conn
        return conn

    def forward(self, body, headers):
        for attempt in range(2):
            conn = self.upstream_conn()
            try:
                conn.request("POST", self.path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                return resp.status, resp.getheaders(), data
            except (http.client.HTTPException, OSError):
                conn.close()
                self._up = None
                if attempt:
                    raise
        raise OSError("unreachable")

    def reply(self, status, body, headers=None):
        self.send_response(status)
        sent = set()
        for k, v in headers or []:
            if k.lower() in ("content-length", "connection", "transfer-encoding", "date", "server"):
                continue
            self.send_header(k, v)
            sent.add(k.lower())
        if "content-type" not in sent:
            self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def reset(self):
        # RST instead of FIN: SO_LINGER with a zero timeout.
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.close_connection = True
        try:
            self.connection.close()
        except OSError:
            pass

    def error(self, status, typ, msg):
        self.reply(status, json.dumps({"__type": typ, "message": msg}).encode())

    def do_GET(self):
        if self.path.startswith("/__proxy/stats"):
            with LOCK:
                body = json.dumps(dict(STATS, counts=dict(COUNTS))).encode()
            self.reply(200, body, [("Content-Type", "application/json")])
        elif self.path.startswith("/__proxy/stall"):
            on = "on=1" in self.path
            with STALL_RELEASED:
                if on:
                    STALL.set()
                else:
                    STALL.clear()
                    STALL_RELEASED.notify_all()
            self.reply(200, b"{}", [("Content-Type", "application/json")])
        else:
            self.reply(404, b"{}")

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length) if length else b""
        target = self.headers.get("X-Amz-Target", "")
        op = target.split(".")[-1]
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection",)}
        rule, n = pick_rule(op)
        fault = rule.get("fault") if rule else None
        with STALL_RELEASED:
            while STALL.is_set() and op == "PutRecords":
                STALL_RELEASED.wait(0.5)
        if fault:
            count_fault(fault)
        if fault == "throttle":
            return self.error(400, "ProvisionedThroughputExceededException",
                              "Rate exceeded for shard (injected)")
        if fault == "500":
            return self.error(500, "InternalFailure", "injected internal failure")
        if fault == "503":
            return self.error(503, "ServiceUnavailable", "injected unavailability")
        if fault == "reset_before":
            return self.reset()
        if fault == "partial" and op == "PutRecords":
            return self.partial(body, headers, int(rule.get("record_every", 3)))
        try:
            status, rheaders, data = self.forward(body, headers)
        except OSError:
            return self.reset()
        if fault == "reset_after":
            log_lost(op, n, body, fault)
            return self.reset()
        if fault == "slow":
            log_lost(op, n, body, fault)
            time.sleep(float(rule.get("delay_s", 3)))
            try:
                self.reply(status, data, rheaders)
            except OSError:
                pass
            return self.reset()
        self.reply(status, data, rheaders)

    def partial(self, body, headers, every):
        req = json.loads(body)
        records = req.get("Records", [])
        keep = [i for i in range(len(records)) if (i + 1) % every != 0]
        results = [None] * len(records)
        failed = 0
        if keep:
            sub = dict(req, Records=[records[i] for i in keep])
            sub_body = json.dumps(sub).encode()
            h = dict(headers)
            h["Content-Length"] = str(len(sub_body))
            # The signature no longer matches the body; local servers do not check it.
            try:
                status, rheaders, data = self.forward(sub_body, h)
            except OSError:
                return self.reset()
            if status != 200:
                return self.reply(status, data, rheaders)
            out = json.loads(data).get("Records", [])
            for i, r in zip(keep, out):
                results[i] = r
                failed += 1 if r.get("ErrorCode") else 0
        for i in range(len(records)):
            if results[i] is None:
                failed += 1
                results[i] = {"ErrorCode": "ProvisionedThroughputExceededException",
                              "ErrorMessage": "Rate exceeded for shard (injected)"}
        self.reply(200, json.dumps({"FailedRecordCount": failed, "Records": results}).encode())


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64


def watchdog(parent, deadline):
    while True:
        time.sleep(0.5)
        if os.getppid() != parent or time.time() > deadline:
            os._exit(0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--rules", help="JSON rule file")
    ap.add_argument("--log", help="JSON-lines log of lost responses")
    ap.add_argument("--max-seconds", type=float, default=900)
    a = ap.parse_args()
    u = urlparse(a.upstream)
    if u.hostname not in ("127.0.0.1", "localhost", "::1"):
        sys.exit("fault_proxy: upstream must be on loopback")
    Config.upstream = a.upstream
    Config.log = a.log
    if a.rules:
        with open(a.rules) as f:
            Config.rules = json.load(f).get("rules", [])
    srv = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=watchdog, args=(os.getppid(), time.time() + a.max_seconds),
                     daemon=True).start()
    print("PORT %d" % srv.server_address[1], flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
