/* src/ssm/ssm.c - the SSM service: its operation table and its store schema.
 * Used by: core/dispatch.c. Uses: documents.c, parameters.c, tags.c.
 * The table is sorted by name; another file of src/ssm/ (automation) adds its rows here. */
#include <stddef.h>
#include "internal.h"
#include "ssm.h"

static const struct op_impl ops[] = {
    { "AddTagsToResource",            ssm_add_tags_to_resource,            OP_WRITE, ssm_tag_resource },
    { "CreateDocument",               ssm_create_document,                 OP_WRITE, ssm_document_resource },
    { "DeleteDocument",               ssm_delete_document,                 OP_WRITE, ssm_document_resource },
    { "DeleteParameter",              ssm_delete_parameter,                OP_WRITE, ssm_parameter_resource },
    { "DeleteParameters",             ssm_delete_parameters,               OP_WRITE, ssm_parameters_resource },
    { "DescribeDocument",             ssm_describe_document,               0,        ssm_document_resource },
    { "DescribeDocumentPermission",   ssm_describe_document_permission,    0,        ssm_document_resource },
    { "DescribeParameters",           ssm_describe_parameters,             0,        NULL },
    { "GetDocument",                  ssm_get_document,                    0,        ssm_document_resource },
    { "GetParameter",                 ssm_get_parameter,                   0,        ssm_parameter_resource },
    { "GetParameterHistory",          ssm_get_parameter_history,           0,        ssm_parameter_resource },
    { "GetParameters",                ssm_get_parameters,                  0,        ssm_parameters_resource },
    { "GetParametersByPath",          ssm_get_parameters_by_path,          0,        ssm_parameter_resource },
    { "LabelParameterVersion",        ssm_label_parameter_version,         OP_WRITE, ssm_parameter_resource },
    { "ListDocumentVersions",         ssm_list_document_versions,          0,        ssm_document_resource },
    { "ListDocuments",                ssm_list_documents,                  0,        NULL },
    { "ListTagsForResource",          ssm_list_tags_for_resource,          0,        ssm_tag_resource },
    { "ModifyDocumentPermission",     ssm_modify_document_permission,      OP_WRITE, ssm_document_resource },
    { "PutParameter",                 ssm_put_parameter,                   OP_WRITE, ssm_parameter_resource },
    { "RemoveTagsFromResource",       ssm_remove_tags_from_resource,       OP_WRITE, ssm_tag_resource },
    { "UnlabelParameterVersion",      ssm_unlabel_parameter_version,       OP_WRITE, ssm_parameter_resource },
    { "UpdateDocument",               ssm_update_document,                 OP_WRITE, ssm_document_resource },
    { "UpdateDocumentDefaultVersion", ssm_update_document_default_version, OP_WRITE, ssm_document_resource },
    { NULL, NULL, 0, NULL },
};

/* Version 1: documents, parameters, tags. Append new scripts; never edit a shipped one. */
static const char schema_v1[] =
    "CREATE TABLE ssm_document ("
    "  account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,"
    "  doc_type TEXT NOT NULL, target_type TEXT,"
    "  default_version INTEGER NOT NULL, latest_version INTEGER NOT NULL,"
    "  created INTEGER NOT NULL,"
    "  PRIMARY KEY (account, region, name));"
    "CREATE TABLE ssm_document_version ("
    "  account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL, version INTEGER NOT NULL,"
    "  version_name TEXT, display_name TEXT, format TEXT NOT NULL, content TEXT NOT NULL,"
    "  hash TEXT NOT NULL, schema_version TEXT, description TEXT, params TEXT, platforms TEXT,"
    "  requires TEXT, created INTEGER NOT NULL,"
    "  PRIMARY KEY (account, region, name, version));"
    "CREATE UNIQUE INDEX ssm_document_version_name"
    "  ON ssm_document_version (account, region, name, version_name) WHERE version_name IS NOT NULL;"
    "CREATE TABLE ssm_document_share ("
    "  account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL, shared_with TEXT NOT NULL,"
    "  shared_version TEXT NOT NULL, created INTEGER NOT NULL,"
    "  PRIMARY KEY (account, region, name, shared_with));"
    "CREATE INDEX ssm_document_share_with ON ssm_document_share (shared_with, region);"
    "CREATE TABLE ssm_tag ("
    "  account TEXT NOT NULL, region TEXT NOT NULL, rtype TEXT NOT NULL, rid TEXT NOT NULL,"
    "  key TEXT NOT NULL, value TEXT NOT NULL,"
    "  PRIMARY KEY (account, region, rtype, rid, key));"
    "CREATE TABLE ssm_parameter ("
    "  account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL, type TEXT NOT NULL,"
    "  version INTEGER NOT NULL, tier TEXT NOT NULL, key_id TEXT, data_type TEXT,"
    "  description TEXT, allowed_pattern TEXT, policies TEXT,"
    "  modified INTEGER NOT NULL, modified_user TEXT,"
    "  PRIMARY KEY (account, region, name));"
    "CREATE TABLE ssm_parameter_version ("
    "  account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL, version INTEGER NOT NULL,"
    "  type TEXT NOT NULL, value TEXT, sealed BLOB, key_id TEXT, tier TEXT NOT NULL,"
    "  data_type TEXT, description TEXT, allowed_pattern TEXT, policies TEXT,"
    "  modified INTEGER NOT NULL, modified_user TEXT,"
    "  PRIMARY KEY (account, region, name, version));"
    "CREATE TABLE ssm_parameter_label ("
    "  account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL, label TEXT NOT NULL,"
    "  version INTEGER NOT NULL,"
    "  PRIMARY KEY (account, region, name, label));";

static const char *const migrations[] = {
    schema_v1,
    NULL,
};

const struct service_impl ssm_service = {
    .signing_name = "ssm",
    .ops = ops,
    .migrations = migrations,
};
