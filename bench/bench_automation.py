#!/usr/bin/env python3
"""make bench-automation: 10,000 concurrent executions of a 5-step service-side runbook
(aws:sleep, aws:branch, aws:executeAwsApi, aws:updateVariable, aws:sleep) on one cairnd.

usage: bench_automation.py CAIRND [EXECUTIONS]

Method. A release cairnd on loopback (its own data folder; 32 HTTP threads so concurrent
starts share the engine's group commits; quotas raised above the run's size). The first step
sleeps until one Timestamp (a runbook parameter) common to every execution, so that all of them
are submitted and sleeping before any goes on: then they all wake at once and the engine takes
the burst of transitions. Starts are one SigV4-signed request body, signed once with botocore
and sent by 16 client threads over keep-alive connections. The wake time is set from the rate
measured on a warm-up batch. When every execution has ended, the figures come from the store's
own times (ExecutionStartTime/EndTime, read back with DescribeAutomationExecutions) and from
/proc for the server:
  automation_executions_per_s       executions / (last end - wake), the last step included
  automation_step_transitions_per_s 8 durable step transitions per execution (end of the first
                                    sleep ... start of the last) / (last end - 1 s - wake)
  automation_step_overhead_us       server CPU (user + system) from the wake to the end, per step
                                    executed then (the engine's work; includes the status polls)
  automation_start_overhead_us      server CPU per StartAutomationExecution during submission
  automation_run_cpu_per_step_us    server CPU of the whole run (starts, steps, polls) per step
  automation_peak_rss_mb            the server's VmHWM
  automation_failures               executions that did not end in Success (must be 0)
"""
import configparser
import datetime
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
import boto3
import botocore.config

N = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
CLIENT_THREADS = 16
STEPS = 5

