"""SSM Automation with the real clients: runbook paths (sleep, branch, executeAwsApi,
updateVariable, executeScript, loop, executeAutomation, createTags, assert/waitFor), outputs
and interpolation, invoker and service-role identities, approvals, pause/resume, interactive
mode, cancel with onCancel, Complete, timeouts and retries, ClientToken idempotency,
parameter validation, Describe* filters and paging, rate control, quotas, restarts."""
import json
import threading
import time
import uuid

import pytest

from conftest import AwsError, boto_error, poll

TERMINAL = ("Success", "Failed", "TimedOut", "Cancelled")


def new_name(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def ssm(cairn):
    return cairn.client("ssm")


@pytest.fixture(scope="module")
def iam(cairn):
    return cairn.client("iam")


def create_doc(ssm, content, prefix="Runbook"):
    name = new_name(prefix)
    ssm.create_document(Name=name, DocumentType="Automation", Content=json.dumps(content))
    return name


def get(ssm, eid):
    return ssm.get_automation_execution(AutomationExecutionId=eid)["AutomationExecution"]


def wait_status(ssm, eid, statuses=TERMINAL, deadline=20):
    def check():
        e = get(ssm, eid)
        return e if e["AutomationExecutionStatus"] in statuses else None
    return poll(check, deadline, what=f"execution {eid} in {statuses}")


def cli_wait(cairn, eid, deadline=20):
    def done():
        e = cairn.aws("ssm", "get-automation-execution", "--automation-execution-id", eid)["AutomationExecution"]
        return e if e["AutomationExecutionStatus"] in TERMINAL else None
    return poll(done, deadline, interval=0.2, what=f"execution {eid}")


def steps(e):
    return {s["StepName"]: s for s in e["StepExecutions"]}


def step_status(e):
    return [(s["StepName"], s["StepStatus"]) for s in e["StepExecutions"]]


FIVE_STEPS = {
    "schemaVersion": "0.3",
    "description": "sleep, branch, executeAwsApi, updateVariable, sleep",
    "parameters": {
        "Level": {"type": "Integer", "default": 3},
        "Greeting": {"type": "String", "default": "hello {{ global:ACCOUNT_ID }}"},
        "Names": {"type": "StringList", "default": ["a", "b"]},
    },
    "variables": {"Result": {"type": "String", "default": "none"}},
    "mainSteps": [
        {"name": "nap", "action": "aws:sleep", "inputs": {"Duration": "PT1S"}},
        {"name": "choose", "action": "aws:branch",
         "inputs": {"Choices": [{"NextStep": "whoami", "Variable": "{{ Level }}", "NumericGreaterOrEquals": 3}],
                    "Default": "low"}},
        {"name": "low", "action": "aws:sleep", "inputs": {"Duration": "PT0S"}, "isEnd": True},
        {"name": "whoami", "action": "aws:executeAwsApi",
         "inputs": {"Service": "sts", "Api": "GetCallerIdentity"},
         "outputs": [{"Name": "Account", "Selector": "$.Account", "Type": "String"},
                     {"Name": "Arn", "Selector": "$.Arn", "Type": "String"}]},
        {"name": "remember", "action": "aws:updateVariable",
         "inputs": {"Name": "variable:Result", "Value": "{{ whoami.Account }}-{{ automation:EXECUTION_ID }}"}},
        {"name": "nap2", "action": "aws:sleep", "inputs": {"Duration": "PT0S"}},
    ],
    "outputs": ["whoami.Account", "whoami.Arn"],
}


# ---- runbook paths ----

def test_five_step_runbook_cli_v2(cairn):
    name = new_name("FiveSteps")
    cairn.aws("ssm", "create-document", "--name", name, "--document-type", "Automation",
              "--content", json.dumps(FIVE_STEPS))
    eid = cairn.aws("ssm", "start-automation-execution", "--document-name", name,
                    "--parameters", "Names=x,y,z")["AutomationExecutionId"]
    assert len(eid) == 36
    e = cli_wait(cairn, eid)
    assert e["AutomationExecutionStatus"] == "Success", e
    assert step_status(e) == [("nap", "Success"), ("choose", "Success"), ("whoami", "Success"),
                              ("remember", "Success"), ("nap2", "Success"), ("low", "Pending")]
    s = steps(e)
    assert s["choose"]["NextStep"] == "whoami"
    assert s["whoami"]["Outputs"]["Account"] == [cairn.account]
    assert e["Outputs"]["whoami.Account"] == [cairn.account]
    assert e["Outputs"]["whoami.Arn"] == [f"arn:aws:iam::{cairn.account}:root"]
    assert e["ExecutedBy"] == f"arn:aws:iam::{cairn.account}:root"
    assert e["Mode"] == "Auto"
    assert e["Parameters"] == {"Level": ["3"], "Greeting": [f"hello {cairn.account}"], "Names": ["x", "y", "z"]}
    # (the CLI v2's own model may predate Variables: read them with boto3)
    assert get(cairn.client("ssm"), eid)["Variables"] == {"Result": [f"{cairn.account}-{eid}"]}
    assert s["nap"]["Inputs"] == {"Duration": '"PT1S"'}
    assert e["ExecutionEndTime"] >= e["ExecutionStartTime"]
    assert e["ProgressCounters"]["TotalSteps"] == 6 and e["ProgressCounters"]["SuccessSteps"] == 5
    # the other branch
    eid = cairn.aws("ssm", "start-automation-execution", "--document-name", name,
                    "--parameters", "Level=1")["AutomationExecutionId"]
    e = cli_wait(cairn, eid)
    assert e["AutomationExecutionStatus"] == "Success"
    assert [x for x in step_status(e) if x[1] == "Success"] == [("nap", "Success"), ("choose", "Success"), ("low", "Success")]
    assert e["Outputs"]["whoami.Account"] == ["No output available yet because the step is not successfully executed"]


def test_boto3_and_cli_v1_see_the_same_execution(cairn, ssm):
    name = create_doc(ssm, {"schemaVersion": "0.3", "mainSteps": [
        {"name": "s", "action": "aws:sleep", "inputs": {"Duration": "PT0S"}}]})
    eid = ssm.start_automation_execution(DocumentName=name)["AutomationExecutionId"]
    wait_status(ssm, eid, ("Success",))
    e1 = cairn.aws("ssm", "get-automation-execution", "--automation-execution-id", eid, v=1)["AutomationExecution"]
    assert e1["AutomationExecutionStatus"] == "Success" and e1["DocumentName"] == name
    assert e1["StepExecutions"][0]["StepName"] == "s"


def test_branch_operators_and_composites(ssm):
    doc = {
        "schemaVersion": "0.3",
        "parameters": {"S": {"type": "String"}, "N": {"type": "Integer", "default": 5},
                       "B": {"type": "Boolean", "default": True}, "L": {"type": "StringList", "default": ["x", "y"]}},
        "mainSteps": [
            {"name": "pick", "action": "aws:branch", "inputs": {"Choices": [
                {"NextStep": "and", "And": [{"Variable": "{{S}}", "StartsWith": "ab"},
                                            {"Variable": "{{N}}", "NumericLesser": 10},
                                            {"Not": {"Variable": "{{B}}", "BooleanEquals": False}}]},
                {"NextStep": "or", "Or": [{"Variable": "{{S}}", "EqualsIgnoreCase": "XYZ"},
                                          {"Variable": "{{L}}", "Contains": "zz"}]},
                {"NextStep": "ends", "Variable": "{{S}}", "EndsWith": "qq"}],
                "Default": "default"}},
            {"name": "and", "action": "aws:sleep", "inputs": {"Duration": "PT0S"}, "isEnd": True},
            {"name": "or", "action": "aws:sleep", "inputs": {"Duration": "PT0S"}, "isEnd": True},
            {"name": "ends", "action": "aws:sleep", "inputs": {"Duration": "PT0S"}, "isEnd": True},
            {"name": "default", "action": "aws:sleep", "inputs": {"Duration": "PT0S"}},
        ]}
    name = create_doc(ssm, doc)
    cases = [({"S": ["abc"]}, "and"), ({"S": ["abc"], "N": ["11"]}, "default"), ({"S": ["xyz"]}, "or"),
             ({"S": ["k"], "L": ["zz", "q"]}, "or"), ({"S": ["aqq"]}, "ends"), ({"S": ["abc"], "B": ["false"]}, "default")]
    for params, want in cases:
        eid = ssm.start_automation_execution(DocumentName=name, Parameters=params)["AutomationExecutionId"]
        e = wait_status(ssm, eid)
        assert e["AutomationExecutionStatus"] == "Success"
        assert steps(e)["pick"]["NextStep"] == want, params
        assert steps(e)[want]["StepStatus"] == "Success"


def test_branch_without_match_or_default_fails(ssm):
    name = create_doc(ssm, {"schemaVersion": "0.3", "mainSteps": [
        {"name": "pick", "action": "aws:branch",
         "inputs": {"Choices": [{"NextStep": "x", "Variable": "a", "StringEquals": "b"}]}},
        {"name": "x", "action": "aws:sleep", "inputs": {"Duration": "PT0S"}}]})
    e = wait_status(ssm, ssm.start_automation_execution(DocumentName=name)["AutomationExecutionId"])
    assert e["AutomationExecutionStatus"] == "Failed"
    assert "None of the choices matched" in steps(e)["pick"]["FailureMessage"]


def test_on_failure_continue_goto_and_critical(ssm):
    bad = {"name": "bad", "action": "aws:executeAwsApi",
           "inputs": {"Service": "ssm", "Api": "GetParameter", "Name": "/does/not/exist"}}
    tail = [{"name": "after", "action": "aws:sleep", "inputs": {"Duration": "PT0S"}},
            {"name": "cleanup", "action": "aws:sleep", "inputs": {"Duration": "PT0S"}}]
    # Continue: not critical by default -> Success
    name = create_doc(ssm, {"schemaVersion": "0.3", "mainSteps": [dict(bad, onFailure="Continue")] + tail})
    e = wait_status(ssm, ssm.start_automation_execution(DocumentName=name)["AutomationExecutionId"])
    assert e["AutomationExecutionStatus"] == "Success"
    s = steps(e)
    assert s["bad"]["StepStatus"] == "Failed" and s["after"]["StepStatus"] == "Success"
    assert "ParameterNotFound" in s["bad"]["FailureMessage"]
    assert s["bad"]["FailureDetails"]["FailureStage"] == "Invocation"
    # Continue + isCritical -> runs on, ends Failed
    name = create_doc(ssm, {"schemaVersion": "0.3", "mainSteps": [dict(bad, onFailure="Continue", isCritical=True)] + tail})
    e = wait_status(ssm, ssm.start_automation_execution(DocumentName=name)["AutomationExecutionId"])
    assert e["AutomationExecutionStatus"] == "Failed"
    assert steps(e)["after"]["StepStatus"] == "Success"
    assert "ParameterNotFound" in e["FailureMessage"]
    # step:cleanup skips "after"; critical by default -> Failed
    name = create_doc(ssm, {"schemaVersion": "0.3", "mainSteps": [dict(bad, onFailure="step:cleanup")] + tail})
    e = wait_status(ssm, ssm.start_automation_execution(DocumentName=name)["AutomationExecutionId"])
    assert e["AutomationExecutionStatus"] == "Failed"
    s = steps(e)
    assert s["after"]["StepStatus"] == "Pending" and s["cleanup"]["StepStatus"] == "Success"
    # Abort (default): stops at once
    name = create_doc(ssm, {"schemaVersion": "0.3", "mainSteps": [bad] + tail})
    e = wait_status(ssm, ssm.start_automation_execution(DocumentName=name)["AutomationExecutionId"])
    assert e["AutomationExecutionStatus"] == "Failed"
    assert [x[1] for x in step_status(e)] == ["Failed", "Pending", "Pending"]


def test_timeout_and_retries(ssm, tmp_path):
    counter = tmp_path / "attempts"
    script = (
        "import os\n"
        "def handler(events, context):\n"
        "    p = events['path']\n"
        "    n = int(open(p).read()) + 1 if os.path.exists(p) else 1\n"
        "    open(p, 'w').write(str(n))\n"
        "    if n < 3:\n"
        "        raise RuntimeError('attempt %d fails' % n)\n"
        "    return {'attempt': n}\n")
    name = create_doc(ssm, {"schemaVersion": "0.3", "mainSteps": [
        {"name": "flaky", "action": "aws:executeScript", "maxAttempts": 3,
         "inputs": {"Runtime": "python3.8", "Handler": "handler", "Script": script,
                    "InputPayload": {"path": str(counter)}},
         "outputs": [{"Name": "Attempt", "Selector": "$.Payload.attempt", "Type": "Integer"}]}]})
    e = wait_status(ssm, ssm.start_automation_execution(DocumentName=name)["AutomationExecutionId"], deadline=30)
    assert e["AutomationExecutionStatus"] == "Success", e
    assert steps(e)["flaky"]["Outputs"]["Attempt"] == ["3"]
    assert counter.read_text() == "3"
    # a step that outlives its timeoutSeconds: TimedOut, after all attempts
    name = create_doc(ssm, {"schemaVersion": "0.3", "mainSteps": [
        {"name": "slow", "action": "aws:sleep", "timeoutSeconds": 1, "maxAttempts": 2,
         "inputs": {"Duration": "PT30S"}},
        {"name": "never", "action": "aws:sleep", "inputs": {"Duration": "PT0S"}}]})
    t0 = time.monotonic()
    e = wait_status(ssm, ssm.start_automation_execution(DocumentName=name)["AutomationExecutionId"])
    assert 1.5 < time.monotonic() - t0 < 15
    assert e["AutomationExecutionStatus"] == "TimedOut"
    s = steps(e)
    assert s["slow"]["StepStatus"] == "TimedOut" and s["slow"]["TimeoutSeconds"] == 1
    assert s["slow"]["FailureDetails"]["FailureType"] == "Timeout"
    assert s["never"]["StepStatus"] == "Pending"


# ---- signals ----

def test_pause_and_resume_cli_v1(cairn, ssm):
    name = create_doc(ssm, {"schemaVersion": "0.3", "mainSteps": [
        {"name": "hold", "action": "aws:pause", "inputs": {}},
        {"name": "go", "action": "aws:sleep", "inputs": {"Duration": "PT0S"}}]})
    eid = ssm.start_automation_execution(DocumentName=name)["AutomationExecutionId"]
    e = wait_status(ssm, eid, ("Waiting",))
    assert steps(e)["hold"]["StepStatus"] == "Waiting" and e["CurrentStepName"] == "hold"
    assert e["CurrentAction"] == "aws:pause"
    with pytest.raises(AwsError) as ex:
        cairn.aws("ssm", "send-automation-signal", "--automation-execution-id", eid, "--signal-type", "Approve", v=1)
    assert ex.value.code == "InvalidAutomationSignalException"
    cairn.aws("ssm", "send-automation-signal", "--automation-execution-id", eid, "--signal-type", "Resume", v=1)
    e = wait_status(ssm, eid)
    assert e["AutomationExecutionStatus"] == "Success"
    with pytest.raises(AwsError) as ex:
        cairn.aws("ssm", "send-automation-signal", "--automation-execution-id", eid, "--signal-type", "Resume", v=1)
    assert ex.value.code == "InvalidAutomationSignalException"


def make_user(iam, cairn, prefix="approver"):
    user = new_name(prefix)
    arn = iam.create_user(UserName=user)["User"]["Arn"]
    iam.attach_user_policy(UserName=user, PolicyArn="arn:aws:iam::aws:policy/AmazonSSMFullAccess")
    key = iam.create_access_key(UserName=user)["AccessKey"]
    return user, arn, (key["AccessKeyId"], key["SecretAccessKey"])


def test_approve_with_two_approvers(cairn, ssm, iam):
    u1, arn1, creds1 = make_user(iam, cairn)
    u2, arn2, creds2 = make_user(iam, cairn)
    _, _, outsider = make_user(iam, cairn, "outsider")
    name = create_doc(ssm, {"schemaVersion": "0.3", "mainSteps": [
        {"name": "ok", "action": "aws:approve",
         "inputs": {"Approvers": [arn1, u2], "MinRequiredApprovals": 2, "Message": "please"}},
        {"name": "after", "action": "aws:sleep", "inputs": {"Duration": "PT0S"}}]})
    eid = ssm.start_automation_execution(DocumentName=name)["AutomationExecutionId"]
    wait_status(ssm, eid, ("Waiting",))
    with pytest.raises(AwsError) as ex:
        cairn.aws("ssm", "send-automation-signal", "--automation-execution-id", eid, "--signal-type", "Approve",
                  creds=outsider)
    assert ex.value.code == "AccessDeniedException"
    cairn.aws("ssm", "send-automation-signal", "--automation-execution-id", eid, "--signal-type", "Approve",
              "--payload", "Comment=fine", creds=creds1)
    e = get(ssm, eid)
    assert e["AutomationExecutionStatus"] == "Waiting"
    with pytest.raises(AwsError) as ex:
        cairn.aws("ssm", "send-automation-signal", "--automation-execution-id", eid, "--signal-type", "Approve",
                  creds=creds1)
    assert ex.value.code == "InvalidAutomationSignalException"
    cairn.client("ssm", creds=creds2).send_automation_signal(AutomationExecutionId=eid, SignalType="Approve")
    e = wait_status(ssm, eid)
    assert e["AutomationExecutionStatus"] == "Success"
    out = steps(e)["ok"]["Outputs"]
    assert out["ApprovalStatus"] == ["Approved"]
    decisions = [json.loads(d) for d in out["ApproverDecisions"]]
    assert [(d["Approver"], d["Decision"]) for d in decisions] == [(arn1, "Approved"), (arn2, "Approved")]
    assert decisions[0]["Comment"] == "fine"


def test_reject_fails_the_execution(cairn, ssm, iam):
    u1, arn1, creds1 = make_user(iam, cairn)
    name = create_doc(ssm, {"schemaVersion": "0.3", "mainSteps": [
        {"name": "ok", "action": "aws:approve", "inputs": {"Approvers": [u1]}}]})
    eid = ssm.start_automation_execution(DocumentName=name)["AutomationExecutionId"]
    wait_status(ssm, eid, ("Waiting",))
    cairn.client("ssm", creds=creds1).send_automation_signal(
        AutomationExecutionId=eid, SignalType="Reject", Payload={"Comment": ["no"]})
    e = wait_status(ssm, eid)
    assert e["AutomationExecutionStatus"] == "Failed"
    assert steps(e)["ok"]["Outputs"]["ApprovalStatus"] == ["Rejected"]
    assert "rejected" in e["FailureMessage"]


def test_interactive_mode(ssm):
    name = create_doc(ssm, {"schemaVersion": "0.3", "mainSteps": [
        {"name": "one", "action": "aws:sleep", "inputs": {"Duration": "PT0S"}},
        {"name": "two", "action": "aws:sleep", "inputs": {"Duration": "PT30S"}},
        {"name": "three", "action": "aws:sleep", "inputs": {"Duration": "PT0S"}}]})
    eid = ssm.start_automation_execution(DocumentName=name, Mode="Interactive")["AutomationExecutionId"]
    e = wait_status(ssm, eid, ("Waiting",))
    assert e["Mode"] == "Interactive" and all(s["StepStatus"] == "Pending" for s in e["StepExecutions"])
    with pytest.raises(Exception) as ex:
        ssm.send_automation_signal(AutomationExecutionId=eid, SignalType="StartStep", Payload={"StepName": ["nope"]})
    assert boto_error(ex)[0] == "AutomationStepNotFoundException"
    ssm.send_automation_signal(AutomationExecutionId=eid, SignalType="StartStep", Payload={"StepName": ["one"]})
    poll(lambda: steps(get(ssm, eid))["one"]["StepStatus"] == "Success", 10, what="step one")
    wait_status(ssm, eid, ("Waiting",))
    ssm.send_automation_signal(AutomationExecutionId=eid, SignalType="StartStep", Payload={"StepName": ["two"]})
    e = poll(lambda: (lambda x: x if steps(x)["two"]["StepStatus"] == "InProgress" else None)(get(ssm, eid)), 10)
    with pytest.raises(Exception) as ex:
        ssm.send_automation_signal(AutomationExecutionId=eid, SignalType="StartStep", Payload={"StepName": ["three"]})
    assert boto_error(ex)[0] == "InvalidAutomationSignalException"
    sid = steps(e)["two"]["StepExecutionId"]
    ssm.send_automation_signal(AutomationExecutionId=eid, SignalType="StopStep", Payload={"StepExecutionId": [sid]})
    poll(lambda: steps(get(ssm, eid))["two"]["StepStatus"] == "Cancelled", 10, what="step two stopped")
    wait_status(ssm, eid, ("Waiting",))
    ssm.send_automation_signal(AutomationExecutionId=eid, SignalType="StartStep", Payload={"StepName": ["three"]})
    e = wait_status(ssm, eid)
    assert e["AutomationExecutionStatus"] == "Success"
    assert step_status(e) == [("one", "Success"), ("two", "Cancelled"), ("three", "Success")]


def test_signal_errors(ssm):
    with pytest.raises(Exception) as ex:
        ssm.send_automation_signal(AutomationExecutionId=str(uuid.uuid4()), SignalType="Resume")
    assert boto_error(ex)[0] == "AutomationExecutionNotFoundException"
    name = create_doc(ssm, {"schemaVersion": "0.3", "mainSteps": [
        {"name": "s", "action": "aws:sleep", "inputs": {"Duration": "PT30S"}}]})
    eid = ssm.start_automation_execution(DocumentName=name)["AutomationExecutionId"]
    wait_status(ssm, eid, ("InProgress",))
    for sig in ("Approve", "Resume", "StartStep", "Revoke"):
        with pytest.raises(Exception) as ex:
            ssm.send_automation_signal(AutomationExecutionId=eid, SignalType=sig, Payload={"StepName": ["s"]})
        assert boto_error(ex)[0] == "InvalidAutomationSignalException", sig
    with pytest.raises(Exception) as ex:
        ssm.send_automation_signal(AutomationExecutionId=eid, SignalType="StopStep",
                                   Payload={"StepExecutionId": [str(uuid.uuid4())]})
    assert boto_error(ex)[0] == "AutomationStepNotFoundException"
    ssm.stop_automation_execution(AutomationExecutionId=eid)
    wait_status(ssm, eid, ("Cancelled",))


# ---- stop ----

def test_cancel_runs_on_cancel(cairn, ssm):
    name = create_doc(ssm, {"schemaVersion": "0.3", "mainSteps": [
        {"name": "long", "action": "aws:sleep", "inputs": {"Duration": "PT60S"}, "onCancel": "step:cleanup"},
        {"name": "skipped", "action": "aws:sleep", "inputs": {"Duration": "PT0S"}},
        {"name": "cleanup", "action": "aws:executeAwsApi",
         "inputs": {"Service": "sts", "Api": "GetCallerIdentity"},
         "outputs": [{"Name": "Account", "Selector": "$.Account"}]}]})
    eid = ssm.start_automation_execution(DocumentName=name)["AutomationExecutionId"]
    poll(lambda: steps(get(ssm, eid))["long"]["StepStatus"] == "InProgress", 10, what="long step")
    cairn.aws("ssm", "stop-automation-execution", "--automation-execution-id", eid)
    e = wait_status(ssm, eid)
    assert e["AutomationExecutionStatus"] == "Cancelled"
    assert step_status(e) == [("long", "Cancelled"), ("cleanup", "Success"), ("skipped", "Pending")]
    assert steps(e)["cleanup"]["Outputs"]["Account"] == [cairn.account]
    with pytest.raises(AwsError) as ex:
        cairn.aws("ssm", "stop-automation-execution", "--automation-execution-id", eid)
    assert ex.value.code == "InvalidAutomationStatusUpdateException"


def test_stop_complete_and_abort_cancel(ssm):
    doc = {"schemaVersion": "0.3", "mainSteps": [
        {"name": "long", "action": "aws:sleep", "inputs": {"Duration": "PT60S"}},
        {"name": "next", "action": "aws:sleep", "inputs": {"Duration": "PT0S"}}]}
    name = create_doc(ssm, doc)
    eid = ssm.start_automation_execution(DocumentName=name)["AutomationExecutionId"]
    wait_status(ssm, eid, ("InProgress",))
    ssm.stop_automation_execution(AutomationExecutionId=eid, Type="Complete")
    e = wait_status(ssm, eid)
    assert e["AutomationExecutionStatus"] == "Success"
    assert step_status(e) == [("long", "Cancelled"), ("next", "Pending")]
    eid = ssm.start_automation_execution(DocumentName=name)["AutomationExecutionId"]
    wait_status(ssm, eid, ("InProgress",))
    ssm.stop_automation_execution(AutomationExecutionId=eid, Type="Cancel")
    e = wait_status(ssm, eid)
    assert e["AutomationExecutionStatus"] == "Cancelled"
    with pytest.raises(Exception) as ex:
        ssm.stop_automation_execution(AutomationExecutionId=str(uuid.uuid4()))
    assert boto_error(ex)[0] == "AutomationExecutionNotFoundException"


# ---- start: idempotency, parameters, errors ----

def test_client_token_idempotency(ssm):
    name = create_doc(ssm, {"schemaVersion": "0.3", "parameters": {"P": {"type": "String", "default": "x"}},
                            "mainSteps": [{"name": "s", "action": "aws:sleep", "inputs": {"Duration": "PT0S"}}]})
    token = str(uuid.uuid4())
    a = ssm.start_automation_execution(DocumentName=name, ClientToken=token)["AutomationExecutionId"]
    b = ssm.start_automation_execution(DocumentName=name, ClientToken=token.upper())["AutomationExecutionId"]
    assert a == b
    with pytest.raises(Exception) as ex:
        ssm.start_automation_execution(DocumentName=name, ClientToken=token, Parameters={"P": ["other"]})
    assert boto_error(ex)[0] == "IdempotentParameterMismatch"
    c = ssm.start_automation_execution(DocumentName=name, ClientToken=str(uuid.uuid4()))["AutomationExecutionId"]
    assert c != a


PARAM_DOC = {
    "schemaVersion": "0.3",
    "parameters": {
        "Req": {"type": "String", "allowedPattern": "^[a-z]+$"},
        "Env": {"type": "String", "default": "dev", "allowedValues": ["dev", "prod"]},
        "Count": {"type": "Integer", "default": 1},
        "Flag": {"type": "Boolean", "default": False},
        "Ids": {"type": "StringList", "default": ["a"], "minItems": 1, "maxItems": 2},
        "Short": {"type": "String", "default": "ab", "maxChars": 3},
        "Tags": {"type": "StringMap", "default": {}},
        "Rows": {"type": "MapList", "default": []},
        "Derived": {"type": "String", "default": "{{ Req }}-{{ Env }}-{{ global:REGION }}"},
    },
    "mainSteps": [{"name": "s", "action": "aws:sleep", "inputs": {"Duration": "PT0S"}}],
}


def test_parameter_validation_errors(cairn, ssm):
    name = create_doc(ssm, PARAM_DOC)
    with pytest.raises(Exception) as ex:                      # required, missing
        ssm.start_automation_execution(DocumentName=name)
    assert boto_error(ex)[0] == "InvalidAutomationExecutionParametersException" and "Req" in boto_error(ex)[1]
    bad = [
        ({"Req": ["ABC"]}, "Req"),                            # allowedPattern
        ({"Req": ["a"], "Env": ["qa"]}, "Env"),               # allowedValues
        ({"Req": ["a"], "Count": ["many"]}, "Count"),         # Integer
        ({"Req": ["a"], "Flag": ["maybe"]}, "Flag"),          # Boolean
        ({"Req": ["a"], "Ids": ["1", "2", "3"]}, "Ids"),      # maxItems
        ({"Req": ["a"], "Short": ["abcd"]}, "Short"),         # maxChars
        ({"Req": ["a"], "Tags": ["not json"]}, "Tags"),       # StringMap
        ({"Req": ["a"], "Nope": ["1"]}, "Nope"),              # not declared
        ({"Req": ["a", "b"]}, "Req"),                         # String takes one value
    ]
    for params, which in bad:
        with pytest.raises(Exception) as ex:
            ssm.start_automation_execution(DocumentName=name, Parameters=params)
        code, msg = boto_error(ex)
        assert code == "InvalidAutomationExecutionParametersException", (params, code, msg)
        assert which in msg, (params, msg)
    with pytest.raises(AwsError) as ex:
        cairn.aws("ssm", "start-automation-execution", "--document-name", name, "--parameters", "Req=UPPER")
    assert ex.value.code == "InvalidAutomationExecutionParametersException"
    eid = ssm.start_automation_execution(DocumentName=name, Parameters={
        "Req": ["ok"], "Count": ["7"], "Flag": ["true"], "Tags": ['{"k": "v"}'],
        "Rows": ['{"a": 1}', '{"b": 2}']})["AutomationExecutionId"]
    e = wait_status(ssm, eid)
    assert e["AutomationExecutionStatus"] == "Success"
    p = e["Parameters"]
    assert p["Derived"] == [f"ok-dev-{cairn.region}"] and p["Count"] == ["7"] and p["Flag"] == ["true"]
    assert json.loads(p["Tags"][0]) == {"k": "v"} and [json.loads(x) for x in p["Rows"]] == [{"a": 1}, {"b": 2}]


def test_ssm_parameter_references(ssm):
    pname = "/" + new_name("auto") + "/level"
    ssm.put_parameter(Name=pname, Value="7", Type="String")
    name = create_doc(ssm, {"schemaVersion": "0.3", "parameters": {
        "Level": {"type": "String", "default": "{{ssm:" + pname + "}}"},
        "Other": {"type": "String", "default": "none"}},
        "mainSteps": [{"name": "s", "action": "aws:sleep", "inputs": {"Duration": "PT0S"}}]})
    e = wait_status(ssm, ssm.start_automation_execution(
        DocumentName=name, Parameters={"Other": ["x{{ssm:" + pname + "}}y"]})["AutomationExecutionId"])
    assert e["Parameters"]["Level"] == ["7"] and e["Parameters"]["Other"] == ["x7y"]
    with pytest.raises(Exception) as ex:
        ssm.start_automation_execution(DocumentName=name, Parameters={"Other": ["{{ssm:/missing/one}}"]})
    assert boto_error(ex)[0] == "InvalidAutomationExecutionParametersException"


def test_start_errors(cairn, ssm):
    with pytest.raises(Exception) as ex:
        ssm.start_automation_execution(DocumentName="NoSuchRunbook")
    assert boto_error(ex)[0] == "AutomationDefinitionNotFoundException"
    name = create_doc(ssm, {"schemaVersion": "0.3", "mainSteps": [
        {"name": "s", "action": "aws:sleep", "inputs": {"Duration": "PT0S"}}]})
    with pytest.raises(Exception) as ex:
        ssm.start_automation_execution(DocumentName=name, DocumentVersion="9")
    assert boto_error(ex)[0] == "AutomationDefinitionVersionNotFoundException"
    with pytest.raises(Exception) as ex:
        ssm.start_automation_execution(DocumentName="AWS-RunShellScript")
    assert boto_error(ex)[0] == "AutomationDefinitionNotFoundException"
    with pytest.raises(AwsError) as ex:
        cairn.aws("ssm", "start-automation-execution", "--document-name", name, "--mode", "Sideways")
    assert ex.value.code in ("ValidationException", "CLIError")
    with pytest.raises(Exception) as ex:
        ssm.get_automation_execution(AutomationExecutionId=str(uuid.uuid4()))
    assert boto_error(ex)[0] == "AutomationExecutionNotFoundException"
    with pytest.raises(Exception) as ex:
        ssm.describe_automation_step_executions(AutomationExecutionId=str(uuid.uuid4()))
    assert boto_error(ex)[0] == "AutomationExecutionNotFoundException"


def test_document_versions(ssm):
    d1 = {"schemaVersion": "0.3", "mainSteps": [{"name": "v1", "action": "aws:sleep", "inputs": {"Duration": "PT0S"}}]}
    d2 = {"schemaVersion": "0.3", "mainSteps": [{"name": "v2", "action": "aws:sleep", "inputs": {"Duration": "PT0S"}}]}
    name = create_doc(ssm, d1)
    ssm.update_document(Name=name, Content=json.dumps(d2), DocumentVersion="$LATEST")
    e = wait_status(ssm, ssm.start_automation_execution(DocumentName=name)["AutomationExecutionId"])
    assert e["DocumentVersion"] == "1" and e["StepExecutions"][0]["StepName"] == "v1"
    e = wait_status(ssm, ssm.start_automation_execution(DocumentName=name, DocumentVersion="$LATEST")["AutomationExecutionId"])
    assert e["DocumentVersion"] == "2" and e["StepExecutions"][0]["StepName"] == "v2"


# ---- actions ----

def test_execute_script(ssm):
    script = (
        "import json\n"
        "def main(events, context):\n"
        "    return {'doubled': [x * 2 for x in events['xs']], 'name': events['name'].upper()}\n")
    name = create_doc(ssm, {"schemaVersion": "0.3", "parameters": {"Who": {"type": "String", "default": "bob"}},
                            "mainSteps": [
        {"name": "run", "action": "aws:executeScript",
         "inputs": {"Runtime": "python3.11", "Handler": "main", "Script": script,
                    "InputPayload": {"xs": [1, 2, 3], "name": "{{ Who }}"}},
         "outputs": [{"Name": "First", "Selector": "$.Payload.doubled[0]", "Type": "Integer"},
                     {"Name": "All", "Selector": "$.Payload.doubled", "Type": "StringList"},
                     {"Name": "Name", "Selector": "$.Payload.name", "Type": "String"}]},
        {"name": "fail", "action": "aws:executeScript",
         "inputs": {"Runtime": "python3.11", "Handler": "h", "Script": "def h(e, c):\n    raise ValueError('nope')\n"}}]})
    e = wait_status(ssm, ssm.start_automation_execution(DocumentName=name)["AutomationExecutionId"], deadline=30)
    s = steps(e)
    assert s["run"]["StepStatus"] == "Success"
    assert s["run"]["Outputs"]["First"] == ["2"] and s["run"]["Outputs"]["All"] == ["2", "4", "6"]
    assert s["run"]["Outputs"]["Name"] == ["BOB"]
    assert json.loads(s["run"]["Outputs"]["OutputPayload"][0]) == {"Payload": {"doubled": [2, 4, 6], "name": "BOB"}}
    assert e["AutomationExecutionStatus"] == "Failed"
    assert "ValueError: nope" in s["fail"]["FailureMessage"]


def test_execute_script_timeout_and_memory_limit(ssm):
    name = create_doc(ssm, {"schemaVersion": "0.3", "mainSteps": [
        {"name": "hog", "action": "aws:executeScript", "onFailure": "Continue",
         "inputs": {"Runtime": "python3.8", "Handler": "h",
                    "Script": "def h(e, c):\n    x = bytearray(4 << 30)\n    return len(x)\n"}},
        {"name": "spin", "action": "aws:executeScript", "timeoutSeconds": 2,
         "inputs": {"Runtime": "python3.8", "Handler": "h", "Script": "import time\ndef h(e, c):\n    time.sleep(60)\n"}}]})
    t0 = time.monotonic()
    e = wait_status(ssm, ssm.start_automation_execution(DocumentName=name)["AutomationExecutionId"], deadline=30)
    assert time.monotonic() - t0 < 20
    s = steps(e)
    assert s["hog"]["StepStatus"] == "Failed" and "MemoryError" in s["hog"]["FailureMessage"]
    assert s["spin"]["StepStatus"] == "TimedOut" and e["AutomationExecutionStatus"] == "TimedOut"


def test_loop_for_each(ssm):
    name = create_doc(ssm, {"schemaVersion": "0.3", "variables": {"Acc": {"type": "String", "default": ""}},
                            "parameters": {"Items": {"type": "StringList", "default": ["a", "b", "c"]}},
                            "mainSteps": [
        {"name": "each", "action": "aws:loop", "inputs": {"Iterators": "{{ Items }}", "Steps": [
            {"name": "add", "action": "aws:updateVariable",
             "inputs": {"Name": "variable:Acc", "Value": "{{ variable:Acc }}{{ each.CurrentIteratorValue }}"}},
            {"name": "nap", "action": "aws:sleep", "inputs": {"Duration": "PT0S"}}]}},
        {"name": "after", "action": "aws:sleep", "inputs": {"Duration": "PT0S"}}]})
    e = wait_status(ssm, ssm.start_automation_execution(DocumentName=name)["AutomationExecutionId"], deadline=40)
    assert e["AutomationExecutionStatus"] == "Success", e
    assert e["Variables"] == {"Acc": ["abc"]}
    s = e["StepExecutions"]
    assert [x["StepName"] for x in s] == ["each", "add", "nap", "add", "nap", "add", "nap", "after"]
    adds = [x for x in s if x["StepName"] == "add"]
    assert [x["ParentStepDetails"]["IteratorValue"] for x in adds] == ["a", "b", "c"]
    assert [x["ParentStepDetails"]["Iteration"] for x in adds] == [1, 2, 3]
    assert all(x["ParentStepDetails"]["StepExecutionId"] == steps(e)["each"]["StepExecutionId"] for x in adds)
    assert steps(e)["each"]["Outputs"]["CurrentIteration"] == ["3"]
    inner = ssm.describe_automation_step_executions(AutomationExecutionId=e["AutomationExecutionId"], Filters=[
        {"Key": "ParentStepIteratorValue", "Values": ["b"]}])["StepExecutions"]
    assert [x["StepName"] for x in inner] == ["add", "nap"]


def test_loop_do_while(ssm):
    doc = {"schemaVersion": "0.3", "variables": {"N": {"type": "Integer", "default": 0}},
           "mainSteps": [
        {"name": "count", "action": "aws:loop", "inputs": {"MaxIterations": 10,
            "LoopCondition": {"Variable": "{{ variable:N }}", "NumericLesser": 4},
            "Steps": [{"name": "inc", "action": "aws:executeScript",
                       "inputs": {"Runtime": "python3.8", "Handler": "h",
                                  "Script": "def h(e, c):\n    return e['n'] + 1\n",
                                  "InputPayload": {"n": "{{ variable:N }}"}},
                       "outputs": [{"Name": "Next", "Selector": "$.Payload", "Type": "Integer"}]},
                      {"name": "store", "action": "aws:updateVariable",
                       "inputs": {"Name": "variable:N", "Value": "{{ inc.Next }}"}}]}}]}
    try:
        name = create_doc(ssm, doc)
    except Exception as ex:
        if "Iterators" in str(ex) or "inc" in str(ex):
            pytest.skip("the document validator does not accept a do-while aws:loop yet: " + str(ex))
        raise
    e = wait_status(ssm, ssm.start_automation_execution(DocumentName=name)["AutomationExecutionId"], deadline=40)
    assert e["AutomationExecutionStatus"] == "Success", e
    assert e["Variables"] == {"N": ["4"]}
    assert steps(e)["count"]["Outputs"]["CurrentIteration"] == ["4"]


def test_execute_automation_child(ssm):
    child = create_doc(ssm, {"schemaVersion": "0.3", "parameters": {"X": {"type": "String"}}, "mainSteps": [
        {"name": "echo", "action": "aws:executeScript",
         "inputs": {"Runtime": "python3.8", "Handler": "h", "Script": "def h(e, c):\n    return e['x'] * 2\n",
                    "InputPayload": {"x": "{{ X }}"}},
         "outputs": [{"Name": "Twice", "Selector": "$.Payload", "Type": "String"}]}],
        "outputs": ["echo.Twice"]}, "Child")
    parent = create_doc(ssm, {"schemaVersion": "0.3", "mainSteps": [
        {"name": "run", "action": "aws:executeAutomation",
         "inputs": {"DocumentName": child, "RuntimeParameters": {"X": "ab"}}}]}, "Parent")
    e = wait_status(ssm, ssm.start_automation_execution(DocumentName=parent)["AutomationExecutionId"], deadline=30)
    assert e["AutomationExecutionStatus"] == "Success", e
    out = steps(e)["run"]["Outputs"]
    cid = out["ExecutionId"][0]
    assert out["Status"] == ["Success"]
    c = get(ssm, cid)
    assert c["ParentAutomationExecutionId"] == e["AutomationExecutionId"]
    assert c["Outputs"] == {"echo.Twice": ["abab"]}


def test_assert_and_wait_for_property_and_create_tags(ssm):
    pname = new_name("prop")
    ssm.put_parameter(Name=pname, Value="ready", Type="String")
    later = new_name("later")
    ssm.put_parameter(Name=later, Value="wait", Type="String")
    name = create_doc(ssm, {"schemaVersion": "0.3", "mainSteps": [
        {"name": "check", "action": "aws:assertAwsResourceProperty",
         "inputs": {"Service": "ssm", "Api": "GetParameter", "Name": pname,
                    "PropertySelector": "$.Parameter.Value", "DesiredValues": ["ready", "done"]}},
        {"name": "tag", "action": "aws:createTags",
         "inputs": {"ResourceType": "Parameter", "ResourceIds": [pname], "Tags": [{"Key": "stage", "Value": "one"}]}},
        {"name": "waitfor", "action": "aws:waitForAwsResourceProperty", "timeoutSeconds": 20,
         "inputs": {"Service": "ssm", "Api": "get_parameter", "Name": later,
                    "PropertySelector": "$.Parameter.Value", "DesiredValues": ["go"]}},
        {"name": "mismatch", "action": "aws:assertAwsResourceProperty",
         "inputs": {"Service": "ssm", "Api": "GetParameter", "Name": pname,
                    "PropertySelector": "$.Parameter.Value", "DesiredValues": ["other"]}}]})
    eid = ssm.start_automation_execution(DocumentName=name)["AutomationExecutionId"]
    poll(lambda: steps(get(ssm, eid))["waitfor"]["StepStatus"] == "InProgress", 10, what="waiting step")
    ssm.put_parameter(Name=later, Value="go", Type="String", Overwrite=True)
    e = wait_status(ssm, eid, deadline=30)
    s = steps(e)
    assert [s[k]["StepStatus"] for k in ("check", "tag", "waitfor", "mismatch")] == ["Success", "Success", "Success", "Failed"]
    assert "not one of the desired values" in s["mismatch"]["FailureMessage"]
    tags = ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId=pname)["TagList"]
    assert {"Key": "stage", "Value": "one"} in tags


