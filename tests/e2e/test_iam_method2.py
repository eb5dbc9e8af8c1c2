"""The user guide's "Setting Up Automation", Method 2 (by hand with IAM), step by step, reading
every result back: once with the aws CLI v2 and once with boto3.

1. a service role trusted by ec2.amazonaws.com, with AmazonSSMAutomationRole attached;
2. its trust relationship edited to add ssm.amazonaws.com;
3. an inline iam:PassRole policy on the role, for the role itself;
4. a user with AmazonSSMFullAccess plus an inline iam:PassRole on the service role;
5. an instance role with AmazonSSMManagedInstanceCore in an instance profile.
"""
import json

from test_iam_common import uniq

EC2 = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
EC2_SSM = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": ["ec2.amazonaws.com", "ssm.amazonaws.com"]},
     "Action": "sts:AssumeRole"}]}
AUTOMATION_ROLE = "arn:aws:iam::aws:policy/service-role/AmazonSSMAutomationRole"
SSM_FULL = "arn:aws:iam::aws:policy/AmazonSSMFullAccess"
CORE = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"


def pass_role(arn):
    return {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "iam:PassRole", "Resource": arn}]}


def test_method2_cli_v2(cairn, tmp_path):
    aws = cairn.aws
    role = uniq("AutomationServiceRole")
    acct = cairn.account
    role_arn = f"arn:aws:iam::{acct}:role/{role}"

    # 1. the service role, trusted by EC2, with the automation policy
    (tmp_path / "trust.json").write_text(json.dumps(EC2, indent=4))
    out = aws("iam", "create-role", "--role-name", role, "--assume-role-policy-document",
              f"file://{tmp_path / 'trust.json'}")["Role"]
    assert out["Arn"] == role_arn and out["AssumeRolePolicyDocument"] == EC2
    aws("iam", "attach-role-policy", "--role-name", role, "--policy-arn", AUTOMATION_ROLE)
    attached = aws("iam", "list-attached-role-policies", "--role-name", role)["AttachedPolicies"]
    assert attached == [{"PolicyName": "AmazonSSMAutomationRole", "PolicyArn": AUTOMATION_ROLE}]
    pol = aws("iam", "get-policy", "--policy-arn", AUTOMATION_ROLE)["Policy"]
    assert pol["AttachmentCount"] >= 1 and pol["Path"] == "/service-role/"

    # 2. edit the trust relationship: add ssm.amazonaws.com
    (tmp_path / "trust2.json").write_text(json.dumps(EC2_SSM, indent=2))
    aws("iam", "update-assume-role-policy", "--role-name", role, "--policy-document",
        f"file://{tmp_path / 'trust2.json'}")
    got = aws("iam", "get-role", "--role-name", role)["Role"]
    assert got["AssumeRolePolicyDocument"] == EC2_SSM
    assert got["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["Service"] == \
        ["ec2.amazonaws.com", "ssm.amazonaws.com"]
    assert got["Arn"] == role_arn           # the ARN the guide has you copy

    # 3. inline iam:PassRole on the role
    (tmp_path / "pass.json").write_text(json.dumps(pass_role(role_arn), indent=2))
    aws("iam", "put-role-policy", "--role-name", role, "--policy-name", "PassRole",
        "--policy-document", f"file://{tmp_path / 'pass.json'}")
    assert aws("iam", "list-role-policies", "--role-name", role)["PolicyNames"] == ["PassRole"]
    rp = aws("iam", "get-role-policy", "--role-name", role, "--policy-name", "PassRole")
    assert rp == {"RoleName": role, "PolicyName": "PassRole", "PolicyDocument": pass_role(role_arn)}

    # 4. the user who runs automation: AmazonSSMFullAccess + iam:PassRole on the service role
    user = uniq("automation-operator")
    aws("iam", "create-user", "--user-name", user)
    aws("iam", "attach-user-policy", "--user-name", user, "--policy-arn", SSM_FULL)
    aws("iam", "put-user-policy", "--user-name", user, "--policy-name", "PassAutomationRole",
        "--policy-document", json.dumps(pass_role(role_arn)))
    assert aws("iam", "list-attached-user-policies", "--user-name", user)["AttachedPolicies"] == \
        [{"PolicyName": "AmazonSSMFullAccess", "PolicyArn": SSM_FULL}]
    up = aws("iam", "get-user-policy", "--user-name", user, "--policy-name", "PassAutomationRole")
    assert up["PolicyDocument"] == pass_role(role_arn)
    ents = aws("iam", "list-entities-for-policy", "--policy-arn", SSM_FULL)
    assert user in [u["UserName"] for u in ents["PolicyUsers"]]

    # 5. the instance role and its instance profile
    inst_role = uniq("SSMInstanceRole")
    profile = uniq("SSMInstanceProfile")
    aws("iam", "create-role", "--role-name", inst_role, "--assume-role-policy-document", json.dumps(EC2))
    aws("iam", "attach-role-policy", "--role-name", inst_role, "--policy-arn", CORE)
    ip = aws("iam", "create-instance-profile", "--instance-profile-name", profile)["InstanceProfile"]
    assert ip["Roles"] == [] and ip["Arn"] == f"arn:aws:iam::{acct}:instance-profile/{profile}"
    aws("iam", "add-role-to-instance-profile", "--instance-profile-name", profile, "--role-name", inst_role)
    ip = aws("iam", "get-instance-profile", "--instance-profile-name", profile)["InstanceProfile"]
    assert [r["RoleName"] for r in ip["Roles"]] == [inst_role]
    assert ip["Roles"][0]["AssumeRolePolicyDocument"] == EC2
    assert [p["InstanceProfileName"] for p in
            aws("iam", "list-instance-profiles-for-role", "--role-name", inst_role)["InstanceProfiles"]] == [profile]
    assert aws("iam", "list-attached-role-policies", "--role-name", inst_role)["AttachedPolicies"] == \
        [{"PolicyName": "AmazonSSMManagedInstanceCore", "PolicyArn": CORE}]

    # and the whole picture at once
    details = aws("iam", "get-account-authorization-details", "--filter", "Role", "User")
    roles = {r["RoleName"]: r for r in details["RoleDetailList"]}
    assert roles[role]["AssumeRolePolicyDocument"] == EC2_SSM
    assert roles[role]["RolePolicyList"] == [{"PolicyName": "PassRole", "PolicyDocument": pass_role(role_arn)}]
    assert roles[inst_role]["InstanceProfileList"][0]["InstanceProfileName"] == profile
    users = {u["UserName"]: u for u in details["UserDetailList"]}
    assert users[user]["AttachedManagedPolicies"] == [{"PolicyName": "AmazonSSMFullAccess", "PolicyArn": SSM_FULL}]


def test_method2_boto3(cairn):
    iam = cairn.client("iam")
    acct = cairn.account
    role = uniq("AutomationServiceRoleBoto")
    role_arn = f"arn:aws:iam::{acct}:role/{role}"

    r = iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(EC2),
                        Description="Automation service role")["Role"]
    assert r["Arn"] == role_arn and r["AssumeRolePolicyDocument"] == EC2
    iam.attach_role_policy(RoleName=role, PolicyArn=AUTOMATION_ROLE)
    assert iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"] == \
        [{"PolicyName": "AmazonSSMAutomationRole", "PolicyArn": AUTOMATION_ROLE}]

    iam.update_assume_role_policy(RoleName=role, PolicyDocument=json.dumps(EC2_SSM))
    got = iam.get_role(RoleName=role)["Role"]
    assert got["AssumeRolePolicyDocument"] == EC2_SSM and got["Description"] == "Automation service role"

    iam.put_role_policy(RoleName=role, PolicyName="PassRole", PolicyDocument=json.dumps(pass_role(role_arn)))
    assert iam.get_role_policy(RoleName=role, PolicyName="PassRole")["PolicyDocument"] == pass_role(role_arn)

    user = uniq("automation-operator-boto")
    iam.create_user(UserName=user)
    iam.attach_user_policy(UserName=user, PolicyArn=SSM_FULL)
    iam.put_user_policy(UserName=user, PolicyName="PassAutomationRole", PolicyDocument=json.dumps(pass_role(role_arn)))
    assert iam.list_attached_user_policies(UserName=user)["AttachedPolicies"] == \
        [{"PolicyName": "AmazonSSMFullAccess", "PolicyArn": SSM_FULL}]
    assert iam.list_user_policies(UserName=user)["PolicyNames"] == ["PassAutomationRole"]
    assert iam.get_user_policy(UserName=user, PolicyName="PassAutomationRole")["PolicyDocument"] == pass_role(role_arn)
    key = iam.create_access_key(UserName=user)["AccessKey"]
    me = cairn.client("sts", creds=(key["AccessKeyId"], key["SecretAccessKey"])).get_caller_identity()
    assert me["Arn"] == f"arn:aws:iam::{acct}:user/{user}"

    inst_role = uniq("SSMInstanceRoleBoto")
    profile = uniq("SSMInstanceProfileBoto")
    iam.create_role(RoleName=inst_role, AssumeRolePolicyDocument=json.dumps(EC2))
    iam.attach_role_policy(RoleName=inst_role, PolicyArn=CORE)
    iam.create_instance_profile(InstanceProfileName=profile)
    iam.add_role_to_instance_profile(InstanceProfileName=profile, RoleName=inst_role)
    ip = iam.get_instance_profile(InstanceProfileName=profile)["InstanceProfile"]
    assert [x["RoleName"] for x in ip["Roles"]] == [inst_role]
    assert ip["InstanceProfileId"].startswith("AIPA")
    assert [p["InstanceProfileName"] for p in iam.list_instance_profiles_for_role(RoleName=inst_role)["InstanceProfiles"]] == [profile]
    core = iam.get_policy(PolicyArn=CORE)["Policy"]
    assert core["AttachmentCount"] >= 1 and core["DefaultVersionId"] == "v2"
