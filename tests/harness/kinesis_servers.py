"""Start and stop local Kinesis-compatible servers (moto, kinesalite, kinesis-local) on loopback.

Standard library only. Every server binds 127.0.0.1 on a port the OS reported free; a start that
loses the port to another process is retried on a new one. A server counts as started only once
it has answered a real Kinesis ListStreams request. Each server runs in its own process group
(killed as a whole on stop) and gets PR_SET_PDEATHSIG so it dies with the harness even if the
harness itself is SIGKILLed. Logs go to files in a caller-chosen directory.

Used by with_servers.py; test code may also use kinesis_request() and sigv4_headers().
"""

import ctypes
import datetime
import hashlib
import hmac
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.parse

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
HARNESS_DIR = os.path.dirname(os.path.abspath(__file__))
LOOPBACK = "127.0.0.1"
REGION = "us-east-1"
KINESIS_TARGET_PREFIX = "Kinesis_20131202."
# Credentials for servers that do not check signatures (and for moto's unchecked IAM set-up).
PLACEHOLDER_KEY_ID = "test"
PLACEHOLDER_SECRET = "test"

# Names accepted on the command line, and the NAME part of the exported KINESIS_TEST_<NAME>_*.
SERVER_NAMES = ("moto", "kinesalite", "kinesis-local")
ENV_NAMES = {"moto": "MOTO", "kinesalite": "KINESALITE", "kinesis-local": "KINESIS_LOCAL"}

PORT_ATTEMPTS = 3
HTTP_TIMEOUT = 10.0  # generous: ctest -j on 2 cores can stall a server for seconds


class StartError(Exception):
    """A server could not be started; the message says why (with the log tail if any)."""


class _PortCollision(Exception):
    """The server exited because its port was taken meanwhile: retry on another port."""


def node_modules_dir():
    """Folder holding kinesalite and kinesis-local ($KINESIS_NODE_MODULES overrides)."""
    return os.environ.get("KINESIS_NODE_MODULES") or os.path.join(
        REPO_ROOT, ".deps", "npm", "node_modules")


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------------------------------------
# SigV4 signing and plain HTTP requests (stdlib only)


def _hmac(key, msg):
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