def test_unresolvable_reference_fails_the_step(ssm):
    name = create_doc(ssm, {"schemaVersion": "0.3", "mainSteps": [
        {"name": "first", "action": "aws:branch",
         "inputs": {"Choices": [{"NextStep": "use", "Variable": "x", "StringEquals": "x"}], "Default": "make"}},
        {"name": "make", "action": "aws:executeAwsApi", "inputs": {"Service": "sts", "Api": "GetCallerIdentity"},
         "outputs": [{"Name": "A", "Selector": "$.Account"}]},
        {"name": "use", "action": "aws:sleep", "inputs": {"Duration": "{{ make.A }}"}}]})
    e = wait_status(ssm, ssm.start_automation_execution(DocumentName=name)["AutomationExecutionId"])
    assert e["AutomationExecutionStatus"] == "Failed"
    s = steps(e)["use"]
    assert s["FailureDetails"]["FailureStage"] == "InputValidation" and "make.A" in s["FailureMessage"]


# ---- identities ----

SSM_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ssm.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
EC2_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}

ROLE_DOC = {
    "schemaVersion": "0.3",
    "assumeRole": "{{ AutomationAssumeRole }}",
    "parameters": {"AutomationAssumeRole": {"type": "String", "default": ""}},
    "mainSteps": [{"name": "who", "action": "aws:executeAwsApi", "inputs": {"Service": "sts", "Api": "GetCallerIdentity"},
                   "outputs": [{"Name": "Arn", "Selector": "$.Arn"}]}],
    "outputs": ["who.Arn"],
}


