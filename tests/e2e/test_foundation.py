"""The foundation: cairnd starts, authenticates with SigV4, answers in both wire protocols,
renders AWS's errors, keeps its state across restarts and crashes, and has a dev mode."""
import datetime
import json
import os
import stat
import subprocess
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from unittest import mock

import botocore.auth
import botocore.exceptions
import pytest
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from conftest import AwsError, CAIRND, boto_error, poll

STS_NS = "{https://sts.amazonaws.com/doc/2011-06-15/}"
QUERY_CT = "application/x-www-form-urlencoded; charset=utf-8"


def send(cairn, body, service="sts", target=None, creds=None, shift=None, presign=False,
         sign=True, headers=None, method="POST"):
    """One raw HTTP request, signed with botocore's SigV4 signer (optionally with the clock
    shifted by `shift`, or presigned in the query string). Returns (status, headers, text)."""
    hdrs = {"Content-Type": "application/x-amz-json-1.1" if target else QUERY_CT}
    if target:
        hdrs["X-Amz-Target"] = target
    hdrs.update(headers or {})
    url = cairn.endpoint + "/"
    data = body.encode() if isinstance(body, str) else body
    if presign:
        url, data, method = url + "?" + body, None, "GET"
    req = AWSRequest(method=method, url=url, data=data, headers=hdrs)
    if sign:
        key, secret, token = (tuple(creds) + (None,))[:3] if creds else (cairn.key, cairn.secret, None)
        signer_cls = botocore.auth.SigV4QueryAuth if presign else botocore.auth.SigV4Auth
        signer = signer_cls(Credentials(key, secret, token), service, cairn.region)
        now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None) + (shift or datetime.timedelta())
        with mock.patch("botocore.auth.get_current_datetime", return_value=now):
            signer.add_auth(req)
    p = req.prepare()
    r = urllib.request.Request(p.url, data=p.body, method=p.method, headers=dict(p.headers.items()))
    try:
        with urllib.request.urlopen(r, timeout=30) as resp:
            return resp.status, resp.headers, resp.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode()


def query_error(text):
    root = ET.fromstring(text)
    ns = root.tag[: root.tag.index("}") + 1] if root.tag.startswith("{") else ""
    err = root.find(f"{ns}Error")
    return (err.find(f"{ns}Type").text, err.find(f"{ns}Code").text, err.find(f"{ns}Message").text,
            root.find(f"{ns}RequestId").text)


GCI = "Action=GetCallerIdentity&Version=2011-06-15"


# ---- GetCallerIdentity with every client ----

@pytest.mark.parametrize("v", [2, 1])
def test_get_caller_identity_cli(cairn, v):
    out = cairn.aws("sts", "get-caller-identity", v=v)
    assert out == {"UserId": cairn.account, "Account": cairn.account,
                   "Arn": f"arn:aws:iam::{cairn.account}:root"}


def test_get_caller_identity_boto3(cairn):
    out = cairn.client("sts").get_caller_identity()
    assert out["Account"] == cairn.account
    assert out["Arn"] == f"arn:aws:iam::{cairn.account}:root"
    assert out["UserId"] == cairn.account
    rid = out["ResponseMetadata"]["RequestId"]
    assert len(rid) == 36 and out["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"] == rid


def test_credentials_profile_file(cairn):
    """The README's command: the credentials file written at first start, profile root."""
    path = os.path.join(cairn.data, "credentials")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_SHARED_CREDENTIALS_FILE=path, AWS_PROFILE="root", AWS_CONFIG_FILE="/dev/null",
               AWS_DEFAULT_REGION="us-east-1")
    out = subprocess.run(["/usr/bin/aws", "--endpoint-url", cairn.endpoint, "sts", "get-caller-identity"],
                         env=env, capture_output=True, text=True, check=True)
    assert json.loads(out.stdout)["Arn"] == f"arn:aws:iam::{cairn.account}:root"
    assert stat.S_IMODE(os.stat(os.path.join(cairn.data, "master.key")).st_mode) == 0o600


def test_response_xml_shape(cairn):
    status, headers, text = send(cairn, GCI)
    assert status == 200
    assert headers["Content-Type"].startswith("text/xml")
    root = ET.fromstring(text)
    assert root.tag == STS_NS + "GetCallerIdentityResponse"
    result = root.find(STS_NS + "GetCallerIdentityResult")
    assert result.find(STS_NS + "Account").text == cairn.account
    assert root.find(f"{STS_NS}ResponseMetadata/{STS_NS}RequestId").text == headers["x-amzn-RequestId"]


