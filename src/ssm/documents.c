/* src/ssm/documents.c - SSM documents: create, read (with JSON <-> YAML conversion),
 * describe, list, update with versions, default version, delete, share, and the fetch API
 * the automation engine uses (documents.h). AWS-owned documents (awsdocs, embedded at build
 * time) are visible in every account and region and can be neither changed nor deleted.
 * Used by: ssm.c's table. Uses: store/, docparse.h, tags.c, util.c.
 *
 * Tables (migration in ssm.c):
 *   ssm_document          one row per document: type, target type, default/latest version
 *   ssm_document_version  one row per version: content as given, format, hash, summary
 *   ssm_document_share    accounts a document is shared with ("all" = public)
 * Versions are integers here and strings ("3") on the wire. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "documents.h"
#include "internal.h"

#define SSM_MAX_DOCUMENTS     500     /* documents an account owns in a region (AWS quota) */
#define SSM_MAX_DOC_VERSIONS  1000    /* versions of one document (AWS quota) */
#define SSM_MAX_SHARES        1000    /* accounts one document is shared with (AWS quota) */
#define LIST_DOCS_DEFAULT     50      /* ListDocuments / ListDocumentVersions page */
#define PERMS_DEFAULT         200     /* DescribeDocumentPermission page */

struct dctx {
    struct store_tx *tx;
    const char      *account;         /* the caller's account */
    const char      *region;
};

static int
no_document(struct aerr *err)
{
    return aerr_set(err, -ENOENT, 400, "InvalidDocument", "The specified document does not exist.");
}

static int
amazon_owned(struct aerr *err, const char *name)
{
    return aerr_set(err, -EPERM, 400, "InvalidDocumentOperation",
                    "You can't modify or delete %s: documents owned by Amazon are read-only.", name);
}

/* ---- rows ----
 * A document version is handled as one JSON object ("row") with the keys: owner (account id
 * or "Amazon"), arn_account (account in its ARN, "" for Amazon), name, doc_type,
 * target_type, default_version, latest_version, version, version_name, display_name,
 * format, content, hash, schema_version, description, params (JSON text), platforms (JSON
 * text), requires (JSON text), created, shared (1 when another account owns it). */

/* Summary of a parsed document: schema, params and platforms as JSON text into row. */
static int
put_summary(json_t *row, const json_t *doc, const char *type)
{
    json_t *params = NULL, *plats = NULL;
    char schema[16], *ptext, *ltext;
    const char *desc;
    int r;

    r = ssmdoc_summary(doc, type, schema, sizeof(schema), &params, &plats);
    if (r < 0)
        return r;
    ptext = json_dumps(params, JSON_COMPACT);
    ltext = json_dumps(plats, JSON_COMPACT);
    json_decref(params);
    json_decref(plats);
    desc = json_string_value(json_object_get(doc, "description"));
    r = -ENOMEM;
    if (ptext && ltext && !json_object_set_new(row, "params", json_string(ptext)) &&
        !json_object_set_new(row, "platforms", json_string(ltext)) &&
        !json_object_set_new(row, "schema_version", json_string(schema)) &&
        (!desc || !json_object_set_new(row, "description", json_string(desc))))
        r = 0;
    free(ptext);
    free(ltext);
    return r;
}

/* The row of an AWS-owned document (version 1, JSON). */
static int
aws_row(const struct ssm_aws_doc *d, json_t **ret)
{
    json_t *row, *doc = NULL;
    char hash[65];
    int r;

    r = ssmdoc_parse(d->content, strlen(d->content), SSMDOC_JSON, &doc, NULL);
    if (NEVER(r < 0))
        return r;
    if (ssm_sha256_hex(d->content, strlen(d->content), hash) < 0) {
        json_decref(doc);
        return -EIO;
    }
    row = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:s, s:s, s:s, s:I, s:i}",
                    "owner", SSM_OWNER_AMAZON, "arn_account", "", "name", d->name,
                    "doc_type", d->type, "default_version", (json_int_t) 1,
                    "latest_version", (json_int_t) 1, "version", (json_int_t) 1,
                    "format", "JSON", "content", d->content, "hash", hash,
                    "created", (json_int_t) SSM_AWS_DOC_CREATED, "shared", 0);
    if (!row) {
        json_decref(doc);
        return -ENOMEM;
    }
    r = put_summary(row, doc, d->type);
    json_decref(doc);
    if (r < 0) {
        json_decref(row);
        return r;
    }
    *ret = row;
    return 0;
}

/* Parse a document ARN: arn:aws:ssm:<region>:<account>:document/<name>. */
static int
parse_doc_arn(const char *arn, char *region, size_t rcap, char *account, size_t acap,
              const char **ret_name)
{
    const char *p = arn + strlen("arn:aws:ssm:"), *c1, *c2;

    if (strncmp(arn, "arn:aws:ssm:", strlen("arn:aws:ssm:")))
        return -EINVAL;
    c1 = strchr(p, ':');
    if (!c1 || (size_t) (c1 - p) >= rcap)
        return -EINVAL;
    c2 = strchr(c1 + 1, ':');
    if (!c2 || (size_t) (c2 - c1 - 1) >= acap || strncmp(c2 + 1, "document/", 9))
        return -EINVAL;
    memcpy(region, p, (size_t) (c1 - p));
    region[c1 - p] = '\0';
    memcpy(account, c1 + 1, (size_t) (c2 - c1 - 1));
    account[c2 - c1 - 1] = '\0';
    *ret_name = c2 + 1 + 9;
    return 0;
}

/* The document header (no version picked yet) of owner's document name. */
static int
own_header(const struct dctx *c, const char *owner, const char *name, json_t **ret)
{
    json_t *arr = NULL;
    int r;

    r = store_query_json(c->tx, &arr, 1,
                         "SELECT doc_type, target_type, default_version, latest_version, created "
                         "FROM ssm_document WHERE account = ?1 AND region = ?2 AND name = ?3",
                         "sss", owner, c->region, name);
    if (r < 0)
        return r;
    *ret = ssm_first_row(arr);
    return *ret ? 0 : -ENOENT;
}

static int
is_shared_with(const struct dctx *c, const char *owner, const char *name)
{
    struct store_rows *q = NULL;
    int r;

    r = store_query(c->tx, &q,
                    "SELECT 1 FROM ssm_document_share WHERE account = ?1 AND region = ?2 AND name = ?3 "
                    "AND shared_with IN (?4, 'all')", "ssss", owner, c->region, name, c->account);
    store_rows_done(q);
    return r;
}

static int
parse_version(const char *s, json_int_t *ret)
{
    char *end;
    long long v;

    if (!s || !*s || *s == '0')
        return -EINVAL;
    v = strtoll(s, &end, 10);
    if (*end || v <= 0 || v > 1000000000)
        return -EINVAL;
    *ret = (json_int_t) v;
    return 0;
}

/* Load a version row of a document visible to the caller.
 * own_only: refuse other accounts' documents and AWS's (for changes): -EPERM, err filled. */
