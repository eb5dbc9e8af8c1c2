"""SSM documents with the real clients: create/get/describe/list/update/delete with versions,
JSON <-> YAML conversion, validation errors per schema, AWS-owned documents (read-only),
sharing permissions and tags."""
import hashlib
import json
import os

import pytest
import yaml

from conftest import AwsError, boto_error

DATA = os.path.join(os.path.dirname(__file__), "..", "data", "ssm-documents")

AUTOMATION = {
    "schemaVersion": "0.3",
    "description": "Stop then start an instance.",
    "assumeRole": "{{ AutomationAssumeRole }}",
    "parameters": {
        "InstanceId": {"type": "String", "description": "The instance"},
        "AutomationAssumeRole": {"type": "String", "default": ""},
        "Retries": {"type": "Integer", "default": 2},
        "Names": {"type": "StringList", "default": ["a", "b"]},
    },
    "mainSteps": [
        {"name": "stop", "action": "aws:changeInstanceState", "onFailure": "step:start",
         "inputs": {"InstanceIds": ["{{ InstanceId }}"], "DesiredState": "stopped"}},
        {"name": "start", "action": "aws:changeInstanceState",
         "inputs": {"InstanceIds": ["{{ InstanceId }}"], "DesiredState": "running"}},
    ],
}

COMMAND = {
    "schemaVersion": "2.2",
    "description": "Say hello.",
    "parameters": {"who": {"type": "String", "default": "world"}},
    "mainSteps": [{"action": "aws:runShellScript", "name": "hello",
                   "inputs": {"runCommand": ["echo hello {{ who }}"]}}],
}


def text(doc):
    return json.dumps(doc, indent=2)


def sha256(s):
    return hashlib.sha256(s.encode()).hexdigest()


def write(tmp_path, name, content):
    p = tmp_path / name
    p.write_text(content)
    return f"file://{p}"


@pytest.fixture(scope="module")
def ssm(cairn):
    return cairn.client("ssm")


# ---- AWS-owned documents ----

AWS_DOCS = ["AWS-CreateImage", "AWS-RestartEC2Instance", "AWS-RunPowerShellScript",
            "AWS-RunShellScript", "AWS-StartEC2Instance", "AWS-StopEC2Instance", "AWS-UpdateLinuxAmi"]


def test_aws_owned_documents_are_listed(cairn):
    out = cairn.aws("ssm", "list-documents", "--filters", "Key=Owner,Values=Amazon")
    names = [d["Name"] for d in out["DocumentIdentifiers"]]
    assert sorted(names) == AWS_DOCS
    for d in out["DocumentIdentifiers"]:
        assert d["Owner"] == "Amazon"
        assert d["DocumentVersion"] == "1"
        assert "Tags" not in d


def test_describe_aws_run_shell_script(cairn):
    d = cairn.aws("ssm", "describe-document", "--name", "AWS-RunShellScript")["Document"]
    assert d["Owner"] == "Amazon"
    assert d["DocumentType"] == "Command"
    assert d["SchemaVersion"] == "1.2"
    assert d["PlatformTypes"] == ["Linux", "MacOS"]
    assert d["Status"] == "Active"
    assert d["HashType"] == "Sha256" and len(d["Hash"]) == 64
    params = {p["Name"]: p for p in d["Parameters"]}
    assert params["commands"]["Type"] == "StringList"
    assert params["executionTimeout"]["DefaultValue"] == "3600"
    assert "DefaultValue" not in params["commands"]


def test_aws_update_linux_ami_structure(cairn):
    d = cairn.aws("ssm", "get-document", "--name", "AWS-UpdateLinuxAmi", v=1)
    assert d["DocumentType"] == "Automation" and d["DocumentFormat"] == "JSON"
    content = json.loads(d["Content"])
    steps = [(s["name"], s["action"]) for s in content["mainSteps"]]
    assert steps == [("launchInstance", "aws:runInstances"), ("updateOSSoftware", "aws:runCommand"),
                     ("stopInstance", "aws:changeInstanceState"), ("createImage", "aws:createImage"),
                     ("terminateInstance", "aws:changeInstanceState")]
    assert content["parameters"]["IamInstanceProfileName"]["default"] == "ManagedInstanceProfile"
    assert content["outputs"] == ["createImage.ImageId"]