def sigv4_headers(method, host, path, headers, body, access_key, secret_key,
                  region=REGION, service="kinesis", now=None):
    """Return `headers` plus X-Amz-Date and an AWS4-HMAC-SHA256 Authorization header.

    `headers` maps header names to values (Content-Type, X-Amz-Target, ...); Host is added and
    signed. `body` is bytes. The path must already be URI-encoded; no query string is supported.
    """
    now = now or datetime.datetime.now(datetime.timezone.utc)
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    date = amz_date[:8]
    out = dict(headers)
    out["Host"] = host
    out["X-Amz-Date"] = amz_date
    canon = sorted((k.lower(), " ".join(str(v).strip().split())) for k, v in out.items())
    signed = ";".join(k for k, _ in canon)
    canonical_request = "\n".join([
        method, path, "",
        "".join(f"{k}:{v}\n" for k, v in canon),
        signed,
        hashlib.sha256(body).hexdigest(),
    ])
    scope = f"{date}/{region}/{service}/aws4_request"
    string_to_sign = "\n".join([
        "AWS4-HMAC-SHA256", amz_date, scope,
        hashlib.sha256(canonical_request.encode("utf-8")).hexdigest(),
    ])
    key = _hmac(("AWS4" + secret_key).encode("utf-8"), date)
    for part in (region, service, "aws4_request"):
        key = _hmac(key, part)
    signature = hmac.new(key, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    out["Authorization"] = (f"AWS4-HMAC-SHA256 Credential={access_key}/{scope}, "
                            f"SignedHeaders={signed}, Signature={signature}")
    return out


def http_request(endpoint, method, path, headers, body, timeout=HTTP_TIMEOUT):
    """One HTTP request to http://host:port; returns (status, headers dict, body bytes)."""
    u = urllib.parse.urlsplit(endpoint)
    if u.scheme != "http":
        raise ValueError("only http:// endpoints are supported here: " + endpoint)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data
    finally:
        conn.close()


def kinesis_request(endpoint, operation, payload=None, access_key=PLACEHOLDER_KEY_ID,
                    secret_key=PLACEHOLDER_SECRET, region=REGION, timeout=HTTP_TIMEOUT):
    """Send one signed Kinesis JSON request; returns (status, headers, body bytes)."""
    body = json.dumps(payload or {}).encode("utf-8")
    host = urllib.parse.urlsplit(endpoint).netloc
    headers = sigv4_headers("POST", host, "/", {
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": KINESIS_TARGET_PREFIX + operation,
    }, body, access_key, secret_key, region)
    return http_request(endpoint, "POST", "/", headers, body, timeout)


def _iam_request(endpoint, params, timeout=HTTP_TIMEOUT):
    """An IAM query-API call. moto picks the service from the credential scope, so it is signed
    (with placeholder keys: moto does not check the first INITIAL_NO_AUTH_ACTION_COUNT calls)."""
    params = dict(params, Version="2010-05-08")
    body = urllib.parse.urlencode(params).encode("utf-8")
    host = urllib.parse.urlsplit(endpoint).netloc
    headers = sigv4_headers("POST", host, "/", {
        "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
    }, body, PLACEHOLDER_KEY_ID, PLACEHOLDER_SECRET, REGION, service="iam")
    status, _, data = http_request(endpoint, "POST", "/", headers, body, timeout)
    if status != 200:
        raise StartError(f"moto IAM {params['Action']} failed: HTTP {status}: "
                         f"{data[:300].decode('utf-8', 'replace')}")
    return data.decode("utf-8", "replace")


# ---------------------------------------------------------------------------------------------
# Process handling

_libc = None


def _set_pdeathsig():
    """preexec_fn: SIGKILL the server if the thread that spawned it (our main thread) dies."""
    global _libc
    try:
        if _libc is None:
            _libc = ctypes.CDLL(None, use_errno=True)
        _libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except Exception:  # not Linux: the explicit stop still applies
        pass


def _log_tail(path, lines=25):
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 8192))
            text = f.read().decode("utf-8", "replace")
    except OSError:
        return "(no log)"
    tail = text.splitlines()[-lines:]
    return "\n".join("    | " + line for line in tail) if tail else "    (log is empty)"