static int
load_doc(const struct dctx *c, const char *name_or_arn, const char *dv, const char *vn,
         json_t **ret, struct aerr *err)
{
    char region[64], account[32];
    const char *name = name_or_arn, *owner = c->account;
    const struct ssm_aws_doc *aws;
    json_t *hdr = NULL, *row = NULL, *arr = NULL;
    json_int_t want = 0, by_name;
    int r, shared = 0;

    if (!strncmp(name_or_arn, "arn:", 4)) {
        if (parse_doc_arn(name_or_arn, region, sizeof(region), account, sizeof(account), &name) < 0 ||
            strcmp(region, c->region))
            return no_document(err);
        if (!account[0]) {
            if (!ssm_aws_doc_find(name))
                return no_document(err);
        } else if (strcmp(account, c->account)) {
            owner = NULL;
            r = own_header(&(struct dctx) { c->tx, account, c->region }, account, name, &hdr);
            if (r == -ENOENT)
                return no_document(err);
            if (r < 0)
                return aerr_internal(err, r);
            json_decref(hdr);
            hdr = NULL;
            r = is_shared_with(c, account, name);
            if (r <= 0)
                return r < 0 ? aerr_internal(err, r) : no_document(err);
            shared = 1;
        }
    }
    if ((aws = ssm_aws_doc_find(name))) {
        if (vn || (dv && strcmp(dv, "$LATEST") && strcmp(dv, "$DEFAULT") && strcmp(dv, "1")))
            return no_document(err);
        r = aws_row(aws, ret);
        return r < 0 ? aerr_internal(err, r) : 0;
    }
    if (shared)
        owner = account;
    r = own_header(c, owner, name, &hdr);
    if (r == -ENOENT)
        return no_document(err);
    if (r < 0)
        return aerr_internal(err, r);
    if (dv && !strcmp(dv, "$LATEST"))
        want = json_integer_value(json_object_get(hdr, "latest_version"));
    else if (dv && strcmp(dv, "$DEFAULT")) {
        if (parse_version(dv, &want) < 0) {
            json_decref(hdr);
            return no_document(err);
        }
    } else if (!vn || (dv && !strcmp(dv, "$DEFAULT")))
        want = json_integer_value(json_object_get(hdr, "default_version"));
    if (vn) {
        r = store_query_json(c->tx, &arr, 1,
                             "SELECT version FROM ssm_document_version WHERE account = ?1 AND "
                             "region = ?2 AND name = ?3 AND version_name = ?4",
                             "ssss", owner, c->region, name, vn);
        if (r < 0) {
            json_decref(hdr);
            return aerr_internal(err, r);
        }
        row = ssm_first_row(arr);
        by_name = row ? json_integer_value(json_object_get(row, "version")) : 0;
        json_decref(row);
        if (!by_name || (want && want != by_name)) {
            json_decref(hdr);
            return no_document(err);
        }
        want = by_name;
    }
    r = store_query_json(c->tx, &arr, 1,
                         "SELECT version, version_name, display_name, format, content, hash, "
                         "schema_version, description, params, platforms, requires, created "
                         "FROM ssm_document_version WHERE account = ?1 AND region = ?2 AND "
                         "name = ?3 AND version = ?4", "sssi", owner, c->region, name, (int64_t) want);
    if (r < 0) {
        json_decref(hdr);
        return aerr_internal(err, r);
    }
    row = ssm_first_row(arr);
    if (!row) {
        json_decref(hdr);
        return no_document(err);
    }
    if (json_object_update(row, hdr) ||
        json_object_set_new(row, "owner", json_string(owner)) ||
        json_object_set_new(row, "arn_account", json_string(owner)) ||
        json_object_set_new(row, "name", json_string(name)) ||
        json_object_set_new(row, "shared", json_integer(shared))) {
        json_decref(hdr);
        json_decref(row);
        return aerr_internal(err, -ENOMEM);
    }
    /* the version's own creation date wins over the document's */
    json_decref(hdr);
    *ret = row;
    return 0;
}

/* Like load_doc, for operations that change a document: only the caller's own. */
static int
load_own(const struct dctx *c, const char *name, const char *dv, const char *vn, json_t **ret,
         struct aerr *err)
{
    if (ssm_aws_doc_find(name))
        return amazon_owned(err, name);
    if (!strncmp(name, "arn:", 4))
        return no_document(err);
    return load_doc(c, name, dv, vn, ret, err);
}

/* ---- answers ---- */

static int
set_ver(json_t *o, const char *key, json_int_t v)
{
    char buf[24];

    snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT, v);
    return json_object_set_new(o, key, json_string(buf));
}

static int
set_json_text(json_t *o, const char *key, const char *text, int skip_empty)
{
    json_t *v;

    if (!text)
        return 0;
    v = json_loads(text, 0, NULL);
    if (!v)
        return 0;
    if (skip_empty && json_is_array(v) && json_array_size(v) == 0) {
        json_decref(v);
        return 0;
    }
    return json_object_set_new(o, key, v);
}

/* The name a document is shown under: the ARN for other accounts' documents. */
static int
shown_name(const struct dctx *c, const json_t *row, char *buf, size_t cap)
{
    if (ssm_row_int(row, "shared"))
        return ssm_document_arn(c->region, ssm_row_str(row, "owner"), ssm_row_str(row, "name"), buf, cap);
    snprintf(buf, cap, "%s", ssm_row_str(row, "name"));
    return 0;
}

/* DocumentDescription. status: "Active", "Creating", "Updating". */
static int
describe(struct req *rq, const struct dctx *c, const json_t *row, const char *status, json_t **ret)
{
    json_t *d = json_object(), *tags = NULL;
    char name[SSM_ARN_MAX];
    int own = !ssm_row_int(row, "shared") && strcmp(ssm_row_str(row, "owner"), SSM_OWNER_AMAZON);

    if (!d || shown_name(c, row, name, sizeof(name)) < 0)
        goto nomem;
    if (json_object_set_new(d, "Hash", json_string(ssm_row_str(row, "hash"))) ||
        json_object_set_new(d, "HashType", json_string("Sha256")) ||
        json_object_set_new(d, "Name", json_string(name)) ||
        ssm_set_str(d, "DisplayName", ssm_row_str(row, "display_name")) ||
        ssm_set_str(d, "VersionName", ssm_row_str(row, "version_name")) ||
        json_object_set_new(d, "Owner", json_string(ssm_row_str(row, "owner"))) ||
        json_object_set_new(d, "CreatedDate", json_integer(ssm_row_int(row, "created"))) ||
        json_object_set_new(d, "Status", json_string(status)) ||
        set_ver(d, "DocumentVersion", ssm_row_int(row, "version")) ||
        ssm_set_str(d, "Description", ssm_row_str(row, "description")) ||
        set_json_text(d, "Parameters", ssm_row_str(row, "params"), 1) ||
        set_json_text(d, "PlatformTypes", ssm_row_str(row, "platforms"), 0) ||
        json_object_set_new(d, "DocumentType", json_string(ssm_row_str(row, "doc_type"))) ||
        ssm_set_str(d, "SchemaVersion", ssm_row_str(row, "schema_version")) ||
        set_ver(d, "LatestVersion", ssm_row_int(row, "latest_version")) ||
        set_ver(d, "DefaultVersion", ssm_row_int(row, "default_version")) ||
        json_object_set_new(d, "DocumentFormat", json_string(ssm_row_str(row, "format"))) ||
        ssm_set_str(d, "TargetType", ssm_row_str(row, "target_type")) ||
        set_json_text(d, "Requires", ssm_row_str(row, "requires"), 1))
        goto nomem;
    if (own) {
        if (ssm_tags_get(rq, "Document", ssm_row_str(row, "name"), &tags) < 0 ||
            json_object_set_new(d, "Tags", tags))
            goto nomem;
    }
    *ret = d;
    return 0;
nomem:
    json_decref(d);
    return -ENOMEM;
}

