#!/usr/bin/env python3
"""Self-test of the server harness; run it under with_servers.py with all three servers:

    python3 tests/harness/with_servers.py --servers all -- python3 tests/harness/test_harness.py

Checks that every endpoint answers ListStreams, that moto really verifies SigV4 (signed here with
botocore, independently of the harness's own signer), that servers listen on 127.0.0.1 only, that
the environment is isolated from the developer's AWS configuration, and that with_servers.py
leaves no server behind (normal exit, failing command, SIGTERM) and skips or fails cleanly when a
server is missing. Exit 77 (skip) if botocore is missing, unless CI=true.
"""

import datetime
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import kinesis_servers as ks  # noqa: E402

WITH_SERVERS = os.path.join(HERE, "with_servers.py")
CI = os.environ.get("CI", "").lower() in ("true", "1", "yes")

try:
    import botocore.session
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.config import Config
    from botocore.credentials import Credentials
    from botocore.exceptions import ClientError
except ImportError as e:
    sys.stderr.write(f"test_harness: botocore is not importable ({e})\n")
    sys.exit(1 if CI else 77)

SERVERS = [s for s in os.environ.get("KINESIS_TEST_SERVERS", "").split(",") if s]


def env_of(name, what):
    return os.environ[f"KINESIS_TEST_{ks.ENV_NAMES[name]}_{what}"]


def kinesis_client(endpoint, key, secret, verify=True):
    session = botocore.session.get_session()
    return session.create_client(
        "kinesis", region_name="us-east-1", endpoint_url=endpoint, aws_access_key_id=key,
        aws_secret_access_key=secret, verify=verify,
        config=Config(retries={"max_attempts": 1}, connect_timeout=3, read_timeout=10))


def credentials_for(name):
    if name == "moto":
        return env_of("moto", "ACCESS_KEY_ID"), env_of("moto", "SECRET_ACCESS_KEY")
    return ks.PLACEHOLDER_KEY_ID, ks.PLACEHOLDER_SECRET


def pid_alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        return state != "Z"
    except (OSError, IndexError):
        return False


def port_open(port):
    try:
        with socket.create_connection((ks.LOOPBACK, port), timeout=1):
            return True
    except OSError:
        return False


def run_with_servers(servers, cmd, extra_env=None, drop_env=(), timeout=120):
    env = dict(os.environ)
    for k in drop_env:
        env.pop(k, None)
    env.update(extra_env or {})
    return subprocess.run([sys.executable, WITH_SERVERS, "--quiet", "--servers", servers, "--"]
                          + cmd, env=env, capture_output=True, text=True, timeout=timeout)


# A command for nested runs: prints the harness variables as JSON.
DUMP_ENV = [sys.executable, "-c",
            "import json,os;print(json.dumps({k:v for k,v in os.environ.items() "
            "if k.startswith(('KINESIS_TEST_','AWS_'))}))"]


def server_pids_and_ports(env):
    """{name: (pid, [ports])} from a dumped environment."""
    out = {}
    for name in env["KINESIS_TEST_SERVERS"].split(","):
        n = ks.ENV_NAMES[name]
        ports = [int(env[f"KINESIS_TEST_{n}_ENDPOINT"].rsplit(":", 1)[1])]
        if name == "kinesis-local":
            ports.append(int(env["KINESIS_TEST_KINESIS_LOCAL_TLS_ENDPOINT"].rsplit(":", 1)[1]))
        out[name] = (int(env[f"KINESIS_TEST_{n}_PID"]), ports)
    return out


