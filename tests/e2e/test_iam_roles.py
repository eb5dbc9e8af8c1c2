"""IAM roles, trust policies, instance profiles and service-linked roles, with the aws CLI
v2/v1 and boto3: every operation's success and its errors."""
import json

import pytest

from test_iam_common import allow, boto_err, cli_error, is_iso, trust, uniq

EC2_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


# ---- CreateRole / GetRole / ListRoles ----

@pytest.mark.parametrize("v", [2, 1])
def test_create_and_get_role_cli(cairn, v):
    name = uniq("role")
    out = cairn.aws("iam", "create-role", "--role-name", name, "--assume-role-policy-document",
                    json.dumps(EC2_TRUST), v=v)["Role"]
    assert out["RoleName"] == name and out["Path"] == "/"
    assert out["RoleId"].startswith("AROA") and len(out["RoleId"]) == 21
    assert out["Arn"] == f"arn:aws:iam::{cairn.account}:role/{name}"
    assert out["AssumeRolePolicyDocument"] == EC2_TRUST     # decoded by the CLI from the URL-encoded text
    assert is_iso(out["CreateDate"])
    got = cairn.aws("iam", "get-role", "--role-name", name, v=v)["Role"]
    assert got["AssumeRolePolicyDocument"] == EC2_TRUST
    assert got["MaxSessionDuration"] == 3600
    assert got["RoleLastUsed"] == {}
    assert {k: got[k] for k in out} == out


def test_create_role_options(cairn):
    iam = cairn.client("iam")
    name = uniq("roleopt")
    doc = json.dumps(EC2_TRUST, indent=4)
    out = iam.create_role(RoleName=name, Path="/service-role/", AssumeRolePolicyDocument=doc,
                          Description="Runs automation", MaxSessionDuration=7200,
                          Tags=[{"Key": "team", "Value": "ops"}])["Role"]
    assert out["Arn"] == f"arn:aws:iam::{cairn.account}:role/service-role/{name}"
    assert out["Description"] == "Runs automation"
    assert out["Tags"] == [{"Key": "team", "Value": "ops"}]
    got = iam.get_role(RoleName=name)["Role"]
    assert got["MaxSessionDuration"] == 7200 and got["Description"] == "Runs automation"
    assert got["AssumeRolePolicyDocument"] == EC2_TRUST


def test_trust_document_is_url_encoded(cairn):
    """The document is kept as given and answered URL-encoded, as IAM does (raw XML)."""
    iam = cairn.client("iam")
    name = uniq("rawrole")
    doc = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=doc)
    seen = {}
    iam.meta.events.register("after-call.iam.GetRole", lambda **kw: seen.setdefault("body", kw["http_response"].content.decode()))
    iam.get_role(RoleName=name)
    assert "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22" in seen["body"]
    assert "<CreateDate>" in seen["body"] and "Z</CreateDate>" in seen["body"]