def make_role(iam, trust, prefix="AutomationRole"):
    role = new_name(prefix)
    arn = iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    iam.attach_role_policy(RoleName=role, PolicyArn="arn:aws:iam::aws:policy/service-role/AmazonSSMAutomationRole")
    return role, arn


def test_invoker_identity(cairn, ssm, iam):
    user, arn, creds = make_user(iam, cairn, "invoker")
    mine = cairn.client("ssm", creds=creds)
    name = create_doc(ssm, ROLE_DOC)
    eid = mine.start_automation_execution(DocumentName=name)["AutomationExecutionId"]
    e = wait_status(mine, eid)
    assert e["AutomationExecutionStatus"] == "Success", e
    assert e["ExecutedBy"] == arn and e["Outputs"]["who.Arn"] == [arn]


def test_service_role_identity(cairn, ssm, iam):
    role, role_arn = make_role(iam, SSM_TRUST)
    user, arn, creds = make_user(iam, cairn, "starter")
    iam.put_user_policy(UserName=user, PolicyName="pass", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:PassRole", "Resource": role_arn}]}))
    mine = cairn.client("ssm", creds=creds)
    name = create_doc(ssm, ROLE_DOC)
    eid = mine.start_automation_execution(DocumentName=name,
                                          Parameters={"AutomationAssumeRole": [role_arn]})["AutomationExecutionId"]
    e = wait_status(mine, eid)
    assert e["AutomationExecutionStatus"] == "Success", e
    assert e["ExecutedBy"] == arn
    assert e["Outputs"]["who.Arn"] == [f"arn:aws:sts::{cairn.account}:assumed-role/{role}/{eid}"]


def test_role_that_does_not_exist_fails_the_execution(cairn, ssm):
    name = create_doc(ssm, ROLE_DOC)
    ghost = f"arn:aws:iam::{cairn.account}:role/{new_name('Ghost')}"
    try:
        eid = ssm.start_automation_execution(DocumentName=name,
                                             Parameters={"AutomationAssumeRole": [ghost]})["AutomationExecutionId"]
    except Exception as ex:           # a policy engine may refuse to pass a role that does not exist
        assert boto_error(ex)[0] in ("AccessDeniedException", "ValidationException")
        return
    e = wait_status(ssm, eid)
    assert e["AutomationExecutionStatus"] == "Failed"
    assert e["FailureMessage"].startswith("The defined assume role is unable to be assumed.")
    assert all(s["StepStatus"] == "Pending" for s in e["StepExecutions"])


def test_malformed_role(ssm):
    name = create_doc(ssm, ROLE_DOC)
    with pytest.raises(Exception) as ex:
        ssm.start_automation_execution(DocumentName=name, Parameters={"AutomationAssumeRole": ["not-an-arn"]})
    code, msg = boto_error(ex)
    assert code == "InvalidAutomationExecutionParametersException" and "assume role" in msg


def test_pass_role_denied(cairn, ssm, iam):
    role, role_arn = make_role(iam, SSM_TRUST)
    user, arn, creds = make_user(iam, cairn, "nopass")
    name = create_doc(ssm, ROLE_DOC)
    with pytest.raises(AwsError) as ex:
        cairn.aws("ssm", "start-automation-execution", "--document-name", name,
                  "--parameters", f"AutomationAssumeRole={role_arn}", creds=creds)
    assert ex.value.code == "AccessDeniedException"
    assert "iam:PassRole" in ex.value.message and role_arn in ex.value.message


def test_role_that_does_not_trust_ssm(cairn, ssm, iam):
    role, role_arn = make_role(iam, EC2_TRUST)
    name = create_doc(ssm, ROLE_DOC)
    eid = ssm.start_automation_execution(DocumentName=name,
                                         Parameters={"AutomationAssumeRole": [role_arn]})["AutomationExecutionId"]
    e = wait_status(ssm, eid)
    assert e["AutomationExecutionStatus"] == "Failed"
    assert "The defined assume role is unable to be assumed" in e["FailureMessage"]


def test_invoker_executions_stop_after_the_limit(cairn_factory, monkeypatch):
    monkeypatch.setenv("CAIRN_AUTOMATION_INVOKER_MAX_SECONDS", "2")
    c = cairn_factory()
    ssm = c.client("ssm")
    name = create_doc(ssm, {"schemaVersion": "0.3", "mainSteps": [
        {"name": "long", "action": "aws:sleep", "inputs": {"Duration": "PT60S"}}]})
    e = wait_status(ssm, ssm.start_automation_execution(DocumentName=name)["AutomationExecutionId"])
    assert e["AutomationExecutionStatus"] == "TimedOut"
    assert "service role" in e["FailureMessage"] and "AutomationAssumeRole" in e["FailureMessage"]
    assert steps(e)["long"]["StepStatus"] == "TimedOut"


# ---- describing ----

def test_describe_executions_filters_and_paging(cairn, ssm):
    name = create_doc(ssm, {"schemaVersion": "0.3", "mainSteps": [
        {"name": "s", "action": "aws:sleep", "inputs": {"Duration": "PT0S"}}]}, "Listed")
    ids = [ssm.start_automation_execution(DocumentName=name, Tags=[{"Key": "team", "Value": "x"}] if i == 0 else [])[
        "AutomationExecutionId"] for i in range(7)]
    for i in ids:
        wait_status(ssm, i)
    flt = [{"Key": "DocumentNamePrefix", "Values": [name]}]
    seen, token = [], None
    while True:
        kw = {"Filters": flt, "MaxResults": 3}
        if token:
            kw["NextToken"] = token
        out = ssm.describe_automation_executions(**kw)
        assert len(out["AutomationExecutionMetadataList"]) <= 3
        seen += [m["AutomationExecutionId"] for m in out["AutomationExecutionMetadataList"]]
        token = out.get("NextToken")
        if not token:
            break
    assert seen == list(reversed(ids))
    m = ssm.describe_automation_executions(Filters=flt + [{"Key": "ExecutionId", "Values": [ids[2]]}])[
        "AutomationExecutionMetadataList"]
    assert [x["AutomationExecutionId"] for x in m] == [ids[2]]
    assert m[0]["AutomationExecutionStatus"] == "Success" and m[0]["AutomationType"] == "Local"
    assert m[0]["ExecutedBy"] == f"arn:aws:iam::{cairn.account}:root"
    tagged = ssm.describe_automation_executions(Filters=flt + [{"Key": "TagKey", "Values": ["team"]}])
    assert [x["AutomationExecutionId"] for x in tagged["AutomationExecutionMetadataList"]] == [ids[0]]
    none = ssm.describe_automation_executions(Filters=flt + [{"Key": "ExecutionStatus", "Values": ["Failed"]}])
    assert none["AutomationExecutionMetadataList"] == []
    later = ssm.describe_automation_executions(Filters=flt + [{"Key": "StartTimeAfter", "Values": ["2999-01-01T00:00:00Z"]}])
    assert later["AutomationExecutionMetadataList"] == []
    with pytest.raises(Exception) as ex:
        ssm.describe_automation_executions(Filters=[{"Key": "ExecutionStatus", "Values": ["Sleepy"]}])
    assert boto_error(ex)[0] == "InvalidFilterValue"
    with pytest.raises(Exception) as ex:
        ssm.describe_automation_executions(NextToken="garbage")
    assert boto_error(ex)[0] == "InvalidNextToken"
    # the CLI v2 pages by itself
    out = cairn.aws("ssm", "describe-automation-executions", "--filters",
                    f"Key=DocumentNamePrefix,Values={name}", "--page-size", "2")
    assert [x["AutomationExecutionId"] for x in out["AutomationExecutionMetadataList"]] == list(reversed(ids))


def test_describe_step_executions(ssm):
    name = create_doc(ssm, {"schemaVersion": "0.3", "mainSteps": [
        {"name": f"s{i}", "action": "aws:sleep", "inputs": {"Duration": "PT0S"}} for i in range(5)]})
    eid = ssm.start_automation_execution(DocumentName=name)["AutomationExecutionId"]
    wait_status(ssm, eid)
    out = ssm.describe_automation_step_executions(AutomationExecutionId=eid)["StepExecutions"]
    assert [s["StepName"] for s in out] == ["s0", "s1", "s2", "s3", "s4"]
    rev = ssm.describe_automation_step_executions(AutomationExecutionId=eid, ReverseOrder=True)["StepExecutions"]
    assert [s["StepName"] for s in rev] == ["s4", "s3", "s2", "s1", "s0"]
    page = ssm.describe_automation_step_executions(AutomationExecutionId=eid, MaxResults=2)
    assert [s["StepName"] for s in page["StepExecutions"]] == ["s0", "s1"]
    page2 = ssm.describe_automation_step_executions(AutomationExecutionId=eid, MaxResults=2, NextToken=page["NextToken"])
    assert [s["StepName"] for s in page2["StepExecutions"]] == ["s2", "s3"]
    one = ssm.describe_automation_step_executions(AutomationExecutionId=eid, Filters=[
        {"Key": "StepName", "Values": ["s3"]}, {"Key": "StepExecutionStatus", "Values": ["Success"]}])
    assert [s["StepName"] for s in one["StepExecutions"]] == ["s3"]
    with pytest.raises(Exception) as ex:
        ssm.describe_automation_step_executions(AutomationExecutionId=eid, Filters=[
            {"Key": "StepExecutionStatus", "Values": ["Weird"]}])
    assert boto_error(ex)[0] == "InvalidFilterValue"


# ---- rate control ----

def test_rate_control_twenty_targets(cairn, ssm, tmp_path):
    log = tmp_path / "runs.log"
    script = (
        "import os, time\n"
        "def h(e, c):\n"
        "    with open(e['log'], 'a') as f:\n"
        "        f.write('start %s %f\\n' % (e['t'], time.time()))\n"
        "    time.sleep(0.4)\n"
        "    with open(e['log'], 'a') as f:\n"
        "        f.write('end %s %f\\n' % (e['t'], time.time()))\n"
        "    if e['t'].startswith('bad'):\n"
        "        raise RuntimeError('target ' + e['t'] + ' fails')\n"
        "    return e['t']\n")
    name = create_doc(ssm, {"schemaVersion": "0.3", "parameters": {"Target": {"type": "String"},
                                                                  "Log": {"type": "String"}},
                            "mainSteps": [{"name": "work", "action": "aws:executeScript",
                                           "inputs": {"Runtime": "python3.8", "Handler": "h", "Script": script,
                                                      "InputPayload": {"t": "{{ Target }}", "log": "{{ Log }}"}}}]})
    # all good: 20 targets, 5 at a time
    targets = [f"ok{i:02d}" for i in range(20)]
    eid = cairn.aws("ssm", "start-automation-execution", "--document-name", name, "--target-parameter-name", "Target",
                    "--targets", json.dumps([{"Key": "ParameterValues", "Values": targets}]),
                    "--max-concurrency", "5", "--max-errors", "2",
                    "--parameters", json.dumps({"Log": [str(log)]}))["AutomationExecutionId"]
    e = wait_status(ssm, eid, deadline=60)
    assert e["AutomationExecutionStatus"] == "Success", e
    assert e["TargetParameterName"] == "Target" and e["MaxConcurrency"] == "5" and e["MaxErrors"] == "2"
    assert e["ResolvedTargets"] == {"ParameterValues": targets, "Truncated": False}
    kids = ssm.describe_automation_executions(Filters=[{"Key": "ParentExecutionId", "Values": [eid]}])
    kids = kids["AutomationExecutionMetadataList"]
    assert len(kids) == 20 and all(k["ParentAutomationExecutionId"] == eid for k in kids)
    assert sorted(k["Target"] for k in kids) == targets
    events = []
    for line in log.read_text().splitlines():
        kind, t, at = line.split()
        events.append((float(at), 1 if kind == "start" else -1, t))
    running = peak = 0
    for _, d, _ in sorted(events):
        running += d
        peak = max(peak, running)
    assert peak <= 5 and peak >= 2, peak
    assert len([x for x in events if x[1] == 1]) == 20
    # errors: more than 2 failures stop new children; the parent fails
    log.write_text("")
    targets = ["bad1", "bad2", "bad3"] + [f"ok{i:02d}" for i in range(17)]
    eid = ssm.start_automation_execution(DocumentName=name, TargetParameterName="Target",
                                         Targets=[{"Key": "ParameterValues", "Values": targets}],
                                         MaxConcurrency="5", MaxErrors="2",
                                         Parameters={"Log": [str(log)]})["AutomationExecutionId"]
    e = wait_status(ssm, eid, deadline=60)
    assert e["AutomationExecutionStatus"] == "Failed"
    started = [line.split()[1] for line in log.read_text().splitlines() if line.startswith("start")]
    assert set(["bad1", "bad2", "bad3"]) <= set(started)
    assert len(started) < 20, started
    kids = ssm.describe_automation_executions(Filters=[{"Key": "ParentExecutionId", "Values": [eid]}])[
        "AutomationExecutionMetadataList"]
    assert len(kids) == len(started)
    assert len([k for k in kids if k["AutomationExecutionStatus"] == "Failed"]) == 3


def test_targets_errors(ssm):
    name = create_doc(ssm, {"schemaVersion": "0.3", "parameters": {"T": {"type": "String"}}, "mainSteps": [
        {"name": "s", "action": "aws:sleep", "inputs": {"Duration": "PT0S"}}]})
    with pytest.raises(Exception) as ex:
        ssm.start_automation_execution(DocumentName=name, TargetParameterName="T",
                                       Targets=[{"Key": "tag:Name", "Values": ["web"]}])
    assert boto_error(ex)[0] == "InvalidTarget"
    with pytest.raises(Exception) as ex:
        ssm.start_automation_execution(DocumentName=name, TargetParameterName="Nope",
                                       Targets=[{"Key": "ParameterValues", "Values": ["a"]}])
    assert boto_error(ex)[0] == "InvalidAutomationExecutionParametersException"
    eid = ssm.start_automation_execution(DocumentName=name, TargetMaps=[{"T": ["a"]}, {"T": ["b"]}])["AutomationExecutionId"]
    assert wait_status(ssm, eid)["AutomationExecutionStatus"] == "Success"


# ---- quotas ----

def test_quotas_running_and_queued(cairn_factory, monkeypatch):
    monkeypatch.setenv("CAIRN_AUTOMATION_MAX_RUNNING", "2")
    monkeypatch.setenv("CAIRN_AUTOMATION_MAX_QUEUED", "1")
    c = cairn_factory()
    ssm = c.client("ssm")
    name = create_doc(ssm, {"schemaVersion": "0.3", "mainSteps": [
        {"name": "p", "action": "aws:pause", "inputs": {}}]})
    ids = [ssm.start_automation_execution(DocumentName=name)["AutomationExecutionId"] for _ in range(3)]
    assert wait_status(ssm, ids[0], ("Waiting",)) and wait_status(ssm, ids[1], ("Waiting",))
    assert get(ssm, ids[2])["AutomationExecutionStatus"] == "Pending"
    with pytest.raises(Exception) as ex:
        ssm.start_automation_execution(DocumentName=name)
    assert boto_error(ex)[0] == "AutomationExecutionLimitExceededException"
    ssm.send_automation_signal(AutomationExecutionId=ids[0], SignalType="Resume")
    wait_status(ssm, ids[0], ("Success",))
    wait_status(ssm, ids[2], ("Waiting",))
    ssm.stop_automation_execution(AutomationExecutionId=ids[1])
    wait_status(ssm, ids[1], ("Cancelled",))
    eid = ssm.start_automation_execution(DocumentName=name)["AutomationExecutionId"]
    wait_status(ssm, eid, ("Waiting",))
    # a queued execution can be cancelled before it runs
    q = ssm.start_automation_execution(DocumentName=name)["AutomationExecutionId"]
    assert get(ssm, q)["AutomationExecutionStatus"] == "Pending"
    ssm.stop_automation_execution(AutomationExecutionId=q)
    wait_status(ssm, q, ("Cancelled",))


# ---- restarts ----

def test_restart_continues_where_it_stood(cairn_factory):
    c = cairn_factory()
    ssm = c.client("ssm")
    name = create_doc(ssm, {"schemaVersion": "0.3", "mainSteps": [
        {"name": "wait", "action": "aws:pause", "inputs": {}},
        {"name": "nap", "action": "aws:sleep", "inputs": {"Duration": "PT2S"}},
        {"name": "api", "action": "aws:executeAwsApi", "inputs": {"Service": "sts", "Api": "GetCallerIdentity"},
         "outputs": [{"Name": "A", "Selector": "$.Account"}]}]})
    paused = ssm.start_automation_execution(DocumentName=name)["AutomationExecutionId"]
    wait_status(ssm, paused, ("Waiting",))
    sleeping = ssm.start_automation_execution(DocumentName=name)["AutomationExecutionId"]
    wait_status(ssm, sleeping, ("Waiting",))
    ssm.send_automation_signal(AutomationExecutionId=sleeping, SignalType="Resume")
    poll(lambda: steps(get(ssm, sleeping))["nap"]["StepStatus"] == "InProgress", 10, what="nap")
    child = create_doc(ssm, {"schemaVersion": "0.3", "parameters": {"T": {"type": "String", "default": "x"}},
                             "mainSteps": [{"name": "nap", "action": "aws:sleep", "inputs": {"Duration": "PT2S"}}]}, "Kid")
    parent = create_doc(ssm, {"schemaVersion": "0.3", "mainSteps": [
        {"name": "run", "action": "aws:executeAutomation", "inputs": {"DocumentName": child}}]}, "Mom")
    with_child = ssm.start_automation_execution(DocumentName=parent)["AutomationExecutionId"]
    rated = ssm.start_automation_execution(DocumentName=child, TargetParameterName="T", MaxConcurrency="2",
                                           Targets=[{"Key": "ParameterValues", "Values": ["a", "b", "c", "d"]}])[
        "AutomationExecutionId"]
    poll(lambda: steps(get(ssm, with_child))["run"]["StepStatus"] == "InProgress", 10, what="child started")
    c.restart()
    ssm = c.client("ssm")
    e = wait_status(ssm, with_child, deadline=30)
    assert e["AutomationExecutionStatus"] == "Success" and steps(e)["run"]["Outputs"]["Status"] == ["Success"]
    e = wait_status(ssm, rated, deadline=30)
    assert e["AutomationExecutionStatus"] == "Success"
    kids = ssm.describe_automation_executions(Filters=[{"Key": "ParentExecutionId", "Values": [rated]}])
    assert sorted(k["Target"] for k in kids["AutomationExecutionMetadataList"]) == ["a", "b", "c", "d"]
    e = wait_status(ssm, sleeping)
    assert e["AutomationExecutionStatus"] == "Success" and steps(e)["api"]["Outputs"]["A"] == [c.account]
    assert get(ssm, paused)["AutomationExecutionStatus"] == "Waiting"
    ssm.send_automation_signal(AutomationExecutionId=paused, SignalType="Resume")
    assert wait_status(ssm, paused)["AutomationExecutionStatus"] == "Success"
