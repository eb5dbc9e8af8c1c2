"""Parameter Store with the real clients: types, versions, selectors, labels, hierarchies and
paths, filters, paging, tiers and limits, tags, and SecureString values that never appear in
clear text in the data folder (database, WAL, logs) or the server's log."""
import os
import secrets

import boto3
import botocore.config
import pytest

from conftest import AwsError, boto_error


@pytest.fixture(scope="module")
def ssm(cairn):
    return cairn.client("ssm")


def err(excinfo):
    return boto_error(excinfo)[0]


# ---- put / get ----

def test_put_and_get_string(cairn, ssm):
    out = cairn.aws("ssm", "put-parameter", "--name", "/app/dev/url", "--value", "https://example.org",
                    "--type", "String", "--description", "where")
    assert out == {"Version": 1, "Tier": "Standard"}
    p = cairn.aws("ssm", "get-parameter", "--name", "/app/dev/url")["Parameter"]
    assert p["Name"] == "/app/dev/url" and p["Value"] == "https://example.org"
    assert p["Type"] == "String" and p["Version"] == 1 and p["DataType"] == "text"
    assert p["ARN"] == f"arn:aws:ssm:{cairn.region}:{cairn.account}:parameter/app/dev/url"
    assert "LastModifiedDate" in p and "Selector" not in p
    plain = ssm.put_parameter(Name="plain-name", Value="v", Type="String")
    assert plain["Version"] == 1
    p = ssm.get_parameter(Name="plain-name")["Parameter"]
    assert p["ARN"].endswith(":parameter/plain-name")


def test_get_missing(cairn, ssm):
    with pytest.raises(AwsError) as e:
        cairn.aws("ssm", "get-parameter", "--name", "/does/not/exist")
    assert e.value.code == "ParameterNotFound"
    with pytest.raises(AwsError) as e:
        cairn.aws("ssm", "get-parameter", "--name", "/does/not/exist", v=1)
    assert e.value.code == "ParameterNotFound"
    with pytest.raises(Exception) as e:
        ssm.get_parameter(Name="nope")
    assert err(e) == "ParameterNotFound"


def test_overwrite_and_versions(cairn, ssm):
    ssm.put_parameter(Name="/ver/p", Value="one", Type="String")
    with pytest.raises(Exception) as e:
        ssm.put_parameter(Name="/ver/p", Value="two", Type="String")
    assert err(e) == "ParameterAlreadyExists"
    assert "overwrite" in boto_error(e)[1]
    out = cairn.aws("ssm", "put-parameter", "--name", "/ver/p", "--value", "two", "--overwrite", v=1)
    assert out["Version"] == 2                         # Type may be left out on overwrite
    assert ssm.get_parameter(Name="/ver/p")["Parameter"]["Value"] == "two"
    assert ssm.get_parameter(Name="/ver/p:1")["Parameter"]["Value"] == "one"
    p = ssm.get_parameter(Name="/ver/p:1")["Parameter"]
    assert p["Selector"] == ":1" and p["Version"] == 1 and p["Name"] == "/ver/p"
    with pytest.raises(Exception) as e:
        ssm.get_parameter(Name="/ver/p:9")
    assert err(e) == "ParameterVersionNotFound"
    hist = ssm.get_parameter_history(Name="/ver/p")["Parameters"]
    assert [(h["Version"], h["Value"]) for h in hist] == [(1, "one"), (2, "two")]
    assert all(h["LastModifiedUser"].startswith("arn:aws:") for h in hist)


def test_type_rules(cairn, ssm):
    with pytest.raises(Exception) as e:
        ssm.put_parameter(Name="/types/untyped", Value="x")
    assert err(e) == "ValidationException"
    ssm.put_parameter(Name="/types/s", Value="x", Type="String")
    with pytest.raises(Exception) as e:
        ssm.put_parameter(Name="/types/s", Value="x", Type="SecureString", Overwrite=True)
    assert err(e) == "HierarchyTypeMismatchException"
    with pytest.raises(Exception) as e:
        ssm.put_parameter(Name="/types/k", Value="x", Type="String", KeyId="alias/mine")
    assert err(e) == "ValidationException"
    with pytest.raises(AwsError) as e:
        cairn.aws("ssm", "put-parameter", "--name", "/types/bad", "--value", "x", "--type", "Number")
    assert e.value.code == "ValidationException"
    out = ssm.put_parameter(Name="/types/list", Value="a,b,c", Type="StringList")
    assert out["Version"] == 1
    p = ssm.get_parameter(Name="/types/list")["Parameter"]
    assert p["Type"] == "StringList" and p["Value"] == "a,b,c"
    with pytest.raises(Exception) as e:
        ssm.put_parameter(Name="/types/empty", Value="", Type="String")
    assert err(e) == "ValidationException"