def test_create_role_errors(cairn):
    iam = cairn.client("iam")
    name = uniq("roleerr")
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust("ec2.amazonaws.com"))
    assert boto_err(iam.create_role, RoleName=name.upper(), AssumeRolePolicyDocument=trust("ec2.amazonaws.com")) == \
        ("EntityAlreadyExists", f"Role with name {name.upper()} already exists.", 409)
    bad = [
        (json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole"}]}),
         "Missing required field Principal"),
        (json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                                                             "Action": "sts:AssumeRole", "Resource": "*"}]}),
         "Has prohibited field Resource"),
        (json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                                                             "Action": "s3:GetObject"}]}),
         "AssumeRole policy may only specify STS AssumeRole actions."),
        ("{not json", "This policy contains invalid Json"),
        (json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "nobody"},
                                                             "Action": "sts:AssumeRole"}]}),
         'Invalid principal in policy: "AWS":"nobody"'),
    ]
    for doc, msg in bad:
        assert boto_err(iam.create_role, RoleName=uniq("bad"), AssumeRolePolicyDocument=doc) == \
            ("MalformedPolicyDocument", msg, 400)
    big = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": f"S{i}", "Effect": "Allow", "Principal": {"Service": f"svc{i:03d}.amazonaws.com"}, "Action": "sts:AssumeRole"}
        for i in range(40)]})
    assert boto_err(iam.create_role, RoleName=uniq("big"), AssumeRolePolicyDocument=big) == \
        ("LimitExceeded", "Cannot exceed quota for ACLSizePerRole: 2048", 409)
    loose = cairn.client("iam", parameter_validation=False)     # the server's own validation
    code, msg, status = boto_err(loose.create_role, RoleName=uniq("r"), AssumeRolePolicyDocument=trust("ec2.amazonaws.com"),
                                 MaxSessionDuration=60)
    assert (code, status) == ("ValidationError", 400) and "greater than or equal to 3600" in msg
    missing = f"arn:aws:iam::{cairn.account}:policy/NoBoundary"
    assert boto_err(iam.create_role, RoleName=uniq("r"), AssumeRolePolicyDocument=trust("ec2.amazonaws.com"),
                    PermissionsBoundary=missing) == \
        ("NoSuchEntity", f"Scope ARN: {missing} does not exist or is not attachable.", 404)
    assert boto_err(iam.get_role, RoleName="norole") == \
        ("NoSuchEntity", "The role with name norole cannot be found.", 404)


def test_trust_principal_must_exist(cairn):
    iam = cairn.client("iam")
    user = uniq("truster")
    iam.create_user(UserName=user)
    ok = trust(aws=f"arn:aws:iam::{cairn.account}:user/{user}")
    iam.create_role(RoleName=uniq("userrole"), AssumeRolePolicyDocument=ok)
    ghost = f"arn:aws:iam::{cairn.account}:user/ghost-user"
    assert boto_err(iam.create_role, RoleName=uniq("r"), AssumeRolePolicyDocument=trust(aws=ghost)) == \
        ("MalformedPolicyDocument", f'Invalid principal in policy: "AWS":"{ghost}"', 400)
    # another account's principals cannot be checked and are accepted
    iam.create_role(RoleName=uniq("xacct"), AssumeRolePolicyDocument=trust(aws="arn:aws:iam::999999999999:root"))


def test_list_roles_paging(cairn):
    iam = cairn.client("iam")
    prefix = f"/{uniq('rp')}/"
    names = sorted(uniq("lr") for _ in range(5))
    for n in names:
        iam.create_role(RoleName=n, Path=prefix, AssumeRolePolicyDocument=trust("ec2.amazonaws.com"),
                        Description="d", Tags=[{"Key": "a", "Value": "b"}])
    page = iam.list_roles(PathPrefix=prefix, MaxItems=2)
    assert [r["RoleName"] for r in page["Roles"]] == names[:2] and page["IsTruncated"]
    item = page["Roles"][0]
    assert item["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "ec2.amazonaws.com"}
    assert item["MaxSessionDuration"] == 3600 and item["Description"] == "d"
    assert "Tags" not in item and "RoleLastUsed" not in item
    rest = iam.list_roles(PathPrefix=prefix, Marker=page["Marker"])
    assert [r["RoleName"] for r in rest["Roles"]] == names[2:] and not rest["IsTruncated"]
    out = cairn.aws("iam", "list-roles", "--path-prefix", prefix, "--page-size", "2", v=1)
    assert [r["RoleName"] for r in out["Roles"]] == names


# ---- updates ----

def test_update_role_and_description(cairn):
    iam = cairn.client("iam")
    name = uniq("upd")
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust("ec2.amazonaws.com"))
    cairn.aws("iam", "update-role", "--role-name", name, "--description", "new", "--max-session-duration", "43200")
    got = iam.get_role(RoleName=name)["Role"]
    assert got["Description"] == "new" and got["MaxSessionDuration"] == 43200
    out = cairn.aws("iam", "update-role-description", "--role-name", name, "--description", "newer")["Role"]
    assert out["Description"] == "newer" and out["RoleName"] == name
    assert boto_err(iam.update_role, RoleName="norole", Description="x") == \
        ("NoSuchEntity", "The role with name norole cannot be found.", 404)
    assert boto_err(iam.update_role_description, RoleName="norole", Description="x")[0] == "NoSuchEntity"
    loose = cairn.client("iam", parameter_validation=False)
    code, msg, _ = boto_err(loose.update_role, RoleName=name, MaxSessionDuration=50000)
    assert code == "ValidationError" and "less than or equal to 43200" in msg