/* ---- checks shared by create and update ---- */

/* rq->out = {member: the description of version dv (as load_doc takes it) of name, with
 * Status status}. Returns 0 or <0 with err. */
static int
answer_description(struct req *rq, const struct dctx *c, const char *member, const char *name, const char *dv,
                   const char *vn, const char *status, struct aerr *err)
{
    json_t *row = NULL, *desc = NULL;
    int r = load_doc(c, name, dv, vn, &row, err);

    if (r < 0)
        return r;
    r = describe(rq, c, row, status, &desc);
    json_decref(row);
    if (r < 0 || !(rq->out = json_pack("{s:o}", member, desc)))
        return aerr_internal(err, -ENOMEM);
    return 0;
}

static int
reserved_name(const char *name)
{
    static const char *const prefixes[] = { "aws", "amazon", "amzn", NULL };
    size_t i;

    for (i = 0; prefixes[i]; i++)
        if (!strncasecmp(name, prefixes[i], strlen(prefixes[i])))
            return 1;
    return 0;
}

/* Parse and validate content for a document of doc_type; fill the summary into row. */
static int
check_content(const char *content, const char *format_s, const char *doc_type, json_t *row,
              struct aerr *err)
{
    enum ssmdoc_format fmt;
    json_t *doc = NULL;
    size_t len = strlen(content);
    char hash[65];
    int r;

    if (len > SSMDOC_MAX_CONTENT)
        return aerr_set(err, -EFBIG, 400, "MaxDocumentSizeExceeded",
                        "The content for the document exceeds the maximum size of 64 KB.");
    if (ssmdoc_format_parse(format_s, &fmt) < 0)
        return aerr_set(err, -EINVAL, 400, "ValidationException", "Invalid document format %s", format_s);
    if (ssm_sha256_hex(content, len, hash) < 0)
        return aerr_internal(err, -EIO);
    if (json_object_set_new(row, "hash", json_string(hash)) ||
        json_object_set_new(row, "format", json_string(ssmdoc_format_name(fmt))))
        return aerr_internal(err, -ENOMEM);
    if (fmt == SSMDOC_TEXT) {
        if (strcmp(doc_type, "ChangeCalendar") && strcmp(doc_type, "ProblemAnalysisTemplate"))
            return aerr_set(err, -EINVAL, 400, "ValidationException",
                            "Document format TEXT is not supported for document type %s; use JSON or YAML.",
                            doc_type);
        if (json_object_set_new(row, "params", json_string("[]")) ||
            json_object_set_new(row, "platforms", json_string("[\"Windows\",\"Linux\",\"MacOS\"]")) ||
            json_object_set_new(row, "schema_version", json_string("2.0")))
            return aerr_internal(err, -ENOMEM);
        return 0;
    }
    r = ssmdoc_parse(content, len, fmt, &doc, err);
    if (r < 0)
        return r == -ENOMEM ? aerr_internal(err, r) : r;
    r = ssmdoc_validate(doc, doc_type, err);
    if (r == 0) {
        r = put_summary(row, doc, doc_type);
        if (r < 0)
            r = aerr_internal(err, r);
    }
    json_decref(doc);
    return r;
}

static int
insert_version(const struct dctx *c, const char *name, json_int_t version, const char *vn,
               const char *display, const char *content, const json_t *row, const char *requires,
               time_t now, struct aerr *err)
{
    int r;

    r = store_exec(c->tx,
                   "INSERT INTO ssm_document_version (account, region, name, version, version_name, "
                   "display_name, format, content, hash, schema_version, description, params, "
                   "platforms, requires, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
                   "?11, ?12, ?13, ?14, ?15)", "sssissssssssssi",
                   c->account, c->region, name, (int64_t) version, vn, display, ssm_row_str(row, "format"),
                   content, ssm_row_str(row, "hash"), ssm_row_str(row, "schema_version"), ssm_row_str(row, "description"),
                   ssm_row_str(row, "params"), ssm_row_str(row, "platforms"), requires, (int64_t) now);
    if (r == -EEXIST)
        return aerr_set(err, -EEXIST, 400, "DuplicateDocumentVersionName",
                        "The specified version name is a duplicate.");
    return r < 0 ? aerr_internal(err, r) : 0;
}

static int
reject_attachments(const json_t *in, struct aerr *err)
{
    json_t *a = json_object_get(in, "Attachments");

    if (json_array_size(a) > 0)
        return aerr_set(err, -ENOTSUP, 400, "ValidationException",
                        "Document attachments are not supported: Cairn has no S3.");
    return 0;
}

/* ---- CreateDocument ---- */

int
ssm_create_document(struct req *rq, struct aerr *err)
{
    struct dctx c = { rq->tx, rq->caller->account, rq->region };
    const char *name = ssm_in_str(rq->in, "Name"), *content = ssm_in_str(rq->in, "Content");
    const char *type = ssm_in_str(rq->in, "DocumentType");
    const char *format = ssm_in_str(rq->in, "DocumentFormat");
    const char *vn = ssm_in_str(rq->in, "VersionName");
    const json_t *tags = json_object_get(rq->in, "Tags");
    json_t *row = NULL, *req_json;
    struct store_rows *q = NULL;
    char *requires = NULL;
    int r;

    if (!type)
        type = "Command";
    if (!format)
        format = "JSON";
    if (reserved_name(name))
        return aerr_set(err, -EINVAL, 400, "ValidationException",
                        "Invalid document name %s: names can't begin with aws, amazon or amzn "
                        "(in any case); those prefixes are reserved for AWS.", name);
    if ((r = reject_attachments(rq->in, err)) < 0)
        return r;
    if (tags && (r = ssm_tags_check(tags, err)) < 0)
        return r;
    if (!(row = json_object()))
        return aerr_internal(err, -ENOMEM);
    r = check_content(content, format, type, row, err);
    if (r < 0)
        goto out;
    r = store_query(c.tx, &q, "SELECT count(*) FROM ssm_document WHERE account = ?1 AND region = ?2",
                    "ss", c.account, c.region);
    if (r > 0 && store_col_int(q, 0) >= SSM_MAX_DOCUMENTS) {
        r = aerr_set(err, -ENOSPC, 400, "DocumentLimitExceeded",
                     "You can create at most %d documents in a Region.", SSM_MAX_DOCUMENTS);
        goto out;
    }
    if (r < 0) {
        r = aerr_internal(err, r);
        goto out;
    }
    req_json = json_object_get(rq->in, "Requires");
    if (req_json && !(requires = json_dumps(req_json, JSON_COMPACT))) {
        r = aerr_internal(err, -ENOMEM);
        goto out;
    }
    r = store_exec(c.tx,
                   "INSERT INTO ssm_document (account, region, name, doc_type, target_type, "
                   "default_version, latest_version, created) VALUES (?1, ?2, ?3, ?4, ?5, 1, 1, ?6)",
                   "sssssi", c.account, c.region, name, type, ssm_in_str(rq->in, "TargetType"),
                   (int64_t) rq->now);
    if (r == -EEXIST) {
        r = aerr_set(err, -EEXIST, 400, "DocumentAlreadyExists",
                     "Document with same name %s already exists", name);
        goto out;
    }
    if (r < 0) {
        r = aerr_internal(err, r);
        goto out;
    }
    r = insert_version(&c, name, 1, vn, ssm_in_str(rq->in, "DisplayName"), content, row, requires,
                       rq->now, err);
    if (r < 0)
        goto out;
    if (tags && (r = ssm_tags_add(rq, "Document", name, tags, err)) < 0)
        goto out;
    r = answer_description(rq, &c, "DocumentDescription", name, "1", NULL, "Creating", err);
out:
    store_rows_done(q);
    free(requires);
    json_decref(row);
    return r;
}