class RunningServers(unittest.TestCase):
    """Checks on the servers with_servers.py started for this process."""

    def setUp(self):
        if not SERVERS:
            self.skipTest("not run under with_servers.py")

    def test_list_streams_botocore(self):
        for name in SERVERS:
            with self.subTest(server=name):
                key, secret = credentials_for(name)
                out = kinesis_client(env_of(name, "ENDPOINT"), key, secret).list_streams()
                self.assertEqual(out["ResponseMetadata"]["HTTPStatusCode"], 200)
                self.assertIn("StreamNames", out)

    def test_list_streams_harness_signer(self):
        for name in SERVERS:
            with self.subTest(server=name):
                key, secret = credentials_for(name)
                status, _, body = ks.kinesis_request(env_of(name, "ENDPOINT"), "ListStreams", {},
                                                     key, secret)
                self.assertEqual(status, 200, body)
                self.assertIn("StreamNames", json.loads(body))

    def test_kinesis_local_tls_port(self):
        if "kinesis-local" not in SERVERS:
            self.skipTest("kinesis-local not started")
        endpoint = os.environ["KINESIS_TEST_KINESIS_LOCAL_TLS_ENDPOINT"]
        self.assertTrue(endpoint.startswith("https://127.0.0.1:"))
        self.assertTrue(os.path.isfile(os.environ["KINESIS_TEST_KINESIS_LOCAL_CERT"]))
        # Self-signed, CN=Unknown and no SAN: hostname verification cannot pass.
        client = kinesis_client(endpoint, ks.PLACEHOLDER_KEY_ID, ks.PLACEHOLDER_SECRET, False)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # urllib3's InsecureRequestWarning
            self.assertIn("StreamNames", client.list_streams())

    def test_harness_signer_matches_botocore(self):
        body = b'{"StreamName":"s","Limit":3}'
        headers = {"Content-Type": "application/x-amz-json-1.1",
                   "X-Amz-Target": "Kinesis_20131202.DescribeStream"}
        req = AWSRequest(method="POST", url="http://127.0.0.1:4567/", data=body,
                         headers=dict(headers))
        SigV4Auth(Credentials("AKIDEXAMPLE", "secret"), "kinesis", "us-east-1").add_auth(req)
        # botocore reads the clock itself: sign ours for the same second.
        when = datetime.datetime.strptime(req.headers["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(
            tzinfo=datetime.timezone.utc)
        mine = ks.sigv4_headers("POST", "127.0.0.1:4567", "/", headers, body, "AKIDEXAMPLE",
                                "secret", now=when)
        theirs = req.headers["Authorization"]
        self.assertEqual(mine["Authorization"].rsplit("Signature=", 1)[1],
                         theirs.rsplit("Signature=", 1)[1], (mine["Authorization"], theirs))

    def _moto(self):
        if "moto" not in SERVERS:
            self.skipTest("moto not started")
        return env_of("moto", "ENDPOINT"), credentials_for("moto")

    def _botocore_signed(self, endpoint, key, secret, body=b"{}", send_body=None):
        """ListStreams signed by botocore, sent raw (botocore's JSON parser cannot read moto's
        XML error bodies); returns (status, body)."""
        req = AWSRequest(method="POST", url=endpoint + "/", data=body, headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "Kinesis_20131202.ListStreams"})
        SigV4Auth(Credentials(key, secret), "kinesis", "us-east-1").add_auth(req)
        headers = dict(req.headers.items())
        headers["Host"] = endpoint.split("//", 1)[1]
        status, _, answer = ks.http_request(endpoint, "POST", "/", headers,
                                            body if send_body is None else send_body)
        return status, answer

    def test_moto_accepts_right_key(self):
        endpoint, (key, secret) = self._moto()
        status, body = self._botocore_signed(endpoint, key, secret)
        self.assertEqual(status, 200, body)
        self.assertIn(b"StreamNames", body)

    def test_moto_rejects_wrong_secret(self):
        endpoint, (key, secret) = self._moto()
        status, body = self._botocore_signed(endpoint, key, secret + "x")
        self.assertEqual(status, 403, body)
        self.assertIn(b"SignatureDoesNotMatch", body)
        # and through the client: a 403 error whatever it makes of the XML body
        with self.assertRaises(ClientError) as cm:
            kinesis_client(endpoint, key, secret + "x").list_streams()
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 403)

    def test_moto_rejects_unknown_key(self):
        endpoint, (_, secret) = self._moto()
        status, body = self._botocore_signed(endpoint, "AKIAUNKNOWNUNKNOWN00", secret)
        self.assertEqual(status, 403, body)
        self.assertIn(b"InvalidClientTokenId", body)

    def test_moto_rejects_body_changed_after_signing(self):
        endpoint, (key, secret) = self._moto()
        status, body = self._botocore_signed(endpoint, key, secret, b"{}", b'{"Limit":1}')
        self.assertEqual(status, 403, body)
        self.assertIn(b"SignatureDoesNotMatch", body)

    def test_moto_accepts_right_key_for_writes(self):
        endpoint, (key, secret) = self._moto()
        client = kinesis_client(endpoint, key, secret)
        name = f"harness-{os.getpid()}"
        client.create_stream(StreamName=name, ShardCount=1)
        client.put_record(StreamName=name, Data=b"x", PartitionKey="k")
        client.delete_stream(StreamName=name)

    def test_loopback_only(self):
        for name in SERVERS:
            with self.subTest(server=name):
                pid = int(env_of(name, "PID"))
                expected = [int(env_of(name, "ENDPOINT").rsplit(":", 1)[1])]
                if name == "kinesis-local":
                    expected.append(int(os.environ["KINESIS_TEST_KINESIS_LOCAL_TLS_ENDPOINT"]
                                        .rsplit(":", 1)[1]))
                socks = ks.listening_sockets(pid)
                self.assertTrue(socks, f"{name} (pid {pid}) has no listening socket")
                for ip, port in socks:
                    self.assertEqual(ip, "127.0.0.1", f"{name} listens on {ip}:{port}")
                self.assertEqual(sorted({p for _, p in socks}), sorted(expected))

    def test_loopback_only_ss(self):
        """Independent of the /proc parsing above: ask ss (iproute2) when it is there."""
        if not shutil.which("ss"):
            self.skipTest("ss not installed")
        out = subprocess.run(["ss", "-Hltnp"], capture_output=True, text=True, check=True).stdout
        for name in SERVERS:
            pid = env_of(name, "PID")
            lines = [line for line in out.splitlines() if f"pid={pid}," in line]
            with self.subTest(server=name):
                self.assertTrue(lines, f"ss shows no listener for {name} (pid {pid})")
                for line in lines:
                    local = line.split()[3]
                    self.assertTrue(local.startswith("127.0.0.1:"), line)

    def test_environment_isolated(self):
        self.assertEqual(os.environ.get("AWS_CONFIG_FILE"), os.devnull)
        self.assertEqual(os.environ.get("AWS_SHARED_CREDENTIALS_FILE"), os.devnull)
        self.assertEqual(os.environ.get("AWS_ACCESS_KEY_ID"), ks.PLACEHOLDER_KEY_ID)
        self.assertEqual(os.environ.get("AWS_SECRET_ACCESS_KEY"), ks.PLACEHOLDER_SECRET)
        self.assertTrue(os.environ.get("AWS_REGION"))
        for k in os.environ:
            self.assertFalse(k.startswith("AWS_ENDPOINT_URL"), k)
        self.assertNotIn("AWS_PROFILE", os.environ)
        self.assertNotIn("AWS_SESSION_TOKEN", os.environ)


