"""IAM managed policies (customer and AWS managed), versions, attachments, inline policies,
GetAccountAuthorizationDetails and GetAccountSummary, with the aws CLI v2/v1 and boto3."""
import json

import pytest

from test_iam_common import allow, boto_err, cli_error, is_iso, trust, uniq

SSM_FULL = "arn:aws:iam::aws:policy/AmazonSSMFullAccess"
AUTOMATION_ROLE = "arn:aws:iam::aws:policy/service-role/AmazonSSMAutomationRole"
DOC = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]}


# ---- CreatePolicy / GetPolicy ----

@pytest.mark.parametrize("v", [2, 1])
def test_create_and_get_policy_cli(cairn, v):
    name = uniq("Pol")
    out = cairn.aws("iam", "create-policy", "--policy-name", name, "--path", "/team/", "--policy-document",
                    json.dumps(DOC), "--description", "lists buckets", v=v)["Policy"]
    assert out["PolicyName"] == name and out["Path"] == "/team/"
    assert out["PolicyId"].startswith("ANPA") and len(out["PolicyId"]) == 21
    assert out["Arn"] == f"arn:aws:iam::{cairn.account}:policy/team/{name}"
    assert out["DefaultVersionId"] == "v1" and out["AttachmentCount"] == 0
    assert out["PermissionsBoundaryUsageCount"] == 0 and out["IsAttachable"] is True
    assert is_iso(out["CreateDate"]) and out["CreateDate"] == out["UpdateDate"]
    got = cairn.aws("iam", "get-policy", "--policy-arn", out["Arn"], v=v)["Policy"]
    assert got["Description"] == "lists buckets"
    assert {k: got[k] for k in out} == out
    ver = cairn.aws("iam", "get-policy-version", "--policy-arn", out["Arn"], "--version-id", "v1", v=v)["PolicyVersion"]
    assert ver["Document"] == DOC and ver["IsDefaultVersion"] is True and ver["VersionId"] == "v1"


def test_create_policy_errors(cairn):
    iam = cairn.client("iam")
    name = uniq("DupPol")
    iam.create_policy(PolicyName=name, PolicyDocument=json.dumps(DOC))
    assert boto_err(iam.create_policy, PolicyName=name.lower(), PolicyDocument=json.dumps(DOC)) == \
        ("EntityAlreadyExists", f"A policy called {name.lower()} already exists. Duplicate names are not allowed.", 409)
    cases = [
        ("not json", "Syntax errors in policy."),
        (json.dumps({"Statement": DOC["Statement"]}), "Policy document must be version 2012-10-17 or greater."),
        (json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": "*"}]}),
         "Policy statement must contain actions."),
        (json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*"}]}),
         "Policy statement must contain resources."),
        (json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*",
                                                             "Principal": "*"}]}),
         "Policy document should not specify a principal."),
        (json.dumps({"Version": "2012-10-17", "Statement": [{"Sid": "A", "Effect": "Allow", "Action": "s3:*", "Resource": "*"},
                                                            {"Sid": "A", "Effect": "Deny", "Action": "s3:*", "Resource": "*"}]}),
         "Statement IDs (SID) in a single policy must be unique."),
        (json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "bucket"}]}),
         'Resource bucket must be in ARN format or "*".'),
    ]
    for doc, msg in cases:
        assert boto_err(iam.create_policy, PolicyName=uniq("Bad"), PolicyDocument=doc) == \
            ("MalformedPolicyDocument", msg, 400), msg
    big = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": [f"s3:GetObjectNumber{i:04d}" for i in range(300)], "Resource": "*"}]})
    assert boto_err(iam.create_policy, PolicyName=uniq("Big"), PolicyDocument=big) == \
        ("LimitExceeded", "Cannot exceed quota for PolicySize: 6144", 409)
    code, msg = cli_error(cairn, "iam", "create-policy", "--policy-name", "bad name", "--policy-document", json.dumps(DOC))
    assert code == "ValidationError"
    missing = f"arn:aws:iam::{cairn.account}:policy/NoSuchPolicy"
    assert boto_err(iam.get_policy, PolicyArn=missing) == ("NoSuchEntity", f"Policy {missing} was not found.", 404)
    assert boto_err(iam.get_policy, PolicyArn="arn:aws:s3:::not-a-policy") == \
        ("InvalidInput", "ARN arn:aws:s3:::not-a-policy is not valid.", 400)