@pytest.mark.parametrize("v", [2, 1])
def test_update_assume_role_policy(cairn, v):
    name = uniq("trustupd")
    cairn.aws("iam", "create-role", "--role-name", name, "--assume-role-policy-document", trust("ec2.amazonaws.com"), v=v)
    both = trust("ec2.amazonaws.com", "ssm.amazonaws.com")
    cairn.aws("iam", "update-assume-role-policy", "--role-name", name, "--policy-document", both, v=v)
    got = cairn.aws("iam", "get-role", "--role-name", name, v=v)["Role"]
    assert got["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["Service"] == \
        ["ec2.amazonaws.com", "ssm.amazonaws.com"]
    assert cli_error(cairn, "iam", "update-assume-role-policy", "--role-name", name, "--policy-document",
                     allow("s3:*"), v=v)[0] == "MalformedPolicyDocument"
    assert cli_error(cairn, "iam", "update-assume-role-policy", "--role-name", "norole", "--policy-document",
                     both, v=v) == ("NoSuchEntity", "The role with name norole cannot be found.")


# ---- DeleteRole ----

def test_delete_role_conflicts(cairn):
    iam = cairn.client("iam")
    name = uniq("delrole")
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust("ec2.amazonaws.com"))
    prof = uniq("delprof")
    iam.create_instance_profile(InstanceProfileName=prof)
    iam.add_role_to_instance_profile(InstanceProfileName=prof, RoleName=name)
    assert boto_err(iam.delete_role, RoleName=name) == \
        ("DeleteConflict", "Cannot delete entity, must remove roles from instance profile first.", 409)
    iam.remove_role_from_instance_profile(InstanceProfileName=prof, RoleName=name)
    iam.attach_role_policy(RoleName=name, PolicyArn="arn:aws:iam::aws:policy/service-role/AmazonSSMAutomationRole")
    assert boto_err(iam.delete_role, RoleName=name) == \
        ("DeleteConflict", "Cannot delete entity, must detach all policies first.", 409)
    iam.detach_role_policy(RoleName=name, PolicyArn="arn:aws:iam::aws:policy/service-role/AmazonSSMAutomationRole")
    iam.put_role_policy(RoleName=name, PolicyName="pass", PolicyDocument=allow("iam:PassRole"))
    assert boto_err(iam.delete_role, RoleName=name) == \
        ("DeleteConflict", "Cannot delete entity, must delete policies first.", 409)
    iam.delete_role_policy(RoleName=name, PolicyName="pass")
    assert cairn.aws("iam", "delete-role", "--role-name", name) is None
    assert boto_err(iam.delete_role, RoleName=name) == \
        ("NoSuchEntity", f"The role with name {name} cannot be found.", 404)


# ---- tags and boundaries ----