def test_aws_document_as_yaml(cairn):
    d = cairn.aws("ssm", "get-document", "--name", "AWS-StopEC2Instance", "--document-format", "YAML")
    assert d["DocumentFormat"] == "YAML"
    j = cairn.aws("ssm", "get-document", "--name", "AWS-StopEC2Instance")
    assert yaml.safe_load(d["Content"]) == json.loads(j["Content"])


def test_aws_document_by_arn(cairn):
    arn = f"arn:aws:ssm:{cairn.region}::document/AWS-StartEC2Instance"
    d = cairn.aws("ssm", "describe-document", "--name", arn)["Document"]
    assert d["Name"] == "AWS-StartEC2Instance"


@pytest.mark.parametrize("args", [
    ["update-document", "--name", "AWS-RunShellScript", "--content", json.dumps(COMMAND),
     "--document-version", "$LATEST"],
    ["delete-document", "--name", "AWS-RunShellScript"],
    ["update-document-default-version", "--name", "AWS-StopEC2Instance", "--document-version", "1"],
    ["modify-document-permission", "--name", "AWS-StopEC2Instance", "--permission-type", "Share",
     "--account-ids-to-add", "111122223333"],
    ["describe-document-permission", "--name", "AWS-StopEC2Instance", "--permission-type", "Share"],
])
def test_aws_owned_document_cannot_be_changed(cairn, args):
    with pytest.raises(AwsError) as e:
        cairn.aws("ssm", *args)
    assert e.value.code == "InvalidDocumentOperation"
    assert "owned by Amazon" in e.value.message
    # still there, unchanged
    d = cairn.aws("ssm", "describe-document", "--name", args[2])["Document"]
    assert d["Owner"] == "Amazon" and d["LatestVersion"] == "1"


def test_aws_owned_document_cannot_be_tagged(ssm):
    with pytest.raises(Exception) as e:
        ssm.add_tags_to_resource(ResourceType="Document", ResourceId="AWS-RunShellScript",
                                 Tags=[{"Key": "k", "Value": "v"}])
    assert boto_error(e)[0] == "InvalidResourceId"


def test_reserved_names_are_refused(cairn):
    for name in ("AWS-Mine", "aws_lower", "AmazonThing", "amzn.doc"):
        with pytest.raises(AwsError) as e:
            cairn.aws("ssm", "create-document", "--name", name, "--content", json.dumps(COMMAND))
        assert e.value.code == "ValidationException", name


# ---- create / get / describe ----

def test_create_json_document(cairn, ssm):
    content = text(COMMAND)
    d = cairn.aws("ssm", "create-document", "--name", "hello-cmd", "--content", content,
                  "--version-name", "first", "--display-name", "Hello command")["DocumentDescription"]
    assert d["Name"] == "hello-cmd"
    assert d["Status"] == "Creating"
    assert d["DocumentType"] == "Command"             # the default type
    assert d["DocumentFormat"] == "JSON"              # the default format
    assert d["DocumentVersion"] == d["LatestVersion"] == d["DefaultVersion"] == "1"
    assert d["VersionName"] == "first"
    assert d["DisplayName"] == "Hello command"
    assert d["Owner"] == cairn.account
    assert d["Hash"] == sha256(content) and d["HashType"] == "Sha256"
    assert d["SchemaVersion"] == "2.2"
    assert d["PlatformTypes"] == ["Linux", "MacOS"]
    assert d["Description"] == "Say hello."
    assert d["Parameters"] == [{"Name": "who", "Type": "String", "DefaultValue": "world"}]
    assert "CreatedDate" in d
    desc = ssm.describe_document(Name="hello-cmd")["Document"]
    assert desc["Status"] == "Active"
    assert desc["Tags"] == []
    got = ssm.get_document(Name="hello-cmd")
    assert got["Content"] == content                   # byte for byte
    assert got["DocumentFormat"] == "JSON" and got["Status"] == "Active"
    assert got["VersionName"] == "first"