RUNBOOK = {
    "schemaVersion": "0.3",
    "description": "bench: sleep, branch, executeAwsApi, updateVariable, sleep",
    "parameters": {"WakeAt": {"type": "String"}, "Level": {"type": "Integer", "default": 3}},
    "variables": {"Seen": {"type": "String", "default": ""}},
    "mainSteps": [
        {"name": "wait", "action": "aws:sleep", "inputs": {"Timestamp": "{{ WakeAt }}"}},
        {"name": "route", "action": "aws:branch",
         "inputs": {"Choices": [{"NextStep": "call", "Variable": "{{ Level }}", "NumericGreater": 1}],
                    "Default": "rest"}},
        {"name": "call", "action": "aws:executeAwsApi", "inputs": {"Service": "sts", "Api": "GetCallerIdentity"},
         "outputs": [{"Name": "Account", "Selector": "$.Account", "Type": "String"}]},
        {"name": "note", "action": "aws:updateVariable",
         "inputs": {"Name": "variable:Seen", "Value": "{{ call.Account }}"}},
        {"name": "rest", "action": "aws:sleep", "inputs": {"Duration": "PT1S"}},
    ],
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_cpu(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_hwm_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return 0.0


def iso(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class Starter:
    """Sends one signed StartAutomationExecution body many times, from many threads."""

    def __init__(self, port, key, secret, body):
        url = f"http://127.0.0.1:{port}/"
        req = AWSRequest(method="POST", url=url, data=body.encode(),
                         headers={"Content-Type": "application/x-amz-json-1.1",
                                  "X-Amz-Target": "AmazonSSM.StartAutomationExecution"})
        SigV4Auth(Credentials(key, secret), "ssm", "us-east-1").add_auth(req)
        self.headers = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in req.prepare().headers.items()}
        self.body = body.encode()
        self.port = port
        self.errors = []

    def run(self, n, threads=CLIENT_THREADS):
        def worker(count):
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            for _ in range(count):
                conn.request("POST", "/", body=self.body, headers=self.headers)
                r = conn.getresponse()
                data = r.read()
                if r.status != 200:
                    self.errors.append(data[:300])
            conn.close()
        per = [n // threads + (1 if i < n % threads else 0) for i in range(threads)]
        ts = [threading.Thread(target=worker, args=(c,)) for c in per if c]
        t0 = time.time()
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        return time.time() - t0


def listing(ssm, prefix):
    out, token = [], None
    while True:
        kw = {"Filters": [{"Key": "DocumentNamePrefix", "Values": [prefix]}], "MaxResults": 50}
        if token:
            kw["NextToken"] = token
        page = ssm.describe_automation_executions(**kw)
        out += page["AutomationExecutionMetadataList"]
        token = page.get("NextToken")
        if not token:
            return out


def main():
    cairnd = sys.argv[1]
    tmp = tempfile.mkdtemp(prefix="cairn-bench-auto-")
    port = free_port()
    env = dict(os.environ, CAIRN_AUTOMATION_MAX_RUNNING=str(N + 1000), CAIRN_AUTOMATION_MAX_QUEUED="1000")
    log = open(os.path.join(tmp, "cairnd.log"), "wb")
    proc = subprocess.Popen([cairnd, "--data", os.path.join(tmp, "data"), "--listen", f"127.0.0.1:{port}",
                             "--account-id", "123456789012", "--threads", "32", "--log-level", "warn"],
                            stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        for _ in range(400):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.05)
        creds = configparser.ConfigParser()
        creds.read(os.path.join(tmp, "data", "credentials"))
        key, secret = creds["root"]["aws_access_key_id"], creds["root"]["aws_secret_access_key"]
        ssm = boto3.client("ssm", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                           aws_access_key_id=key, aws_secret_access_key=secret,
                           config=botocore.config.Config(retries={"max_attempts": 1}))
        ssm.create_document(Name="BenchWarmup", DocumentType="Automation", Content=json.dumps(RUNBOOK))
        ssm.create_document(Name="BenchRunbook", DocumentType="Automation", Content=json.dumps(RUNBOOK))
        cpu0 = proc_cpu(proc.pid)
        # Warm-up: measure the start rate (these executions run too, at once).
        warm = Starter(port, key, secret, json.dumps({"DocumentName": "BenchWarmup",
                                                      "Parameters": {"WakeAt": [iso(time.time())]}}))
        n_warm = min(500, max(N // 20, 50))
        rate = n_warm / warm.run(n_warm)
        wake = time.time() + N / rate * 1.5 + 3.0
        main_run = Starter(port, key, secret, json.dumps({"DocumentName": "BenchRunbook",
                                                          "Parameters": {"WakeAt": [iso(wake)]}}))
        cpu_submit0 = proc_cpu(proc.pid)
        submit = main_run.run(N)
        cpu_submit = proc_cpu(proc.pid) - cpu_submit0
        if main_run.errors or warm.errors:
            print("bench: starts failed:", (main_run.errors + warm.errors)[:3], file=sys.stderr)
            return 1
        if time.time() > wake:
            print(f"bench: the starts took {submit:.1f}s, past the common wake time", file=sys.stderr)

        while time.time() < wake:
            time.sleep(min(0.05, max(wake - time.time(), 0)))
        cpu_wake = proc_cpu(proc.pid)

        def running():
            out = ssm.describe_automation_executions(
                Filters=[{"Key": "ExecutionStatus", "Values": ["Pending", "InProgress", "Waiting", "Cancelling"]}],
                MaxResults=1)
            return bool(out["AutomationExecutionMetadataList"])
        deadline = time.time() + 600
        while running() and time.time() < deadline:
            time.sleep(0.2)
        cpu_end = proc_cpu(proc.pid)
        cpu = cpu_end - cpu0
        hwm = proc_hwm_mb(proc.pid)
        runs = listing(ssm, "BenchRunbook")
        warmups = listing(ssm, "BenchWarmup")
        failures = sum(1 for e in runs + warmups if e["AutomationExecutionStatus"] != "Success")
        ends = [e["ExecutionEndTime"].timestamp() for e in runs if "ExecutionEndTime" in e]
        last = max(ends) if ends else time.time()
        steps_run = STEPS * (len(runs) + len(warmups))
        print(f"automation_machine_cores: {os.cpu_count()}")
        print(f"automation_executions: {len(runs)}")
        print(f"automation_start_rps: {N / submit:.0f}")
        print(f"automation_executions_per_s: {len(runs) / (last - wake):.0f}")
        print(f"automation_step_transitions_per_s: {8 * len(runs) / max(last - 1.0 - wake, 1e-3):.0f}")
        print(f"automation_step_overhead_us: {(cpu_end - cpu_wake) / (STEPS * len(runs)) * 1e6:.1f}")
        print(f"automation_start_overhead_us: {cpu_submit / N * 1e6:.1f}")
        print(f"automation_run_cpu_per_step_us: {cpu / steps_run * 1e6:.1f}")
        print(f"automation_peak_rss_mb: {hwm:.1f}")
        print(f"automation_failures: {failures + (N - len(runs))}")
        return 0 if failures == 0 and len(runs) == N else 1
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