/* ---- GetDocument ---- */

int
ssm_get_document(struct req *rq, struct aerr *err)
{
    struct dctx c = { rq->tx, rq->caller->account, rq->region };
    const char *want_s = ssm_in_str(rq->in, "DocumentFormat");
    enum ssmdoc_format have, want;
    json_t *row = NULL, *out = NULL, *doc = NULL;
    char name[SSM_ARN_MAX], *text = NULL;
    const char *content;
    int r;

    r = load_doc(&c, ssm_in_str(rq->in, "Name"), ssm_in_str(rq->in, "DocumentVersion"),
                 ssm_in_str(rq->in, "VersionName"), &row, err);
    if (r < 0)
        return r;
    (void) ssmdoc_format_parse(ssm_row_str(row, "format"), &have);
    want = have;
    if (want_s)
        (void) ssmdoc_format_parse(want_s, &want);
    content = ssm_row_str(row, "content");
    if (want != have) {
        if (want == SSMDOC_TEXT || have == SSMDOC_TEXT) {
            r = aerr_set(err, -EINVAL, 400, "ValidationException",
                         "The document can't be converted between TEXT and %s.",
                         ssmdoc_format_name(want == SSMDOC_TEXT ? have : want));
            goto out;
        }
        r = ssmdoc_parse(content, strlen(content), have, &doc, NULL);
        if (NEVER(r < 0) || (r = ssmdoc_render(doc, want, &text)) < 0) {
            r = aerr_internal(err, r < 0 ? r : -EIO);
            goto out;
        }
        content = text;
    }
    if (shown_name(&c, row, name, sizeof(name)) < 0 || !(out = json_object()) ||
        json_object_set_new(out, "Name", json_string(name)) ||
        json_object_set_new(out, "CreatedDate", json_integer(ssm_row_int(row, "created"))) ||
        ssm_set_str(out, "DisplayName", ssm_row_str(row, "display_name")) ||
        ssm_set_str(out, "VersionName", ssm_row_str(row, "version_name")) ||
        set_ver(out, "DocumentVersion", ssm_row_int(row, "version")) ||
        json_object_set_new(out, "Status", json_string("Active")) ||
        json_object_set_new(out, "Content", json_string(content)) ||
        json_object_set_new(out, "DocumentType", json_string(ssm_row_str(row, "doc_type"))) ||
        json_object_set_new(out, "DocumentFormat", json_string(ssmdoc_format_name(want))) ||
        set_json_text(out, "Requires", ssm_row_str(row, "requires"), 1)) {
        r = aerr_internal(err, -ENOMEM);
        goto out;
    }
    rq->out = out;
    out = NULL;
    r = 0;
out:
    json_decref(out);
    json_decref(doc);
    json_decref(row);
    free(text);
    return r;
}

/* ---- DescribeDocument ---- */

int
ssm_describe_document(struct req *rq, struct aerr *err)
{
    struct dctx c = { rq->tx, rq->caller->account, rq->region };

    return answer_description(rq, &c, "Document", ssm_in_str(rq->in, "Name"), ssm_in_str(rq->in, "DocumentVersion"),
                              ssm_in_str(rq->in, "VersionName"), "Active", err);
}

/* ---- ListDocuments ---- */

struct dfilter {
    const char   *key;
    const json_t *values;            /* array of strings */
    json_t       *owned;             /* values built from DocumentFilterList */
};

#define MAX_DOC_FILTERS 16

static int
any_value(const json_t *values, const char *s, int prefix, int nocase_sub)
{
    json_t *v;
    size_t i;

    json_array_foreach(values, i, v) {
        const char *w = json_string_value(v);
        if (!w)
            continue;
        if (nocase_sub ? strcasestr(s, w) != NULL :
            prefix ? !strncmp(s, w, strlen(w)) : !strcmp(s, w))
            return 1;
    }
    return 0;
}

static int
owner_matches(const struct dctx *c, const json_t *row, const json_t *values)
{
    const char *owner = ssm_row_str(row, "owner");
    json_t *v;
    size_t i;

    json_array_foreach(values, i, v) {
        const char *w = json_string_value(v);
        if (!w)
            continue;
        if (!strcasecmp(w, "All"))
            return 1;
        if (!strcasecmp(w, "Self") && !strcmp(owner, c->account))
            return 1;
        if ((!strcasecmp(w, "Amazon") || !strcasecmp(w, "Public")) && !strcmp(owner, SSM_OWNER_AMAZON))
            return 1;
        if (!strcasecmp(w, "Private") && strcmp(owner, SSM_OWNER_AMAZON))
            return 1;
        if (!strcmp(w, owner))
            return 1;
    }
    return 0;
}

static int
doc_matches(struct req *rq, const struct dctx *c, const json_t *row, const struct dfilter *f,
            size_t nf)
{
    json_t *plats;
    size_t i, j;
    int ok;

    for (i = 0; i < nf; i++) {
        const char *k = f[i].key;
        if (!strcmp(k, "Name"))
            ok = any_value(f[i].values, ssm_row_str(row, "name"), 1, 0);
        else if (!strcmp(k, "SearchKeyword"))
            ok = any_value(f[i].values, ssm_row_str(row, "name"), 0, 1);
        else if (!strcmp(k, "Owner"))
            ok = owner_matches(c, row, f[i].values);
        else if (!strcmp(k, "DocumentType"))
            ok = any_value(f[i].values, ssm_row_str(row, "doc_type"), 0, 0);
        else if (!strcmp(k, "TargetType"))
            ok = ssm_row_str(row, "target_type") && any_value(f[i].values, ssm_row_str(row, "target_type"), 0, 0);
        else if (!strcmp(k, "PlatformTypes")) {
            plats = json_loads(ssm_row_str(row, "platforms") ? ssm_row_str(row, "platforms") : "[]", 0, NULL);
            ok = 0;
            for (j = 0; j < json_array_size(plats) && !ok; j++)
                ok = any_value(f[i].values, json_string_value(json_array_get(plats, j)), 0, 0);
            json_decref(plats);
        } else {                                         /* tag:<key> */
            ok = !ssm_row_int(row, "shared") && strcmp(ssm_row_str(row, "owner"), SSM_OWNER_AMAZON) &&
                 ssm_tags_match(rq, "Document", ssm_row_str(row, "name"), k + 4, f[i].values) > 0;
        }
        if (!ok)
            return 0;
    }
    return 1;
}