def test_create_yaml_document_and_round_trip(cairn, tmp_path):
    with open(os.path.join(DATA, "automation-basic.yaml")) as f:
        content = f.read()
    d = cairn.aws("ssm", "create-document", "--name", "basic-yaml", "--document-type", "Automation",
                  "--document-format", "YAML", "--content", write(tmp_path, "b.yaml", content),
                  v=1)["DocumentDescription"]
    assert d["DocumentFormat"] == "YAML" and d["SchemaVersion"] == "0.3"
    assert d["PlatformTypes"] == ["Windows", "Linux", "MacOS"]
    got = cairn.aws("ssm", "get-document", "--name", "basic-yaml")
    assert got["Content"] == content and got["DocumentFormat"] == "YAML"
    as_json = cairn.aws("ssm", "get-document", "--name", "basic-yaml", "--document-format", "JSON")
    assert as_json["DocumentFormat"] == "JSON"
    tree = json.loads(as_json["Content"])
    original = yaml.safe_load(content)
    original["schemaVersion"] = "0.3"                 # unquoted 0.3 in YAML means "0.3"
    assert tree == original
    # JSON back into a new document, read it as YAML: the same tree again
    cairn.aws("ssm", "create-document", "--name", "basic-from-json", "--document-type", "Automation",
              "--content", write(tmp_path, "b.json", as_json["Content"]), v=2)
    back = cairn.aws("ssm", "get-document", "--name", "basic-from-json", "--document-format", "YAML")
    assert yaml.safe_load(back["Content"]) == tree


def test_json_to_yaml_keeps_tricky_strings(ssm):
    doc = dict(COMMAND)
    doc["parameters"] = {
        "a": {"type": "String", "default": "yes"},
        "b": {"type": "String", "default": "0.3"},
        "c": {"type": "String", "default": ""},
        "d": {"type": "String", "default": "line1\nline2\n"},
        "e": {"type": "String", "default": "{{ ssm:/x }}"},
        "f": {"type": "String", "default": "null"},
        "g": {"type": "StringList", "default": ["true", "~", "- x", "#y"]},
    }
    doc["mainSteps"] = [{"action": "aws:runShellScript", "name": "s", "inputs": {"runCommand": ["true"]}}]
    ssm.create_document(Name="tricky-strings", Content=json.dumps(doc))
    y = ssm.get_document(Name="tricky-strings", DocumentFormat="YAML")["Content"]
    assert yaml.safe_load(y) == doc


def test_get_and_describe_missing(cairn, ssm):
    with pytest.raises(AwsError) as e:
        cairn.aws("ssm", "get-document", "--name", "no-such-doc")
    assert e.value.code == "InvalidDocument"
    with pytest.raises(Exception) as e:
        ssm.describe_document(Name="no-such-doc")
    assert boto_error(e)[0] == "InvalidDocument"
    with pytest.raises(Exception) as e:
        ssm.get_document(Name="hello-cmd", DocumentVersion="7")
    assert boto_error(e)[0] == "InvalidDocument"
    with pytest.raises(Exception) as e:
        ssm.get_document(Name="hello-cmd", VersionName="nope")
    assert boto_error(e)[0] == "InvalidDocument"


def test_describe_by_own_arn(cairn):
    arn = f"arn:aws:ssm:{cairn.region}:{cairn.account}:document/hello-cmd"
    assert cairn.aws("ssm", "describe-document", "--name", arn)["Document"]["Name"] == "hello-cmd"


def test_create_duplicate(cairn):
    with pytest.raises(AwsError) as e:
        cairn.aws("ssm", "create-document", "--name", "hello-cmd", "--content", json.dumps(COMMAND))
    assert e.value.code == "DocumentAlreadyExists"
    assert "hello-cmd" in e.value.message


# ---- validation ----

def cases():
    out = []
    with open(os.path.join(DATA, "cases.txt")) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            file, dtype, code, msg = (line.split("|", 3) + [""])[:4]
            if code != "OK":
                out.append((file, dtype, code, msg))
    return out


@pytest.mark.parametrize("file,dtype,code,msg", cases())
def test_invalid_content(ssm, file, dtype, code, msg):
    with open(os.path.join(DATA, file)) as f:
        content = f.read()
    fmt = "YAML" if file.endswith(".yaml") else "JSON"
    with pytest.raises(Exception) as e:
        ssm.create_document(Name="bad-" + file.replace(".", "-"), Content=content,
                            DocumentType=dtype, DocumentFormat=fmt)
    got_code, got_msg = boto_error(e)
    assert got_code == code
    assert msg in got_msg