def test_role_tags(cairn):
    iam = cairn.client("iam")
    name = uniq("tagrole")
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust("ec2.amazonaws.com"))
    cairn.aws("iam", "tag-role", "--role-name", name, "--tags", "Key=Test,Value=1")
    iam.tag_role(RoleName=name, Tags=[{"Key": "test", "Value": "2"}, {"Key": "Other", "Value": "x"}])
    assert cairn.aws("iam", "list-role-tags", "--role-name", name)["Tags"] == \
        [{"Key": "test", "Value": "2"}, {"Key": "Other", "Value": "x"}]
    assert iam.get_role(RoleName=name)["Role"]["Tags"] == [{"Key": "test", "Value": "2"}, {"Key": "Other", "Value": "x"}]
    cairn.aws("iam", "untag-role", "--role-name", name, "--tag-keys", "other")
    assert iam.list_role_tags(RoleName=name)["Tags"] == [{"Key": "test", "Value": "2"}]
    for fn, kw in ((iam.tag_role, {"Tags": [{"Key": "a", "Value": "b"}]}), (iam.untag_role, {"TagKeys": ["a"]}),
                   (iam.list_role_tags, {})):
        assert boto_err(fn, RoleName="norole", **kw) == ("NoSuchEntity", "The role with name norole cannot be found.", 404)
    assert boto_err(iam.tag_role, RoleName=name, Tags=[{"Key": "Dup", "Value": "1"}, {"Key": "dup", "Value": "2"}])[0] == "InvalidInput"


def test_role_permissions_boundary(cairn):
    iam = cairn.client("iam")
    name = uniq("bndrole")
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust("ec2.amazonaws.com"))
    arn = "arn:aws:iam::aws:policy/AmazonSSMFullAccess"
    cairn.aws("iam", "put-role-permissions-boundary", "--role-name", name, "--permissions-boundary", arn)
    assert iam.get_role(RoleName=name)["Role"]["PermissionsBoundary"] == \
        {"PermissionsBoundaryType": "PermissionsBoundaryPolicy", "PermissionsBoundaryArn": arn}
    users = iam.list_entities_for_policy(PolicyArn=arn, PolicyUsageFilter="PermissionsBoundary")
    assert name in [r["RoleName"] for r in users["PolicyRoles"]]
    iam.delete_role_permissions_boundary(RoleName=name)
    assert "PermissionsBoundary" not in iam.get_role(RoleName=name)["Role"]
    missing = f"arn:aws:iam::{cairn.account}:policy/none"
    assert boto_err(iam.put_role_permissions_boundary, RoleName=name, PermissionsBoundary=missing) == \
        ("NoSuchEntity", f"Scope ARN: {missing} does not exist or is not attachable.", 404)
    assert boto_err(iam.put_role_permissions_boundary, RoleName="norole", PermissionsBoundary=arn)[0] == "NoSuchEntity"
    assert boto_err(iam.delete_role_permissions_boundary, RoleName="norole")[0] == "NoSuchEntity"


# ---- instance profiles ----

@pytest.mark.parametrize("v", [2, 1])
def test_instance_profile_cli(cairn, v):
    prof = uniq("profile")
    role = uniq("instrole")
    out = cairn.aws("iam", "create-instance-profile", "--instance-profile-name", prof, "--path", "/ip/", v=v)["InstanceProfile"]
    assert out["InstanceProfileId"].startswith("AIPA") and len(out["InstanceProfileId"]) == 21
    assert out["Arn"] == f"arn:aws:iam::{cairn.account}:instance-profile/ip/{prof}"
    assert out["Roles"] == []
    r = cairn.aws("iam", "create-role", "--role-name", role, "--assume-role-policy-document", json.dumps(EC2_TRUST), v=v)["Role"]
    cairn.aws("iam", "add-role-to-instance-profile", "--instance-profile-name", prof, "--role-name", role, v=v)
    got = cairn.aws("iam", "get-instance-profile", "--instance-profile-name", prof, v=v)["InstanceProfile"]
    assert [x["RoleName"] for x in got["Roles"]] == [role]
    assert got["Roles"][0]["Arn"] == r["Arn"] and got["Roles"][0]["AssumeRolePolicyDocument"] == EC2_TRUST
    lst = cairn.aws("iam", "list-instance-profiles-for-role", "--role-name", role, v=v)["InstanceProfiles"]
    assert [p["InstanceProfileName"] for p in lst] == [prof]
    lst = cairn.aws("iam", "list-instance-profiles", "--path-prefix", "/ip/", v=v)["InstanceProfiles"]
    assert prof in [p["InstanceProfileName"] for p in lst]
    cairn.aws("iam", "remove-role-from-instance-profile", "--instance-profile-name", prof, "--role-name", role, v=v)
    assert cairn.aws("iam", "get-instance-profile", "--instance-profile-name", prof, v=v)["InstanceProfile"]["Roles"] == []
    cairn.aws("iam", "delete-instance-profile", "--instance-profile-name", prof, v=v)
    assert cli_error(cairn, "iam", "get-instance-profile", "--instance-profile-name", prof, v=v) == \
        ("NoSuchEntity", f"Instance Profile {prof} cannot be found.")