def test_data_types(ssm):
    ssm.put_parameter(Name="/dt/ami", Value="ami-0123456789abcdef0", Type="String", DataType="aws:ec2:image")
    assert ssm.get_parameter(Name="/dt/ami")["Parameter"]["DataType"] == "aws:ec2:image"
    with pytest.raises(Exception) as e:
        ssm.put_parameter(Name="/dt/bad", Value="x", Type="String", DataType="Text")
    assert err(e) == "ValidationException"
    with pytest.raises(Exception) as e:
        ssm.put_parameter(Name="/dt/notami", Value="hello", Type="String", DataType="aws:ec2:image")
    assert err(e) == "ValidationException"


# ---- names ----

@pytest.mark.parametrize("name,code", [
    ("awsParam", "ValidationException"),
    ("SSM-thing", "ValidationException"),
    ("/aws/mine", "AccessDeniedException"),
    ("/ssm/mine", "ValidationException"),
    ("a/b", "ValidationException"),
    ("/a//b", "ValidationException"),
    ("/a/b/", "ValidationException"),
    ("/a b", "ValidationException"),
    ("/bad*char", "ValidationException"),
    ("/" + "/".join(f"l{i}" for i in range(16)), "HierarchyLevelLimitExceededException"),
    ("/" + "n" * 1000, "ValidationException"),
])
def test_name_rules(ssm, name, code):
    with pytest.raises(Exception) as e:
        ssm.put_parameter(Name=name, Value="x", Type="String")
    assert err(e) == code, name


def test_name_limits_that_pass(ssm):
    deep = "/" + "/".join(f"l{i}" for i in range(15))
    assert ssm.put_parameter(Name=deep, Value="x", Type="String")["Version"] == 1
    ssm.put_parameter(Name="  /trim/me  ", Value="x", Type="String")
    assert ssm.get_parameter(Name="/trim/me")["Parameter"]["Name"] == "/trim/me"
    ssm.put_parameter(Name="Ok_name.with-dots", Value="x", Type="String")


# ---- SecureString ----

def walk_bytes(folder):
    for root, _, files in os.walk(folder):
        for f in files:
            path = os.path.join(root, f)
            try:
                with open(path, "rb") as fh:
                    yield path, fh.read()
            except OSError:
                pass


def test_secure_string_never_in_clear(cairn, ssm):
    secret = "s3cr3t-" + secrets.token_hex(16)
    cairn.aws("ssm", "put-parameter", "--name", "/sec/db/password", "--value", secret,
              "--type", "SecureString")
    p = ssm.get_parameter(Name="/sec/db/password")["Parameter"]
    assert p["Type"] == "SecureString" and p["Value"] != secret and secret not in p["Value"]
    assert ssm.get_parameter(Name="/sec/db/password", WithDecryption=True)["Parameter"]["Value"] == secret
    out = cairn.aws("ssm", "get-parameter", "--name", "/sec/db/password", "--with-decryption", v=1)
    assert out["Parameter"]["Value"] == secret
    meta = ssm.describe_parameters(ParameterFilters=[{"Key": "Name", "Values": ["/sec/db/password"]}])
    assert meta["Parameters"][0]["KeyId"] == "alias/aws/ssm"
    # overwrite with a second secret, then read both versions back
    secret2 = "s3cr3t-" + secrets.token_hex(16)
    ssm.put_parameter(Name="/sec/db/password", Value=secret2, Type="SecureString", Overwrite=True,
                      KeyId="alias/custom")
    hist = ssm.get_parameter_history(Name="/sec/db/password", WithDecryption=True)["Parameters"]
    assert [h["Value"] for h in hist] == [secret, secret2]
    assert hist[1]["KeyId"] == "alias/custom"
    hidden = ssm.get_parameter_history(Name="/sec/db/password")["Parameters"]
    assert secret not in [h["Value"] for h in hidden] and secret2 not in [h["Value"] for h in hidden]
    by_path = ssm.get_parameters_by_path(Path="/sec", Recursive=True, WithDecryption=True)["Parameters"]
    assert [x["Value"] for x in by_path] == [secret2]
    many = ssm.get_parameters(Names=["/sec/db/password:1"], WithDecryption=True)["Parameters"]
    assert many[0]["Value"] == secret
    # nothing on disk or in the log holds the clear text, in any encoding we might write
    needles = [s.encode() for s in (secret, secret2)] + \
              [s.encode("utf-16-le") for s in (secret, secret2)]
    for path, data in walk_bytes(cairn.data):
        for n in needles:
            assert n not in data, f"clear SecureString value found in {path}"
    for n in (secret, secret2):
        assert n not in cairn.log_text()