def test_invalid_content_cli(cairn):
    bad = dict(AUTOMATION, mainSteps=[{"name": "x", "action": "aws:nope", "inputs": {}}])
    with pytest.raises(AwsError) as e:
        cairn.aws("ssm", "create-document", "--name", "bad-cli", "--document-type", "Automation",
                  "--content", json.dumps(bad), v=1)
    assert e.value.code == "InvalidDocumentContent"
    assert "aws:nope" in e.value.message


def test_wrong_schema_version(cairn):
    with pytest.raises(AwsError) as e:
        cairn.aws("ssm", "create-document", "--name", "bad-schema", "--document-type", "Command",
                  "--content", json.dumps(AUTOMATION))
    assert e.value.code == "InvalidDocumentSchemaVersion"


def test_content_too_large(ssm):
    doc = dict(COMMAND, description="x" * (64 * 1024))
    with pytest.raises(Exception) as e:
        ssm.create_document(Name="too-big", Content=json.dumps(doc))
    assert boto_error(e)[0] == "MaxDocumentSizeExceeded"


def test_text_format_refused_for_command(ssm):
    with pytest.raises(Exception) as e:
        ssm.create_document(Name="text-cmd", Content="hello", DocumentFormat="TEXT")
    assert boto_error(e)[0] == "ValidationException"


def test_name_pattern_is_validated(cairn):
    with pytest.raises(AwsError) as e:
        cairn.aws("ssm", "create-document", "--name", "a b", "--content", json.dumps(COMMAND))
    assert e.value.code == "ValidationException"


# ---- versions ----

def test_versions_update_default_delete(cairn, ssm):
    v1 = text(AUTOMATION)
    ssm.create_document(Name="versioned", Content=v1, DocumentType="Automation")
    doc2 = dict(AUTOMATION, description="second")
    d = cairn.aws("ssm", "update-document", "--name", "versioned", "--content", text(doc2),
                  "--document-version", "$LATEST", "--version-name", "two")["DocumentDescription"]
    assert d["DocumentVersion"] == "2" and d["LatestVersion"] == "2" and d["DefaultVersion"] == "1"
    assert d["VersionName"] == "two" and d["Description"] == "second"
    # the default is still version 1
    assert json.loads(ssm.get_document(Name="versioned")["Content"])["description"] == AUTOMATION["description"]
    assert ssm.get_document(Name="versioned", DocumentVersion="$LATEST")["DocumentVersion"] == "2"
    assert ssm.get_document(Name="versioned", VersionName="two")["DocumentVersion"] == "2"
    assert ssm.describe_document(Name="versioned", DocumentVersion="2")["Document"]["Description"] == "second"
    # only the latest version may be updated
    doc3 = dict(AUTOMATION, description="third")
    with pytest.raises(AwsError) as e:
        cairn.aws("ssm", "update-document", "--name", "versioned", "--content", text(doc3),
                  "--document-version", "1")
    assert e.value.code == "InvalidDocumentVersion"
    # same content as an existing version
    with pytest.raises(Exception) as e:
        ssm.update_document(Name="versioned", Content=v1, DocumentVersion="$LATEST")
    assert boto_error(e)[0] == "DuplicateDocumentContent"
    # version names are unique
    with pytest.raises(Exception) as e:
        ssm.update_document(Name="versioned", Content=text(doc3), DocumentVersion="2", VersionName="two")
    assert boto_error(e)[0] == "DuplicateDocumentVersionName"
    ssm.update_document(Name="versioned", Content=text(doc3), DocumentVersion="2")
    # default version
    out = cairn.aws("ssm", "update-document-default-version", "--name", "versioned",
                    "--document-version", "2", v=1)["Description"]
    assert out == {"Name": "versioned", "DefaultVersion": "2", "DefaultVersionName": "two"}
    with pytest.raises(Exception) as e:
        ssm.update_document_default_version(Name="versioned", DocumentVersion="9")
    assert boto_error(e)[0] == "InvalidDocumentVersion"
    # versions, paged
    pages = list(ssm.get_paginator("list_document_versions").paginate(
        Name="versioned", PaginationConfig={"PageSize": 1}))
    assert len(pages) == 3
    vers = [v for p in pages for v in p["DocumentVersions"]]
    assert [v["DocumentVersion"] for v in vers] == ["1", "2", "3"]
    assert [v["IsDefaultVersion"] for v in vers] == [False, True, False]
    assert vers[1]["VersionName"] == "two"
    # the default version can't be deleted; another can
    with pytest.raises(AwsError) as e:
        cairn.aws("ssm", "delete-document", "--name", "versioned", "--document-version", "2")
    assert e.value.code == "InvalidDocumentOperation"
    assert "Default version" in e.value.message
    cairn.aws("ssm", "delete-document", "--name", "versioned", "--document-version", "3")
    d = ssm.describe_document(Name="versioned")["Document"]
    assert d["LatestVersion"] == "2" and d["DefaultVersion"] == "2"
    versions = ssm.list_document_versions(Name="versioned")["DocumentVersions"]
    assert [v["DocumentVersion"] for v in versions] == ["1", "2"]
    # delete everything
    cairn.aws("ssm", "delete-document", "--name", "versioned", v=1)
    with pytest.raises(Exception) as e:
        ssm.describe_document(Name="versioned")
    assert boto_error(e)[0] == "InvalidDocument"
    with pytest.raises(AwsError) as e:
        cairn.aws("ssm", "delete-document", "--name", "versioned")
    assert e.value.code == "InvalidDocument"