static int
read_doc_filters(const json_t *in, struct dfilter *f, size_t *ret_n, struct aerr *err)
{
    const json_t *list = json_object_get(in, "Filters"), *old = json_object_get(in, "DocumentFilterList"), *e;
    static const char *const keys[] = {
        "Name", "Owner", "PlatformTypes", "DocumentType", "TargetType", "SearchKeyword", NULL,
    };
    size_t i, n = 0, k;

    json_array_foreach(list, i, e) {
        const char *key = ssm_in_str(e, "Key");
        const json_t *vals = json_object_get(e, "Values");
        if (!key)
            return aerr_set(err, -EINVAL, 400, "InvalidFilterKey", "The specified key isn't valid.");
        for (k = 0; keys[k] && strcmp(keys[k], key); k++)
            ;
        if (!keys[k] && (strncmp(key, "tag:", 4) || !key[4]))
            return aerr_set(err, -EINVAL, 400, "InvalidFilterKey",
                            "The specified key isn't valid: %.128s.", key);
        if (keys[k] && json_array_size(vals) == 0)
            return aerr_set(err, -EINVAL, 400, "ValidationException",
                            "The filter %s needs at least one value.", key);
        if (n == MAX_DOC_FILTERS)
            return aerr_set(err, -EINVAL, 400, "ValidationException", "Too many filters.");
        f[n].key = key;
        f[n].values = vals;
        f[n].owned = NULL;
        n++;
    }
    json_array_foreach(old, i, e) {
        const char *key = ssm_in_str(e, "key"), *val = ssm_in_str(e, "value");
        if (n == MAX_DOC_FILTERS)
            return aerr_set(err, -EINVAL, 400, "ValidationException", "Too many filters.");
        f[n].key = key;
        f[n].owned = json_pack("[s]", val ? val : "");
        f[n].values = f[n].owned;
        if (!f[n].owned)
            return aerr_internal(err, -ENOMEM);
        n++;
    }
    *ret_n = n;
    return 0;
}

static int
cmp_rows(const void *a, const void *b)
{
    const json_t *x = *(json_t *const *) a, *y = *(json_t *const *) b;
    int r = strcmp(ssm_row_str(x, "name"), ssm_row_str(y, "name"));

    return r ? r : strcmp(ssm_row_str(x, "owner"), ssm_row_str(y, "owner"));
}

static int
row_key(const json_t *row, char *buf, size_t cap)
{
    int n = snprintf(buf, cap, "%s\x1f%s", ssm_row_str(row, "name"), ssm_row_str(row, "owner"));

    return n < 0 || (size_t) n >= cap ? -ENAMETOOLONG : 0;
}

static int
identifier(struct req *rq, const struct dctx *c, const json_t *row, json_t **ret)
{
    json_t *d = json_object(), *tags = NULL;
    char name[SSM_ARN_MAX];

    if (!d || shown_name(c, row, name, sizeof(name)) < 0 ||
        json_object_set_new(d, "Name", json_string(name)) ||
        json_object_set_new(d, "CreatedDate", json_integer(ssm_row_int(row, "created"))) ||
        ssm_set_str(d, "DisplayName", ssm_row_str(row, "display_name")) ||
        json_object_set_new(d, "Owner", json_string(ssm_row_str(row, "owner"))) ||
        ssm_set_str(d, "VersionName", ssm_row_str(row, "version_name")) ||
        set_json_text(d, "PlatformTypes", ssm_row_str(row, "platforms"), 0) ||
        set_ver(d, "DocumentVersion", ssm_row_int(row, "version")) ||
        json_object_set_new(d, "DocumentType", json_string(ssm_row_str(row, "doc_type"))) ||
        ssm_set_str(d, "SchemaVersion", ssm_row_str(row, "schema_version")) ||
        json_object_set_new(d, "DocumentFormat", json_string(ssm_row_str(row, "format"))) ||
        ssm_set_str(d, "TargetType", ssm_row_str(row, "target_type")) ||
        set_json_text(d, "Requires", ssm_row_str(row, "requires"), 1))
        goto nomem;
    if (!ssm_row_int(row, "shared") && strcmp(ssm_row_str(row, "owner"), SSM_OWNER_AMAZON)) {
        if (ssm_tags_get(rq, "Document", ssm_row_str(row, "name"), &tags) < 0 ||
            json_object_set_new(d, "Tags", tags))
            goto nomem;
    }
    *ret = d;
    return 0;
nomem:
    json_decref(d);
    return -ENOMEM;
}

int
ssm_list_documents(struct req *rq, struct aerr *err)
{
    struct dctx c = { rq->tx, rq->caller->account, rq->region };
    struct dfilter f[MAX_DOC_FILTERS];
    size_t nf = 0, i, n, taken = 0;
    json_t *own = NULL, *shared = NULL, *all = NULL, *list = NULL, *row, *ident;
    json_t **sorted = NULL;
    char after[SSM_ARN_MAX * 2], key[SSM_ARN_MAX * 2], last[SSM_ARN_MAX * 2];
    int max = ssm_max_results(rq->in, LIST_DOCS_DEFAULT), r, more = 0;

    memset(f, 0, sizeof(f));
    r = ssm_token_read(ssm_in_str(rq->in, "NextToken"), after, sizeof(after), err);
    if (r < 0)
        return r;
    r = read_doc_filters(rq->in, f, &nf, err);
    if (r < 0)
        goto out;
    r = store_query_json(c.tx, &own, 100000,
                         "SELECT d.name, d.account AS owner, d.doc_type, d.target_type, "
                         "d.default_version, d.latest_version, v.version, v.version_name, "
                         "v.display_name, v.format, v.schema_version, v.platforms, v.requires, "
                         "v.created, 0 AS shared FROM ssm_document d JOIN ssm_document_version v "
                         "ON v.account = d.account AND v.region = d.region AND v.name = d.name AND "
                         "v.version = d.default_version WHERE d.account = ?1 AND d.region = ?2",
                         "ss", c.account, c.region);
    if (r >= 0)
        r = store_query_json(c.tx, &shared, 100000,
                             "SELECT DISTINCT d.name, d.account AS owner, d.doc_type, d.target_type, "
                             "d.default_version, d.latest_version, v.version, v.version_name, "
                             "v.display_name, v.format, v.schema_version, v.platforms, v.requires, "
                             "v.created, 1 AS shared FROM ssm_document_share s JOIN ssm_document d "
                             "ON d.account = s.account AND d.region = s.region AND d.name = s.name "
                             "JOIN ssm_document_version v ON v.account = d.account AND "
                             "v.region = d.region AND v.name = d.name AND v.version = d.default_version "
                             "WHERE s.region = ?2 AND s.shared_with IN (?1, 'all') AND s.account != ?1",
                             "ss", c.account, c.region);
    if (r < 0) {
        r = aerr_internal(err, r);
        goto out;
    }
    if (!(all = json_array()) || json_array_extend(all, own) || json_array_extend(all, shared)) {
        r = aerr_internal(err, -ENOMEM);
        goto out;
    }
    for (i = 0; i < ssm_n_aws_docs; i++) {
        if ((r = aws_row(&ssm_aws_docs[i], &row)) < 0 || json_array_append_new(all, row)) {
            r = aerr_internal(err, r < 0 ? r : -ENOMEM);
            goto out;
        }
    }
    n = json_array_size(all);
    if (!(sorted = calloc(n + 1, sizeof(*sorted))) || !(list = json_array())) {
        r = aerr_internal(err, -ENOMEM);
        goto out;
    }
    for (i = 0; i < n; i++)
        sorted[i] = json_array_get(all, i);
    qsort(sorted, n, sizeof(*sorted), cmp_rows);
    for (i = 0; i < n; i++) {
        row = sorted[i];
        if (row_key(row, key, sizeof(key)) < 0 || (after[0] && strcmp(key, after) <= 0))
            continue;
        if (!doc_matches(rq, &c, row, f, nf))
            continue;
        if ((int) taken == max) {
            more = 1;
            break;
        }
        if ((r = identifier(rq, &c, row, &ident)) < 0 || json_array_append_new(list, ident)) {
            r = aerr_internal(err, -ENOMEM);
            goto out;
        }
        taken++;
        snprintf(last, sizeof(last), "%s", key);
    }
    r = ssm_page_answer(rq, "DocumentIdentifiers", list, more, last);
    if (r < 0)
        r = aerr_internal(err, r);
out:
    for (i = 0; i < nf; i++)
        json_decref(f[i].owned);
    free(sorted);
    json_decref(list);
    json_decref(all);
    json_decref(own);
    json_decref(shared);
    return r;
}