# ---- GetParameters ----

def test_get_parameters(cairn, ssm):
    ssm.put_parameter(Name="/many/a", Value="A", Type="String")
    ssm.put_parameter(Name="/many/b", Value="B", Type="String")
    out = cairn.aws("ssm", "get-parameters", "--names", "/many/a", "/many/b", "/many/none", "/many/a:7")
    assert sorted(p["Name"] for p in out["Parameters"]) == ["/many/a", "/many/b"]
    assert sorted(out["InvalidParameters"]) == ["/many/a:7", "/many/none"]
    out = ssm.get_parameters(Names=["/many/a", "/many/a"])
    assert len(out["Parameters"]) == 1
    assert out.get("InvalidParameters", []) == []
    with pytest.raises(Exception) as e:
        ssm.get_parameters(Names=[f"/n{i}" for i in range(11)])
    assert err(e) == "ValidationException"


# ---- labels ----

def test_labels(cairn, ssm):
    for v in ("v1", "v2", "v3"):
        ssm.put_parameter(Name="/lab/p", Value=v, Type="String", Overwrite=True)
    out = cairn.aws("ssm", "label-parameter-version", "--name", "/lab/p", "--parameter-version", "1",
                    "--labels", "prod", "stable")
    assert out["ParameterVersion"] == 1 and "InvalidLabels" not in out
    p = ssm.get_parameter(Name="/lab/p:prod")["Parameter"]
    assert p["Value"] == "v1" and p["Selector"] == ":prod"
    # labels move between versions; the latest is used when no version is given
    out = ssm.label_parameter_version(Name="/lab/p", Labels=["prod"])
    assert out["ParameterVersion"] == 3
    assert ssm.get_parameter(Name="/lab/p:prod")["Parameter"]["Value"] == "v3"
    hist = {h["Version"]: h["Labels"] for h in ssm.get_parameter_history(Name="/lab/p")["Parameters"]}
    assert hist == {1: ["stable"], 2: [], 3: ["prod"]}
    # invalid labels are reported, not fatal
    out = ssm.label_parameter_version(Name="/lab/p", ParameterVersion=2,
                                      Labels=["1starts-with-digit", "awsReserved", "ssm-x", "bad/char", "ok_2"])
    assert sorted(out["InvalidLabels"]) == sorted(["1starts-with-digit", "awsReserved", "ssm-x", "bad/char"])
    assert ssm.get_parameter(Name="/lab/p:ok_2")["Parameter"]["Version"] == 2
    with pytest.raises(Exception) as e:
        ssm.get_parameter(Name="/lab/p:missing-label")
    assert err(e) == "ParameterNotFound"
    # at most 10 labels on one version
    with pytest.raises(Exception) as e:
        ssm.label_parameter_version(Name="/lab/p", ParameterVersion=2, Labels=[f"l{i}" for i in range(10)])
    assert err(e) == "ParameterVersionLabelLimitExceeded"
    with pytest.raises(Exception) as e:
        ssm.label_parameter_version(Name="/lab/p", ParameterVersion=9, Labels=["x"])
    assert err(e) == "ParameterVersionNotFound"
    with pytest.raises(AwsError) as e:
        cairn.aws("ssm", "label-parameter-version", "--name", "/lab/none", "--labels", "x", v=1)
    assert e.value.code == "ParameterNotFound"
    # unlabel
    out = cairn.aws("ssm", "unlabel-parameter-version", "--name", "/lab/p", "--parameter-version", "3",
                    "--labels", "prod", "stable")
    assert out["RemovedLabels"] == ["prod"] and out["InvalidLabels"] == ["stable"]
    with pytest.raises(Exception) as e:
        ssm.unlabel_parameter_version(Name="/lab/p", ParameterVersion=42, Labels=["x"])
    assert err(e) == "ParameterVersionNotFound"
    with pytest.raises(Exception) as e:
        ssm.unlabel_parameter_version(Name="/lab/nothing", ParameterVersion=1, Labels=["x"])
    assert err(e) == "ParameterNotFound"