class Lifecycle(unittest.TestCase):
    """with_servers.py started from here: cleanup, exit codes, skips."""

    def assert_gone(self, pids_ports):
        deadline = time.monotonic() + 5
        for name, (pid, ports) in pids_ports.items():
            while pid_alive(pid) and time.monotonic() < deadline:
                time.sleep(0.05)
            self.assertFalse(pid_alive(pid), f"{name} (pid {pid}) still runs")
            for port in ports:
                self.assertFalse(port_open(port), f"{name}'s port {port} still accepts")

    def test_servers_gone_after_exit(self):
        r = run_with_servers("all", DUMP_ENV)
        self.assertEqual(r.returncode, 0, r.stderr)
        env = json.loads(r.stdout)
        pids = server_pids_and_ports(env)
        self.assertEqual(sorted(pids), sorted(ks.SERVER_NAMES))
        self.assertFalse(os.path.exists(env["KINESIS_TEST_SERVER_LOG_DIR"]),
                         "log dir not removed after success")
        self.assert_gone(pids)

    def test_exit_status_and_cleanup_on_failure(self):
        script = DUMP_ENV[2] + ";raise SystemExit(7)"
        r = run_with_servers("kinesalite", [sys.executable, "-c", script])
        self.assertEqual(r.returncode, 7, r.stderr)
        env = json.loads(r.stdout)
        self.assertEqual(env["KINESIS_TEST_SERVERS"], "kinesalite")
        # Variables of servers not asked for (set by the outer run) must not leak through.
        self.assertNotIn("KINESIS_TEST_MOTO_ENDPOINT", env)
        self.assertTrue(os.path.isdir(env["KINESIS_TEST_SERVER_LOG_DIR"]), "logs kept on failure")
        shutil.rmtree(env["KINESIS_TEST_SERVER_LOG_DIR"], ignore_errors=True)
        self.assert_gone(server_pids_and_ports(env))

    def test_sigterm_stops_servers(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "env.json")
            script = ("import json,os,time;d={k:v for k,v in os.environ.items() "
                      "if k.startswith('KINESIS_TEST_')};"
                      f"open({out + '.tmp'!r},'w').write(json.dumps(d));"
                      f"os.rename({out + '.tmp'!r},{out!r});time.sleep(60)")
            proc = subprocess.Popen([sys.executable, WITH_SERVERS, "--quiet", "--servers",
                                     "moto,kinesis-local", "--", sys.executable, "-c", script],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            deadline = time.monotonic() + 60
            while not os.path.exists(out) and proc.poll() is None:
                self.assertLess(time.monotonic(), deadline, "servers did not start")
                time.sleep(0.05)
            if proc.poll() is not None:
                self.fail(f"with_servers exited early: {proc.communicate()}")
            with open(out) as f:
                env = json.load(f)
            started = time.monotonic()
            proc.send_signal(signal.SIGTERM)
            _, err = proc.communicate(timeout=30)
            self.assertEqual(proc.returncode, 128 + signal.SIGTERM, err)
            self.assertLess(time.monotonic() - started, 10)
            self.assert_gone(server_pids_and_ports(env))
            shutil.rmtree(env["KINESIS_TEST_SERVER_LOG_DIR"], ignore_errors=True)

    def test_missing_server_skips_or_fails_in_ci(self):
        missing = {"KINESIS_NODE_MODULES": os.path.join(tempfile.gettempdir(), "no-such-dir")}
        r = run_with_servers("kinesalite", ["true"], missing, drop_env=("CI",))
        self.assertEqual(r.returncode, 77, r.stderr)
        self.assertIn("kinesalite", r.stderr)
        r = run_with_servers("kinesalite", ["true"], dict(missing, CI="true"))
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("ERROR", r.stderr)

    def test_developer_aws_config_does_not_leak(self):
        leaky = {"AWS_PROFILE": "prod", "AWS_ENDPOINT_URL": "https://example.invalid",
                 "AWS_ENDPOINT_URL_KINESIS": "https://example.invalid",
                 "AWS_ACCESS_KEY_ID": "AKIAREALREALREALREAL", "AWS_SECRET_ACCESS_KEY": "real",
                 "AWS_SESSION_TOKEN": "real", "AWS_CONFIG_FILE": "/root/.aws/config"}
        r = run_with_servers("kinesalite", DUMP_ENV, leaky)
        self.assertEqual(r.returncode, 0, r.stderr)
        env = json.loads(r.stdout)
        for k in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_KINESIS",
                  "AWS_SESSION_TOKEN"):
            self.assertNotIn(k, env)
        self.assertEqual(env["AWS_ACCESS_KEY_ID"], ks.PLACEHOLDER_KEY_ID)
        self.assertEqual(env["AWS_CONFIG_FILE"], os.devnull)

    def test_bad_usage(self):
        r = subprocess.run([sys.executable, WITH_SERVERS, "--servers", "nope", "--", "true"],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 2)
        r = subprocess.run([sys.executable, WITH_SERVERS, "--servers", "moto"],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 2)


if __name__ == "__main__":
    if not SERVERS:
        sys.stderr.write("test_harness: KINESIS_TEST_SERVERS is empty; run me under "
                         "with_servers.py --servers all\n")
        sys.exit(1 if CI else 77)
    unittest.main(verbosity=2)
