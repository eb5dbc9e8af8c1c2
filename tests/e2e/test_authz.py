"""Authorization on every call, with the real clients: users with managed, inline and group
policies, explicit denies, permissions boundaries, conditions (source IP, request tags,
resource tags, policy variables), iam:PassRole, and the simulator agreeing with enforcement.

Every denial is checked word for word against AWS's message forms:
  Query (IAM, STS): 403 AccessDenied; JSON (SSM): 400 AccessDeniedException.
"""
import json

import botocore.exceptions
import pytest

from conftest import AwsError, boto_error
from test_iam_common import allow, uniq

SSM_FULL = "arn:aws:iam::aws:policy/AmazonSSMFullAccess"
SSM_READ = "arn:aws:iam::aws:policy/AmazonSSMReadOnlyAccess"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
EC2_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def doc(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def make_user(cairn, managed=(), inline=None, boundary=None, groups=(), name=None):
    """A user with the given policies and an access key; returns (name, arn, creds)."""
    iam = cairn.client("iam")
    name = name or uniq("authz-user")
    kw = {"PermissionsBoundary": boundary} if boundary else {}
    arn = iam.create_user(UserName=name, **kw)["User"]["Arn"]
    for m in managed:
        iam.attach_user_policy(UserName=name, PolicyArn=m)
    if inline:
        iam.put_user_policy(UserName=name, PolicyName="inline", PolicyDocument=inline)
    for g in groups:
        iam.add_user_to_group(GroupName=g, UserName=name)
    k = iam.create_access_key(UserName=name)["AccessKey"]
    return name, arn, (k["AccessKeyId"], k["SecretAccessKey"])


def denied_cli(cairn, creds, *args):
    with pytest.raises(AwsError) as e:
        cairn.aws(*args, creds=creds)
    return e.value.code, e.value.message


def denied_boto(fn, **kw):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        fn(**kw)
    code, msg = boto_error(e)
    return code, msg, e.value.response["ResponseMetadata"]["HTTPStatusCode"]


def no_identity_policy(arn, action, resource):
    return (f"User: {arn} is not authorized to perform: {action} on resource: {resource} "
            f"because no identity-based policy allows the {action} action")


# ---- the walkthrough's first rule: AmazonSSMFullAccess may use SSM, not IAM ----

def test_ssm_full_access_uses_ssm_not_iam_cli(cairn):
    name, arn, creds = make_user(cairn, managed=[SSM_FULL])
    pname = "/" + uniq("authz/param")
    cairn.aws("ssm", "put-parameter", "--name", pname, "--value", "v1", "--type", "String", creds=creds)
    assert cairn.aws("ssm", "get-parameter", "--name", pname, creds=creds)["Parameter"]["Value"] == "v1"
    role = uniq("authz-denied-role")
    code, msg = denied_cli(cairn, creds, "iam", "create-role", "--role-name", role,
                           "--assume-role-policy-document", EC2_TRUST)
    assert code == "AccessDenied"
    assert msg == no_identity_policy(arn, "iam:CreateRole", f"arn:aws:iam::{cairn.account}:role/{role}")
    # the caller is who the key says, whatever the policies
    assert cairn.aws("sts", "get-caller-identity", creds=creds)["Arn"] == arn


def test_ssm_full_access_uses_ssm_not_iam_boto3(cairn):
    name, arn, creds = make_user(cairn, managed=[SSM_FULL])
    ssm, iam = cairn.client("ssm", creds=creds), cairn.client("iam", creds=creds)
    pname = "/" + uniq("authz/bparam")
    ssm.put_parameter(Name=pname, Value="v", Type="String")
    assert ssm.get_parameters_by_path(Path="/authz")["Parameters"] is not None
    role = uniq("authz-denied-role")
    code, msg, status = denied_boto(iam.create_role, RoleName=role, AssumeRolePolicyDocument=EC2_TRUST)
    assert (code, status) == ("AccessDenied", 403)
    assert msg == no_identity_policy(arn, "iam:CreateRole", f"arn:aws:iam::{cairn.account}:role/{role}")
    code, msg, status = denied_boto(iam.list_users)
    assert (code, status) == ("AccessDenied", 403)
    assert msg == (f"User: {arn} is not authorized to perform: iam:ListUsers because no identity-based "
                   f"policy allows the iam:ListUsers action")


def test_user_without_policies_is_denied_by_ssm(cairn):
    name, arn, creds = make_user(cairn)
    ssm = cairn.client("ssm", creds=creds)
    code, msg, status = denied_boto(ssm.get_parameter, Name="/nothing/here")
    assert (code, status) == ("AccessDeniedException", 400)
    assert msg == no_identity_policy(arn, "ssm:GetParameter",
                                     f"arn:aws:ssm:{cairn.region}:{cairn.account}:parameter/nothing/here")
    code, msg = denied_cli(cairn, creds, "ssm", "describe-parameters")
    assert code == "AccessDeniedException"
    assert msg == (f"User: {arn} is not authorized to perform: ssm:DescribeParameters because no "
                   f"identity-based policy allows the ssm:DescribeParameters action")


def test_every_name_of_get_parameters_is_authorized(cairn):
    """GetParameters and DeleteParameters name several parameters: each one is checked,
    not only the first."""
    root = cairn.client("ssm")
    for n in ("/open/a", "/secret/b"):
        root.put_parameter(Name=n, Value="v", Type="String", Overwrite=True)
    only_open = doc({"Effect": "Allow", "Action": ["ssm:GetParameters", "ssm:DeleteParameters"],
                     "Resource": f"arn:aws:ssm:*:{cairn.account}:parameter/open/*"})
    name, arn, creds = make_user(cairn, inline=only_open)
    ssm = cairn.client("ssm", creds=creds)
    assert [p["Name"] for p in ssm.get_parameters(Names=["/open/a"])["Parameters"]] == ["/open/a"]
    code, msg, status = denied_boto(ssm.get_parameters, Names=["/open/a", "/secret/b"])
    assert (code, status) == ("AccessDeniedException", 400)
    assert msg == no_identity_policy(arn, "ssm:GetParameters",
                                     f"arn:aws:ssm:{cairn.region}:{cairn.account}:parameter/secret/b")
    code, _, _ = denied_boto(ssm.delete_parameters, Names=["/open/a", "/secret/b"])
    assert code == "AccessDeniedException"
    assert len(root.get_parameters(Names=["/open/a", "/secret/b"])["Parameters"]) == 2  # nothing deleted


# ---- evaluation: explicit deny, groups, boundaries ----

def test_explicit_deny_wins(cairn):
    deny_put = doc({"Effect": "Deny", "Action": "ssm:PutParameter", "Resource": "*"})
    name, arn, creds = make_user(cairn, managed=[ADMIN], inline=deny_put)
    ssm = cairn.client("ssm", creds=creds)
    pname = "/" + uniq("authz/deny")
    code, msg, status = denied_boto(ssm.put_parameter, Name=pname, Value="v", Type="String")
    assert (code, status) == ("AccessDeniedException", 400)
    assert msg == (f"User: {arn} is not authorized to perform: ssm:PutParameter on resource: "
                   f"arn:aws:ssm:{cairn.region}:{cairn.account}:parameter{pname} with an explicit deny "
                   f"in an identity-based policy")
    # everything else AdministratorAccess allows still works
    cairn.client("iam", creds=creds).list_users()
    ssm.describe_parameters()


def test_group_policies_apply(cairn):
    iam = cairn.client("iam")
    group = uniq("authz-group")
    iam.create_group(GroupName=group)
    iam.attach_group_policy(GroupName=group, PolicyArn=SSM_READ)
    iam.put_group_policy(GroupName=group, PolicyName="users",
                         PolicyDocument=allow("iam:ListUsers"))
    name, arn, creds = make_user(cairn, groups=[group])
    cairn.client("ssm", creds=creds).describe_parameters()
    cairn.client("iam", creds=creds).list_users()
    code, _, _ = denied_boto(cairn.client("iam", creds=creds).list_roles)
    assert code == "AccessDenied"
    # leaving the group takes the permissions away at once
    iam.remove_user_from_group(GroupName=group, UserName=name)
    code, _, _ = denied_boto(cairn.client("iam", creds=creds).list_users)
    assert code == "AccessDenied"


def test_permissions_boundary_limits_the_user(cairn):
    name, arn, creds = make_user(cairn, managed=[ADMIN], boundary=SSM_READ)
    ssm = cairn.client("ssm", creds=creds)
    ssm.describe_parameters()                        # allowed by both
    pname = "/" + uniq("authz/bound")
    code, msg, status = denied_boto(ssm.put_parameter, Name=pname, Value="v", Type="String")
    assert (code, status) == ("AccessDeniedException", 400)
    assert msg == (f"User: {arn} is not authorized to perform: ssm:PutParameter on resource: "
                   f"arn:aws:ssm:{cairn.region}:{cairn.account}:parameter{pname} because no permissions "
                   f"boundary allows the ssm:PutParameter action")
    # removing the boundary restores AdministratorAccess
    cairn.client("iam").delete_user_permissions_boundary(UserName=name)
    ssm.put_parameter(Name=pname, Value="v", Type="String")


# ---- conditions: the request context ----

def test_conditions_source_ip_and_variables(cairn):
    policy = doc(
        {"Effect": "Allow", "Action": "ssm:*", "Resource": "*",
         "Condition": {"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}, "Bool": {"aws:SecureTransport": "false"}}},
        {"Effect": "Allow", "Action": "iam:GetUser",
         "Resource": "arn:aws:iam::*:user/${aws:username}"},
        {"Effect": "Deny", "Action": "ssm:DeleteParameter", "Resource": "*",
         "Condition": {"StringNotEquals": {"aws:RequestedRegion": "eu-west-3"}}})
    name, arn, creds = make_user(cairn, inline=policy)
    ssm = cairn.client("ssm", creds=creds)
    pname = "/" + uniq("authz/ip")
    ssm.put_parameter(Name=pname, Value="v", Type="String")     # 127.0.0.1 is in 127.0.0.0/8
    code, msg, _ = denied_boto(ssm.delete_parameter, Name=pname)
    assert "with an explicit deny in an identity-based policy" in msg
    iam = cairn.client("iam", creds=creds)
    assert iam.get_user(UserName=name)["User"]["Arn"] == arn   # ${aws:username}
    assert iam.get_user()["User"]["UserName"] == name
    other, _, _ = make_user(cairn)
    code, msg, _ = denied_boto(iam.get_user, UserName=other)
    assert msg == no_identity_policy(arn, "iam:GetUser", f"arn:aws:iam::{cairn.account}:user/{other}")


def test_conditions_request_and_resource_tags(cairn):
    policy = doc(
        {"Effect": "Allow", "Action": ["iam:CreateRole", "iam:TagRole"], "Resource": "*",
         "Condition": {"StringEquals": {"aws:RequestTag/team": "blue"},
                       "ForAllValues:StringEquals": {"aws:TagKeys": ["team"]}}},
        {"Effect": "Allow", "Action": "iam:DeleteRole", "Resource": "*",
         "Condition": {"StringEquals": {"aws:ResourceTag/team": "blue"}}})
    name, arn, creds = make_user(cairn, inline=policy)
    iam = cairn.client("iam", creds=creds)
    ok, bad = uniq("authz-tagged"), uniq("authz-untagged")
    iam.create_role(RoleName=ok, AssumeRolePolicyDocument=EC2_TRUST, Tags=[{"Key": "team", "Value": "blue"}])
    code, _, _ = denied_boto(iam.create_role, RoleName=bad, AssumeRolePolicyDocument=EC2_TRUST,
                             Tags=[{"Key": "team", "Value": "red"}])
    assert code == "AccessDenied"
    code, _, _ = denied_boto(iam.create_role, RoleName=bad, AssumeRolePolicyDocument=EC2_TRUST)
    assert code == "AccessDenied"
    # aws:ResourceTag: the tagged role may be deleted, an untagged one may not
    cairn.client("iam").create_role(RoleName=bad, AssumeRolePolicyDocument=EC2_TRUST)
    code, msg, _ = denied_boto(iam.delete_role, RoleName=bad)
    assert msg == no_identity_policy(arn, "iam:DeleteRole", f"arn:aws:iam::{cairn.account}:role/{bad}")
    iam.delete_role(RoleName=ok)


def test_principal_tags(cairn):
    policy = doc({"Effect": "Allow", "Action": "ssm:GetParameter",
                  "Resource": "arn:aws:ssm:*:*:parameter/${aws:PrincipalTag/project}/*"})
    name, arn, creds = make_user(cairn, inline=policy)
    cairn.client("iam").tag_user(UserName=name, Tags=[{"Key": "project", "Value": "apollo"}])
    cairn.client("ssm").put_parameter(Name="/apollo/x", Value="1", Type="String", Overwrite=True)
    cairn.client("ssm").put_parameter(Name="/gemini/x", Value="1", Type="String", Overwrite=True)
    ssm = cairn.client("ssm", creds=creds)
    assert ssm.get_parameter(Name="/apollo/x")["Parameter"]["Value"] == "1"
    code, _, _ = denied_boto(ssm.get_parameter, Name="/gemini/x")
    assert code == "AccessDeniedException"


# ---- iam:PassRole ----

def test_pass_role_is_required_to_start_automation_with_a_role(cairn):
    iam = cairn.client("iam")
    role = uniq("authz-automation-role")
    trust = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ssm.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
    role_arn = iam.create_role(RoleName=role, AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    name, arn, creds = make_user(cairn, managed=[SSM_FULL])
    ssm = cairn.client("ssm", creds=creds)
    try:
        ssm.describe_automation_executions()
    except botocore.exceptions.ClientError as e:
        if boto_error(e)[0] in ("UnknownOperationException", "InvalidAction"):
            pytest.skip("no Automation in this build")
        raise
    code, msg, status = denied_boto(ssm.start_automation_execution, DocumentName="AWS-StopEC2Instance",
                                    Parameters={"InstanceId": ["i-0123456789abcdef0"],
                                                "AutomationAssumeRole": [role_arn]})
    assert (code, status) == ("AccessDeniedException", 400)
    assert msg == no_identity_policy(arn, "iam:PassRole", role_arn)
    # with iam:PassRole for this role (and only to SSM) the same call passes authorization
    iam.put_user_policy(UserName=name, PolicyName="pass", PolicyDocument=doc(
        {"Effect": "Allow", "Action": "iam:PassRole", "Resource": role_arn,
         "Condition": {"StringEquals": {"iam:PassedToService": "ssm.amazonaws.com"}}}))
    try:
        ssm.start_automation_execution(DocumentName="AWS-StopEC2Instance",
                                       Parameters={"InstanceId": ["i-0123456789abcdef0"],
                                                   "AutomationAssumeRole": [role_arn]})
    except botocore.exceptions.ClientError as e:
        assert "iam:PassRole" not in boto_error(e)[1]


# ---- the simulator agrees with enforcement ----

def test_simulate_agrees_with_enforcement(cairn):
    iam_root = cairn.client("iam")
    policy = doc({"Effect": "Allow", "Action": ["ssm:Get*", "ssm:Describe*", "iam:List*"], "Resource": "*"},
                 {"Effect": "Deny", "Action": "iam:ListRoles", "Resource": "*"})
    name, arn, creds = make_user(cairn, inline=policy)
    pname = "/" + uniq("authz/sim")
    iam_root_ssm = cairn.client("ssm")
    iam_root_ssm.put_parameter(Name=pname, Value="v", Type="String")
    ssm, iam = cairn.client("ssm", creds=creds), cairn.client("iam", creds=creds)
    param_arn = f"arn:aws:ssm:{cairn.region}:{cairn.account}:parameter{pname}"
    cases = [
        ("ssm:GetParameter", param_arn, lambda: ssm.get_parameter(Name=pname)),
        ("ssm:PutParameter", param_arn, lambda: ssm.put_parameter(Name=pname, Value="w", Type="String",
                                                                  Overwrite=True)),
        ("ssm:DescribeParameters", "*", lambda: ssm.describe_parameters()),
        ("iam:ListUsers", "*", lambda: iam.list_users()),
        ("iam:ListRoles", "*", lambda: iam.list_roles()),
        ("iam:CreateUser", f"arn:aws:iam::{cairn.account}:user/x", lambda: iam.create_user(UserName="x")),
    ]
    for action, resource, call in cases:
        sim = iam_root.simulate_principal_policy(PolicySourceArn=arn, ActionNames=[action],
                                                 ResourceArns=[resource])["EvaluationResults"][0]
        try:
            call()
            actual = "allowed"
        except botocore.exceptions.ClientError as e:
            code, msg = boto_error(e)
            assert code in ("AccessDenied", "AccessDeniedException"), (action, code, msg)
            actual = "explicitDeny" if "explicit deny" in msg else "implicitDeny"
        assert sim["EvalDecision"] == actual, (action, sim, actual)
        assert sim["EvalActionName"] == action and sim["EvalResourceName"] == resource


def test_simulate_principal_policy_details_cli(cairn):
    iam = cairn.client("iam")
    text = ('{\n  "Version": "2012-10-17",\n  "Statement": [\n    {\n      "Sid": "ReadParams",\n'
            '      "Effect": "Allow",\n      "Action": "ssm:GetParameter",\n      "Resource": "*",\n'
            '      "Condition": {"StringEquals": {"aws:PrincipalTag/team": "blue"}}\n    }\n  ]\n}')
    name, arn, creds = make_user(cairn, inline=text, boundary=SSM_READ)
    out = cairn.aws("iam", "simulate-principal-policy", "--policy-source-arn", arn,
                    "--action-names", "ssm:GetParameter", "ssm:PutParameter",
                    "--context-entries", "ContextKeyName=aws:PrincipalTag/team,ContextKeyValues=blue,"
                    "ContextKeyType=string")
    res = {r["EvalActionName"]: r for r in out["EvaluationResults"]}
    get = res["ssm:GetParameter"]
    assert get["EvalDecision"] == "allowed"
    assert get["EvalResourceName"] == "*"
    assert get["MatchedStatements"] == [{
        "SourcePolicyId": "inline", "SourcePolicyType": "user",
        "StartPosition": {"Line": 4, "Column": 5}, "EndPosition": {"Line": 10, "Column": 6}}]
    assert get["PermissionsBoundaryDecisionDetail"] == {"AllowedByPermissionsBoundary": True}
    put = res["ssm:PutParameter"]
    assert put["EvalDecision"] == "implicitDeny"
    assert put["PermissionsBoundaryDecisionDetail"] == {"AllowedByPermissionsBoundary": False}
    # without the context key: the condition cannot hold, and the key is reported missing
    out = cairn.aws("iam", "simulate-principal-policy", "--policy-source-arn", arn,
                    "--action-names", "ssm:GetParameter")
    r = out["EvaluationResults"][0]
    assert r["EvalDecision"] == "implicitDeny"
    assert r["MissingContextValues"] == ["aws:PrincipalTag/team"]
    keys = cairn.aws("iam", "get-context-keys-for-principal-policy", "--policy-source-arn", arn)
    assert "aws:PrincipalTag/team" in keys["ContextKeyNames"]


def test_simulate_custom_policy_boto3(cairn):
    iam = cairn.client("iam")
    allow_doc = doc({"Effect": "Allow", "Action": "ssm:*", "Resource": "*"})
    deny_doc = doc({"Sid": "NoDelete", "Effect": "Deny", "Action": "ssm:Delete*", "Resource": "*"})
    out = iam.simulate_custom_policy(PolicyInputList=[allow_doc, deny_doc],
                                     ActionNames=["ssm:GetParameter", "ssm:DeleteParameter", "iam:GetUser"],
                                     ResourceArns=["arn:aws:ssm:us-east-1:123456789012:parameter/a",
                                                   "arn:aws:ssm:us-east-1:123456789012:parameter/b"])
    results = out["EvaluationResults"]
    assert len(results) == 6 and out["IsTruncated"] is False
    by = {(r["EvalActionName"], r["EvalResourceName"]): r for r in results}
    d = by[("ssm:DeleteParameter", "arn:aws:ssm:us-east-1:123456789012:parameter/a")]
    assert d["EvalDecision"] == "explicitDeny"
    assert d["MatchedStatements"][0]["SourcePolicyId"] == "PolicyInputList.2"
    assert d["ResourceSpecificResults"][0]["EvalResourceDecision"] == "explicitDeny"
    assert by[("iam:GetUser", "arn:aws:ssm:us-east-1:123456789012:parameter/b")]["EvalDecision"] == "implicitDeny"
    g = by[("ssm:GetParameter", "arn:aws:ssm:us-east-1:123456789012:parameter/b")]
    assert g["EvalDecision"] == "allowed" and g["MatchedStatements"][0]["SourcePolicyId"] == "PolicyInputList.1"
    # paging with Marker / MaxItems
    page1 = iam.simulate_custom_policy(PolicyInputList=[allow_doc], MaxItems=2,
                                       ActionNames=["ssm:A", "ssm:B", "ssm:C"])
    assert page1["IsTruncated"] is True and len(page1["EvaluationResults"]) == 2
    page2 = iam.simulate_custom_policy(PolicyInputList=[allow_doc], MaxItems=2, Marker=page1["Marker"],
                                       ActionNames=["ssm:A", "ssm:B", "ssm:C"])
    assert page2["IsTruncated"] is False
    assert [r["EvalActionName"] for r in page2["EvaluationResults"]] == ["ssm:C"]
    # a resource policy with a caller
    rp = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:user/bob"},
        "Action": "ssm:GetParameter", "Resource": "*"}]})
    r = iam.simulate_custom_policy(PolicyInputList=[doc({"Effect": "Allow", "Action": "iam:*", "Resource": "*"})],
                                   ActionNames=["ssm:GetParameter"], ResourcePolicy=rp,
                                   CallerArn="arn:aws:iam::123456789012:user/bob")["EvaluationResults"][0]
    assert r["EvalDecision"] == "allowed"
    assert r["MatchedStatements"][0]["SourcePolicyType"] == "resource"
    keys = iam.get_context_keys_for_custom_policy(PolicyInputList=[doc(
        {"Effect": "Allow", "Action": "*", "Resource": "*",
         "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"},
                       "StringLike": {"s3:prefix": "home/${aws:username}/*"}}})])["ContextKeyNames"]
    assert set(keys) == {"aws:SourceIp", "s3:prefix", "aws:username"}
    # errors
    code, msg, status = denied_boto(iam.simulate_principal_policy,
                                    PolicySourceArn=f"arn:aws:iam::{cairn.account}:user/nobody-here",
                                    ActionNames=["ssm:GetParameter"])
    assert (code, status) == ("NoSuchEntity", 404)
    code, msg, status = denied_boto(iam.simulate_custom_policy, PolicyInputList=["{not json"],
                                    ActionNames=["ssm:GetParameter"])
    assert status == 400 and code == "MalformedPolicyDocument"


def test_simulator_apis_need_permission(cairn):
    name, arn, creds = make_user(cairn, managed=[SSM_FULL])
    iam = cairn.client("iam", creds=creds)
    code, msg, status = denied_boto(iam.simulate_principal_policy, PolicySourceArn=arn,
                                    ActionNames=["ssm:GetParameter"])
    assert (code, status) == ("AccessDenied", 403)
    assert msg == no_identity_policy(arn, "iam:SimulatePrincipalPolicy", arn)