def test_aws_managed_policies(cairn):
    iam = cairn.client("iam")
    p = iam.get_policy(PolicyArn=SSM_FULL)["Policy"]
    assert p["PolicyName"] == "AmazonSSMFullAccess" and p["PolicyId"] == "ANPAJA7V6HI4ISQFMDYAG"
    assert p["Path"] == "/" and p["DefaultVersionId"] == "v4" and p["IsAttachable"] is True
    assert p["Description"]
    assert p["CreateDate"].isoformat().startswith("2015-05-29T17:39:47")
    a = iam.get_policy(PolicyArn=AUTOMATION_ROLE)["Policy"]
    assert a["Path"] == "/service-role/" and a["DefaultVersionId"] == "v8" and a["PolicyId"] == "ANPAJIBQCTBCXD2XRNB6W"
    slr = iam.get_policy(PolicyArn="arn:aws:iam::aws:policy/aws-service-role/AmazonSSMServiceRolePolicy")["Policy"]
    assert slr["Path"] == "/aws-service-role/"
    doc = iam.get_policy_version(PolicyArn=AUTOMATION_ROLE, VersionId="v8")["PolicyVersion"]["Document"]
    assert {"Action": ["lambda:InvokeFunction"], "Resource": ["arn:aws:lambda:*:*:function:Automation*"],
            "Effect": "Allow"} in doc["Statement"]
    versions = iam.list_policy_versions(PolicyArn=AUTOMATION_ROLE)["Versions"]
    assert [v["VersionId"] for v in versions] == ["v8"] and versions[0]["IsDefaultVersion"]
    assert boto_err(iam.get_policy_version, PolicyArn=AUTOMATION_ROLE, VersionId="v1") == \
        ("NoSuchEntity", f"Policy {AUTOMATION_ROLE} version v1 does not exist or is not attachable.", 404)
    # AWS's policies belong to AWS: not deletable or editable
    for fn, kw, action in ((iam.delete_policy, {}, "DeletePolicy"),
                           (iam.create_policy_version, {"PolicyDocument": json.dumps(DOC)}, "CreatePolicyVersion"),
                           (iam.set_default_policy_version, {"VersionId": "v4"}, "SetDefaultPolicyVersion"),
                           (iam.delete_policy_version, {"VersionId": "v1"}, "DeletePolicyVersion"),
                           (iam.tag_policy, {"Tags": [{"Key": "a", "Value": "b"}]}, "TagPolicy")):
        assert boto_err(fn, PolicyArn=SSM_FULL, **kw) == \
            ("AccessDenied", f"User: arn:aws:iam::{cairn.account}:root is not authorized to perform: iam:{action} "
                             f"on resource: policy {SSM_FULL}", 403)
    # every reference policy is there, with its real path
    listed = {p["PolicyName"]: p for p in cairn.aws("iam", "list-policies", "--scope", "AWS")["Policies"]}
    for name in ("AdministratorAccess", "AmazonSSMFullAccess", "AmazonSSMAutomationRole", "AmazonSSMManagedInstanceCore",
                 "AmazonEC2RoleforSSM", "AWSLambdaRole", "IAMFullAccess", "AmazonSSMServiceRolePolicy"):
        assert name in listed
    assert listed["AmazonEC2RoleforSSM"]["Arn"] == "arn:aws:iam::aws:policy/service-role/AmazonEC2RoleforSSM"
    assert len(listed) >= 21
    svc = iam.list_policies(Scope="AWS", PathPrefix="/service-role/")["Policies"]
    assert svc and all(p["Path"] == "/service-role/" for p in svc)


# ---- ListPolicies ----