def test_update_errors(cairn, ssm):
    with pytest.raises(Exception) as e:
        ssm.update_document(Name="never-was", Content=text(COMMAND), DocumentVersion="$LATEST")
    assert boto_error(e)[0] == "InvalidDocument"
    bad = dict(COMMAND, mainSteps=[])
    with pytest.raises(Exception) as e:
        ssm.update_document(Name="hello-cmd", Content=json.dumps(bad), DocumentVersion="$LATEST")
    assert boto_error(e)[0] == "InvalidDocumentContent"
    with pytest.raises(Exception) as e:
        ssm.update_document(Name="hello-cmd", Content=json.dumps(AUTOMATION), DocumentVersion="$LATEST")
    assert boto_error(e)[0] == "InvalidDocumentSchemaVersion"


def test_update_in_yaml(cairn, ssm):
    ssm.create_document(Name="fmt-switch", Content=json.dumps(COMMAND))
    y = yaml.safe_dump(dict(COMMAND, description="now yaml"))
    d = ssm.update_document(Name="fmt-switch", Content=y, DocumentFormat="YAML",
                            DocumentVersion="$LATEST")["DocumentDescription"]
    assert d["DocumentFormat"] == "YAML"
    got = ssm.get_document(Name="fmt-switch", DocumentVersion="2")
    assert got["Content"] == y and got["DocumentFormat"] == "YAML"
    assert ssm.get_document(Name="fmt-switch", DocumentVersion="1")["DocumentFormat"] == "JSON"


# ---- listing ----