def _group_pids(pgid):
    """Pids of live processes whose process group is pgid (read from /proc)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read().decode("utf-8", "replace")
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()
        if len(fields) > 2 and fields[0] != "Z" and int(fields[2]) == pgid:
            pids.append(int(entry))
    return pids


def listening_sockets(pid):
    """(ip, port) of every TCP socket in LISTEN state held by the process group led by pid."""
    inodes = set()
    for p in _group_pids(pid) or [pid]:
        try:
            for fd in os.listdir(f"/proc/{p}/fd"):
                try:
                    target = os.readlink(f"/proc/{p}/fd/{fd}")
                except OSError:
                    continue
                m = re.match(r"socket:\[(\d+)\]", target)
                if m:
                    inodes.add(m.group(1))
        except OSError:
            continue
    found = []
    for table, v6 in (("/proc/net/tcp", False), ("/proc/net/tcp6", True)):
        try:
            with open(table) as f:
                rows = f.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            cols = row.split()
            if len(cols) < 10 or cols[3] != "0A" or cols[9] not in inodes:  # 0A = LISTEN
                continue
            addr_hex, port_hex = cols[1].split(":")
            raw = bytes.fromhex(addr_hex)
            # /proc prints the address as native-endian 32-bit words
            words = [raw[i:i + 4][::-1] for i in range(0, len(raw), 4)]
            packed = b"".join(words)
            ip = socket.inet_ntop(socket.AF_INET6 if v6 else socket.AF_INET, packed)
            found.append((ip, int(port_hex, 16)))
    return found


class Server:
    """One server process. Subclasses set `name` and implement _command() and _ready()."""

    name = None
    stop_grace = 3.0  # seconds between SIGTERM and SIGKILL

    def __init__(self, workdir):
        self.workdir = workdir
        self.proc = None
        self.port = None
        self.log_path = os.path.join(workdir, f"{self.name}.log")
        self.start_seconds = None
        self._spawned_at = None

    @property
    def endpoint(self):
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def check_available(self):
        """Raise StartError if the server's program or module is missing."""

    def _pick_ports(self):
        self.port = free_port()

    def _command(self):
        raise NotImplementedError

    def _env(self):
        return {}

    def _cwd(self):
        return None

    def spawn(self, base_env):
        """Start the process on fresh ports. Must run on the main thread (see _set_pdeathsig)."""
        self._pick_ports()
        env = dict(base_env)
        env.update(self._env())
        log = open(self.log_path, "ab")
        try:
            log.write(f"--- {time.strftime('%H:%M:%S')} start on port {self.port}\n".encode())
            log.flush()
            self._spawned_at = time.monotonic()
            self.proc = subprocess.Popen(
                self._command(), stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                env=env, cwd=self._cwd(), start_new_session=True, preexec_fn=_set_pdeathsig)
        except OSError as e:
            raise StartError(f"{self.name}: cannot run {self._command()[0]}: {e}") from e
        finally:
            log.close()

    def wait_ready(self, deadline, abort):
        """Poll until the server answers ListStreams; raise StartError or _PortCollision."""
        last_error = "no answer yet"
        while True:
            if abort.is_set():
                raise StartError(f"{self.name}: start aborted")
            code = self.proc.poll()
            if code is not None:
                tail = _log_tail(self.log_path)
                if re.search(r"EADDRINUSE|[Aa]ddress already in use", tail):
                    raise _PortCollision(self.name)
                raise StartError(f"{self.name} exited with status {code} during start-up; "
                                 f"log {self.log_path}:\n{tail}")
            if time.monotonic() > deadline:
                raise StartError(f"{self.name} did not answer within the start timeout "
                                 f"({last_error}); log {self.log_path}:\n"
                                 f"{_log_tail(self.log_path)}")
            try:
                # Probe only once our process holds the port(s): until then a request could reach
                # another program that grabbed the same port between free_port() and our bind.
                if self._owns_ports() and self._ready():
                    self.start_seconds = time.monotonic() - self._spawned_at
                    return
            except (OSError, http.client.HTTPException) as e:
                last_error = f"{type(e).__name__}: {e}"
            time.sleep(0.05)

    def _ports(self):
        return [self.port]

    def _owns_ports(self):
        held = {port for ip, port in listening_sockets(self.pid) if ip == LOOPBACK}
        return all(p in held for p in self._ports())

    def _ready(self):
        status, _, body = kinesis_request(self.endpoint, "ListStreams", {}, timeout=1.0)
        return status == 200 and b"StreamNames" in body

    def stop(self):
        """Terminate the whole process group, then kill it. Safe to call twice."""
        if not self.proc:
            return
        grace = self.stop_grace
        pgid = self.proc.pid
        try:
            os.killpg(pgid, signal.SIGTERM)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.proc.wait(grace)
        except subprocess.TimeoutExpired:
            pass
        # Children may outlive the leader; the group id stays valid while any member lives.
        if _group_pids(pgid):
            try:
                os.killpg(pgid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        try:
            self.proc.wait(5.0)
        except subprocess.TimeoutExpired:
            pass

    def exports(self):
        """Environment variables describing this running server."""
        n = ENV_NAMES[self.name]
        return {
            f"KINESIS_TEST_{n}_ENDPOINT": self.endpoint,
            f"KINESIS_TEST_{n}_PID": str(self.pid),
            f"KINESIS_TEST_{n}_LOG": self.log_path,
        }


class MotoServer(Server):
    """moto_server with SigV4 checking on: an IAM user with kinesis:* is made at start-up."""

    name = "moto"
    USER = "libkinesis-test"

    def __init__(self, workdir):
        super().__init__(workdir)
        self.access_key = None
        self.secret_key = None

    def check_available(self):
        if not shutil.which("moto_server"):
            raise StartError("moto: moto_server is not on PATH (the Python package moto[server] "
                             "is needed; see tests/harness/install-deps.sh)")

    def _command(self):
        return ["moto_server", "-H", LOOPBACK, "-p", str(self.port)]

    def _env(self):
        # The first three requests (the IAM set-up below) are not checked; all later ones are.
        return {"INITIAL_NO_AUTH_ACTION_COUNT": "3", "MOTO_PORT": str(self.port)}

    def _ready(self):
        # Must not spend a free request: the moto-api dashboard data is not authenticated.
        status, _, _ = http_request(self.endpoint, "GET", "/moto-api/data.json", {}, b"",
                                    timeout=1.0)
        if status != 200:
            return False
        self._setup_iam()
        status, _, body = kinesis_request(self.endpoint, "ListStreams", {}, self.access_key,
                                          self.secret_key, timeout=HTTP_TIMEOUT)
        if status != 200 or b"StreamNames" not in body:
            raise StartError(f"moto: signed ListStreams failed: HTTP {status}: {body[:300]!r}")
        status, _, body = kinesis_request(self.endpoint, "ListStreams", {}, self.access_key,
                                          self.secret_key + "x", timeout=HTTP_TIMEOUT)
        if status != 403 or b"SignatureDoesNotMatch" not in body:
            raise StartError("moto: a request signed with a wrong secret was not rejected with "
                             f"403 SignatureDoesNotMatch (got HTTP {status}: {body[:300]!r})")
        return True

    def _setup_iam(self):
        _iam_request(self.endpoint, {"Action": "CreateUser", "UserName": self.USER})
        xml = _iam_request(self.endpoint, {"Action": "CreateAccessKey", "UserName": self.USER})
        key = re.search(r"<AccessKeyId>([^<]+)</AccessKeyId>", xml)
        secret = re.search(r"<SecretAccessKey>([^<]+)</SecretAccessKey>", xml)
        if not key or not secret:
            raise StartError("moto: CreateAccessKey answer has no key: " + xml[:300])
        policy = {"Version": "2012-10-17",
                  "Statement": [{"Effect": "Allow", "Action": "kinesis:*", "Resource": "*"}]}
        _iam_request(self.endpoint, {"Action": "PutUserPolicy", "UserName": self.USER,
                                     "PolicyName": "kinesis-all",
                                     "PolicyDocument": json.dumps(policy)})
        self.access_key, self.secret_key = key.group(1), secret.group(1)

    def exports(self):
        out = super().exports()
        out["KINESIS_TEST_MOTO_ACCESS_KEY_ID"] = self.access_key
        out["KINESIS_TEST_MOTO_SECRET_ACCESS_KEY"] = self.secret_key
        return out


class _NodeServer(Server):
    package = None

    def check_available(self):
        if not shutil.which("node"):
            raise StartError(f"{self.name}: node is not on PATH "
                             "(see tests/harness/install-deps.sh)")
        pkg = os.path.join(node_modules_dir(), self.package, "package.json")
        if not os.path.isfile(pkg):
            raise StartError(f"{self.name}: the npm package {self.package} is not installed in "
                             f"{node_modules_dir()} (run tests/harness/install-deps.sh, or set "
                             "KINESIS_NODE_MODULES)")


class KinesaliteServer(_NodeServer):
    name = "kinesalite"
    package = "kinesalite"

    def _command(self):
        return ["node", os.path.join(HARNESS_DIR, "kinesalite_server.js"), str(self.port)]

    def _env(self):
        return {"KINESIS_NODE_MODULES": node_modules_dir()}


class KinesisLocalServer(_NodeServer):
    """kinesis-mock's Scala.js build; HTTP/1.1 + h2c on the plain port, h2 on the TLS port."""

    name = "kinesis-local"
    package = "kinesis-local"
    DURATION = "50ms"
    stop_grace = 0.3  # it ignores SIGTERM; there is no state to save (persistence is off)

    def __init__(self, workdir):
        super().__init__(workdir)
        self.tls_port = None
        self.cert_path = os.path.join(workdir, "kinesis-local-cert.pem")

    def _pick_ports(self):
        self.port = free_port()
        self.tls_port = free_port()
        while self.tls_port == self.port:
            self.tls_port = free_port()

    def _ports(self):
        return [self.port, self.tls_port]

    def _cwd(self):
        return os.path.join(node_modules_dir(), self.package)  # it finds server.json there

    def _command(self):
        return ["node", "-r", os.path.join(HARNESS_DIR, "loopback_preload.js"),
                os.path.join(self._cwd(), "main.js")]

    def _env(self):
        env = {
            "KINESIS_MOCK_PLAIN_PORT": str(self.port),
            "KINESIS_MOCK_TLS_PORT": str(self.tls_port),
            "SHARD_LIMIT": "1000",
            "ON_DEMAND_STREAM_COUNT_LIMIT": "100",
            "AWS_REGION": REGION,
            "LOG_LEVEL": os.environ.get("KINESIS_LOCAL_LOG_LEVEL", "WARN"),
            "SHOULD_PERSIST_DATA": "false",
        }
        for op in ("CREATE_STREAM", "DELETE_STREAM", "REGISTER_STREAM_CONSUMER",
                   "DEREGISTER_STREAM_CONSUMER", "START_STREAM_ENCRYPTION",
                   "STOP_STREAM_ENCRYPTION", "MERGE_SHARDS", "SPLIT_SHARD",
                   "UPDATE_SHARD_COUNT", "UPDATE_STREAM_MODE"):
            env[op + "_DURATION"] = self.DURATION
        return env

    def _ready(self):
        if not super()._ready():
            return False
        # The TLS listener comes up separately; it must accept a connection too.
        with socket.create_connection((LOOPBACK, self.tls_port), timeout=1.0):
            pass
        return True

    def _write_cert(self):
        """The self-signed certificate of the TLS port (CN=Unknown, no SAN), for tests that pin
        it; hostname verification cannot succeed against it."""
        try:
            with open(os.path.join(self._cwd(), "server.json")) as f:
                cert = json.load(f)["server"]["cert"]
            with open(self.cert_path, "w") as f:
                f.write(cert)
            return True
        except (OSError, ValueError, KeyError, TypeError):
            return False

    def exports(self):
        out = super().exports()
        out["KINESIS_TEST_KINESIS_LOCAL_TLS_ENDPOINT"] = f"https://{LOOPBACK}:{self.tls_port}"
        if self._write_cert():
            out["KINESIS_TEST_KINESIS_LOCAL_CERT"] = self.cert_path
        return out


SERVER_CLASSES = {"moto": MotoServer, "kinesalite": KinesaliteServer,
                  "kinesis-local": KinesisLocalServer}


def start_servers(names, workdir, base_env, timeout=30.0, log=print):
    """Start the named servers in parallel; returns {name: Server}.

    Spawning happens on the calling (main) thread, waiting in worker threads. On any failure the
    servers already started are stopped and StartError is raised. `timeout` bounds the whole
    start-up of each server including port retries.
    """
    servers = {n: SERVER_CLASSES[n](workdir) for n in names}
    for s in servers.values():
        s.check_available()
    deadline = time.monotonic() + timeout
    abort = threading.Event()
    pending = list(servers.values())
    try:
        for attempt in range(1, PORT_ATTEMPTS + 1):
            for s in pending:
                s.spawn(base_env)
            results = {}

            def wait(server):
                try:
                    server.wait_ready(deadline, abort)
                    results[server.name] = None
                except BaseException as e:  # reported to the main thread
                    results[server.name] = e

            threads = [threading.Thread(target=wait, args=(s,), daemon=True) for s in pending]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            retry = []
            for s in pending:
                err = results.get(s.name)
                if isinstance(err, _PortCollision) and attempt < PORT_ATTEMPTS:
                    log(f"with_servers: {s.name}: port {s.port} was taken, retrying on another")
                    s.stop()
                    retry.append(s)
                elif isinstance(err, _PortCollision):
                    raise StartError(f"{s.name}: port collision {PORT_ATTEMPTS} times in a row")
                elif err is not None:
                    raise err
            pending = retry
            if not pending:
                break
        return servers
    except BaseException:
        abort.set()
        stop_servers(servers.values())
        raise


def stop_servers(servers):
    """Stop every server (in parallel: each may wait a few seconds for a clean exit)."""
    threads = [threading.Thread(target=s.stop, daemon=True) for s in servers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(15)