def test_list_policies_paging_hundreds(cairn_factory):
    c = cairn_factory()
    iam = c.client("iam")
    names = sorted(f"Bulk{i:03d}" for i in range(230))
    for n in names:
        iam.create_policy(PolicyName=n, PolicyDocument=json.dumps(DOC))
    first = iam.list_policies(Scope="Local")
    assert len(first["Policies"]) == 100 and first["IsTruncated"] is True      # AWS's default MaxItems
    assert [p["PolicyName"] for p in first["Policies"]] == names[:100]
    second = iam.list_policies(Scope="Local", Marker=first["Marker"])
    third = iam.list_policies(Scope="Local", Marker=second["Marker"])
    assert [p["PolicyName"] for p in second["Policies"] + third["Policies"]] == names[100:]
    assert third["IsTruncated"] is False
    # paging across AWS and local policies together, small pages
    seen, marker = [], None
    while True:
        page = iam.list_policies(MaxItems=17, **({"Marker": marker} if marker else {}))
        seen += [p["Arn"] for p in page["Policies"]]
        if not page["IsTruncated"]:
            break
        marker = page["Marker"]
    assert len(seen) == len(set(seen)) == 230 + len(iam.list_policies(Scope="AWS", MaxItems=1000)["Policies"])
    # the CLI pages through all of it
    out = c.aws("iam", "list-policies", "--scope", "Local")
    assert len(out["Policies"]) == 230
    out = c.aws("iam", "list-policies", "--scope", "Local", "--page-size", "60", v=1)
    assert [p["PolicyName"] for p in out["Policies"]] == names


def test_list_policies_filters(cairn):
    iam = cairn.client("iam")
    path = f"/{uniq('lp')}/"
    arns = [iam.create_policy(PolicyName=uniq("F"), Path=path, PolicyDocument=json.dumps(DOC))["Policy"]["Arn"]
            for _ in range(3)]
    user = uniq("lpuser")
    iam.create_user(UserName=user)
    iam.attach_user_policy(UserName=user, PolicyArn=arns[0])
    iam.put_user_permissions_boundary(UserName=user, PermissionsBoundary=arns[1])
    local = [p["Arn"] for p in iam.list_policies(Scope="Local", PathPrefix=path)["Policies"]]
    assert local == arns
    attached = [p["Arn"] for p in iam.list_policies(Scope="Local", PathPrefix=path, OnlyAttached=True,
                                                    PolicyUsageFilter="PermissionsPolicy")["Policies"]]
    assert attached == [arns[0]]
    bnd = [p["Arn"] for p in iam.list_policies(Scope="Local", PathPrefix=path, OnlyAttached=True,
                                               PolicyUsageFilter="PermissionsBoundary")["Policies"]]
    assert bnd == [arns[1]]
    iam.attach_user_policy(UserName=user, PolicyArn=SSM_FULL)
    aws_attached = iam.list_policies(Scope="AWS", OnlyAttached=True)["Policies"]
    assert SSM_FULL in [p["Arn"] for p in aws_attached]
    assert [p for p in aws_attached if p["Arn"] == SSM_FULL][0]["AttachmentCount"] >= 1
    code, _, _ = boto_err(iam.list_policies, Scope="Everything")
    assert code == "ValidationError"


# ---- versions ----