# ---- paths ----

@pytest.fixture(scope="module")
def tree(ssm):
    for name, typ in [("/tree/dev/a", "String"), ("/tree/dev/b", "SecureString"),
                      ("/tree/dev/sub/c", "String"), ("/tree/dev/sub/deeper/d", "StringList"),
                      ("/tree/prod/x", "String"), ("/treehouse/y", "String")]:
        ssm.put_parameter(Name=name, Value="val-" + name.rsplit("/", 1)[1], Type=typ,
                          Tags=[{"Key": "env", "Value": name.split("/")[2]}])
    return ssm


def names(params):
    return [p["Name"] for p in params]


def test_get_parameters_by_path(cairn, tree):
    out = cairn.aws("ssm", "get-parameters-by-path", "--path", "/tree/dev")
    assert names(out["Parameters"]) == ["/tree/dev/a", "/tree/dev/b"]
    out = cairn.aws("ssm", "get-parameters-by-path", "--path", "/tree/dev/", "--recursive", v=1)
    assert names(out["Parameters"]) == ["/tree/dev/a", "/tree/dev/b", "/tree/dev/sub/c",
                                        "/tree/dev/sub/deeper/d"]
    pages = list(tree.get_paginator("get_parameters_by_path").paginate(
        Path="/tree", Recursive=True, PaginationConfig={"PageSize": 2}))
    assert [len(p["Parameters"]) for p in pages] == [2, 2, 1]
    assert "/treehouse/y" not in [n for p in pages for n in names(p["Parameters"])]
    first = tree.get_parameters_by_path(Path="/tree", Recursive=True, MaxResults=1)
    assert "NextToken" in first
    nxt = tree.get_parameters_by_path(Path="/tree", Recursive=True, MaxResults=1, NextToken=first["NextToken"])
    assert names(nxt["Parameters"]) == ["/tree/dev/b"]
    top = tree.get_parameters_by_path(Path="/")["Parameters"]
    assert all(p["Name"].count("/") == 1 for p in top)
    sec = tree.get_parameters_by_path(Path="/tree", Recursive=True,
                                      ParameterFilters=[{"Key": "Type", "Values": ["SecureString"]}])
    assert names(sec["Parameters"]) == ["/tree/dev/b"]
    assert sec["Parameters"][0]["Value"] != "val-b"
    tagged = tree.get_parameters_by_path(Path="/tree", Recursive=True,
                                         ParameterFilters=[{"Key": "tag:env", "Values": ["prod"]}])
    assert names(tagged["Parameters"]) == ["/tree/prod/x"]


def test_get_parameters_by_path_label_filter(tree):
    tree.put_parameter(Name="/tree/prod/x", Value="second", Overwrite=True)
    tree.label_parameter_version(Name="/tree/prod/x", ParameterVersion=1, Labels=["golden"])
    out = tree.get_parameters_by_path(Path="/tree/prod", ParameterFilters=[
        {"Key": "Label", "Option": "Equals", "Values": ["golden"]}])["Parameters"]
    assert [(p["Name"], p["Version"], p["Value"]) for p in out] == [("/tree/prod/x", 1, "val-x")]