def test_list_documents_filters_and_paging(cairn, ssm):
    for i in range(5):
        ssm.create_document(Name=f"page-doc-{i}", Content=json.dumps(dict(COMMAND, description=str(i))),
                            Tags=[{"Key": "team", "Value": "blue" if i % 2 else "red"}])
    ssm.create_document(Name="page-auto", Content=json.dumps(AUTOMATION), DocumentType="Automation")
    pages = list(ssm.get_paginator("list_documents").paginate(
        Filters=[{"Key": "Name", "Values": ["page-doc-"]}], PaginationConfig={"PageSize": 2}))
    assert len(pages) == 3
    names = [d["Name"] for p in pages for d in p["DocumentIdentifiers"]]
    assert names == [f"page-doc-{i}" for i in range(5)]
    # CLI v2 pages on its own
    out = cairn.aws("ssm", "list-documents", "--filters", "Key=Name,Values=page-", "--page-size", "1")
    assert len(out["DocumentIdentifiers"]) == 6
    # owner, type, tags, platform
    own = ssm.list_documents(Filters=[{"Key": "Owner", "Values": ["Self"]}], MaxResults=50)
    assert all(d["Owner"] == cairn.account for d in own["DocumentIdentifiers"])
    assert "page-auto" in [d["Name"] for d in own["DocumentIdentifiers"]]
    auto = ssm.list_documents(Filters=[{"Key": "DocumentType", "Values": ["Automation"]},
                                       {"Key": "Owner", "Values": ["Self"]}])["DocumentIdentifiers"]
    assert "page-auto" in [d["Name"] for d in auto]
    assert all(d["DocumentType"] == "Automation" for d in auto)
    blue = ssm.list_documents(Filters=[{"Key": "tag:team", "Values": ["blue"]}])["DocumentIdentifiers"]
    assert sorted(d["Name"] for d in blue) == ["page-doc-1", "page-doc-3"]
    assert blue[0]["Tags"] == [{"Key": "team", "Value": "blue"}]
    win = ssm.list_documents(Filters=[{"Key": "PlatformTypes", "Values": ["Windows"]},
                                      {"Key": "Owner", "Values": ["Amazon"]}])["DocumentIdentifiers"]
    assert "AWS-RunPowerShellScript" in [d["Name"] for d in win]
    assert "AWS-RunShellScript" not in [d["Name"] for d in win]
    legacy = ssm.list_documents(DocumentFilterList=[{"key": "Owner", "value": "Amazon"}])
    assert all(d["Owner"] == "Amazon" for d in legacy["DocumentIdentifiers"])
    every = [d["Name"] for p in ssm.get_paginator("list_documents").paginate() for d in p["DocumentIdentifiers"]]
    assert "AWS-UpdateLinuxAmi" in every and "page-doc-4" in every


def test_list_documents_errors(cairn, ssm):
    with pytest.raises(Exception) as e:
        ssm.list_documents(Filters=[{"Key": "Colour", "Values": ["x"]}])
    assert boto_error(e)[0] == "InvalidFilterKey"
    with pytest.raises(Exception) as e:
        ssm.list_documents(NextToken="garbage")
    assert boto_error(e)[0] == "InvalidNextToken"
    with pytest.raises(AwsError) as e:
        cairn.aws("ssm", "list-documents", "--max-results", "51", "--no-paginate")
    assert e.value.code == "ValidationException"
    with pytest.raises(Exception) as e:
        ssm.list_document_versions(Name="never-was")
    assert boto_error(e)[0] == "InvalidDocument"


# ---- permissions ----

def test_document_permissions(cairn, ssm):
    ssm.create_document(Name="shared-doc", Content=json.dumps(COMMAND))
    cairn.aws("ssm", "modify-document-permission", "--name", "shared-doc", "--permission-type", "Share",
              "--account-ids-to-add", "111122223333", "444455556666", "--shared-document-version", "$LATEST")
    p = ssm.describe_document_permission(Name="shared-doc", PermissionType="Share")
    assert p["AccountIds"] == ["111122223333", "444455556666"]
    assert p["AccountSharingInfoList"][0] == {"AccountId": "111122223333", "SharedDocumentVersion": "$LATEST"}
    page = ssm.describe_document_permission(Name="shared-doc", PermissionType="Share", MaxResults=1)
    assert page["AccountIds"] == ["111122223333"] and "NextToken" in page
    rest = ssm.describe_document_permission(Name="shared-doc", PermissionType="Share", MaxResults=1,
                                            NextToken=page["NextToken"])
    assert rest["AccountIds"] == ["444455556666"] and "NextToken" not in rest
    # a shared document can't be deleted
    with pytest.raises(Exception) as e:
        ssm.delete_document(Name="shared-doc")
    assert boto_error(e)[0] == "InvalidDocumentOperation"
    # all and accounts together
    with pytest.raises(AwsError) as e:
        cairn.aws("ssm", "modify-document-permission", "--name", "shared-doc", "--permission-type",
                  "Share", "--account-ids-to-add", "all", "111122223333", v=1)
    assert e.value.code == "DocumentPermissionLimit"
    with pytest.raises(AwsError) as e:
        cairn.aws("ssm", "modify-document-permission", "--name", "shared-doc", "--permission-type",
                  "Copy", "--account-ids-to-add", "111122223333")
    assert e.value.code == "ValidationException"
    with pytest.raises(Exception) as e:
        ssm.modify_document_permission(Name="shared-doc", PermissionType="Share",
                                       AccountIdsToAdd=["12345"])
    assert boto_error(e)[0] == "ValidationException"
    with pytest.raises(Exception) as e:
        ssm.describe_document_permission(Name="never-was", PermissionType="Share")
    assert boto_error(e)[0] == "InvalidDocument"
    ssm.modify_document_permission(Name="shared-doc", PermissionType="Share",
                                   AccountIdsToRemove=["111122223333", "444455556666"])
    assert ssm.describe_document_permission(Name="shared-doc", PermissionType="Share")["AccountIds"] == []
    ssm.modify_document_permission(Name="shared-doc", PermissionType="Share", AccountIdsToAdd=["All"])
    assert ssm.describe_document_permission(Name="shared-doc", PermissionType="Share")["AccountIds"] == ["all"]
    ssm.modify_document_permission(Name="shared-doc", PermissionType="Share", AccountIdsToRemove=["all"])
    ssm.delete_document(Name="shared-doc")