def test_policy_versions(cairn):
    iam = cairn.client("iam")
    arn = iam.create_policy(PolicyName=uniq("Ver"), PolicyDocument=json.dumps(DOC))["Policy"]["Arn"]
    docs = {}
    for i in range(2, 6):
        d = allow(f"s3:GetObjectV{i}")
        out = iam.create_policy_version(PolicyArn=arn, PolicyDocument=d, SetAsDefault=(i == 3))["PolicyVersion"]
        assert out["VersionId"] == f"v{i}" and out["IsDefaultVersion"] is (i == 3)
        assert "Document" not in out
        docs[f"v{i}"] = json.loads(d)
    assert iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v3"
    assert boto_err(iam.create_policy_version, PolicyArn=arn, PolicyDocument=json.dumps(DOC)) == \
        ("LimitExceeded", "A managed policy can have up to 5 versions. Before you create a new version, you must "
                          "delete an existing version.", 409)
    versions = cairn.aws("iam", "list-policy-versions", "--policy-arn", arn)["Versions"]
    assert [v["VersionId"] for v in versions] == ["v5", "v4", "v3", "v2", "v1"]
    assert [v["IsDefaultVersion"] for v in versions] == [False, False, True, False, False]
    page = iam.list_policy_versions(PolicyArn=arn, MaxItems=2)
    assert len(page["Versions"]) == 2 and page["IsTruncated"]
    assert [v["VersionId"] for v in iam.list_policy_versions(PolicyArn=arn, Marker=page["Marker"])["Versions"]] == \
        ["v3", "v2", "v1"]
    got = cairn.aws("iam", "get-policy-version", "--policy-arn", arn, "--version-id", "v4", v=1)["PolicyVersion"]
    assert got["Document"] == docs["v4"] and got["IsDefaultVersion"] is False
    cairn.aws("iam", "set-default-policy-version", "--policy-arn", arn, "--version-id", "v5")
    assert iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v5"
    assert boto_err(iam.delete_policy_version, PolicyArn=arn, VersionId="v5") == \
        ("DeleteConflict", "Cannot delete the default version of a policy.", 409)
    iam.delete_policy_version(PolicyArn=arn, VersionId="v1")
    assert boto_err(iam.delete_policy_version, PolicyArn=arn, VersionId="v1") == \
        ("NoSuchEntity", f"Policy {arn} version v1 does not exist or is not attachable.", 404)
    assert boto_err(iam.get_policy_version, PolicyArn=arn, VersionId="v9")[0] == "NoSuchEntity"
    assert boto_err(iam.set_default_policy_version, PolicyArn=arn, VersionId="v9") == \
        ("NoSuchEntity", f"Policy {arn} version v9 does not exist or is not attachable.", 404)
    # new versions keep counting up after a delete
    assert iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(DOC))["PolicyVersion"]["VersionId"] == "v6"
    assert boto_err(iam.create_policy_version, PolicyArn=arn, PolicyDocument="{}")[0] == "MalformedPolicyDocument"
    missing = f"arn:aws:iam::{cairn.account}:policy/NoVer"
    for fn, kw in ((iam.create_policy_version, {"PolicyDocument": json.dumps(DOC)}), (iam.list_policy_versions, {}),
                   (iam.get_policy_version, {"VersionId": "v1"}), (iam.delete_policy_version, {"VersionId": "v2"}),
                   (iam.set_default_policy_version, {"VersionId": "v1"})):
        assert boto_err(fn, PolicyArn=missing, **kw) == ("NoSuchEntity", f"Policy {missing} was not found.", 404)
    code, _, _ = boto_err(iam.get_policy_version, PolicyArn=arn, VersionId="1")
    assert code == "ValidationError"


def test_delete_policy(cairn):
    iam = cairn.client("iam")
    arn = iam.create_policy(PolicyName=uniq("Del"), PolicyDocument=json.dumps(DOC))["Policy"]["Arn"]
    iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(DOC))
    assert boto_err(iam.delete_policy, PolicyArn=arn) == \
        ("DeleteConflict", "This policy has more than one version. Before you delete a policy, you must delete the "
                           "policy's versions. The default version is deleted with the policy.", 409)
    iam.delete_policy_version(PolicyArn=arn, VersionId="v2")
    role = uniq("delpolrole")
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=trust("ec2.amazonaws.com"))
    iam.attach_role_policy(RoleName=role, PolicyArn=arn)
    assert boto_err(iam.delete_policy, PolicyArn=arn) == \
        ("DeleteConflict", "Cannot delete a policy attached to entities.", 409)
    iam.detach_role_policy(RoleName=role, PolicyArn=arn)
    cairn.aws("iam", "delete-policy", "--policy-arn", arn)
    assert boto_err(iam.get_policy, PolicyArn=arn)[0] == "NoSuchEntity"
    assert boto_err(iam.delete_policy, PolicyArn=arn) == ("NoSuchEntity", f"Policy {arn} was not found.", 404)


# ---- attach / detach ----

