"""IAM users, groups, access keys and login profiles, with the aws CLI v2/v1 and boto3:
every operation's success and its errors, with AWS's codes and wording."""
import datetime
import json

import pytest

from conftest import AwsError
from test_iam_common import allow, allow_self, boto_err, cli_error, is_iso, uniq, user_with_key


# ---- CreateUser / GetUser ----

@pytest.mark.parametrize("v", [2, 1])
def test_create_user_cli(cairn, v):
    name = uniq("alice")
    out = cairn.aws("iam", "create-user", "--user-name", name, v=v)["User"]
    assert out["UserName"] == name and out["Path"] == "/"
    assert out["UserId"].startswith("AIDA") and len(out["UserId"]) == 21
    assert out["Arn"] == f"arn:aws:iam::{cairn.account}:user/{name}"
    assert is_iso(out["CreateDate"])
    got = cairn.aws("iam", "get-user", "--user-name", name, v=v)["User"]
    assert got == out


def test_create_user_with_path_tags_boundary(cairn):
    iam = cairn.client("iam")
    name = uniq("pathuser")
    out = iam.create_user(UserName=name, Path="/division/team/",
                          Tags=[{"Key": "Dept", "Value": "ops"}, {"Key": "cost", "Value": ""}],
                          PermissionsBoundary="arn:aws:iam::aws:policy/AmazonSSMFullAccess")["User"]
    assert out["Arn"] == f"arn:aws:iam::{cairn.account}:user/division/team/{name}"
    assert out["Path"] == "/division/team/"
    assert out["Tags"] == [{"Key": "Dept", "Value": "ops"}, {"Key": "cost", "Value": ""}]
    assert isinstance(out["CreateDate"], datetime.datetime)
    got = iam.get_user(UserName=name)["User"]
    assert got["PermissionsBoundary"] == {"PermissionsBoundaryType": "PermissionsBoundaryPolicy",
                                          "PermissionsBoundaryArn": "arn:aws:iam::aws:policy/AmazonSSMFullAccess"}
    assert got["Tags"] == out["Tags"]
    # names are unique and looked up case-insensitively
    assert iam.get_user(UserName=name.upper())["User"]["UserName"] == name


def test_create_user_errors(cairn):
    iam = cairn.client("iam")
    name = uniq("dupuser")
    iam.create_user(UserName=name)
    assert boto_err(iam.create_user, UserName=name) == \
        ("EntityAlreadyExists", f"User with name {name} already exists.", 409)
    assert boto_err(iam.create_user, UserName=name.upper()) == \
        ("EntityAlreadyExists", f"User with name {name.upper()} already exists.", 409)
    code, msg = cli_error(cairn, "iam", "create-user", "--user-name", "bad name")
    assert code == "ValidationError"
    assert "failed to satisfy constraint: Member must satisfy regular expression pattern" in msg
    code, msg = cli_error(cairn, "iam", "create-user", "--user-name", "x" * 65)
    assert code == "ValidationError" and "length less than or equal to 64" in msg
    code, msg = cli_error(cairn, "iam", "create-user", "--user-name", uniq("u"), "--path", "nopath")
    assert code == "ValidationError"
    missing = f"arn:aws:iam::{cairn.account}:policy/NoSuchBoundary"
    assert boto_err(iam.create_user, UserName=uniq("bnd"), PermissionsBoundary=missing) == \
        ("NoSuchEntity", f"Scope ARN: {missing} does not exist or is not attachable.", 404)
    assert boto_err(iam.create_user, UserName=uniq("bnd"), PermissionsBoundary="not-an-arn-at-all-really") == \
        ("InvalidInput", "ARN not-an-arn-at-all-really is not valid.", 400)
    tags = [{"Key": "k", "Value": "1"}, {"Key": "K", "Value": "2"}]
    assert boto_err(iam.create_user, UserName=uniq("tags"), Tags=tags) == \
        ("InvalidInput", "Duplicate tag keys found. Please note that Tag keys are case insensitive.", 400)