def test_presigned_get(cairn):
    status, _, text = send(cairn, GCI, presign=True)
    assert status == 200, text
    assert cairn.account in text


def test_unsigned_get(cairn):
    status, _, text = send(cairn, "", method="GET", sign=False)
    assert status == 403


# ---- authentication failures, per protocol ----

@pytest.mark.parametrize("v", [2, 1])
def test_wrong_secret_cli(cairn, v):
    with pytest.raises(AwsError) as e:
        cairn.aws("sts", "get-caller-identity", v=v, creds=(cairn.key, "x" * 40))
    assert e.value.code == "SignatureDoesNotMatch"
    assert e.value.message.startswith("The request signature we calculated does not match the signature you provided.")


def test_wrong_secret_boto3(cairn):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        cairn.client("sts", creds=(cairn.key, "y" * 40)).get_caller_identity()
    assert boto_error(e)[0] == "SignatureDoesNotMatch"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


@pytest.mark.parametrize("v", [2, 1])
def test_unknown_key_cli(cairn, v):
    with pytest.raises(AwsError) as e:
        cairn.aws("sts", "get-caller-identity", v=v, creds=("AKIAAAAAAAAAAAAAAAAA", "z" * 40))
    assert e.value.code == "InvalidClientTokenId"
    assert e.value.message == "The security token included in the request is invalid."


def test_unknown_key_boto3(cairn):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        cairn.client("sts", creds=("AKIAAAAAAAAAAAAAAAAA", "z" * 40)).get_caller_identity()
    assert boto_error(e) == ("InvalidClientTokenId", "The security token included in the request is invalid.")


@pytest.mark.parametrize("v", [2, 1])
def test_unsigned_cli(cairn, v):
    with pytest.raises(AwsError) as e:
        cairn.aws("sts", "get-caller-identity", "--no-sign-request", v=v)
    assert e.value.code == "MissingAuthenticationToken"


def test_unsigned_raw(cairn):
    status, headers, text = send(cairn, GCI, sign=False)
    assert status == 403
    typ, code, msg, rid = query_error(text)
    assert (typ, code, msg) == ("Sender", "MissingAuthenticationToken", "Request is missing Authentication Token")
    assert rid == headers["x-amzn-RequestId"]


def test_unsigned_json(cairn):
    status, _, text = send(cairn, "{}", target="AmazonSSM.ListDocuments", sign=False)
    assert status in (400, 403)
    assert json.loads(text)["__type"] == "MissingAuthenticationTokenException"


def test_json_signature_errors(cairn):
    status, _, text = send(cairn, "{}", service="ssm", target="AmazonSSM.ListDocuments",
                           creds=(cairn.key, "q" * 40))
    assert status == 403
    assert json.loads(text)["__type"] == "InvalidSignatureException"
    status, _, text = send(cairn, "{}", service="ssm", target="AmazonSSM.ListDocuments",
                           creds=("AKIAAAAAAAAAAAAAAAAB", "q" * 40))
    assert status == 403
    assert json.loads(text)["__type"] == "UnrecognizedClientException"


def test_incomplete_signature(cairn):
    status, _, text = send(cairn, GCI, sign=False,
                           headers={"Authorization": "AWS4-HMAC-SHA256 Credential=AKIAX/20261128/us-east-1/sts/aws4_request"})
    assert status == 400
    assert query_error(text)[1] == "IncompleteSignature"


@pytest.mark.parametrize("minutes", [-20, 20])
def test_clock_skew(cairn, minutes):
    status, _, text = send(cairn, GCI, shift=datetime.timedelta(minutes=minutes))
    assert status == 403
    _, code, msg, _ = query_error(text)
    assert code == "SignatureDoesNotMatch"
    assert msg.startswith("Signature expired:" if minutes < 0 else "Signature not yet current:")


def test_clock_within_window(cairn):
    status, _, _ = send(cairn, GCI, shift=datetime.timedelta(minutes=-10))
    assert status == 200


def test_session_token_on_long_term_key(cairn):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        cairn.client("sts", creds=(cairn.key, cairn.secret, "FwoGZXIvYXdzEBogus")).get_caller_identity()
    assert boto_error(e)[0] == "InvalidClientTokenId"


# ---- unknown actions ----

def test_unknown_action_query(cairn):
    status, _, text = send(cairn, "Action=NoSuchThing&Version=2011-06-15")
    assert status == 400
    _, code, msg, _ = query_error(text)
    assert code == "InvalidAction"
    assert msg == "Could not find operation NoSuchThing for version 2011-06-15"