@pytest.mark.parametrize("kind", ["user", "group", "role"])
def test_attach_detach(cairn, kind):
    iam = cairn.client("iam")
    name = uniq(f"att{kind}")
    K = kind.capitalize()
    if kind == "role":
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust("ec2.amazonaws.com"))
    else:
        getattr(iam, f"create_{kind}")(**{f"{K}Name": name})
    key = {f"{K}Name": name}
    arn = iam.create_policy(PolicyName=uniq("Att"), Path="/att/", PolicyDocument=json.dumps(DOC))["Policy"]["Arn"]
    cairn.aws("iam", f"attach-{kind}-policy", f"--{kind}-name", name, "--policy-arn", arn)
    getattr(iam, f"attach_{kind}_policy")(PolicyArn=SSM_FULL, **key)
    getattr(iam, f"attach_{kind}_policy")(PolicyArn=SSM_FULL, **key)       # again: no-op
    listed = cairn.aws("iam", f"list-attached-{kind}-policies", f"--{kind}-name", name)["AttachedPolicies"]
    assert listed == [{"PolicyName": arn.rsplit("/", 1)[1], "PolicyArn": arn},
                      {"PolicyName": "AmazonSSMFullAccess", "PolicyArn": SSM_FULL}]
    assert getattr(iam, f"list_attached_{kind}_policies")(PathPrefix="/att/", **key)["AttachedPolicies"] == listed[:1]
    page = getattr(iam, f"list_attached_{kind}_policies")(MaxItems=1, **key)
    assert page["IsTruncated"] and len(page["AttachedPolicies"]) == 1
    assert getattr(iam, f"list_attached_{kind}_policies")(Marker=page["Marker"], **key)["AttachedPolicies"] == listed[1:]
    assert iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"] == 1
    ents = iam.list_entities_for_policy(PolicyArn=arn)
    assert ents[f"Policy{K}s"][0][f"{K}Name"] == name and ents[f"Policy{K}s"][0][f"{K}Id"]
    missing = f"arn:aws:iam::{cairn.account}:policy/NotThere"
    assert boto_err(getattr(iam, f"attach_{kind}_policy"), PolicyArn=missing, **key) == \
        ("NoSuchEntity", f"Policy {missing} does not exist or is not attachable.", 404)
    assert boto_err(getattr(iam, f"attach_{kind}_policy"), PolicyArn="bogus-arn-of-twenty-chars", **key) == \
        ("InvalidInput", "ARN bogus-arn-of-twenty-chars is not valid.", 400)
    assert boto_err(getattr(iam, f"attach_{kind}_policy"), PolicyArn=arn, **{f"{K}Name": "ghost"}) == \
        ("NoSuchEntity", f"The {kind} with name ghost cannot be found.", 404)
    getattr(iam, f"detach_{kind}_policy")(PolicyArn=arn, **key)
    assert boto_err(getattr(iam, f"detach_{kind}_policy"), PolicyArn=arn, **key) == \
        ("NoSuchEntity", f"Policy {arn} was not found.", 404)
    assert boto_err(getattr(iam, f"list_attached_{kind}_policies"), **{f"{K}Name": "ghost"})[0] == "NoSuchEntity"
    # at most 10 managed policies per entity
    for i in range(9):
        extra = iam.create_policy(PolicyName=uniq("Ten"), PolicyDocument=json.dumps(DOC))["Policy"]["Arn"]
        getattr(iam, f"attach_{kind}_policy")(PolicyArn=extra, **key)
    assert boto_err(getattr(iam, f"attach_{kind}_policy"), PolicyArn=arn, **key) == \
        ("LimitExceeded", f"Cannot exceed quota for PoliciesPer{K}: 10", 409)


