"""End-to-end harness: every test drives a real cairnd with the real clients.

Each server gets a free port on 127.0.0.1 and its own data folder, and is stopped by the
fixture that started it. The binary is $CAIRND (make test points it at the ASan build),
else build/cairnd.

Clients:
  cairn.aws(*args, v=2)  -> the aws CLI v2 (/usr/bin/aws), output parsed from JSON
  cairn.aws(*args, v=1)  -> the aws CLI v1 of the machine's python3
  cairn.client("iam")    -> a boto3 client of the python3 running the tests
Failures raise AwsError(code, message) whichever client was used.
"""
import configparser
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import boto3
import botocore.config
import botocore.exceptions
import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CAIRND = os.environ.get("CAIRND") or os.path.join(ROOT, "build", "cairnd")
AWS2 = "/usr/bin/aws"
START_DEADLINE = 30.0       # seconds for a server to answer /healthz (ASan builds start slower)


def find_aws1():
    """The aws CLI v1: the `aws` module of the python3 first on PATH, else of this one."""
    for py in (shutil.which("python3"), sys.executable):
        if py and subprocess.run([py, "-c", "import awscli"], capture_output=True).returncode == 0:
            return [py, "-m", "awscli"]
    raise RuntimeError("no aws CLI v1 (python3 -m awscli) on this machine")


AWS1 = find_aws1()


class AwsError(Exception):
    def __init__(self, code, message, output=""):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.output = output


_CLI_ERR = re.compile(r"An error occurred \(([^)]+)\)(?: when calling the (\w+) operation)?"
                      r"(?: \(reached max retries: \d+\))?: ?(.*)", re.S)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def poll(fn, deadline=10.0, interval=0.05, what="condition"):
    """Call fn until it returns a truthy value or the deadline passes (no fixed sleeps)."""
    end = time.monotonic() + deadline
    while True:
        v = fn()
        if v:
            return v
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(interval)


class Cairn:
    """One cairnd process with its own port and data folder."""

    def __init__(self, data=None, args=(), account="123456789012", region="us-east-1", dev=False):
        self.owns_data = data is None
        self.data = data or tempfile.mkdtemp(prefix="cairn-e2e-")
        self.account = account
        self.region = region
        self.args = list(args) + (["--dev"] if dev else [])
        self.proc = None
        self.port = None
        self.logpath = os.path.join(self.data, "cairnd.log")

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        self.port = free_port()
        cmd = [CAIRND, "--data", self.data, "--listen", f"127.0.0.1:{self.port}",
               "--account-id", self.account, "--region", self.region] + self.args
        self.log = open(self.logpath, "ab")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT)
        poll(self._healthy, START_DEADLINE, what=f"cairnd on port {self.port}")
        creds = configparser.ConfigParser()
        creds.read(os.path.join(self.data, "credentials"))
        self.key = creds["root"]["aws_access_key_id"]
        self.secret = creds["root"]["aws_secret_access_key"]
        return self

    def _healthy(self):
        if self.proc.poll() is not None:
            raise AssertionError(f"cairnd exited with {self.proc.returncode}:\n{self.log_text()}")
        try:
            with urllib.request.urlopen(self.endpoint + "/healthz", timeout=1) as r:
                return r.status == 200
        except OSError:
            return False

    def stop(self, sig=signal.SIGTERM, timeout=20):
        """Stop the server; with SIGTERM it must exit 0 (a clean shutdown)."""
        if not self.proc:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        rc = self.proc.wait(timeout=timeout)
        self.proc = None
        self.log.close()
        return rc

    def kill(self):
        return self.stop(signal.SIGKILL)

    def restart(self):
        self.stop()
        return self.start()

    def cleanup(self):
        rc = self.stop()
        if self.owns_data:
            shutil.rmtree(self.data, ignore_errors=True)
        return rc

    def log_text(self):
        with open(self.logpath, "rb") as f:
            return f.read().decode("utf-8", "replace")

    # ---- clients ----

    def env(self, creds=None):
        key, secret, token = (tuple(creds) + (None,))[:3] if creds else (self.key, self.secret, None)
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(AWS_ACCESS_KEY_ID=key, AWS_SECRET_ACCESS_KEY=secret, AWS_DEFAULT_REGION=self.region,
                   AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null",
                   AWS_PAGER="", AWS_MAX_ATTEMPTS="1", AWS_RETRY_MODE="standard")
        if token:
            env["AWS_SESSION_TOKEN"] = token
        return env

    def aws(self, *args, v=2, creds=None, raw=False, input=None):
        """Run the aws CLI (v2 or v1); return the parsed JSON output (None when empty),
        or the text with raw=True. Raise AwsError on failure."""
        cli = [AWS2] if v == 2 else AWS1
        cmd = cli + ["--endpoint-url", self.endpoint, "--output", "json"] + [str(a) for a in args]
        p = subprocess.run(cmd, env=self.env(creds), capture_output=True, text=True, input=input,
                           timeout=120)
        if p.returncode != 0:
            m = _CLI_ERR.search(p.stderr)
            if m:
                raise AwsError(m.group(1), m.group(3).strip(), p.stderr)
            raise AwsError("CLIError", p.stderr.strip(), p.stderr)
        if raw:
            return p.stdout
        return json.loads(p.stdout) if p.stdout.strip() else None

    def client(self, service, creds=None, **config):
        key, secret, token = (tuple(creds) + (None,))[:3] if creds else (self.key, self.secret, None)
        return boto3.client(service, endpoint_url=self.endpoint, region_name=self.region,
                            aws_access_key_id=key, aws_secret_access_key=secret,
                            aws_session_token=token,
                            config=botocore.config.Config(retries={"max_attempts": 1}, **config))


def boto_error(excinfo_or_exc):
    """(code, message) of a botocore ClientError."""
    e = getattr(excinfo_or_exc, "value", excinfo_or_exc)
    return e.response["Error"]["Code"], e.response["Error"].get("Message", "")


@pytest.fixture(scope="module")
def cairn():
    c = Cairn().start()
    yield c
    rc = c.cleanup()
    assert rc == 0, f"cairnd did not shut down cleanly (exit {rc})"


@pytest.fixture
def cairn_factory():
    """Start extra servers: cairn_factory(dev=True, args=[...]); all are stopped afterwards."""
    made = []

    def make(**kw):
        c = Cairn(**kw).start()
        made.append(c)
        return c

    yield make
    for c in made:
        c.cleanup()