def test_get_user_errors(cairn):
    assert cli_error(cairn, "iam", "get-user", "--user-name", "nobody") == \
        ("NoSuchEntity", "The user with name nobody cannot be found.")
    assert boto_err(cairn.client("iam").get_user, UserName="nobody") == \
        ("NoSuchEntity", "The user with name nobody cannot be found.", 404)


@pytest.mark.parametrize("v", [2, 1])
def test_get_user_without_name_is_the_caller(cairn, v):
    root = cairn.aws("iam", "get-user", v=v)["User"]
    assert root["Arn"] == f"arn:aws:iam::{cairn.account}:root"
    assert root["UserId"] == cairn.account
    name, creds = user_with_key(cairn, path="/ops/")
    denied = pytest.raises(AwsError)
    with denied as e:                                 # no policy yet: IAM says no
        cairn.aws("iam", "get-user", v=v, creds=creds)
    assert e.value.code == "AccessDenied"
    allow_self(cairn, name, "iam:GetUser")
    me = cairn.aws("iam", "get-user", v=v, creds=creds)["User"]
    assert me["UserName"] == name and me["Arn"] == f"arn:aws:iam::{cairn.account}:user/ops/{name}"
    ident = cairn.aws("sts", "get-caller-identity", v=v, creds=creds)
    assert ident == {"UserId": me["UserId"], "Account": cairn.account, "Arn": me["Arn"]}


# ---- ListUsers ----

def test_list_users_paging_and_prefix(cairn):
    iam = cairn.client("iam")
    prefix = f"/{uniq('page')}/"
    names = sorted(uniq("pu") for _ in range(7))
    for n in names:
        iam.create_user(UserName=n, Path=prefix)
    page = iam.list_users(PathPrefix=prefix, MaxItems=3)
    assert [u["UserName"] for u in page["Users"]] == names[:3]
    assert page["IsTruncated"] is True and page["Marker"]
    page2 = iam.list_users(PathPrefix=prefix, MaxItems=3, Marker=page["Marker"])
    assert [u["UserName"] for u in page2["Users"]] == names[3:6]
    page3 = iam.list_users(PathPrefix=prefix, MaxItems=3, Marker=page2["Marker"])
    assert [u["UserName"] for u in page3["Users"]] == names[6:]
    assert page3["IsTruncated"] is False and "Marker" not in page3
    # list items carry no tags or boundary
    assert set(page["Users"][0]) == {"Path", "UserName", "UserId", "Arn", "CreateDate"}
    # the CLI pages through everything itself
    out = cairn.aws("iam", "list-users", "--path-prefix", prefix, "--page-size", "2")
    assert [u["UserName"] for u in out["Users"]] == names
    out = cairn.aws("iam", "list-users", "--path-prefix", prefix, "--max-items", "4")
    assert len(out["Users"]) == 4 and out["NextToken"]
    assert boto_err(iam.list_users, Marker="garbage") == ("ValidationError", "Invalid Marker.", 400)


# ---- UpdateUser ----

def test_update_user(cairn):
    iam = cairn.client("iam")
    name, creds = user_with_key(cairn)
    new = uniq("renamed")
    cairn.aws("iam", "update-user", "--user-name", name, "--new-user-name", new, "--new-path", "/moved/")
    got = iam.get_user(UserName=new)["User"]
    assert got["Arn"] == f"arn:aws:iam::{cairn.account}:user/moved/{new}"
    assert boto_err(iam.get_user, UserName=name)[0] == "NoSuchEntity"
    # the key follows the user
    assert cairn.aws("sts", "get-caller-identity", creds=creds)["Arn"] == got["Arn"]
    other = uniq("other")
    iam.create_user(UserName=other)
    assert boto_err(iam.update_user, UserName=new, NewUserName=other) == \
        ("EntityAlreadyExists", f"User with name {other} already exists.", 409)
    assert boto_err(iam.update_user, UserName="ghost", NewPath="/x/") == \
        ("NoSuchEntity", "The user with name ghost cannot be found.", 404)


# ---- DeleteUser ----