def test_list_entities_for_policy(cairn):
    iam = cairn.client("iam")
    arn = iam.create_policy(PolicyName=uniq("Ents"), PolicyDocument=json.dumps(DOC))["Policy"]["Arn"]
    u, g, r = uniq("eu"), uniq("eg"), uniq("er")
    iam.create_user(UserName=u, Path="/p/")
    iam.create_group(GroupName=g)
    iam.create_role(RoleName=r, AssumeRolePolicyDocument=trust("ec2.amazonaws.com"))
    iam.attach_user_policy(UserName=u, PolicyArn=arn)
    iam.attach_group_policy(GroupName=g, PolicyArn=arn)
    iam.attach_role_policy(RoleName=r, PolicyArn=arn)
    out = cairn.aws("iam", "list-entities-for-policy", "--policy-arn", arn)
    assert [x["UserName"] for x in out["PolicyUsers"]] == [u]
    assert [x["GroupName"] for x in out["PolicyGroups"]] == [g]
    assert [x["RoleName"] for x in out["PolicyRoles"]] == [r]
    only = iam.list_entities_for_policy(PolicyArn=arn, EntityFilter="Role")
    assert only["PolicyUsers"] == [] and only["PolicyGroups"] == [] and len(only["PolicyRoles"]) == 1
    assert [x["UserName"] for x in iam.list_entities_for_policy(PolicyArn=arn, PathPrefix="/p/")["PolicyUsers"]] == [u]
    page = iam.list_entities_for_policy(PolicyArn=arn, MaxItems=2)
    assert page["IsTruncated"]
    rest = iam.list_entities_for_policy(PolicyArn=arn, Marker=page["Marker"])
    total = sum(len(x[k]) for x in (page, rest) for k in ("PolicyUsers", "PolicyGroups", "PolicyRoles"))
    assert total == 3
    missing = f"arn:aws:iam::{cairn.account}:policy/Nope"
    assert boto_err(iam.list_entities_for_policy, PolicyArn=missing) == \
        ("NoSuchEntity", f"Policy {missing} was not found.", 404)


def test_policy_tags(cairn):
    iam = cairn.client("iam")
    out = iam.create_policy(PolicyName=uniq("Tagged"), PolicyDocument=json.dumps(DOC),
                            Tags=[{"Key": "a", "Value": "1"}])["Policy"]
    assert out["Tags"] == [{"Key": "a", "Value": "1"}]
    arn = out["Arn"]
    iam.tag_policy(PolicyArn=arn, Tags=[{"Key": "b", "Value": "2"}])
    assert cairn.aws("iam", "list-policy-tags", "--policy-arn", arn)["Tags"] == \
        [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}]
    assert iam.get_policy(PolicyArn=arn)["Policy"]["Tags"] == [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}]
    iam.untag_policy(PolicyArn=arn, TagKeys=["a"])
    assert iam.list_policy_tags(PolicyArn=arn)["Tags"] == [{"Key": "b", "Value": "2"}]
    missing = f"arn:aws:iam::{cairn.account}:policy/Nope"
    for fn, kw in ((iam.tag_policy, {"Tags": [{"Key": "a", "Value": "b"}]}), (iam.untag_policy, {"TagKeys": ["a"]}),
                   (iam.list_policy_tags, {})):
        assert boto_err(fn, PolicyArn=missing, **kw) == ("NoSuchEntity", f"Policy {missing} was not found.", 404)


# ---- inline policies ----