def test_instance_profile_errors(cairn):
    iam = cairn.client("iam")
    prof = uniq("perr")
    iam.create_instance_profile(InstanceProfileName=prof, Tags=[{"Key": "a", "Value": "1"}])
    assert iam.get_instance_profile(InstanceProfileName=prof)["InstanceProfile"]["Tags"] == [{"Key": "a", "Value": "1"}]
    assert boto_err(iam.create_instance_profile, InstanceProfileName=prof) == \
        ("EntityAlreadyExists", f"Instance Profile {prof} already exists.", 409)
    r1, r2 = uniq("pr"), uniq("pr")
    for r in (r1, r2):
        iam.create_role(RoleName=r, AssumeRolePolicyDocument=trust("ec2.amazonaws.com"))
    iam.add_role_to_instance_profile(InstanceProfileName=prof, RoleName=r1)
    assert boto_err(iam.add_role_to_instance_profile, InstanceProfileName=prof, RoleName=r2) == \
        ("LimitExceeded", "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1", 409)
    assert boto_err(iam.add_role_to_instance_profile, InstanceProfileName="noprof", RoleName=r2) == \
        ("NoSuchEntity", "Instance Profile noprof cannot be found.", 404)
    assert boto_err(iam.add_role_to_instance_profile, InstanceProfileName=prof, RoleName="norole") == \
        ("NoSuchEntity", "The role with name norole cannot be found.", 404)
    assert boto_err(iam.remove_role_from_instance_profile, InstanceProfileName=prof, RoleName=r2) == \
        ("NoSuchEntity", f"The role with name {r2} cannot be found.", 404)
    assert boto_err(iam.delete_instance_profile, InstanceProfileName=prof) == \
        ("DeleteConflict", "Cannot delete entity, must remove roles from instance profile first.", 409)
    assert boto_err(iam.delete_instance_profile, InstanceProfileName="noprof")[0] == "NoSuchEntity"
    assert boto_err(iam.list_instance_profiles_for_role, RoleName="norole")[0] == "NoSuchEntity"
    # tags
    iam.tag_instance_profile(InstanceProfileName=prof, Tags=[{"Key": "b", "Value": "2"}])
    assert iam.list_instance_profile_tags(InstanceProfileName=prof)["Tags"] == \
        [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}]
    iam.untag_instance_profile(InstanceProfileName=prof, TagKeys=["A"])
    assert iam.list_instance_profile_tags(InstanceProfileName=prof)["Tags"] == [{"Key": "b", "Value": "2"}]
    for fn, kw in ((iam.tag_instance_profile, {"Tags": [{"Key": "a", "Value": "b"}]}),
                   (iam.untag_instance_profile, {"TagKeys": ["a"]}), (iam.list_instance_profile_tags, {})):
        assert boto_err(fn, InstanceProfileName="noprof", **kw) == \
            ("NoSuchEntity", "Instance Profile noprof cannot be found.", 404)


