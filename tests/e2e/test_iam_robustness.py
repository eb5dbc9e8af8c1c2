"""Bad input never crashes IAM or answers 500: every implemented operation is called with no
parameters, with odd values of the right type, with oversized ones, and (variants 4-9) with
plausible values that pass the model's constraints so the handlers themselves run against
whatever the earlier calls left behind. Client-side validation is off, so the server's own
checks answer. The server must still be healthy afterwards."""
import botocore.exceptions
import pytest

OPS = [l.strip() for l in open(__file__.replace("tests/e2e/test_iam_robustness.py",
                                                "src/proto/operations/iam.txt"))
       if l.strip() and not l.startswith("#")]

ODD_STRINGS = ["", " ", "x" * 3000, "arn:aws:iam::123456789012:policy/../../etc", "%00", "\u00ff\u00fe",
               "{\"Version\":\"2012-10-17\",\"Statement\":[]}", "v0", "AKIA" + "A" * 16]


DOC = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}'
TRUST = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},'
         '"Action":"sts:AssumeRole"}]}')


def plausible(name, variant):
    """A value that passes the model's constraints, so the handler itself runs."""
    if name in ("Path", "NewPath", "PathPrefix"):
        return ["/", "/r/", "/r/s/"][variant % 3]
    if name.endswith("Arn") or name == "PermissionsBoundary":
        return ["arn:aws:iam::123456789012:policy/robust", "arn:aws:iam::aws:policy/AmazonSSMFullAccess",
                "arn:aws:iam::123456789012:policy/r/robust"][variant % 3]
    if name == "AssumeRolePolicyDocument" or (name == "PolicyDocument" and variant % 2):
        return TRUST
    if name == "PolicyDocument":
        return DOC
    if name == "VersionId":
        return f"v{variant % 3 + 1}"
    if name == "Marker":
        return ["Y2Fpcm4xOg==", "Y2Fpcm4xOnp6eg==", "Y2Fpcm4xOjAwMDAwMDAwMDAwMg=="][variant % 3]
    if name == "Status":
        return "Inactive"
    if name == "AccessKeyId":
        return "AKIAAAAAAAAAAAAAAAAA"
    if name == "Password":
        return "Abcdefg1!"
    if name == "Scope":
        return "Local"
    if name == "AWSServiceName":
        return "ssm.amazonaws.com"
    if name == "DeletionTaskId":
        return "task/aws-service-role/ssm.amazonaws.com/AWSServiceRoleForAmazonSSM/x"
    if name in ("EntityFilter",):
        return "User"
    if name == "PolicyUsageFilter":
        return "PermissionsBoundary"
    if name in ("Description", "Key", "Value"):
        return "robust"
    return f"robust{variant % 2}"


def value_for(shape, variant, name=""):
    t = shape.type_name
    if t == "string":
        if variant >= 4:
            return plausible(name, variant)
        return ODD_STRINGS[variant % len(ODD_STRINGS)]
    if t in ("integer", "long"):
        if variant >= 4:
            return 3600 if "Session" in name else 1 + variant % 3
        return [-1, 0, 2 ** 31 - 1, 10 ** 6][variant % 4]
    if t == "boolean":
        return variant % 2 == 0
    if t == "list":
        n = 1 + variant % 2 if variant >= 4 else variant % 3
        return [value_for(shape.member, variant + (i if variant < 4 else 0), name) for i in range(n)]
    if t == "structure":
        return {k: value_for(m, variant, k) for k, m in shape.members.items()}
    if t == "map":
        return {"k": value_for(shape.value, variant, "Value")}
    return None


@pytest.mark.parametrize("variant", range(10))
def test_odd_inputs_never_500(cairn, variant):
    iam = cairn.client("iam", parameter_validation=False)
    model = iam.meta.service_model
    failures = []
    for op in OPS:
        if op not in model.operation_names:
            continue
        om = model.operation_model(op)
        method = getattr(iam, botocore.xform_name(op))
        kwargs = {}
        if om.input_shape and variant > 0:
            kwargs = {k: value_for(m, variant + (i if variant < 4 else 0), k)
                      for i, (k, m) in enumerate(om.input_shape.members.items())}
            kwargs = {k: v for k, v in kwargs.items() if v is not None}
        try:
            method(**kwargs)
        except botocore.exceptions.ClientError as e:
            status = e.response["ResponseMetadata"]["HTTPStatusCode"]
            if status >= 500 or e.response["Error"].get("Code") in (None, "", "InternalFailure"):
                failures.append((op, status, e.response["Error"]))
        except (botocore.exceptions.ParamValidationError, TypeError, ValueError):
            pass                      # the client itself refused to serialize the value
    assert failures == []
    assert cairn.client("sts").get_caller_identity()["Account"] == cairn.account