# ---- tags ----

def test_document_tags(cairn, ssm):
    ssm.create_document(Name="tagged-doc", Content=json.dumps(COMMAND), Tags=[{"Key": "a", "Value": "1"}])
    cairn.aws("ssm", "add-tags-to-resource", "--resource-type", "Document", "--resource-id", "tagged-doc",
              "--tags", "Key=b,Value=2", "Key=a,Value=3")
    tags = cairn.aws("ssm", "list-tags-for-resource", "--resource-type", "Document",
                     "--resource-id", "tagged-doc", v=1)["TagList"]
    assert tags == [{"Key": "a", "Value": "3"}, {"Key": "b", "Value": "2"}]
    assert ssm.describe_document(Name="tagged-doc")["Document"]["Tags"] == tags
    ssm.remove_tags_from_resource(ResourceType="Document", ResourceId="tagged-doc", TagKeys=["a", "zzz"])
    assert ssm.list_tags_for_resource(ResourceType="Document", ResourceId="tagged-doc")["TagList"] == \
        [{"Key": "b", "Value": "2"}]
    with pytest.raises(AwsError) as e:
        cairn.aws("ssm", "list-tags-for-resource", "--resource-type", "Document", "--resource-id", "nope-doc")
    assert e.value.code == "InvalidResourceId"
    with pytest.raises(Exception) as e:
        ssm.add_tags_to_resource(ResourceType="Document", ResourceId="tagged-doc",
                                 Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(50)])
    assert boto_error(e)[0] == "TooManyTagsError"
    with pytest.raises(Exception) as e:
        ssm.add_tags_to_resource(ResourceType="Document", ResourceId="tagged-doc",
                                 Tags=[{"Key": "aws:x", "Value": "v"}])
    assert boto_error(e)[0] == "ValidationException"
    with pytest.raises(Exception) as e:
        ssm.add_tags_to_resource(ResourceType="Bucket", ResourceId="tagged-doc", Tags=[{"Key": "x", "Value": "v"}])
    assert boto_error(e)[0] == "ValidationException"
    with pytest.raises(Exception) as e:
        ssm.add_tags_to_resource(ResourceType="MaintenanceWindow", ResourceId="mw-0123456789abcdef0",
                                 Tags=[{"Key": "x", "Value": "v"}])
    assert boto_error(e)[0] == "InvalidResourceId"
    ssm.delete_document(Name="tagged-doc")
    ssm.create_document(Name="tagged-doc", Content=json.dumps(COMMAND))
    assert ssm.list_tags_for_resource(ResourceType="Document", ResourceId="tagged-doc")["TagList"] == []


# ---- remaining error cases ----