def test_get_parameters_by_path_errors(cairn, tree):
    with pytest.raises(Exception) as e:
        tree.get_parameters_by_path(Path="/tree", ParameterFilters=[{"Key": "Name", "Values": ["x"]}])
    assert err(e) == "InvalidFilterKey"
    with pytest.raises(Exception) as e:
        tree.get_parameters_by_path(Path="tree")
    assert err(e) == "ValidationException"
    with pytest.raises(Exception) as e:
        tree.get_parameters_by_path(Path="/tree", NextToken="not-a-token")
    assert err(e) == "InvalidNextToken"
    with pytest.raises(AwsError) as e:
        cairn.aws("ssm", "get-parameters-by-path", "--path", "/tree", "--max-results", "11", "--no-paginate")
    assert e.value.code == "ValidationException"
    with pytest.raises(Exception) as e:
        tree.get_parameters_by_path(Path="/tree", ParameterFilters=[
            {"Key": "Type", "Option": "Contains", "Values": ["String"]}])
    assert err(e) == "InvalidFilterOption"


# ---- DescribeParameters ----

def test_describe_parameters(cairn, tree):
    out = tree.describe_parameters(ParameterFilters=[{"Key": "Path", "Option": "Recursive",
                                                      "Values": ["/tree/dev"]}], MaxResults=50)
    assert names(out["Parameters"]) == ["/tree/dev/a", "/tree/dev/b", "/tree/dev/sub/c",
                                        "/tree/dev/sub/deeper/d"]
    m = out["Parameters"][1]
    assert m["Type"] == "SecureString" and m["KeyId"] == "alias/aws/ssm" and m["Tier"] == "Standard"
    assert "Value" not in m and m["Version"] == 1 and m["ARN"].endswith(":parameter/tree/dev/b")
    one = tree.describe_parameters(ParameterFilters=[{"Key": "Path", "Values": ["/tree/dev"]}])
    assert names(one["Parameters"]) == ["/tree/dev/a", "/tree/dev/b"]
    begins = tree.describe_parameters(ParameterFilters=[{"Key": "Name", "Option": "BeginsWith",
                                                         "Values": ["/tree/dev/sub"]}])
    assert names(begins["Parameters"]) == ["/tree/dev/sub/c", "/tree/dev/sub/deeper/d"]
    contains = tree.describe_parameters(ParameterFilters=[{"Key": "Name", "Option": "Contains",
                                                           "Values": ["deeper"]}])
    assert names(contains["Parameters"]) == ["/tree/dev/sub/deeper/d"]
    equals = tree.describe_parameters(ParameterFilters=[{"Key": "Name", "Values": ["tree/prod/x"]}])
    assert names(equals["Parameters"]) == ["/tree/prod/x"]
    lists = tree.describe_parameters(ParameterFilters=[{"Key": "Type", "Values": ["StringList"]},
                                                       {"Key": "Path", "Option": "Recursive", "Values": ["/tree"]}])
    assert names(lists["Parameters"]) == ["/tree/dev/sub/deeper/d"]
    legacy = tree.describe_parameters(Filters=[{"Key": "Name", "Values": ["/treehouse"]}])
    assert names(legacy["Parameters"]) == ["/treehouse/y"]
    tagged = tree.describe_parameters(ParameterFilters=[{"Key": "tag:env", "Values": ["treehouse"]}])
    assert names(tagged["Parameters"]) == []
    tagged = tree.describe_parameters(ParameterFilters=[{"Key": "tag:env", "Values": ["dev"]}], MaxResults=50)
    assert len(tagged["Parameters"]) == 4
    # CLI pages through everything
    every = cairn.aws("ssm", "describe-parameters", "--page-size", "3")["Parameters"]
    assert "/treehouse/y" in names(every) and "/tree/dev/a" in names(every)
    pages = list(tree.get_paginator("describe_parameters").paginate(
        ParameterFilters=[{"Key": "Path", "Option": "Recursive", "Values": ["/tree"]}],
        PaginationConfig={"PageSize": 2}))
    assert sum(len(p["Parameters"]) for p in pages) == 5 and len(pages) == 3
    assert tree.describe_parameters(Shared=True)["Parameters"] == []