def test_delete_user_and_conflicts(cairn):
    iam = cairn.client("iam")
    name = uniq("deluser")
    iam.create_user(UserName=name)
    iam.create_login_profile(UserName=name, Password="Corr3ct-Horse!")
    assert boto_err(iam.delete_user, UserName=name) == \
        ("DeleteConflict", "Cannot delete entity, must delete login profile first.", 409)
    iam.delete_login_profile(UserName=name)
    key = iam.create_access_key(UserName=name)["AccessKey"]["AccessKeyId"]
    assert boto_err(iam.delete_user, UserName=name) == \
        ("DeleteConflict", "Cannot delete entity, must delete access keys first.", 409)
    iam.delete_access_key(UserName=name, AccessKeyId=key)
    group = uniq("delgroup")
    iam.create_group(GroupName=group)
    iam.add_user_to_group(GroupName=group, UserName=name)
    assert boto_err(iam.delete_user, UserName=name) == \
        ("DeleteConflict", "Cannot delete entity, must remove users from group first.", 409)
    iam.remove_user_from_group(GroupName=group, UserName=name)
    iam.attach_user_policy(UserName=name, PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    assert boto_err(iam.delete_user, UserName=name) == \
        ("DeleteConflict", "Cannot delete entity, must detach all policies first.", 409)
    iam.detach_user_policy(UserName=name, PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    iam.put_user_policy(UserName=name, PolicyName="inline", PolicyDocument=allow("s3:*"))
    assert boto_err(iam.delete_user, UserName=name) == \
        ("DeleteConflict", "Cannot delete entity, must delete policies first.", 409)
    iam.delete_user_policy(UserName=name, PolicyName="inline")
    assert cairn.aws("iam", "delete-user", "--user-name", name) is None
    assert boto_err(iam.get_user, UserName=name)[0] == "NoSuchEntity"
    assert cli_error(cairn, "iam", "delete-user", "--user-name", name) == \
        ("NoSuchEntity", f"The user with name {name} cannot be found.")
    # a new user of the same name is a new entity, without the old tags
    iam.create_user(UserName=name)
    assert "Tags" not in iam.get_user(UserName=name)["User"]


# ---- tags ----

def test_user_tags(cairn):
    iam = cairn.client("iam")
    name = uniq("taguser")
    iam.create_user(UserName=name)
    cairn.aws("iam", "tag-user", "--user-name", name, "--tags", "Key=Env,Value=prod", "Key=Team,Value=a")
    iam.tag_user(UserName=name, Tags=[{"Key": "env", "Value": "dev"}])   # keys are case-insensitive
    assert cairn.aws("iam", "list-user-tags", "--user-name", name)["Tags"] == \
        [{"Key": "env", "Value": "dev"}, {"Key": "Team", "Value": "a"}]
    iam.untag_user(UserName=name, TagKeys=["TEAM", "absent"])
    assert iam.list_user_tags(UserName=name)["Tags"] == [{"Key": "env", "Value": "dev"}]
    iam.tag_user(UserName=name, Tags=[{"Key": f"k{i}", "Value": str(i)} for i in range(49)])
    page = iam.list_user_tags(UserName=name, MaxItems=20)
    assert len(page["Tags"]) == 20 and page["IsTruncated"]
    rest = iam.list_user_tags(UserName=name, Marker=page["Marker"])
    assert len(rest["Tags"]) == 30 and not rest["IsTruncated"]
    assert boto_err(iam.tag_user, UserName=name, Tags=[{"Key": "one-too-many", "Value": "x"}]) == \
        ("LimitExceeded", "The number of tags has reached the maximum limit.", 409)
    assert boto_err(iam.tag_user, UserName=name, Tags=[{"Key": "a", "Value": "1"}, {"Key": "A", "Value": "2"}]) == \
        ("InvalidInput", "Duplicate tag keys found. Please note that Tag keys are case insensitive.", 400)
    for fn, kw in ((iam.tag_user, {"Tags": [{"Key": "a", "Value": "b"}]}), (iam.untag_user, {"TagKeys": ["a"]}),
                   (iam.list_user_tags, {})):
        assert boto_err(fn, UserName="ghost", **kw) == ("NoSuchEntity", "The user with name ghost cannot be found.", 404)
    code, msg, _ = boto_err(iam.tag_user, UserName=name, Tags=[{"Key": "bad key!", "Value": "x"}])
    assert code == "ValidationError"


# ---- permissions boundaries ----

def test_user_permissions_boundary(cairn):
    iam = cairn.client("iam")
    name = uniq("bnduser")
    iam.create_user(UserName=name)
    arn = iam.create_policy(PolicyName=uniq("Boundary"), PolicyDocument=allow("s3:*"))["Policy"]["Arn"]
    cairn.aws("iam", "put-user-permissions-boundary", "--user-name", name, "--permissions-boundary", arn)
    assert iam.get_user(UserName=name)["User"]["PermissionsBoundary"]["PermissionsBoundaryArn"] == arn
    assert iam.get_policy(PolicyArn=arn)["Policy"]["PermissionsBoundaryUsageCount"] == 1
    assert boto_err(iam.delete_policy, PolicyArn=arn) == \
        ("DeleteConflict", "Cannot delete a policy attached to entities.", 409)
    iam.delete_user_permissions_boundary(UserName=name)
    assert "PermissionsBoundary" not in iam.get_user(UserName=name)["User"]
    missing = f"arn:aws:iam::{cairn.account}:policy/Nope"
    assert boto_err(iam.put_user_permissions_boundary, UserName=name, PermissionsBoundary=missing) == \
        ("NoSuchEntity", f"Scope ARN: {missing} does not exist or is not attachable.", 404)
    assert boto_err(iam.put_user_permissions_boundary, UserName="ghost", PermissionsBoundary=arn)[0] == "NoSuchEntity"
    assert boto_err(iam.delete_user_permissions_boundary, UserName="ghost")[0] == "NoSuchEntity"


# ---- groups ----

@pytest.mark.parametrize("v", [2, 1])
def test_group_lifecycle_cli(cairn, v):
    g = uniq("grp")
    out = cairn.aws("iam", "create-group", "--group-name", g, "--path", "/teams/", v=v)["Group"]
    assert out["GroupId"].startswith("AGPA") and len(out["GroupId"]) == 21
    assert out["Arn"] == f"arn:aws:iam::{cairn.account}:group/teams/{g}"
    users = [uniq("member") for _ in range(3)]
    for u in users:
        cairn.aws("iam", "create-user", "--user-name", u, v=v)
        cairn.aws("iam", "add-user-to-group", "--group-name", g, "--user-name", u, v=v)
    cairn.aws("iam", "add-user-to-group", "--group-name", g, "--user-name", users[0], v=v)   # idempotent
    got = cairn.aws("iam", "get-group", "--group-name", g, v=v)
    assert got["Group"] == out
    assert sorted(u["UserName"] for u in got["Users"]) == sorted(users)
    groups = cairn.aws("iam", "list-groups-for-user", "--user-name", users[1], v=v)["Groups"]
    assert groups == [out]
    assert g in [x["GroupName"] for x in cairn.aws("iam", "list-groups", "--path-prefix", "/teams/", v=v)["Groups"]]
    new = uniq("grpnew")
    cairn.aws("iam", "update-group", "--group-name", g, "--new-group-name", new, "--new-path", "/other/", v=v)
    assert cairn.aws("iam", "get-group", "--group-name", new, v=v)["Group"]["Arn"] == \
        f"arn:aws:iam::{cairn.account}:group/other/{new}"
    assert cli_error(cairn, "iam", "delete-group", "--group-name", new, v=v) == \
        ("DeleteConflict", "Cannot delete entity, must remove users from group first.")
    for u in users:
        cairn.aws("iam", "remove-user-from-group", "--group-name", new, "--user-name", u, v=v)
    cairn.aws("iam", "delete-group", "--group-name", new, v=v)
    assert cli_error(cairn, "iam", "get-group", "--group-name", new, v=v) == \
        ("NoSuchEntity", f"The group with name {new} cannot be found.")


def test_group_errors(cairn):
    iam = cairn.client("iam")
    g = uniq("grperr")
    iam.create_group(GroupName=g)
    assert boto_err(iam.create_group, GroupName=g.lower()) == \
        ("EntityAlreadyExists", f"Group with name {g.lower()} already exists.", 409)
    user = uniq("gu")
    iam.create_user(UserName=user)
    assert boto_err(iam.add_user_to_group, GroupName="nogroup", UserName=user) == \
        ("NoSuchEntity", "The group with name nogroup cannot be found.", 404)
    assert boto_err(iam.add_user_to_group, GroupName=g, UserName="nouser") == \
        ("NoSuchEntity", "The user with name nouser cannot be found.", 404)
    assert boto_err(iam.remove_user_from_group, GroupName=g, UserName=user) == \
        ("NoSuchEntity", f"The user with name {user} cannot be found.", 404)
    for i in range(10):
        gi = uniq("many")
        iam.create_group(GroupName=gi)
        iam.add_user_to_group(GroupName=gi, UserName=user)
    assert boto_err(iam.add_user_to_group, GroupName=g, UserName=user) == \
        ("LimitExceeded", "Cannot exceed quota for GroupsPerUser: 10", 409)
    assert boto_err(iam.list_groups_for_user, UserName="nouser")[0] == "NoSuchEntity"
    assert boto_err(iam.update_group, GroupName="nogroup", NewPath="/x/")[0] == "NoSuchEntity"
    other = uniq("grpother")
    iam.create_group(GroupName=other)
    assert boto_err(iam.update_group, GroupName=g, NewGroupName=other) == \
        ("EntityAlreadyExists", f"Group with name {other} already exists.", 409)
    iam.attach_group_policy(GroupName=g, PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    assert boto_err(iam.delete_group, GroupName=g) == \
        ("DeleteConflict", "Cannot delete entity, must detach all policies first.", 409)
    iam.detach_group_policy(GroupName=g, PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    iam.put_group_policy(GroupName=g, PolicyName="p", PolicyDocument=allow("ec2:Describe*"))
    assert boto_err(iam.delete_group, GroupName=g) == \
        ("DeleteConflict", "Cannot delete entity, must delete policies first.", 409)
    iam.delete_group_policy(GroupName=g, PolicyName="p")
    iam.delete_group(GroupName=g)
    assert boto_err(iam.delete_group, GroupName=g)[0] == "NoSuchEntity"


def test_get_group_pages_members(cairn):
    iam = cairn.client("iam")
    g = uniq("biggroup")
    iam.create_group(GroupName=g)
    users = sorted(uniq("gm") for _ in range(5))
    for u in users:
        iam.create_user(UserName=u)
        iam.add_user_to_group(GroupName=g, UserName=u)
    page = iam.get_group(GroupName=g, MaxItems=2)
    assert [u["UserName"] for u in page["Users"]] == users[:2] and page["IsTruncated"]
    page = iam.get_group(GroupName=g, MaxItems=10, Marker=page["Marker"])
    assert [u["UserName"] for u in page["Users"]] == users[2:] and not page["IsTruncated"]


# ---- access keys ----

@pytest.mark.parametrize("v", [2, 1])
def test_access_keys_cli(cairn, v):
    name = uniq("keys")
    cairn.aws("iam", "create-user", "--user-name", name, v=v)
    k = cairn.aws("iam", "create-access-key", "--user-name", name, v=v)["AccessKey"]
    assert k["UserName"] == name and k["Status"] == "Active"
    assert k["AccessKeyId"].startswith("AKIA") and len(k["AccessKeyId"]) == 20
    assert len(k["SecretAccessKey"]) == 40
    listed = cairn.aws("iam", "list-access-keys", "--user-name", name, v=v)["AccessKeyMetadata"]
    assert listed == [{"UserName": name, "AccessKeyId": k["AccessKeyId"], "Status": "Active",
                       "CreateDate": k["CreateDate"]}]
    creds = (k["AccessKeyId"], k["SecretAccessKey"])
    assert cairn.aws("sts", "get-caller-identity", v=v, creds=creds)["Arn"].endswith(f":user/{name}")
    last = cairn.aws("iam", "get-access-key-last-used", "--access-key-id", k["AccessKeyId"], v=v)
    assert last["UserName"] == name


def test_access_key_lifecycle(cairn):
    iam = cairn.client("iam")
    name, creds = user_with_key(cairn)
    sts = cairn.client("sts", creds=creds)
    assert sts.get_caller_identity()["Arn"].endswith(f":user/{name}")
    key2 = iam.create_access_key(UserName=name)["AccessKey"]
    assert boto_err(iam.create_access_key, UserName=name) == \
        ("LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2", 409)
    # inactive keys stop authenticating at once; active again, they work again
    iam.update_access_key(UserName=name, AccessKeyId=creds[0], Status="Inactive")
    assert [m["Status"] for m in iam.list_access_keys(UserName=name)["AccessKeyMetadata"]
            if m["AccessKeyId"] == creds[0]] == ["Inactive"]
    code, _, status = boto_err(sts.get_caller_identity)
    assert code == "InvalidClientTokenId" and status == 403
    iam.update_access_key(UserName=name, AccessKeyId=creds[0], Status="Active")
    assert sts.get_caller_identity()["Account"] == cairn.account
    # a user manages its own keys without naming itself (given the usual self-service policy)
    allow_self(cairn, name, "iam:ListAccessKeys", "iam:DeleteAccessKey")
    own = cairn.client("iam", creds=creds)
    assert {m["AccessKeyId"] for m in own.list_access_keys()["AccessKeyMetadata"]} == \
        {creds[0], key2["AccessKeyId"]}
    own.delete_access_key(AccessKeyId=key2["AccessKeyId"])
    # deleted keys stop authenticating at once
    iam.delete_access_key(UserName=name, AccessKeyId=creds[0])
    assert boto_err(sts.get_caller_identity)[0] == "InvalidClientTokenId"
    assert iam.list_access_keys(UserName=name)["AccessKeyMetadata"] == []


def test_access_key_errors(cairn):
    iam = cairn.client("iam")
    a, ca = user_with_key(cairn)
    b, cb = user_with_key(cairn)
    for fn, kw in ((iam.update_access_key, {"Status": "Inactive"}), (iam.delete_access_key, {})):
        assert boto_err(fn, UserName=b, AccessKeyId=ca[0], **kw) == \
            ("NoSuchEntity", f"The Access Key with id {ca[0]} cannot be found.", 404)
        assert boto_err(fn, UserName="ghost", AccessKeyId=ca[0], **kw)[0] == "NoSuchEntity"
    assert boto_err(iam.create_access_key, UserName="ghost") == \
        ("NoSuchEntity", "The user with name ghost cannot be found.", 404)
    assert boto_err(iam.list_access_keys, UserName="ghost")[0] == "NoSuchEntity"
    code, _, _ = boto_err(iam.update_access_key, UserName=a, AccessKeyId=ca[0], Status="Sleeping")
    assert code == "ValidationError"
    assert boto_err(iam.get_access_key_last_used, AccessKeyId="AKIAAAAAAAAAAAAAAAAA") == \
        ("NoSuchEntity", "The Access Key with id AKIAAAAAAAAAAAAAAAAA cannot be found.", 404)


def test_access_key_last_used(cairn):
    iam = cairn.client("iam")
    name, creds = user_with_key(cairn)
    fresh = iam.get_access_key_last_used(AccessKeyId=creds[0])
    assert fresh["UserName"] == name
    assert fresh["AccessKeyLastUsed"]["ServiceName"] == "N/A"
    assert fresh["AccessKeyLastUsed"]["Region"] == "N/A"
    assert "LastUsedDate" not in fresh["AccessKeyLastUsed"]
    cairn.client("sts", creds=creds).get_caller_identity()
    used = iam.get_access_key_last_used(AccessKeyId=creds[0])["AccessKeyLastUsed"]
    assert used["ServiceName"] == "sts" and used["Region"] == cairn.region
    assert abs((used["LastUsedDate"] - datetime.datetime.now(datetime.timezone.utc)).total_seconds()) < 120


def test_list_access_keys_paging(cairn):
    iam = cairn.client("iam")
    name, creds = user_with_key(cairn)
    iam.create_access_key(UserName=name)
    page = iam.list_access_keys(UserName=name, MaxItems=1)
    assert len(page["AccessKeyMetadata"]) == 1 and page["IsTruncated"]
    page2 = iam.list_access_keys(UserName=name, MaxItems=1, Marker=page["Marker"])
    assert len(page2["AccessKeyMetadata"]) == 1 and not page2["IsTruncated"]
    assert page["AccessKeyMetadata"][0]["AccessKeyId"] != page2["AccessKeyMetadata"][0]["AccessKeyId"]


# ---- login profiles ----

@pytest.mark.parametrize("v", [2, 1])
def test_login_profile_cli(cairn, v):
    name = uniq("console")
    cairn.aws("iam", "create-user", "--user-name", name, v=v)
    lp = cairn.aws("iam", "create-login-profile", "--user-name", name, "--password", "Tr0ub4dor&3",
                   "--password-reset-required", v=v)["LoginProfile"]
    assert lp["UserName"] == name and lp["PasswordResetRequired"] is True and is_iso(lp["CreateDate"])
    assert cairn.aws("iam", "get-login-profile", "--user-name", name, v=v)["LoginProfile"] == lp
    cairn.aws("iam", "update-login-profile", "--user-name", name, "--password", "N3w-Passw0rd!",
              "--no-password-reset-required", v=v)
    assert cairn.aws("iam", "get-login-profile", "--user-name", name, v=v)["LoginProfile"]["PasswordResetRequired"] is False
    cairn.aws("iam", "delete-login-profile", "--user-name", name, v=v)
    assert cli_error(cairn, "iam", "get-login-profile", "--user-name", name, v=v) == \
        ("NoSuchEntity", f"Login Profile for User {name} cannot be found.")


def test_login_profile_errors(cairn):
    iam = cairn.client("iam")
    name = uniq("console")
    iam.create_user(UserName=name)
    assert boto_err(iam.create_login_profile, UserName=name, Password="short") == \
        ("PasswordPolicyViolation", "Password does not conform to the account password policy.", 400)
    assert boto_err(iam.create_login_profile, UserName=name, Password="alllowercaseletters") == \
        ("PasswordPolicyViolation", "Password does not conform to the account password policy.", 400)
    iam.create_login_profile(UserName=name, Password="Val1d-Password")
    assert boto_err(iam.create_login_profile, UserName=name, Password="Val1d-Password") == \
        ("EntityAlreadyExists", f"Login Profile for user {name} already exists.", 409)
    assert boto_err(iam.update_login_profile, UserName=name, Password="weak")[0] == "PasswordPolicyViolation"
    assert boto_err(iam.create_login_profile, UserName="ghost", Password="Val1d-Password") == \
        ("NoSuchEntity", "The user with name ghost cannot be found.", 404)
    other = uniq("nolp")
    iam.create_user(UserName=other)
    for fn in (iam.get_login_profile, iam.delete_login_profile):
        assert boto_err(fn, UserName=other) == \
            ("NoSuchEntity", f"Login Profile for User {other} cannot be found.", 404)
    assert boto_err(iam.update_login_profile, UserName=other, Password="Val1d-Password")[0] == "NoSuchEntity"


def test_password_not_stored_in_clear(cairn):
    iam = cairn.client("iam")
    name = uniq("secretpw")
    password = "Unm1stakable-Secret-" + name
    iam.create_user(UserName=name)
    iam.create_login_profile(UserName=name, Password=password)
    import glob
    for path in glob.glob(f"{cairn.data}/*"):
        try:
            with open(path, "rb") as f:
                assert password.encode() not in f.read(), path
        except IsADirectoryError:
            pass
    assert password not in cairn.log_text()
