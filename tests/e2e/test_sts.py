"""STS with the real clients: GetCallerIdentity for every kind of principal, AssumeRole (trust
policies, the caller's permission, durations, external ids, session policies and tags, source
identity, role chaining), GetSessionToken, GetAccessKeyInfo, DecodeAuthorizationMessage, and
temporary credentials that are forged or expired."""
import datetime
import json
import os
import sqlite3

import pytest

from conftest import AwsError
from test_authz import denied_boto, denied_cli, doc, make_user
from test_iam_common import uniq

SSM_FULL = "arn:aws:iam::aws:policy/AmazonSSMFullAccess"
SSM_READ = "arn:aws:iam::aws:policy/AmazonSSMReadOnlyAccess"
ASSUME_ANY = doc({"Effect": "Allow", "Action": ["sts:AssumeRole", "sts:TagSession"], "Resource": "*"})


def trust_account(cairn, actions=("sts:AssumeRole",), condition=None):
    st = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{cairn.account}:root"},
          "Action": list(actions)}
    if condition:
        st["Condition"] = condition
    return doc(st)


def make_role(cairn, trust, managed=(), inline=None, **kw):
    iam = cairn.client("iam")
    name = uniq("sts-role")
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust, **kw)["Role"]["Arn"]
    for m in managed:
        iam.attach_role_policy(RoleName=name, PolicyArn=m)
    if inline:
        iam.put_role_policy(RoleName=name, PolicyName="inline", PolicyDocument=inline)
    return name, arn


def creds_of(out):
    c = out["Credentials"]
    return c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"]


def expiration(out):
    e = out["Credentials"]["Expiration"]
    if isinstance(e, str):
        e = datetime.datetime.fromisoformat(e.replace("Z", "+00:00"))
    return e.timestamp()


# ---- GetCallerIdentity ----

def test_get_caller_identity_every_principal(cairn):
    acct = cairn.account
    for v in (1, 2):
        root = cairn.aws("sts", "get-caller-identity", v=v)
        assert root == {"UserId": acct, "Account": acct, "Arn": f"arn:aws:iam::{acct}:root"}
    name, arn, creds = make_user(cairn, inline=ASSUME_ANY)
    me = cairn.client("sts", creds=creds).get_caller_identity()
    assert me["Arn"] == arn and me["Account"] == acct and me["UserId"].startswith("AIDA")
    role, role_arn = make_role(cairn, trust_account(cairn))
    out = cairn.aws("sts", "assume-role", "--role-arn", role_arn, "--role-session-name", "who-am-i", creds=creds)
    s = cairn.aws("sts", "get-caller-identity", creds=creds_of(out))
    assert s["Arn"] == f"arn:aws:sts::{acct}:assumed-role/{role}/who-am-i"
    assert s["UserId"] == out["AssumedRoleUser"]["AssumedRoleId"]
    assert s["UserId"].startswith("AROA") and s["UserId"].endswith(":who-am-i")
    role_id = cairn.client("iam").get_role(RoleName=role)["Role"]["RoleId"]
    assert s["UserId"] == f"{role_id}:who-am-i"
    t = cairn.client("sts", creds=creds).get_session_token(DurationSeconds=900)
    assert cairn.client("sts", creds=creds_of(t)).get_caller_identity()["Arn"] == arn


def test_get_caller_identity_needs_no_permission(cairn):
    name, arn, creds = make_user(cairn, inline=doc({"Effect": "Deny", "Action": "*", "Resource": "*"}))
    assert cairn.aws("sts", "get-caller-identity", creds=creds)["Arn"] == arn


# ---- AssumeRole ----