/* ---- UpdateDocument ---- */

int
ssm_update_document(struct req *rq, struct aerr *err)
{
    struct dctx c = { rq->tx, rq->caller->account, rq->region };
    const char *name = ssm_in_str(rq->in, "Name"), *content = ssm_in_str(rq->in, "Content");
    const char *dv = ssm_in_str(rq->in, "DocumentVersion"), *vn = ssm_in_str(rq->in, "VersionName");
    const char *format = ssm_in_str(rq->in, "DocumentFormat"), *tt = ssm_in_str(rq->in, "TargetType");
    json_t *cur = NULL, *row = NULL;
    struct store_rows *q = NULL;
    json_int_t latest, next, want;
    char vbuf[24];
    int r;

    if ((r = reject_attachments(rq->in, err)) < 0)
        return r;
    r = load_own(&c, name, "$LATEST", NULL, &cur, err);
    if (r < 0)
        return r;
    latest = ssm_row_int(cur, "latest_version");
    if (dv && strcmp(dv, "$LATEST") && (parse_version(dv, &want) < 0 || want != latest)) {
        r = aerr_set(err, -EINVAL, 400, "InvalidDocumentVersion",
                     "The document version is not valid or does not exist.");
        goto out;
    }
    if (!(row = json_object())) {
        r = aerr_internal(err, -ENOMEM);
        goto out;
    }
    r = check_content(content, format ? format : "JSON", ssm_row_str(cur, "doc_type"), row, err);
    if (r < 0)
        goto out;
    r = store_query(c.tx, &q, "SELECT count(*), max(version), sum(hash = ?4) FROM ssm_document_version "
                    "WHERE account = ?1 AND region = ?2 AND name = ?3", "ssss",
                    c.account, c.region, name, ssm_row_str(row, "hash"));
    if (r <= 0) {
        r = aerr_internal(err, r < 0 ? r : -EIO);
        goto out;
    }
    if (store_col_int(q, 2) > 0) {
        r = aerr_set(err, -EEXIST, 400, "DuplicateDocumentContent",
                     "The content of the association document matches another document. "
                     "Change the content of the document and try again.");
        goto out;
    }
    if (store_col_int(q, 0) >= SSM_MAX_DOC_VERSIONS) {
        r = aerr_set(err, -ENOSPC, 400, "DocumentVersionLimitExceeded",
                     "The document has too many versions (at most %d). Delete one or more "
                     "versions and try again.", SSM_MAX_DOC_VERSIONS);
        goto out;
    }
    next = (json_int_t) store_col_int(q, 1) + 1;
    store_rows_done(q);
    q = NULL;
    r = insert_version(&c, name, next, vn,
                       ssm_in_str(rq->in, "DisplayName") ? ssm_in_str(rq->in, "DisplayName") : ssm_row_str(cur, "display_name"),
                       content, row, ssm_row_str(cur, "requires"), rq->now, err);
    if (r < 0)
        goto out;
    r = store_exec(c.tx, "UPDATE ssm_document SET latest_version = ?4, target_type = coalesce(?5, target_type) "
                   "WHERE account = ?1 AND region = ?2 AND name = ?3", "sssis",
                   c.account, c.region, name, (int64_t) next, tt);
    if (r < 0) {
        r = aerr_internal(err, r);
        goto out;
    }
    snprintf(vbuf, sizeof(vbuf), "%" JSON_INTEGER_FORMAT, next);
    r = answer_description(rq, &c, "DocumentDescription", name, vbuf, NULL, "Updating", err);
out:
    store_rows_done(q);
    json_decref(cur);
    json_decref(row);
    return r;
}

/* ---- UpdateDocumentDefaultVersion ---- */

int
ssm_update_document_default_version(struct req *rq, struct aerr *err)
{
    struct dctx c = { rq->tx, rq->caller->account, rq->region };
    const char *name = ssm_in_str(rq->in, "Name"), *dv = ssm_in_str(rq->in, "DocumentVersion");
    json_t *row = NULL, *d;
    json_int_t v;
    int r;

    r = load_own(&c, name, NULL, NULL, &row, err);
    if (r < 0)
        return r;
    json_decref(row);
    row = NULL;
    if (parse_version(dv, &v) < 0 || load_doc(&c, name, dv, NULL, &row, NULL) < 0)
        return aerr_set(err, -EINVAL, 400, "InvalidDocumentVersion",
                        "The document version is not valid or does not exist.");
    r = store_exec(c.tx, "UPDATE ssm_document SET default_version = ?4 WHERE account = ?1 AND "
                   "region = ?2 AND name = ?3", "sssi", c.account, c.region, name, (int64_t) v);
    if (r < 0) {
        json_decref(row);
        return aerr_internal(err, r);
    }
    d = json_pack("{s:s, s:s}", "Name", name, "DefaultVersion", dv);
    if (d && ssm_row_str(row, "version_name"))
        json_object_set_new(d, "DefaultVersionName", json_string(ssm_row_str(row, "version_name")));
    json_decref(row);
    if (!d || !(rq->out = json_pack("{s:o}", "Description", d)))
        return aerr_internal(err, -ENOMEM);
    return 0;
}

/* ---- ListDocumentVersions ---- */

