#!/usr/bin/env python3
"""Run a command with local Kinesis servers started on 127.0.0.1, then stop them.

usage: with_servers.py --servers moto,kinesalite,kinesis-local [options] [--] CMD [ARGS...]

options:
  --servers LIST   comma-separated server names, or "all"
  --timeout SECS   start-up bound per server (default $KINESIS_TEST_START_TIMEOUT or 60)
  --keep-logs      keep the server log directory even when CMD succeeds
  --quiet          print nothing but errors

Exports KINESIS_TEST_<NAME>_ENDPOINT / _PID / _LOG (NAME = MOTO, KINESALITE, KINESIS_LOCAL),
KINESIS_TEST_MOTO_ACCESS_KEY_ID / _SECRET_ACCESS_KEY, KINESIS_TEST_KINESIS_LOCAL_TLS_ENDPOINT /
_CERT, KINESIS_TEST_SERVERS and KINESIS_TEST_SERVER_LOG_DIR, and isolates CMD from the
developer's AWS configuration (see README.md). Exits with CMD's status; if a server cannot start,
exits 77 (ctest's skip code), or 1 when CI=true.
"""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kinesis_servers as ks  # noqa: E402

SKIP = 77
HANDLED_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Interrupted(Exception):
    def __init__(self, signum):
        super().__init__(f"signal {signum}")
        self.signum = signum


def usage(msg):
    sys.stderr.write(f"with_servers: {msg}\n{__doc__.split(chr(10) + chr(10))[1]}\n")
    sys.exit(2)


def parse_args(argv):
    opts = {"servers": None, "timeout": float(os.environ.get("KINESIS_TEST_START_TIMEOUT", 60)),
            "keep_logs": os.environ.get("KINESIS_TEST_KEEP_LOGS") == "1", "quiet": False}
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--":
            i += 1
            break
        if not a.startswith("--"):
            break
        key, eq, val = a.partition("=")
        if key in ("--servers", "--timeout"):
            if not eq:
                i += 1
                if i >= len(argv):
                    usage(f"{key} needs a value")
                val = argv[i]
            if key == "--servers":
                opts["servers"] = val
            else:
                try:
                    opts["timeout"] = float(val)
                except ValueError:
                    usage(f"bad --timeout {val!r}")
        elif a == "--keep-logs":
            opts["keep_logs"] = True
        elif a == "--quiet":
            opts["quiet"] = True
        elif a in ("--help", "-h"):
            print(__doc__)
            sys.exit(0)
        else:
            usage(f"unknown option {a}")
        i += 1
    cmd = argv[i:]
    if not opts["servers"]:
        usage("--servers is required")
    names = []
    for n in opts["servers"].split(","):
        n = n.strip()
        if n == "all":
            names.extend(ks.SERVER_NAMES)
        elif n in ks.SERVER_NAMES:
            names.append(n)
        elif n:
            usage(f"unknown server {n!r} (known: {', '.join(ks.SERVER_NAMES)})")
    names = list(dict.fromkeys(names))  # drop duplicates, keep order
    if not names:
        usage("no servers named")
    if not cmd:
        usage("no command given")
    return names, cmd, opts


def isolated_env():
    """The environment for the servers and CMD: no way to reach the developer's AWS account."""
    env = dict(os.environ)
    for k in list(env):
        if (k.startswith("AWS_ENDPOINT_URL") or k.startswith("KINESIS_TEST_MOTO_")
                or k.startswith("KINESIS_TEST_KINESALITE_")
                or k.startswith("KINESIS_TEST_KINESIS_LOCAL_")
                or k in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN",
                         "AWS_SECURITY_TOKEN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN",
                         "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                         "AWS_CONTAINER_CREDENTIALS_FULL_URI", "KINESIS_TEST_SERVERS",
                         "KINESIS_TEST_SERVER_LOG_DIR")):
            del env[k]
    # Placeholders always replace real keys: a test must never sign with a developer's secret.
    env["AWS_ACCESS_KEY_ID"] = ks.PLACEHOLDER_KEY_ID
    env["AWS_SECRET_ACCESS_KEY"] = ks.PLACEHOLDER_SECRET
    env.setdefault("AWS_REGION", ks.REGION)
    env["AWS_CONFIG_FILE"] = os.devnull
    env["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    # A developer's HTTP proxy must not see (or break) loopback traffic.
    for k in ("no_proxy", "NO_PROXY"):
        env[k] = ",".join(x for x in (env.get(k), "127.0.0.1", "localhost") if x)
    return env


def main(argv):
    names, cmd, opts = parse_args(argv)
    say = (lambda m: None) if opts["quiet"] else (lambda m: sys.stderr.write(m + "\n"))
    ci = os.environ.get("CI", "").lower() in ("true", "1", "yes")
    state = {"child": None, "signum": None}

    def on_signal(signum, _frame):
        child = state["child"]
        if child is None:
            raise Interrupted(signum)
        if signum == signal.SIGINT:
            # ^C reaches the command directly (same process group); it decides whether to exit,
            # e.g. an interactive shell does not. Servers are stopped once it has exited.
            return
        if state["signum"] is None:
            state["signum"] = signum
            sig = signum
        else:
            sig = signal.SIGKILL  # second signal: stop waiting for a stuck command
        try:
            child.send_signal(sig)
        except ProcessLookupError:
            pass

    for s in HANDLED_SIGNALS:
        signal.signal(s, on_signal)

    env = isolated_env()
    workdir = tempfile.mkdtemp(prefix="kinesis-servers-")
    servers = {}
    status = 1
    try:
        try:
            t0 = time.monotonic()
            servers = ks.start_servers(names, workdir, env, timeout=opts["timeout"],
                                       log=say)
        except ks.StartError as e:
            if ci:
                sys.stderr.write(f"with_servers: ERROR: {e}\nwith_servers: CI=true, so a server "
                                 "that cannot start is a failure\n")
                return 1
            sys.stderr.write(f"with_servers: SKIP: {e}\n")
            return SKIP
        for name in names:
            s = servers[name]
            say(f"with_servers: {name} ready at {s.endpoint} (pid {s.pid}) "
                f"in {s.start_seconds:.2f}s")
            env.update(s.exports())
        say(f"with_servers: all started in {time.monotonic() - t0:.2f}s")
        env["KINESIS_TEST_SERVERS"] = ",".join(names)
        env["KINESIS_TEST_SERVER_LOG_DIR"] = workdir

        try:
            state["child"] = subprocess.Popen(cmd, env=env)
        except OSError as e:
            sys.stderr.write(f"with_servers: cannot run {cmd[0]}: {e}\n")
            return 127
        code = state["child"].wait()
        status = 128 - code if code < 0 else code
        if state["signum"] is not None:
            status = 128 + state["signum"]
        return status
    except Interrupted as e:
        sys.stderr.write(f"with_servers: interrupted by signal {e.signum}, stopping servers\n")
        status = 128 + e.signum
        return status
    finally:
        # Ignore further signals while cleaning up, so servers are never left behind.
        for s in HANDLED_SIGNALS:
            signal.signal(s, signal.SIG_IGN)
        ks.stop_servers(servers.values())
        if (status == 0 and not opts["keep_logs"]) or not os.listdir(workdir):
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            say(f"with_servers: server logs kept in {workdir}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