def test_assume_role_cli_and_session_permissions(cairn):
    name, arn, creds = make_user(cairn, inline=ASSUME_ANY)
    role, role_arn = make_role(cairn, trust_account(cairn), managed=[SSM_READ])
    out = cairn.aws("sts", "assume-role", "--role-arn", role_arn, "--role-session-name", "cli", creds=creds)
    key, secret, token = creds_of(out)
    assert key.startswith("ASIA") and len(key) == 20 and len(secret) == 40 and token
    assert out["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{cairn.account}:assumed-role/{role}/cli"
    assert "PackedPolicySize" not in out
    now = datetime.datetime.now(datetime.timezone.utc).timestamp()
    assert 3500 < expiration(out) - now <= 3605
    session = creds_of(out)
    cairn.aws("ssm", "describe-parameters", creds=session)         # the role's permissions
    with pytest.raises(AwsError) as e:                              # and only those
        cairn.aws("ssm", "put-parameter", "--name", "/sts/x", "--value", "v", "--type", "String", creds=session)
    assert e.value.code == "AccessDeniedException"
    assert e.value.message == (
        f"User: arn:aws:sts::{cairn.account}:assumed-role/{role}/cli is not authorized to perform: "
        f"ssm:PutParameter on resource: arn:aws:ssm:{cairn.region}:{cairn.account}:parameter/sts/x "
        f"because no identity-based policy allows the ssm:PutParameter action")
    code, msg = denied_cli(cairn, session, "iam", "list-users")
    assert code == "AccessDenied"
    # GetRole shows the role's last use
    last = cairn.client("iam").get_role(RoleName=role)["Role"].get("RoleLastUsed", {})
    assert last.get("Region") == cairn.region


def test_assume_role_trust_and_identity(cairn):
    acct = cairn.account
    ec2_role, ec2_arn = make_role(cairn, json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
    name, arn, creds = make_user(cairn, inline=ASSUME_ANY)
    sts = cairn.client("sts", creds=creds)
    code, msg, status = denied_boto(sts.assume_role, RoleArn=ec2_arn, RoleSessionName="nope")
    assert (code, status) == ("AccessDenied", 403)
    assert msg == f"User: {arn} is not authorized to perform: sts:AssumeRole on resource: {ec2_arn}"
    missing = f"arn:aws:iam::{acct}:role/{uniq('no-such-role')}"
    code, msg, _ = denied_boto(sts.assume_role, RoleArn=missing, RoleSessionName="nope")
    assert msg == f"User: {arn} is not authorized to perform: sts:AssumeRole on resource: {missing}"
    # trusting the account delegates to the caller's own policies: no sts:AssumeRole, no session
    role, role_arn = make_role(cairn, trust_account(cairn))
    n2, arn2, creds2 = make_user(cairn, managed=[SSM_FULL])
    code, msg, _ = denied_boto(cairn.client("sts", creds=creds2).assume_role, RoleArn=role_arn,
                               RoleSessionName="x1")
    assert msg == f"User: {arn2} is not authorized to perform: sts:AssumeRole on resource: {role_arn}"
    # a trust policy naming the user itself needs nothing more
    direct, direct_arn = make_role(cairn, doc({"Effect": "Allow", "Principal": {"AWS": arn2},
                                               "Action": "sts:AssumeRole"}))
    out = cairn.client("sts", creds=creds2).assume_role(RoleArn=direct_arn, RoleSessionName="direct")
    assert out["AssumedRoleUser"]["Arn"].endswith(f":assumed-role/{direct}/direct")
    # the root may not assume roles
    code, msg, _ = denied_boto(cairn.client("sts").assume_role, RoleArn=role_arn, RoleSessionName="root")
    assert (code, msg) == ("AccessDenied", "Roles may not be assumed by root accounts.")


def test_assume_role_durations(cairn):
    name, arn, creds = make_user(cairn, inline=ASSUME_ANY)
    role, role_arn = make_role(cairn, trust_account(cairn))
    sts = cairn.client("sts", creds=creds)
    code, msg, status = denied_boto(sts.assume_role, RoleArn=role_arn, RoleSessionName="long",
                                    DurationSeconds=7200)
    assert (code, status) == ("ValidationError", 400)
    assert msg == "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
    unchecked = cairn.client("sts", creds=creds, parameter_validation=False)   # past the SDK's own check
    code, msg, _ = denied_boto(unchecked.assume_role, RoleArn=role_arn, RoleSessionName="short",
                               DurationSeconds=899)
    assert code == "ValidationError" and "greater than or equal to 900" in msg
    cairn.client("iam").update_role(RoleName=role, MaxSessionDuration=7200)
    out = sts.assume_role(RoleArn=role_arn, RoleSessionName="long", DurationSeconds=7200)
    now = datetime.datetime.now(datetime.timezone.utc).timestamp()
    assert 7100 < expiration(out) - now <= 7205
    # role chaining: one hour at most
    role2, role2_arn = make_role(cairn, trust_account(cairn), inline=ASSUME_ANY)
    cairn.client("iam").put_role_policy(RoleName=role, PolicyName="chain", PolicyDocument=ASSUME_ANY)
    chained = cairn.client("sts", creds=creds_of(sts.assume_role(RoleArn=role_arn, RoleSessionName="second")))
    code, msg, _ = denied_boto(chained.assume_role, RoleArn=role2_arn, RoleSessionName="third", DurationSeconds=3601)
    assert msg == ("The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by "
                   "role chaining.")
    out = chained.assume_role(RoleArn=role2_arn, RoleSessionName="third")
    assert cairn.client("sts", creds=creds_of(out)).get_caller_identity()["Arn"].endswith(f"/{role2}/third")


def test_assume_role_external_id_and_session_name(cairn):
    trust = trust_account(cairn, condition={"StringEquals": {"sts:ExternalId": "secret-123"},
                                            "StringLike": {"sts:RoleSessionName": "ci-*"}})
    role, role_arn = make_role(cairn, trust)
    name, arn, creds = make_user(cairn, inline=ASSUME_ANY)
    sts = cairn.client("sts", creds=creds)
    code, _, _ = denied_boto(sts.assume_role, RoleArn=role_arn, RoleSessionName="ci-1")
    assert code == "AccessDenied"
    code, _, _ = denied_boto(sts.assume_role, RoleArn=role_arn, RoleSessionName="ci-1", ExternalId="wrong-1")
    assert code == "AccessDenied"
    code, _, _ = denied_boto(sts.assume_role, RoleArn=role_arn, RoleSessionName="dev-1", ExternalId="secret-123")
    assert code == "AccessDenied"
    sts.assume_role(RoleArn=role_arn, RoleSessionName="ci-1", ExternalId="secret-123")
    code, msg = denied_cli(cairn, creds, "sts", "assume-role", "--role-arn", role_arn,
                           "--role-session-name", "bad name")
    assert code == "ValidationError" and "roleSessionName" in msg


def test_assume_role_session_policies(cairn, tmp_path):
    name, arn, creds = make_user(cairn, inline=ASSUME_ANY)
    role, role_arn = make_role(cairn, trust_account(cairn), managed=[SSM_FULL])
    sts = cairn.client("sts", creds=creds)
    only_get = doc({"Effect": "Allow", "Action": "ssm:GetParameter", "Resource": "*"})
    out = sts.assume_role(RoleArn=role_arn, RoleSessionName="scoped", Policy=only_get)
    assert 0 < out["PackedPolicySize"] <= 100
    ssm = cairn.client("ssm", creds=creds_of(out))
    cairn.client("ssm").put_parameter(Name="/sts/scoped", Value="v", Type="String", Overwrite=True)
    assert ssm.get_parameter(Name="/sts/scoped")["Parameter"]["Value"] == "v"
    code, msg, _ = denied_boto(ssm.put_parameter, Name="/sts/scoped", Value="w", Type="String", Overwrite=True)
    assert msg.endswith("because no session policy allows the ssm:PutParameter action")
    # managed session policies, with the CLI
    out = cairn.aws("sts", "assume-role", "--role-arn", role_arn, "--role-session-name", "managed",
                    "--policy-arns", f"arn={SSM_READ}", creds=creds)
    session = creds_of(out)
    cairn.aws("ssm", "describe-parameters", creds=session)
    with pytest.raises(AwsError) as e:
        cairn.aws("ssm", "delete-parameter", "--name", "/sts/scoped", creds=session)
    assert e.value.code == "AccessDeniedException"
    # malformed and too large
    code, msg, status = denied_boto(sts.assume_role, RoleArn=role_arn, RoleSessionName="bad", Policy="{nope")
    assert (code, status) == ("MalformedPolicyDocument", 400)
    big = doc(*[{"Sid": f"S{i}", "Effect": "Allow", "Action": f"ssm:GetParameter{i}", "Resource": "*"}
                for i in range(60)])
    code, msg, status = denied_boto(sts.assume_role, RoleArn=role_arn, RoleSessionName="big", Policy=big)
    assert (code, status) == ("PackedPolicyTooLarge", 400)
    assert msg.startswith("Packed policy consumes ") and "% of allotted space" in msg
    code, msg, _ = denied_boto(sts.assume_role, RoleArn=role_arn, RoleSessionName="nope",
                               PolicyArns=[{"arn": f"arn:aws:iam::{cairn.account}:policy/NoSuchPolicy"}])
    assert code == "ValidationError"


def test_assume_role_tags_and_source_identity(cairn):
    # sts:TagSession must be allowed by the trust policy too
    plain, plain_arn = make_role(cairn, trust_account(cairn))
    name, arn, creds = make_user(cairn, inline=ASSUME_ANY)
    sts = cairn.client("sts", creds=creds)
    code, msg, _ = denied_boto(sts.assume_role, RoleArn=plain_arn, RoleSessionName="tagged",
                               Tags=[{"Key": "team", "Value": "blue"}])
    assert msg == f"User: {arn} is not authorized to perform: sts:TagSession on resource: {plain_arn}"
    trust = doc({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{cairn.account}:root"},
                 "Action": ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"],
                 "Condition": {"StringEquals": {"aws:RequestTag/team": "blue"}}})
    perm = doc({"Effect": "Allow", "Action": "ssm:GetParameter",
                "Resource": "arn:aws:ssm:*:*:parameter/${aws:PrincipalTag/team}/*"})
    role, role_arn = make_role(cairn, trust, inline=perm)
    cairn.client("iam").put_user_policy(UserName=name, PolicyName="all", PolicyDocument=doc(
        {"Effect": "Allow", "Action": ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"],
         "Resource": "*"}))
    code, _, _ = denied_boto(sts.assume_role, RoleArn=role_arn, RoleSessionName="tagged",
                             Tags=[{"Key": "team", "Value": "red"}])
    assert code == "AccessDenied"
    out = sts.assume_role(RoleArn=role_arn, RoleSessionName="tagged", Tags=[{"Key": "team", "Value": "blue"}],
                          SourceIdentity="alice@example.com")
    assert out["SourceIdentity"] == "alice@example.com" and "PackedPolicySize" in out
    ssm = cairn.client("ssm", creds=creds_of(out))
    cairn.client("ssm").put_parameter(Name="/blue/p", Value="1", Type="String", Overwrite=True)
    cairn.client("ssm").put_parameter(Name="/red/p", Value="1", Type="String", Overwrite=True)
    assert ssm.get_parameter(Name="/blue/p")["Parameter"]["Value"] == "1"      # aws:PrincipalTag/team
    code, _, _ = denied_boto(ssm.get_parameter, Name="/red/p")
    assert code == "AccessDeniedException"
    code, msg, _ = denied_boto(sts.assume_role, RoleArn=role_arn, RoleSessionName="tagged",
                               Tags=[{"Key": "team", "Value": "blue"}, {"Key": "TEAM", "Value": "blue"}])
    assert code == "ValidationError"


# ---- GetSessionToken ----

def test_get_session_token_user(cairn):
    name, arn, creds = make_user(cairn, managed=[SSM_READ], inline=ASSUME_ANY)
    out = cairn.aws("sts", "get-session-token", "--duration-seconds", "900", creds=creds)
    key, secret, token = creds_of(out)
    assert key.startswith("ASIA")
    now = datetime.datetime.now(datetime.timezone.utc).timestamp()
    assert 800 < expiration(out) - now <= 905
    session = (key, secret, token)
    assert cairn.aws("sts", "get-caller-identity", creds=session)["Arn"] == arn
    cairn.aws("ssm", "describe-parameters", creds=session)               # the user's own permissions
    code, msg = denied_cli(cairn, session, "iam", "list-users")             # no IAM without MFA
    assert code == "InvalidClientTokenId"
    code, msg = denied_cli(cairn, session, "sts", "get-session-token")
    assert (code, msg) == ("AccessDenied", "Cannot call GetSessionToken with session credentials")
    # but AssumeRole is allowed
    role, role_arn = make_role(cairn, trust_account(cairn))
    cairn.aws("sts", "assume-role", "--role-arn", role_arn, "--role-session-name", "from-token", creds=session)
    # default 12 hours; below the minimum fails validation
    now = datetime.datetime.now(datetime.timezone.utc).timestamp()
    out = cairn.client("sts", creds=creds).get_session_token()
    assert 43100 < expiration(out) - now <= 43205
    code, msg, _ = denied_boto(cairn.client("sts", creds=creds, parameter_validation=False).get_session_token,
                               DurationSeconds=100)
    assert code == "ValidationError"
    code, msg, _ = denied_boto(cairn.client("sts", creds=creds).get_session_token,
                               SerialNumber=f"arn:aws:iam::{cairn.account}:mfa/{name}", TokenCode="123456")
    assert code == "AccessDenied" and msg.startswith("MultiFactorAuthentication failed")


def test_get_session_token_root_and_role_session(cairn):
    out = cairn.client("sts").get_session_token(DurationSeconds=7200)
    now = datetime.datetime.now(datetime.timezone.utc).timestamp()
    assert expiration(out) - now <= 3605                   # the root's sessions last an hour at most
    assert cairn.client("sts", creds=creds_of(out)).get_caller_identity()["Arn"].endswith(":root")
    name, arn, creds = make_user(cairn, inline=ASSUME_ANY)
    role, role_arn = make_role(cairn, trust_account(cairn))
    session = creds_of(cairn.client("sts", creds=creds).assume_role(RoleArn=role_arn, RoleSessionName="sess"))
    code, msg, status = denied_boto(cairn.client("sts", creds=session).get_session_token)
    assert (code, msg, status) == ("AccessDenied", "Cannot call GetSessionToken with session credentials", 403)


# ---- temporary credentials that must fail ----

def test_forged_and_missing_session_token(cairn):
    name, arn, creds = make_user(cairn, inline=ASSUME_ANY)
    role, role_arn = make_role(cairn, trust_account(cairn))
    key, secret, token = creds_of(cairn.client("sts", creds=creds).assume_role(RoleArn=role_arn,
                                                                                RoleSessionName="forge"))
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    for bad in ((key, secret, forged), (key, secret)):
        with pytest.raises(AwsError) as e:
            cairn.aws("sts", "get-caller-identity", creds=bad)
        assert e.value.code == "InvalidClientTokenId"
        assert e.value.message == "The security token included in the request is invalid."
    code, _, status = denied_boto(cairn.client("sts", creds=(key, "x" * 40, token)).get_caller_identity)
    assert (code, status) == ("SignatureDoesNotMatch", 403)
    # a long-term key with a token is refused too
    code, _, _ = denied_boto(cairn.client("sts", creds=(creds[0], creds[1], token)).get_caller_identity)
    assert code == "InvalidClientTokenId"


def test_expired_credentials(cairn):
    """AWS's shortest session is 900 s: expiry is made by moving the session's end into the
    past in the store (before the credentials are first used, so nothing is cached)."""
    name, arn, creds = make_user(cairn, inline=ASSUME_ANY)
    role, role_arn = make_role(cairn, trust_account(cairn))
    session = creds_of(cairn.client("sts", creds=creds).assume_role(RoleArn=role_arn, RoleSessionName="old"))
    user_session = creds_of(cairn.client("sts", creds=creds).get_session_token(DurationSeconds=900))
    db = sqlite3.connect(os.path.join(cairn.data, "cairn.db"), timeout=30)
    with db:
        for k in (session[0], user_session[0]):
            assert db.execute("UPDATE access_key SET expires = strftime('%s','now') - 1 WHERE id = ?",
                              (k,)).rowcount == 1
    db.close()
    for c in (session, user_session):
        with pytest.raises(AwsError) as e:
            cairn.aws("sts", "get-caller-identity", creds=c)
        assert e.value.code == "ExpiredToken"
        assert e.value.message == "The security token included in the request is expired"
        code, _, status = denied_boto(cairn.client("ssm", creds=c).describe_parameters)
        assert code in ("ExpiredTokenException", "ExpiredToken") and status in (400, 403)


# ---- GetAccessKeyInfo, DecodeAuthorizationMessage ----

def test_get_access_key_info(cairn):
    assert cairn.aws("sts", "get-access-key-info", "--access-key-id", cairn.key) == {"Account": cairn.account}
    name, arn, creds = make_user(cairn)
    assert cairn.client("sts").get_access_key_info(AccessKeyId=creds[0])["Account"] == cairn.account
    code, msg, status = denied_boto(cairn.client("sts").get_access_key_info, AccessKeyId="AKIAIOSFODNN7EXAMPLE")
    assert (code, status) == ("ValidationError", 400)
    code, msg, status = denied_boto(cairn.client("sts", creds=creds).get_access_key_info,
                                    AccessKeyId=cairn.key)
    assert (code, status) == ("AccessDenied", 403)
    assert msg == f"User: {arn} is not authorized to perform: sts:GetAccessKeyInfo"


def test_decode_authorization_message(cairn):
    code, msg, status = denied_boto(cairn.client("sts").decode_authorization_message,
                                    EncodedMessage="bm90LWEtbWVzc2FnZQ==")
    assert (code, status) == ("InvalidAuthorizationMessageException", 400)
    code = denied_cli(cairn, None, "sts", "decode-authorization-message", "--encoded-message", "!!")[0]
    assert code == "InvalidAuthorizationMessageException"
    name, arn, creds = make_user(cairn)
    code, msg, status = denied_boto(cairn.client("sts", creds=creds).decode_authorization_message,
                                    EncodedMessage="bm90LWEtbWVzc2FnZQ==")
    assert (code, status) == ("AccessDenied", 403)
