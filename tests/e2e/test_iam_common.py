"""Helpers shared by the IAM e2e tests (test_iam_*.py). No tests here."""
import itertools
import json
import re

import botocore.exceptions
import pytest

from conftest import AwsError, boto_error

_seq = itertools.count(1)

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|\+00:00)$")


def uniq(prefix):
    """A name no other test uses (tests share one server per module)."""
    return f"{prefix}{next(_seq)}"


def trust(*services, aws=None, version="2012-10-17"):
    principal = {}
    if services:
        principal["Service"] = services[0] if len(services) == 1 else list(services)
    if aws:
        principal["AWS"] = aws
    return json.dumps({"Version": version, "Statement": [
        {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}]})


def allow(action, resource="*", sid=None):
    st = {"Effect": "Allow", "Action": action, "Resource": resource}
    if sid:
        st["Sid"] = sid
    return json.dumps({"Version": "2012-10-17", "Statement": [st]})


def cli_error(cairn, *args, v=2, creds=None):
    """The AwsError of a CLI call that must fail."""
    with pytest.raises(AwsError) as e:
        cairn.aws(*args, v=v, creds=creds)
    return e.value.code, e.value.message


def boto_err(fn, *args, **kw):
    """(code, message, status) of a boto3 call that must fail."""
    with pytest.raises(botocore.exceptions.ClientError) as e:
        fn(*args, **kw)
    code, msg = boto_error(e)
    return code, msg, e.value.response["ResponseMetadata"]["HTTPStatusCode"]


def user_with_key(cairn, name=None, path=None):
    """Create a user and an access key; return (user name, (key, secret))."""
    iam = cairn.client("iam")
    name = name or uniq("keyuser")
    kw = {"Path": path} if path else {}
    iam.create_user(UserName=name, **kw)
    k = iam.create_access_key(UserName=name)["AccessKey"]
    return name, (k["AccessKeyId"], k["SecretAccessKey"])


def allow_self(cairn, name, *actions):
    """Give user name an inline policy allowing actions on itself, the way AWS's
    self-service examples do: with the ${aws:username} policy variable."""
    cairn.client("iam").put_user_policy(UserName=name, PolicyName="self-service",
                                        PolicyDocument=allow(list(actions), "arn:aws:iam::*:user/*${aws:username}"))


def is_iso(s):
    return bool(ISO.match(s))