@pytest.mark.parametrize("kind", ["user", "group", "role"])
def test_inline_policies(cairn, kind):
    iam = cairn.client("iam")
    name = uniq(f"inl{kind}")
    K = kind.capitalize()
    if kind == "role":
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust("ec2.amazonaws.com"))
    else:
        getattr(iam, f"create_{kind}")(**{f"{K}Name": name})
    doc = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "PassRole", "Effect": "Allow", "Action": "iam:PassRole",
         "Resource": f"arn:aws:iam::{cairn.account}:role/AutomationServiceRole"}]}, indent=2)
    cairn.aws("iam", f"put-{kind}-policy", f"--{kind}-name", name, "--policy-name", "PassRole", "--policy-document", doc)
    got = cairn.aws("iam", f"get-{kind}-policy", f"--{kind}-name", name, "--policy-name", "PassRole")
    assert got == {f"{K}Name": name, "PolicyName": "PassRole", "PolicyDocument": json.loads(doc)}
    # replacing keeps one policy
    getattr(iam, f"put_{kind}_policy")(PolicyName="PassRole", PolicyDocument=allow("iam:PassRole"), **{f"{K}Name": name})
    getattr(iam, f"put_{kind}_policy")(PolicyName="Another", PolicyDocument=allow("s3:*"), **{f"{K}Name": name})
    assert cairn.aws("iam", f"list-{kind}-policies", f"--{kind}-name", name, v=1)["PolicyNames"] == ["Another", "PassRole"]
    page = getattr(iam, f"list_{kind}_policies")(MaxItems=1, **{f"{K}Name": name})
    assert page["PolicyNames"] == ["Another"] and page["IsTruncated"]
    assert getattr(iam, f"list_{kind}_policies")(Marker=page["Marker"], **{f"{K}Name": name})["PolicyNames"] == ["PassRole"]
    assert getattr(iam, f"get_{kind}_policy")(PolicyName="PassRole", **{f"{K}Name": name})["PolicyDocument"] == \
        json.loads(allow("iam:PassRole"))
    getattr(iam, f"delete_{kind}_policy")(PolicyName="Another", **{f"{K}Name": name})
    assert boto_err(getattr(iam, f"get_{kind}_policy"), PolicyName="Another", **{f"{K}Name": name}) == \
        ("NoSuchEntity", f"The {kind} policy with name Another cannot be found.", 404)
    assert boto_err(getattr(iam, f"delete_{kind}_policy"), PolicyName="Another", **{f"{K}Name": name}) == \
        ("NoSuchEntity", f"The {kind} policy with name Another cannot be found.", 404)
    for fn, kw in ((f"put_{kind}_policy", {"PolicyName": "x", "PolicyDocument": allow("s3:*")}),
                   (f"get_{kind}_policy", {"PolicyName": "x"}), (f"list_{kind}_policies", {}),
                   (f"delete_{kind}_policy", {"PolicyName": "x"})):
        assert boto_err(getattr(iam, fn), **{f"{K}Name": "ghost"}, **kw) == \
            ("NoSuchEntity", f"The {kind} with name ghost cannot be found.", 404)
    with_principal = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}]})
    assert boto_err(getattr(iam, f"put_{kind}_policy"), PolicyName="bad", PolicyDocument=with_principal,
                    **{f"{K}Name": name}) == \
        ("MalformedPolicyDocument", "Policy document should not specify a principal.", 400)
    assert boto_err(getattr(iam, f"put_{kind}_policy"), PolicyName="bad", PolicyDocument="{",
                    **{f"{K}Name": name})[0] == "MalformedPolicyDocument"
    # the aggregate size of an entity's inline policies is capped (non-whitespace characters)
    quota = {"user": 2048, "group": 5120, "role": 10240}[kind]
    actions = [f"s3:GetObjectAction{i:04d}" for i in range(quota // 25)]
    big = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]})
    assert boto_err(getattr(iam, f"put_{kind}_policy"), PolicyName="big", PolicyDocument=big, **{f"{K}Name": name}) == \
        ("LimitExceeded", f"Maximum policy size of {quota} bytes exceeded for {kind} {name}", 409)
    # whitespace does not count
    padded = json.dumps(json.loads(allow("s3:GetObject")), indent=40)
    getattr(iam, f"put_{kind}_policy")(PolicyName="padded", PolicyDocument=padded, **{f"{K}Name": name})


# ---- GetAccountAuthorizationDetails / GetAccountSummary ----