@pytest.mark.parametrize("kwargs,code", [
    ({"Filters": [{"Key": "Name", "Values": ["a"]}], "ParameterFilters": [{"Key": "Type", "Values": ["String"]}]},
     "ValidationException"),
    ({"ParameterFilters": [{"Key": "Label", "Values": ["x"]}]}, "InvalidFilterKey"),
    ({"ParameterFilters": [{"Key": "Name", "Option": "Regex", "Values": ["x"]}]}, "InvalidFilterOption"),
    ({"ParameterFilters": [{"Key": "Path", "Option": "Deep", "Values": ["/x"]}]}, "InvalidFilterOption"),
    ({"ParameterFilters": [{"Key": "Type", "Values": ["Number"]}]}, "InvalidFilterValue"),
    ({"ParameterFilters": [{"Key": "Tier", "Values": ["Gold"]}]}, "InvalidFilterValue"),
    ({"ParameterFilters": [{"Key": "Name"}]}, "InvalidFilterValue"),
    ({"ParameterFilters": [{"Key": "Type", "Values": ["String"]}, {"Key": "Type", "Values": ["String"]}]},
     "InvalidFilterKey"),
    ({"ParameterFilters": [{"Key": "Path", "Values": ["no-slash"]}]}, "ValidationException"),
    ({"ParameterFilters": [{"Key": "Colour", "Values": ["x"]}]}, "ValidationException"),
    ({"NextToken": "zzz"}, "InvalidNextToken"),
])
def test_describe_parameters_errors(ssm, kwargs, code):
    with pytest.raises(Exception) as e:
        ssm.describe_parameters(**kwargs)
    assert err(e) == code


# ---- tiers, sizes, patterns, policies ----

def test_tiers_and_sizes(cairn, ssm):
    big = "x" * 4097
    with pytest.raises(Exception) as e:
        ssm.put_parameter(Name="/size/std", Value=big, Type="String")
    assert err(e) == "ValidationException"
    assert ssm.put_parameter(Name="/size/std", Value="x" * 4096, Type="String")["Tier"] == "Standard"
    out = ssm.put_parameter(Name="/size/adv", Value="y" * 8192, Type="String", Tier="Advanced")
    assert out["Tier"] == "Advanced"
    with pytest.raises(Exception) as e:
        ssm.put_parameter(Name="/size/adv2", Value="y" * 8193, Type="String", Tier="Advanced")
    assert err(e) == "ValidationException"
    out = ssm.put_parameter(Name="/size/smart", Value=big, Type="String", Tier="Intelligent-Tiering")
    assert out["Tier"] == "Advanced"
    assert ssm.put_parameter(Name="/size/smart2", Value="small", Type="String",
                             Tier="Intelligent-Tiering")["Tier"] == "Standard"
    with pytest.raises(AwsError) as e:
        cairn.aws("ssm", "put-parameter", "--name", "/size/adv", "--value", "z", "--tier", "Standard",
                  "--overwrite")
    assert e.value.code == "ValidationException"
    assert "downgrade" in e.value.message
    # an Advanced parameter stays Advanced when overwritten without a tier
    assert ssm.put_parameter(Name="/size/adv", Value="z", Overwrite=True)["Tier"] == "Advanced"


def test_allowed_pattern(cairn, ssm):
    ssm.put_parameter(Name="/pat/port", Value="8080", Type="String", AllowedPattern=r"^\d+$")
    with pytest.raises(Exception) as e:
        ssm.put_parameter(Name="/pat/port", Value="http", Overwrite=True)
    assert err(e) == "ParameterPatternMismatchException"
    ssm.put_parameter(Name="/pat/port", Value="9090", Overwrite=True)
    with pytest.raises(AwsError) as e:
        cairn.aws("ssm", "put-parameter", "--name", "/pat/bad", "--value", "x", "--type", "String",
                  "--allowed-pattern", "([a-z")
    assert e.value.code == "InvalidAllowedPatternException"
    meta = ssm.describe_parameters(ParameterFilters=[{"Key": "Name", "Values": ["/pat/port"]}])["Parameters"][0]
    assert meta["AllowedPattern"] == r"^\d+$"


