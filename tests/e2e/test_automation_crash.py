"""The crash test: 200 Automation executions in flight, kill -9 cairnd, restart it on the same
data folder. Every execution must end Success and every step with a side effect must have run
exactly once: the API steps create parameters (PutParameter without Overwrite fails a second
time, and a parameter written twice would be at version 2); one execution in four also runs a
script that appends a line to a shared log (Python's start-up is the costly part, hence not all);
and the store shows one step execution per step, each done at its first attempt."""
import json
import os
import sqlite3
import threading
import uuid

from conftest import poll

N = 200

SCRIPT = (
    "import os\n"
    "def mark(events, context):\n"
    "    line = '%s %s\\n' % (events['id'], events['step'])\n"
    "    fd = os.open(events['log'], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)\n"
    "    os.write(fd, line.encode())\n"
    "    os.fsync(fd)\n"
    "    os.close(fd)\n"
    "    return events['step']\n")


def runbook(log):
    def mark(name):
        return {"name": name, "action": "aws:executeScript",
                "inputs": {"Runtime": "python3.8", "Handler": "mark", "Script": SCRIPT,
                           "InputPayload": {"id": "{{ automation:EXECUTION_ID }}", "step": name, "log": log}}}

    def put(name):
        return {"name": name, "action": "aws:executeAwsApi",
                "inputs": {"Service": "ssm", "Api": "PutParameter", "Type": "String", "Value": "once",
                           "Name": "/crash/{{ automation:EXECUTION_ID }}/" + name},
                "outputs": [{"Name": "Version", "Selector": "$.Version", "Type": "Integer"}]}

    return {
        "schemaVersion": "0.3",
        "parameters": {"Nap": {"type": "String", "default": "PT1S"},
                       "Script": {"type": "String", "default": "no"}},
        "variables": {"Done": {"type": "String", "default": "no"}},
        "mainSteps": [
            put("put1"),
            {"name": "nap", "action": "aws:sleep", "inputs": {"Duration": "{{ Nap }}"}},
            {"name": "route", "action": "aws:branch",
             "inputs": {"Choices": [{"NextStep": "mark", "And": [
                 {"Variable": "{{ put1.Version }}", "NumericEquals": 1},
                 {"Variable": "{{ Script }}", "StringEquals": "yes"}]}], "Default": "put2"}},
            mark("mark"),
            put("put2"),
            {"name": "done", "action": "aws:updateVariable", "inputs": {"Name": "variable:Done", "Value": "yes"}},
        ],
    }


def test_kill_9_with_200_executions_in_flight(cairn_factory, tmp_path, monkeypatch):
    monkeypatch.setenv("CAIRN_AUTOMATION_MAX_RUNNING", "1000")
    log = str(tmp_path / "marks.log")
    c = cairn_factory()
    ssm = c.client("ssm")
    name = "Crash-" + uuid.uuid4().hex[:8]
    ssm.create_document(Name=name, DocumentType="Automation", Content=json.dumps(runbook(log)))

    ids, scripted, lock = [], set(), threading.Lock()

    def starter(k):
        client = c.client("ssm")
        for i in range(k, N, 8):
            eid = client.start_automation_execution(
                DocumentName=name, Parameters={"Nap": [f"PT{1 + i % 3}S"],
                                               "Script": ["yes" if i % 4 == 0 else "no"]})["AutomationExecutionId"]
            with lock:
                ids.append(eid)
                if i % 4 == 0:
                    scripted.add(eid)
    threads = [threading.Thread(target=starter, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(ids) == N

    def marks():
        if not os.path.exists(log):
            return []
        with open(log) as f:
            return f.read().splitlines()

    def puts():
        out = ssm.describe_parameters(ParameterFilters=[{"Key": "Name", "Option": "BeginsWith", "Values": ["/crash/"]}],
                                      MaxResults=50)
        return len(out["Parameters"]) + (50 if out.get("NextToken") else 0)

    # Kill when the executions are spread over their steps: some done, many mid-way.
    poll(lambda: puts() >= 50 and len(marks()) >= 5, 60, what="executions under way")
    c.kill()
    c.start()
    ssm = c.client("ssm")

    def all_ended():
        done = 0
        for eid in ids:
            st = ssm.get_automation_execution(AutomationExecutionId=eid)["AutomationExecution"]["AutomationExecutionStatus"]
            if st not in ("Success", "Failed", "TimedOut", "Cancelled"):
                return False
            done += 1
        return done == N
    poll(all_ended, 180, interval=0.5, what="every execution to end")
    bad = []
    for eid in ids:
        e = ssm.get_automation_execution(AutomationExecutionId=eid)["AutomationExecution"]
        if e["AutomationExecutionStatus"] != "Success":
            bad.append((eid, e["AutomationExecutionStatus"], e.get("FailureMessage"),
                        [(s["StepName"], s["StepStatus"], s.get("FailureMessage")) for s in e["StepExecutions"]]))
    assert not bad, json.dumps(bad[:2], indent=1)

    lines = marks()
    assert sorted(lines) == sorted(f"{eid} mark" for eid in scripted)
    for eid in ids:
        for p in ("put1", "put2"):
            v = ssm.get_parameter(Name=f"/crash/{eid}/{p}")["Parameter"]
            assert v["Version"] == 1 and v["Value"] == "once"
    c.stop()
    # Every step ran exactly once: one step execution each, first attempt, Success.
    db = sqlite3.connect(os.path.join(c.data, "cairn.db"))
    rows = db.execute("SELECT name, status, attempt, COUNT(*) FROM auto_step WHERE exec_id IN (%s)"
                      " GROUP BY exec_id, name" % ",".join("?" * N), ids).fetchall()
    db.close()
    assert len(rows) == 6 * N
    for name_, status, attempt, count in rows:
        want = "Pending" if name_ == "mark" and status == "Pending" else "Success"
        assert status == want and count == 1 and (attempt == 1 or status == "Pending"), (name_, status, attempt, count)
    ran = [r for r in rows if r[0] == "mark" and r[1] == "Success"]
    assert len(ran) == len(scripted)