def test_account_authorization_details(cairn_factory):
    c = cairn_factory()
    iam = c.client("iam")
    iam.create_user(UserName="gaad-user", Tags=[{"Key": "t", "Value": "v"}])
    iam.create_group(GroupName="gaad-group")
    iam.add_user_to_group(GroupName="gaad-group", UserName="gaad-user")
    iam.put_user_policy(UserName="gaad-user", PolicyName="inline", PolicyDocument=allow("s3:*"))
    iam.attach_user_policy(UserName="gaad-user", PolicyArn=SSM_FULL)
    iam.put_group_policy(GroupName="gaad-group", PolicyName="ginline", PolicyDocument=allow("ec2:*"))
    iam.create_role(RoleName="gaad-role", AssumeRolePolicyDocument=trust("ec2.amazonaws.com"))
    iam.attach_role_policy(RoleName="gaad-role", PolicyArn=AUTOMATION_ROLE)
    iam.put_role_policy(RoleName="gaad-role", PolicyName="rinline", PolicyDocument=allow("iam:PassRole"))
    iam.create_instance_profile(InstanceProfileName="gaad-profile")
    iam.add_role_to_instance_profile(InstanceProfileName="gaad-profile", RoleName="gaad-role")
    local = iam.create_policy(PolicyName="GaadLocal", PolicyDocument=json.dumps(DOC))["Policy"]["Arn"]
    iam.create_policy_version(PolicyArn=local, PolicyDocument=allow("s3:GetObject"), SetAsDefault=True)
    out = c.aws("iam", "get-account-authorization-details")
    u = out["UserDetailList"][0]
    assert u["UserName"] == "gaad-user" and u["GroupList"] == ["gaad-group"]
    assert u["UserPolicyList"] == [{"PolicyName": "inline", "PolicyDocument": json.loads(allow("s3:*"))}]
    assert u["AttachedManagedPolicies"] == [{"PolicyName": "AmazonSSMFullAccess", "PolicyArn": SSM_FULL}]
    assert u["Tags"] == [{"Key": "t", "Value": "v"}]
    g = out["GroupDetailList"][0]
    assert g["GroupName"] == "gaad-group" and g["GroupPolicyList"][0]["PolicyDocument"] == json.loads(allow("ec2:*"))
    r = out["RoleDetailList"][0]
    assert r["RoleName"] == "gaad-role" and r["AssumeRolePolicyDocument"] == json.loads(trust("ec2.amazonaws.com"))
    assert r["InstanceProfileList"][0]["InstanceProfileName"] == "gaad-profile"
    assert r["RolePolicyList"][0]["PolicyName"] == "rinline"
    assert r["AttachedManagedPolicies"] == [{"PolicyName": "AmazonSSMAutomationRole", "PolicyArn": AUTOMATION_ROLE}]
    pols = {p["Arn"]: p for p in out["Policies"]}
    assert set(pols) == {SSM_FULL, AUTOMATION_ROLE, local}       # AWS policies only when in use
    lp = pols[local]
    assert lp["DefaultVersionId"] == "v2"
    assert [(v["VersionId"], v["IsDefaultVersion"]) for v in lp["PolicyVersionList"]] == [("v2", True), ("v1", False)]
    assert lp["PolicyVersionList"][0]["Document"] == json.loads(allow("s3:GetObject"))
    assert pols[SSM_FULL]["PolicyVersionList"][0]["VersionId"] == "v4"
    # filters and paging
    only = iam.get_account_authorization_details(Filter=["Role"])
    assert [x["RoleName"] for x in only["RoleDetailList"]] == ["gaad-role"]
    assert only["UserDetailList"] == [] and only["Policies"] == []
    aws_only = iam.get_account_authorization_details(Filter=["AWSManagedPolicy"])["Policies"]
    assert {p["Arn"] for p in aws_only} == {SSM_FULL, AUTOMATION_ROLE}
    items, marker = 0, None
    while True:
        page = iam.get_account_authorization_details(MaxItems=2, **({"Marker": marker} if marker else {}))
        items += sum(len(page[k]) for k in ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies"))
        if not page["IsTruncated"]:
            break
        marker = page["Marker"]
    assert items == 6


def test_account_summary(cairn_factory):
    c = cairn_factory()
    iam = c.client("iam")
    iam.create_user(UserName="s1")
    iam.create_user(UserName="s2")
    iam.create_group(GroupName="sg")
    iam.create_role(RoleName="sr", AssumeRolePolicyDocument=trust("ec2.amazonaws.com"))
    iam.create_policy(PolicyName="sp", PolicyDocument=json.dumps(DOC))
    iam.create_instance_profile(InstanceProfileName="si")
    iam.attach_role_policy(RoleName="sr", PolicyArn=SSM_FULL)
    m = c.aws("iam", "get-account-summary")["SummaryMap"]
    assert m["Users"] == 2 and m["Groups"] == 1 and m["Roles"] == 1 and m["Policies"] == 1
    assert m["InstanceProfiles"] == 1 and m["PolicyVersionsInUse"] == 1
    assert m["UsersQuota"] == 5000 and m["AttachedPoliciesPerRoleQuota"] == 10 and m["VersionsPerPolicyQuota"] == 5
    assert m["UserPolicySizeQuota"] == 2048 and m["RolePolicySizeQuota"] == 10240 and m["AccessKeysPerUserQuota"] == 2
    assert m["AccountAccessKeysPresent"] == 1
    assert iam.get_account_summary()["SummaryMap"] == m
