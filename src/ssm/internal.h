/* src/ssm/internal.h - private to src/ssm/: the handlers each file exports to the table in
 * ssm.c, and the helpers they share (ARNs, paging tokens, tags, hashing, YAML).
 * Uses: core/req.h, store/, jansson. */
#ifndef SSM_INTERNAL_H
#define SSM_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "../core/req.h"
#include "docparse.h"

#define SSM_MAX_TAGS          50      /* tags on one resource (AWS quota) */
#define SSM_MAX_TOKEN         4096    /* NextToken length we accept */
#define SSM_ARN_MAX           2200    /* longest ARN we build (parameter names reach 2048) */
#define SSM_OWNER_AMAZON      "Amazon"

/* ---- ssmyaml.c ---- */
/* YAML text (len bytes) to a value tree; errors as ssmdoc_parse. */
int  ssm_yaml_load(const char *text, size_t len, json_t **ret, struct aerr *err);
/* Block-style YAML for v; *ret malloc'd. Returns 0 or -ENOMEM. */
int  ssm_yaml_dump(const json_t *v, char **ret);
/* The shortest text that reads back as d ("0.3", "2.0"). */
void ssm_real_text(double d, char *buf, size_t cap);

/* ---- util.c ---- */
/* "arn:aws:ssm:<region>:<account>:document/<name>"; account "" for AWS-owned documents. */
int  ssm_document_arn(const char *region, const char *account, const char *name, char *buf,
                      size_t cap);
/* "arn:aws:ssm:<region>:<account>:parameter/<name without its leading slash>". */
int  ssm_parameter_arn(const char *region, const char *account, const char *name, char *buf,
                       size_t cap);
/* Lowercase hex SHA-256 of len bytes. */
int  ssm_sha256_hex(const void *data, size_t len, char ret[65]);
/* Paging: a NextToken carries the key to resume after, hex-encoded behind a version tag.
 * ssm_token_make returns a new JSON string; ssm_token_read writes the key (NUL-terminated)
 * and returns 0, or -EINVAL with 400 InvalidNextToken. A NULL token reads as "". */
json_t *ssm_token_make(const char *key);
int  ssm_token_read(const char *token, char *buf, size_t cap, struct aerr *err);
/* MaxResults from rq->in, or def when absent. */
int  ssm_max_results(const json_t *in, int def);
/* rq->in member as a string, or NULL. */
const char *ssm_in_str(const json_t *in, const char *name);
int  ssm_in_bool(const json_t *in, const char *name);
/* Rows of store_query_json: a member as a string (NULL when absent or ""), as an integer. */
const char *ssm_row_str(const json_t *row, const char *key);
json_int_t  ssm_row_int(const json_t *row, const char *key);
/* The first row of arr (a new reference, NULL when none); arr is released. */
json_t *ssm_first_row(json_t *arr);
/* o[key] = v when v is not NULL. Returns 0, or -1 when the member cannot be set. */
int  ssm_set_str(json_t *o, const char *key, const char *v);
/* rq->out = {member: list (list borrowed), NextToken: the token of last when more}. Returns 0,
 * or -ENOMEM (rq->out may then hold a partial answer; the dispatcher discards it on error). */
int  ssm_page_answer(struct req *rq, const char *member, json_t *list, int more, const char *last);

/* ---- tags.c ---- */
/* Resource types with tags here: "Document", "Parameter". rid is the document name or the
 * parameter name. tags is a TagList ([{Key, Value}]); adding replaces values of existing keys.
 * Fails with TooManyTagsError when the resource would carry more than SSM_MAX_TAGS. */
int  ssm_tags_add(struct req *rq, const char *rtype, const char *rid, const json_t *tags,
                  struct aerr *err);
/* A new TagList array of the resource's tags, sorted by key. */
int  ssm_tags_get(struct req *rq, const char *rtype, const char *rid, json_t **ret);
int  ssm_tags_drop(struct req *rq, const char *rtype, const char *rid);
/* Check a TagList for duplicate keys and reserved "aws:" prefixes (ValidationException). */
int  ssm_tags_check(const json_t *tags, struct aerr *err);
/* Does the resource carry tag key (with one of values, when values is a non-empty array)? */
int  ssm_tags_match(struct req *rq, const char *rtype, const char *rid, const char *key,
                    const json_t *values);

int  ssm_add_tags_to_resource(struct req *rq, struct aerr *err);
int  ssm_list_tags_for_resource(struct req *rq, struct aerr *err);
int  ssm_remove_tags_from_resource(struct req *rq, struct aerr *err);
op_resource ssm_tag_resource;

/* ---- awsdocs.c: AWS-owned documents embedded at build time ---- */
struct ssm_aws_doc {
    const char *name;          /* "AWS-RunShellScript" */
    const char *type;          /* "Command", "Automation" */
    const char *content;       /* JSON text */
};
extern const struct ssm_aws_doc ssm_aws_docs[];
extern const size_t ssm_n_aws_docs;
const struct ssm_aws_doc *ssm_aws_doc_find(const char *name);
#define SSM_AWS_DOC_CREATED 1483228800   /* CreatedDate shown for AWS-owned documents */

/* ---- documents.c ---- */
int  ssm_create_document(struct req *rq, struct aerr *err);
int  ssm_get_document(struct req *rq, struct aerr *err);
int  ssm_describe_document(struct req *rq, struct aerr *err);
int  ssm_list_documents(struct req *rq, struct aerr *err);
int  ssm_update_document(struct req *rq, struct aerr *err);
int  ssm_update_document_default_version(struct req *rq, struct aerr *err);
int  ssm_list_document_versions(struct req *rq, struct aerr *err);
int  ssm_delete_document(struct req *rq, struct aerr *err);
int  ssm_describe_document_permission(struct req *rq, struct aerr *err);
int  ssm_modify_document_permission(struct req *rq, struct aerr *err);
op_resource ssm_document_resource;
/* Does the caller's account own a document of that name (for tags)? */
int  ssm_document_exists(struct req *rq, const char *name);

/* ---- parameters.c ---- */
int  ssm_put_parameter(struct req *rq, struct aerr *err);
int  ssm_get_parameter(struct req *rq, struct aerr *err);
int  ssm_get_parameters(struct req *rq, struct aerr *err);
int  ssm_get_parameters_by_path(struct req *rq, struct aerr *err);
int  ssm_delete_parameter(struct req *rq, struct aerr *err);
int  ssm_delete_parameters(struct req *rq, struct aerr *err);
int  ssm_describe_parameters(struct req *rq, struct aerr *err);
int  ssm_get_parameter_history(struct req *rq, struct aerr *err);
int  ssm_label_parameter_version(struct req *rq, struct aerr *err);
int  ssm_unlabel_parameter_version(struct req *rq, struct aerr *err);
op_resource ssm_parameter_resource;
op_resource ssm_parameters_resource;
/* Does the parameter exist in the caller's account and region (for tags)? */
int  ssm_parameter_exists(struct req *rq, const char *name);

#endif