def test_policies(ssm):
    policy = '[{"Type":"Expiration","Version":"1.0","Attributes":{"Timestamp":"2030-12-02T21:34:33.000Z"}}]'
    with pytest.raises(Exception) as e:
        ssm.put_parameter(Name="/pol/std", Value="x", Type="String", Tier="Standard", Policies=policy)
    assert err(e) == "ValidationException"
    ssm.put_parameter(Name="/pol/adv", Value="x", Type="String", Tier="Advanced", Policies=policy)
    meta = ssm.describe_parameters(ParameterFilters=[{"Key": "Name", "Values": ["/pol/adv"]}])["Parameters"][0]
    assert meta["Policies"][0]["PolicyType"] == "Expiration"
    with pytest.raises(Exception) as e:
        ssm.put_parameter(Name="/pol/bad", Value="x", Type="String", Tier="Advanced",
                          Policies='[{"Type":"SelfDestruct","Version":"1.0","Attributes":{}}]')
    assert err(e) == "InvalidPolicyTypeException"


def test_version_limit(ssm):
    name = "/limit/hundred"
    for i in range(100):
        ssm.put_parameter(Name=name, Value=f"v{i + 1}", Type="String", Overwrite=True)
    ssm.put_parameter(Name=name, Value="v101", Type="String", Overwrite=True)
    hist = [h["Version"] for p in ssm.get_paginator("get_parameter_history").paginate(Name=name)
            for h in p["Parameters"]]
    assert hist == list(range(2, 102))
    with pytest.raises(Exception) as e:
        ssm.get_parameter(Name=name + ":1")
    assert err(e) == "ParameterVersionNotFound"
    ssm.label_parameter_version(Name=name, ParameterVersion=2, Labels=["keep"])
    with pytest.raises(Exception) as e:
        ssm.put_parameter(Name=name, Value="v102", Overwrite=True)
    assert err(e) == "ParameterMaxVersionLimitExceeded"
    page = ssm.get_parameter_history(Name=name, MaxResults=10)
    assert len(page["Parameters"]) == 10 and "NextToken" in page


# ---- tags ----

def test_parameter_tags(cairn, ssm):
    ssm.put_parameter(Name="/tags/p", Value="x", Type="String", Tags=[{"Key": "owner", "Value": "me"}])
    with pytest.raises(Exception) as e:
        ssm.put_parameter(Name="/tags/p", Value="y", Overwrite=True, Tags=[{"Key": "a", "Value": "b"}])
    assert err(e) == "ValidationException"
    cairn.aws("ssm", "add-tags-to-resource", "--resource-type", "Parameter", "--resource-id", "/tags/p",
              "--tags", "Key=team,Value=ops", v=1)
    tags = ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId="/tags/p")["TagList"]
    assert tags == [{"Key": "owner", "Value": "me"}, {"Key": "team", "Value": "ops"}]
    cairn.aws("ssm", "remove-tags-from-resource", "--resource-type", "Parameter", "--resource-id", "/tags/p",
              "--tag-keys", "owner")
    assert ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId="/tags/p")["TagList"] == \
        [{"Key": "team", "Value": "ops"}]
    with pytest.raises(Exception) as e:
        ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId="/tags/none")
    assert err(e) == "InvalidResourceId"
    # deleting the parameter drops its tags
    ssm.delete_parameter(Name="/tags/p")
    ssm.put_parameter(Name="/tags/p", Value="x", Type="String")
    assert ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId="/tags/p")["TagList"] == []


# ---- delete ----

def test_delete(cairn, ssm):
    ssm.put_parameter(Name="/del/a", Value="x", Type="String")
    ssm.put_parameter(Name="/del/b", Value="x", Type="String", Overwrite=True)
    ssm.label_parameter_version(Name="/del/b", Labels=["l"])
    cairn.aws("ssm", "delete-parameter", "--name", "/del/a")
    with pytest.raises(AwsError) as e:
        cairn.aws("ssm", "delete-parameter", "--name", "/del/a", v=1)
    assert e.value.code == "ParameterNotFound"
    out = ssm.delete_parameters(Names=["/del/b", "/del/zzz"])
    assert out["DeletedParameters"] == ["/del/b"] and out["InvalidParameters"] == ["/del/zzz"]
    with pytest.raises(Exception) as e:
        ssm.get_parameter_history(Name="/del/b")
    assert err(e) == "ParameterNotFound"
    ssm.put_parameter(Name="/del/b", Value="fresh", Type="String")
    assert ssm.get_parameter(Name="/del/b")["Parameter"]["Version"] == 1
    with pytest.raises(Exception) as e:
        ssm.get_parameter(Name="/del/b:l")
    assert err(e) == "ParameterNotFound"