def test_more_error_cases(cairn, ssm):
    ssm.create_document(Name="errs-doc", Content=json.dumps(COMMAND))
    with pytest.raises(Exception) as e:
        ssm.create_document(Name="with-attachment", Content=json.dumps(COMMAND),
                            Attachments=[{"Key": "SourceUrl", "Values": ["https://example.org/x.zip"],
                                          "Name": "x.zip"}])
    assert boto_error(e)[0] == "ValidationException"
    big = dict(COMMAND, description="y" * (64 * 1024))
    with pytest.raises(Exception) as e:
        ssm.update_document(Name="errs-doc", Content=json.dumps(big), DocumentVersion="$LATEST")
    assert boto_error(e)[0] == "MaxDocumentSizeExceeded"
    with pytest.raises(Exception) as e:
        ssm.update_document_default_version(Name="never-was", DocumentVersion="1")
    assert boto_error(e)[0] == "InvalidDocument"
    with pytest.raises(Exception) as e:
        ssm.list_document_versions(Name="errs-doc", NextToken="not-a-token")
    assert boto_error(e)[0] == "InvalidNextToken"
    with pytest.raises(Exception) as e:
        ssm.describe_document_permission(Name="errs-doc", PermissionType="Share", NextToken="bad")
    assert boto_error(e)[0] == "InvalidNextToken"
    with pytest.raises(Exception) as e:
        ssm.modify_document_permission(Name="never-was", PermissionType="Share", AccountIdsToAdd=["111122223333"])
    assert boto_error(e)[0] == "InvalidDocument"
    with pytest.raises(Exception) as e:
        ssm.modify_document_permission(Name="errs-doc", PermissionType="Share", AccountIdsToAdd=[cairn.account])
    assert boto_error(e)[0] == "ValidationException"
    with pytest.raises(AwsError) as e:
        cairn.aws("ssm", "remove-tags-from-resource", "--resource-type", "Document", "--resource-id",
                  "never-was", "--tag-keys", "a", v=1)
    assert e.value.code == "InvalidResourceId"
    with pytest.raises(Exception) as e:
        ssm.update_document(Name="errs-doc", Content=json.dumps(dict(COMMAND, description="b")),
                            DocumentVersion="$LATEST", DocumentFormat="TEXT")
    assert boto_error(e)[0] == "ValidationException"


def test_change_calendar_text_document(ssm):
    ics = "BEGIN:VCALENDAR\r\nPRODID:-//cairn//EN\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"
    d = ssm.create_document(Name="calendar-1", Content=ics, DocumentType="ChangeCalendar",
                            DocumentFormat="TEXT")["DocumentDescription"]
    assert d["DocumentFormat"] == "TEXT" and d["DocumentType"] == "ChangeCalendar"
    got = ssm.get_document(Name="calendar-1")
    assert got["Content"] == ics and got["DocumentFormat"] == "TEXT"
    with pytest.raises(Exception) as e:
        ssm.get_document(Name="calendar-1", DocumentFormat="JSON")
    assert boto_error(e)[0] == "ValidationException"
    with pytest.raises(Exception) as e:
        ssm.get_document(Name="errs-doc", DocumentFormat="TEXT")
    assert boto_error(e)[0] == "ValidationException"


def test_document_limit(cairn_factory):
    c = cairn_factory()
    client = c.client("ssm")
    for i in range(500):
        client.create_document(Name=f"doc-{i:03d}", Content=json.dumps(dict(COMMAND, description=str(i))))
    with pytest.raises(Exception) as e:
        client.create_document(Name="doc-one-too-many", Content=json.dumps(COMMAND))
    assert boto_error(e)[0] == "DocumentLimitExceeded"
    client.delete_document(Name="doc-000")
    client.create_document(Name="doc-one-too-many", Content=json.dumps(COMMAND))
    names = [d["Name"] for p in client.get_paginator("list_documents").paginate(
        Filters=[{"Key": "Owner", "Values": ["Self"]}]) for d in p["DocumentIdentifiers"]]
    assert len(names) == 500 and len(set(names)) == 500


# ---- last: these restart the module's server ----

def test_state_survives_restart(cairn, ssm):
    ssm.create_document(Name="durable-doc", Content=json.dumps(COMMAND), VersionName="v-one")
    cairn.restart()
    fresh = cairn.client("ssm")
    d = fresh.describe_document(Name="durable-doc")["Document"]
    assert d["VersionName"] == "v-one" and d["Status"] == "Active"


def test_no_server_errors_logged(cairn):
    log = cairn.log_text()
    assert "status=500" not in log