def test_unknown_action_json(cairn):
    status, _, text = send(cairn, "{}", service="ssm", target="AmazonSSM.NoSuchThing")
    assert status == 400
    assert json.loads(text)["__type"] == "UnknownOperationException"


def test_malformed_query_string(cairn):
    status, _, text = send(cairn, "Action=GetCallerIdentity&Version=2011-06-15&X=%ZZ")
    assert status == 400
    assert query_error(text)[1] in ("MalformedQueryString", "InvalidQueryParameter")


def test_body_too_large(cairn):
    status, _, _ = send(cairn, GCI + "&Pad=" + "a" * (5 << 20))
    assert status == 413


def test_not_found_methods(cairn):
    r = urllib.request.Request(cairn.endpoint + "/", method="DELETE")
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(r, timeout=10)
    assert e.value.code == 405


# ---- operating ----

def test_healthz_and_metrics(cairn):
    cairn.client("sts").get_caller_identity()
    with urllib.request.urlopen(cairn.endpoint + "/healthz", timeout=10) as r:
        assert r.status == 200
    with urllib.request.urlopen(cairn.endpoint + "/metrics", timeout=10) as r:
        text = r.read().decode()
    assert 'cairn_requests_total{service="sts",action="GetCallerIdentity",status="200"}' in text
    assert 'cairn_request_duration_seconds_bucket{service="sts",action="GetCallerIdentity",le="+Inf"}' in text
    assert 'status="403"' in text


def test_request_log_lines(cairn):
    cairn.client("sts").get_caller_identity()
    lines = [l for l in cairn.log_text().splitlines() if "action=GetCallerIdentity" in l and "status=200" in l]
    assert lines, "no request line logged"
    assert f"principal=arn:aws:iam::{cairn.account}:root" in lines[-1]
    assert "service=sts" in lines[-1] and " ms=" in lines[-1] and " id=" in lines[-1]
    assert cairn.secret not in cairn.log_text()


def test_secret_not_in_clear_in_store(cairn):
    for root, _, files in os.walk(cairn.data):
        for f in files:
            if f == "credentials":
                continue
            with open(os.path.join(root, f), "rb") as fh:
                assert cairn.secret.encode() not in fh.read(), f"secret in clear in {f}"


def test_no_reset_route_without_dev(cairn):
    r = urllib.request.Request(cairn.endpoint + "/_cairn/reset", method="POST", data=b"")
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(r, timeout=10)
    assert e.value.code in (403, 404)
    cairn.client("sts").get_caller_identity()       # still the same account and key


def test_restart_and_kill_keep_state(cairn_factory):
    c = cairn_factory(account="210987654321")
    key, secret = c.key, c.secret
    c.kill()                                          # kill -9: nothing may be lost
    c.start()
    assert (c.key, c.secret) == (key, secret)
    assert c.client("sts").get_caller_identity()["Account"] == "210987654321"
    assert c.stop() == 0                              # SIGTERM: clean exit


def test_random_account_id(cairn_factory):
    c = cairn_factory(account="")
    ident = c.client("sts").get_caller_identity()
    assert len(ident["Account"]) == 12 and ident["Account"].isdigit()


def test_dev_mode(cairn_factory):
    c = cairn_factory(dev=True, account="111122223333")
    # any well-formed credentials act as root; the clock is not checked
    out = c.client("sts", creds=("AKIAANYTHINGATALL000", "whatever")).get_caller_identity()
    assert out["Arn"] == "arn:aws:iam::111122223333:root"
    status, _, _ = send(c, GCI, creds=("AKIASOMEONEELSE00000", "x"), shift=datetime.timedelta(hours=-3))
    assert status == 200
    old_key = c.key
    r = urllib.request.Request(c.endpoint + "/_cairn/reset", method="POST", data=b"")
    with urllib.request.urlopen(r, timeout=10) as resp:
        assert resp.status == 200
    c.restart()                                       # re-read the rewritten credentials
    assert c.key != old_key
    assert c.client("sts").get_caller_identity()["Account"] == "111122223333"


def test_bad_flags():
    p = subprocess.run([CAIRND, "--account-id", "12"], capture_output=True, text=True, timeout=30)
    assert p.returncode == 2 and "12 digits" in p.stderr
    p = subprocess.run([CAIRND, "--nope"], capture_output=True, text=True, timeout=30)
    assert p.returncode == 2 and "unknown option" in p.stderr
    p = subprocess.run([CAIRND, "--print-config", "--region", "eu-west-1"], capture_output=True, text=True, timeout=30)
    assert p.returncode == 0 and "region: eu-west-1" in p.stdout