int
ssm_list_document_versions(struct req *rq, struct aerr *err)
{
    struct dctx c = { rq->tx, rq->caller->account, rq->region };
    const char *name_in = ssm_in_str(rq->in, "Name");
    int max = ssm_max_results(rq->in, LIST_DOCS_DEFAULT), r;
    json_t *row = NULL, *vers = NULL, *list = NULL, *v, *e;
    char after[32], name[SSM_ARN_MAX];
    json_int_t from = 0;
    size_t i;

    r = ssm_token_read(ssm_in_str(rq->in, "NextToken"), after, sizeof(after), err);
    if (r < 0)
        return r;
    if (after[0] && parse_version(after, &from) < 0)
        return aerr_set(err, -EINVAL, 400, "InvalidNextToken", "The specified token isn't valid.");
    r = load_doc(&c, name_in, NULL, NULL, &row, err);
    if (r < 0)
        return r;
    if (!(list = json_array()))
        goto nomem;
    if (!strcmp(ssm_row_str(row, "owner"), SSM_OWNER_AMAZON)) {
        vers = json_pack("[{s:I, s:s, s:I}]", "version", (json_int_t) 1, "format", "JSON",
                         "created", (json_int_t) SSM_AWS_DOC_CREATED);
        if (!vers)
            goto nomem;
        if (from >= 1)
            json_array_clear(vers);
    } else {
        r = store_query_json(c.tx, &vers, (size_t) max + 1,
                             "SELECT version, version_name, display_name, format, created FROM "
                             "ssm_document_version WHERE account = ?1 AND region = ?2 AND name = ?3 "
                             "AND version > ?4 ORDER BY version", "sssi",
                             ssm_row_str(row, "owner"), c.region, ssm_row_str(row, "name"), (int64_t) from);
        if (r < 0) {
            json_decref(row);
            json_decref(list);
            return aerr_internal(err, r);
        }
    }
    if (shown_name(&c, row, name, sizeof(name)) < 0)
        goto nomem;
    json_array_foreach(vers, i, v) {
        if ((int) i == max)
            break;
        e = json_object();
        if (!e || json_array_append_new(list, e) ||
            json_object_set_new(e, "Name", json_string(name)) ||
            ssm_set_str(e, "DisplayName", ssm_row_str(v, "display_name")) ||
            set_ver(e, "DocumentVersion", ssm_row_int(v, "version")) ||
            ssm_set_str(e, "VersionName", ssm_row_str(v, "version_name")) ||
            json_object_set_new(e, "CreatedDate", json_integer(ssm_row_int(v, "created"))) ||
            json_object_set_new(e, "IsDefaultVersion",
                                json_boolean(ssm_row_int(v, "version") == ssm_row_int(row, "default_version"))) ||
            json_object_set_new(e, "DocumentFormat", json_string(ssm_row_str(v, "format"))) ||
            json_object_set_new(e, "Status", json_string("Active")))
            goto nomem;
    }
    if (!(rq->out = json_pack("{s:O}", "DocumentVersions", list)))
        goto nomem;
    if ((int) json_array_size(vers) > max) {
        snprintf(after, sizeof(after), "%" JSON_INTEGER_FORMAT, ssm_row_int(json_array_get(vers, max - 1), "version"));
        if (json_object_set_new(rq->out, "NextToken", ssm_token_make(after)))
            goto nomem;
    }
    json_decref(row);
    json_decref(vers);
    json_decref(list);
    return 0;
nomem:
    json_decref(row);
    json_decref(vers);
    json_decref(list);
    return aerr_internal(err, -ENOMEM);
}

/* ---- DeleteDocument ---- */

int
ssm_delete_document(struct req *rq, struct aerr *err)
{
    struct dctx c = { rq->tx, rq->caller->account, rq->region };
    const char *name = ssm_in_str(rq->in, "Name"), *dv = ssm_in_str(rq->in, "DocumentVersion");
    const char *vn = ssm_in_str(rq->in, "VersionName");
    struct store_rows *q = NULL;
    json_t *row = NULL;
    json_int_t v;
    int r;

    r = load_own(&c, name, dv ? dv : (vn ? NULL : "$DEFAULT"), vn, &row, err);
    if (r < 0)
        return r;
    r = store_query(c.tx, &q, "SELECT 1 FROM ssm_document_share WHERE account = ?1 AND region = ?2 "
                    "AND name = ?3", "sss", c.account, c.region, name);
    store_rows_done(q);
    if (r != 0) {
        json_decref(row);
        return r < 0 ? aerr_internal(err, r) :
               aerr_set(err, -EBUSY, 400, "InvalidDocumentOperation",
                        "Must unshare document first before delete");
    }
    if (dv || vn) {
        v = ssm_row_int(row, "version");
        if (v == ssm_row_int(row, "default_version")) {
            json_decref(row);
            return aerr_set(err, -EPERM, 400, "InvalidDocumentOperation",
                            "Default version of the document can't be deleted.");
        }
        json_decref(row);
        r = store_exec(c.tx, "DELETE FROM ssm_document_version WHERE account = ?1 AND region = ?2 "
                       "AND name = ?3 AND version = ?4", "sssi", c.account, c.region, name, (int64_t) v);
        if (r >= 0)
            r = store_exec(c.tx, "UPDATE ssm_document SET latest_version = (SELECT max(version) FROM "
                           "ssm_document_version WHERE account = ?1 AND region = ?2 AND name = ?3) "
                           "WHERE account = ?1 AND region = ?2 AND name = ?3", "sss",
                           c.account, c.region, name);
        return r < 0 ? aerr_internal(err, r) : 0;
    }
    json_decref(row);
    r = store_exec(c.tx, "DELETE FROM ssm_document_version WHERE account = ?1 AND region = ?2 AND "
                   "name = ?3", "sss", c.account, c.region, name);
    if (r >= 0)
        r = store_exec(c.tx, "DELETE FROM ssm_document WHERE account = ?1 AND region = ?2 AND "
                       "name = ?3", "sss", c.account, c.region, name);
    if (r >= 0)
        r = ssm_tags_drop(rq, "Document", name);
    return r < 0 ? aerr_internal(err, r) : 0;
}

/* ---- DescribeDocumentPermission / ModifyDocumentPermission ---- */