def test_list_instance_profiles_paging(cairn):
    iam = cairn.client("iam")
    prefix = f"/{uniq('ipp')}/"
    names = sorted(uniq("ipl") for _ in range(5))
    for n in names:
        iam.create_instance_profile(InstanceProfileName=n, Path=prefix)
    page = iam.list_instance_profiles(PathPrefix=prefix, MaxItems=3)
    assert [p["InstanceProfileName"] for p in page["InstanceProfiles"]] == names[:3] and page["IsTruncated"]
    rest = iam.list_instance_profiles(PathPrefix=prefix, Marker=page["Marker"])
    assert [p["InstanceProfileName"] for p in rest["InstanceProfiles"]] == names[3:]


# ---- service-linked roles ----

def test_service_linked_role(cairn):
    iam = cairn.client("iam")
    out = cairn.aws("iam", "create-service-linked-role", "--aws-service-name", "ssm.amazonaws.com")["Role"]
    assert out["RoleName"] == "AWSServiceRoleForAmazonSSM"
    assert out["Path"] == "/aws-service-role/ssm.amazonaws.com/"
    assert out["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": ["ssm.amazonaws.com"]}
    attached = iam.list_attached_role_policies(RoleName="AWSServiceRoleForAmazonSSM")["AttachedPolicies"]
    assert attached == [{"PolicyName": "AmazonSSMServiceRolePolicy",
                         "PolicyArn": "arn:aws:iam::aws:policy/aws-service-role/AmazonSSMServiceRolePolicy"}]
    assert boto_err(iam.create_service_linked_role, AWSServiceName="ssm.amazonaws.com") == \
        ("InvalidInput", "Service role name AWSServiceRoleForAmazonSSM has been taken in this account, please try a "
                         "different suffix.", 400)
    protected = ("UnmodifiableEntity", "Cannot perform the operation on the protected role "
                 "'AWSServiceRoleForAmazonSSM' - this role is only modifiable by AWS", 400)
    assert boto_err(iam.delete_role, RoleName="AWSServiceRoleForAmazonSSM") == protected
    assert boto_err(iam.update_assume_role_policy, RoleName="AWSServiceRoleForAmazonSSM",
                    PolicyDocument=trust("ec2.amazonaws.com")) == protected
    assert boto_err(iam.attach_role_policy, RoleName="AWSServiceRoleForAmazonSSM",
                    PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess") == protected
    assert boto_err(iam.put_role_policy, RoleName="AWSServiceRoleForAmazonSSM", PolicyName="x",
                    PolicyDocument=allow("s3:*")) == protected
    assert boto_err(iam.update_role, RoleName="AWSServiceRoleForAmazonSSM", Description="x") == protected
    task = iam.delete_service_linked_role(RoleName="AWSServiceRoleForAmazonSSM")["DeletionTaskId"]
    assert task.startswith("task/aws-service-role/ssm.amazonaws.com/AWSServiceRoleForAmazonSSM/")
    assert iam.get_service_linked_role_deletion_status(DeletionTaskId=task)["Status"] == "SUCCEEDED"
    assert boto_err(iam.get_role, RoleName="AWSServiceRoleForAmazonSSM")[0] == "NoSuchEntity"
    assert boto_err(iam.get_service_linked_role_deletion_status, DeletionTaskId="bogus")[0] == "InvalidInput"
    assert boto_err(iam.get_service_linked_role_deletion_status, DeletionTaskId="task/none/x")[0] == "NoSuchEntity"
    assert boto_err(iam.create_service_linked_role, AWSServiceName="nothing.amazonaws.com")[0] == "InvalidInput"
    plain = uniq("plain")
    iam.create_role(RoleName=plain, AssumeRolePolicyDocument=trust("ec2.amazonaws.com"))
    assert boto_err(iam.delete_service_linked_role, RoleName=plain)[0] == "InvalidInput"
    assert boto_err(iam.delete_service_linked_role, RoleName="norole")[0] == "NoSuchEntity"