def test_regions_are_separate(cairn, ssm):
    ssm.put_parameter(Name="/region/only-here", Value="x", Type="String")
    eu = boto3.client("ssm", endpoint_url=cairn.endpoint, region_name="eu-west-1",
                      aws_access_key_id=cairn.key, aws_secret_access_key=cairn.secret,
                      config=botocore.config.Config(retries={"max_attempts": 1}))
    with pytest.raises(Exception) as e:
        eu.get_parameter(Name="/region/only-here")
    assert err(e) == "ParameterNotFound"
    arn = eu.put_parameter(Name="/region/only-here", Value="eu", Type="String")
    assert arn["Version"] == 1
    p = eu.get_parameter(Name="/region/only-here")["Parameter"]
    assert p["ARN"].startswith("arn:aws:ssm:eu-west-1:")
    assert ssm.get_parameter(Name="/region/only-here")["Parameter"]["Value"] == "x"


def test_no_server_errors_logged(cairn):
    assert "status=500" not in cairn.log_text()


def test_more_error_cases(cairn, ssm):
    ssm.put_parameter(Name="/errs/p", Value="x", Type="String")
    with pytest.raises(Exception) as e:
        ssm.get_parameter_history(Name="/errs/p", NextToken="garbage")
    assert err(e) == "InvalidNextToken"
    with pytest.raises(Exception) as e:
        ssm.get_parameter_history(Name="/errs/none")
    assert err(e) == "ParameterNotFound"
    many = ",".join('{"Type":"Expiration","Version":"1.0","Attributes":{"Timestamp":"2030-01-01T00:00:00Z"}}'
                    for _ in range(11))
    with pytest.raises(Exception) as e:
        ssm.put_parameter(Name="/errs/pol", Value="x", Type="String", Tier="Advanced", Policies=f"[{many}]")
    assert err(e) == "PoliciesLimitExceededException"
    with pytest.raises(Exception) as e:
        ssm.put_parameter(Name="/errs/pol", Value="x", Type="String", Tier="Advanced",
                          Policies='[{"Type":"Expiration","Version":"1.0"}]')
    assert err(e) == "InvalidPolicyAttributeException"
    with pytest.raises(Exception) as e:
        ssm.get_parameters_by_path(Path="/errs", ParameterFilters=[{"Key": "Type"}])
    assert err(e) == "InvalidFilterValue"
    with pytest.raises(Exception) as e:
        ssm.remove_tags_from_resource(ResourceType="Parameter", ResourceId="/errs/none", TagKeys=["a"])
    assert err(e) == "InvalidResourceId"
    with pytest.raises(Exception) as e:
        ssm.add_tags_to_resource(ResourceType="Parameter", ResourceId="/errs/p",
                                 Tags=[{"Key": "k", "Value": "1"}, {"Key": "k", "Value": "2"}])
    assert err(e) == "ValidationException"
    out = cairn.aws("ssm", "delete-parameters", "--names", "/errs/none1", "/errs/none2", v=2)
    assert out["InvalidParameters"] == ["/errs/none1", "/errs/none2"] and "DeletedParameters" not in out


# ---- last: restarts the module's server ----

def test_secure_string_survives_restart(cairn, ssm):
    secret = "restart-" + secrets.token_hex(8)
    ssm.put_parameter(Name="/durable/secret", Value=secret, Type="SecureString")
    ssm.label_parameter_version(Name="/durable/secret", Labels=["kept"])
    cairn.restart()
    fresh = cairn.client("ssm")
    p = fresh.get_parameter(Name="/durable/secret:kept", WithDecryption=True)["Parameter"]
    assert p["Value"] == secret and p["Selector"] == ":kept"
    assert "status=500" not in cairn.log_text()