int
ssm_describe_document_permission(struct req *rq, struct aerr *err)
{
    struct dctx c = { rq->tx, rq->caller->account, rq->region };
    const char *name = ssm_in_str(rq->in, "Name");
    int max = ssm_max_results(rq->in, PERMS_DEFAULT), r;
    json_t *row = NULL, *shares = NULL, *ids, *infos, *s;
    char after[64];
    size_t i;

    r = ssm_token_read(ssm_in_str(rq->in, "NextToken"), after, sizeof(after), err);
    if (r < 0)
        return r;
    r = load_own(&c, name, NULL, NULL, &row, err);
    if (r < 0)
        return r;
    json_decref(row);
    r = store_query_json(c.tx, &shares, (size_t) max + 1,
                         "SELECT shared_with, shared_version FROM ssm_document_share WHERE "
                         "account = ?1 AND region = ?2 AND name = ?3 AND shared_with > ?4 "
                         "ORDER BY shared_with", "ssss", c.account, c.region, name, after);
    if (r < 0)
        return aerr_internal(err, r);
    ids = json_array();
    infos = json_array();
    rq->out = json_pack("{s:o, s:o}", "AccountIds", ids, "AccountSharingInfoList", infos);
    if (!rq->out)
        goto nomem;
    json_array_foreach(shares, i, s) {
        if ((int) i == max)
            break;
        if (json_array_append_new(ids, json_string(ssm_row_str(s, "shared_with"))) ||
            json_array_append_new(infos, json_pack("{s:s, s:s}", "AccountId", ssm_row_str(s, "shared_with"),
                                                   "SharedDocumentVersion", ssm_row_str(s, "shared_version"))))
            goto nomem;
    }
    if ((int) json_array_size(shares) > max &&
        json_object_set_new(rq->out, "NextToken",
                            ssm_token_make(ssm_row_str(json_array_get(shares, max - 1), "shared_with"))))
        goto nomem;
    json_decref(shares);
    return 0;
nomem:
    json_decref(shares);
    return aerr_internal(err, -ENOMEM);
}

static int
has_all(const json_t *ids, size_t *ret_n)
{
    json_t *v;
    size_t i;
    int all = 0;

    json_array_foreach(ids, i, v)
        if (!strcasecmp(json_string_value(v), "all"))
            all = 1;
    *ret_n = json_array_size(ids);
    return all;
}

int
ssm_modify_document_permission(struct req *rq, struct aerr *err)
{
    struct dctx c = { rq->tx, rq->caller->account, rq->region };
    const char *name = ssm_in_str(rq->in, "Name");
    const char *sv = ssm_in_str(rq->in, "SharedDocumentVersion");
    const json_t *add = json_object_get(rq->in, "AccountIdsToAdd");
    const json_t *del = json_object_get(rq->in, "AccountIdsToRemove");
    struct store_rows *q = NULL;
    json_t *row = NULL, *v;
    size_t i, n;
    int r;

    if ((has_all(add, &n) && n > 1) || (has_all(del, &n) && n > 1))
        return aerr_set(err, -EINVAL, 400, "DocumentPermissionLimit",
                        "Accounts can either be all or a group of AWS accounts");
    r = load_own(&c, name, NULL, NULL, &row, err);
    if (r < 0)
        return r;
    json_decref(row);
    json_array_foreach(del, i, v) {
        const char *id = json_string_value(v);
        r = store_exec(c.tx, "DELETE FROM ssm_document_share WHERE account = ?1 AND region = ?2 AND "
                       "name = ?3 AND shared_with = ?4", "ssss", c.account, c.region, name,
                       strcasecmp(id, "all") ? id : "all");
        if (r < 0)
            return aerr_internal(err, r);
    }
    json_array_foreach(add, i, v) {
        const char *id = json_string_value(v);
        if (!strcmp(id, c.account))
            return aerr_set(err, -EINVAL, 400, "ValidationException",
                            "A document can't be shared with the account that owns it.");
        r = store_exec(c.tx, "INSERT INTO ssm_document_share (account, region, name, shared_with, "
                       "shared_version, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO "
                       "UPDATE SET shared_version = excluded.shared_version", "sssssi",
                       c.account, c.region, name, strcasecmp(id, "all") ? id : "all",
                       sv ? sv : "$DEFAULT", (int64_t) rq->now);
        if (r < 0)
            return aerr_internal(err, r);
    }
    r = store_query(c.tx, &q, "SELECT count(*) FROM ssm_document_share WHERE account = ?1 AND "
                    "region = ?2 AND name = ?3", "sss", c.account, c.region, name);
    if (r > 0 && store_col_int(q, 0) > SSM_MAX_SHARES)
        r = aerr_set(err, -ENOSPC, 400, "DocumentPermissionLimit",
                     "The document can be shared with at most %d accounts.", SSM_MAX_SHARES);
    else if (r < 0)
        r = aerr_internal(err, r);
    else
        r = 0;
    store_rows_done(q);
    return r;
}

/* ---- authorization resource, helpers for tags ---- */

int
ssm_document_resource(const struct req *rq, char *buf, size_t cap, struct aerr *err)
{
    const char *name = ssm_in_str(rq->in, "Name");

    if (!name)
        return aerr_internal(err, -EINVAL);
    if (!strncmp(name, "arn:", 4)) {
        if (strlen(name) >= cap)
            return aerr_internal(err, -ENAMETOOLONG);
        strcpy(buf, name);
        return 0;
    }
    if (ssm_document_arn(rq->region, ssm_aws_doc_find(name) ? "" : rq->caller->account, name,
                         buf, cap) < 0)
        return aerr_internal(err, -ENAMETOOLONG);
    return 0;
}

int
ssm_document_exists(struct req *rq, const char *name)
{
    struct dctx c = { rq->tx, rq->caller->account, rq->region };
    json_t *hdr = NULL;
    int r = own_header(&c, c.account, name, &hdr);

    json_decref(hdr);
    return r == 0 ? 1 : r == -ENOENT ? 0 : r;
}

/* ---- documents.h ---- */

int
ssm_document_fetch(struct store_tx *tx, const char *account, const char *region, const char *name,
                   const char *version, const char *version_name, struct ssm_document *ret,
                   struct aerr *err)
{
    struct dctx c = { tx, account, region };
    enum ssmdoc_format fmt;
    json_t *row = NULL, *doc = NULL;
    const char *content;
    int r;

    r = load_doc(&c, name, version, version_name, &row, err);
    if (r < 0)
        return r;
    content = ssm_row_str(row, "content");
    if (ssmdoc_format_parse(ssm_row_str(row, "format"), &fmt) < 0 || fmt == SSMDOC_TEXT) {
        json_decref(row);
        return aerr_set(err, -EINVAL, 400, "InvalidDocument", "The document has no structured content.");
    }
    r = ssmdoc_parse(content, strlen(content), fmt, &doc, err);
    if (r < 0) {
        json_decref(row);
        return r;
    }
    memset(ret, 0, sizeof(*ret));
    ret->content = doc;
    snprintf(ret->name, sizeof(ret->name), "%s", ssm_row_str(row, "name"));
    snprintf(ret->type, sizeof(ret->type), "%s", ssm_row_str(row, "doc_type"));
    snprintf(ret->owner, sizeof(ret->owner), "%s", ssm_row_str(row, "owner"));
    snprintf(ret->version, sizeof(ret->version), "%" JSON_INTEGER_FORMAT, ssm_row_int(row, "version"));
    snprintf(ret->version_name, sizeof(ret->version_name), "%s",
             ssm_row_str(row, "version_name") ? ssm_row_str(row, "version_name") : "");
    snprintf(ret->hash, sizeof(ret->hash), "%s", ssm_row_str(row, "hash"));
    snprintf(ret->schema_version, sizeof(ret->schema_version), "%s",
             ssm_row_str(row, "schema_version") ? ssm_row_str(row, "schema_version") : "");
    json_decref(row);
    return 0;
}

void
ssm_document_done(struct ssm_document *d)
{
    if (!d)
        return;
    json_decref(d->content);
    d->content = NULL;
}
