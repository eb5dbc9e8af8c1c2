/* src/ssm/parameters.c - Parameter Store: PutParameter, GetParameter(s), GetParametersByPath,
 * DeleteParameter(s), DescribeParameters, GetParameterHistory, Label/UnlabelParameterVersion,
 * and ssm_parameter_read for the automation engine (parameters.h).
 * Used by: ssm.c's table. Uses: store/ (SecureString values are sealed with the store's key
 * and never written in clear), crypto/digest.h (base64 of ciphertext), tags.c, pcre2.
 *
 * Tables (migration in ssm.c):
 *   ssm_parameter          current metadata of each parameter, with its latest version
 *   ssm_parameter_version  every kept version (at most 100): value, or sealed for SecureString
 *   ssm_parameter_label    label -> version (a label sits on one version at a time) */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <errno.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "../crypto/digest.h"
#include "internal.h"
#include "parameters.h"

#define SSM_PARAM_MAX_VERSIONS   100      /* versions kept per parameter (AWS) */
#define SSM_PARAM_MAX_LEVELS     15       /* hierarchy depth (AWS) */
#define SSM_PARAM_MAX_ARN        1011     /* name including its full ARN (AWS) */
#define SSM_PARAM_STANDARD_MAX   4096     /* value bytes, Standard tier (4 KB) */
#define SSM_PARAM_ADVANCED_MAX   8192     /* value bytes, Advanced tier (8 KB) */
#define SSM_PARAM_MAX_STANDARD   10000    /* Standard parameters per account and region */
#define SSM_PARAM_MAX_LABELS     10       /* labels on one version */
#define SSM_PARAM_MAX_POLICIES   10       /* policies on one parameter */
#define SSM_PARAM_DEFAULT_KEY    "alias/aws/ssm"
#define SSM_PARAM_PATTERN_LIMIT  100000   /* pcre2 match limit for AllowedPattern */
#define DESCRIBE_DEFAULT         10       /* DescribeParameters page */
#define BY_PATH_DEFAULT          10       /* GetParametersByPath page */
#define HISTORY_DEFAULT          50       /* GetParameterHistory page */
#define MAX_PFILTERS             16

struct pctx {
    struct store_tx *tx;
    const char      *account;
    const char      *region;
};

static const char invalid_name_msg[] =
    "Parameter name: can't be prefixed with \"aws\" or \"ssm\" (case-insensitive). If formed as "
    "a path, it can consist of sub-paths divided by slash symbol; each sub-path can be formed as "
    "a mix of letters, numbers and the following 3 symbols .-_";

static int
not_found(struct aerr *err)
{
    return aerr_set(err, -ENOENT, 400, "ParameterNotFound", "%s", "");
}

static int
version_not_found(struct aerr *err, const char *name, const char *version)
{
    return aerr_set(err, -ENOENT, 400, "ParameterVersionNotFound",
                    "Systems Manager could not find version %.32s of %.1024s. Verify the version and try again.",
                    version, name);
}

/* A name as given, spaces at either end removed (AWS does the same). */
static int
trimmed(const char *in, char *buf, size_t cap)
{
    size_t n;

    if (!in)
        return -EINVAL;
    while (*in == ' ')
        in++;
    n = strlen(in);
    while (n && in[n - 1] == ' ')
        n--;
    if (n == 0 || n >= cap)
        return -EINVAL;
    memcpy(buf, in, n);
    buf[n] = '\0';
    return 0;
}

static int
name_chars_ok(const char *s)
{
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '.' || *s == '-' || *s == '/'))
            return 0;
    return 1;
}

static int
levels(const char *s)
{
    int n = 0;

    for (; *s; s++)
        n += *s == '/';
    return n;
}

static int
check_put_name(const struct pctx *c, const char *name, struct aerr *err)
{
    const char *bare = name[0] == '/' ? name + 1 : name;
    char arn[SSM_ARN_MAX];
    size_t n = strlen(name);

    if (!name_chars_ok(name) || (n > 1 && name[n - 1] == '/') || !strcmp(name, "/") ||
        strstr(name, "//"))
        return aerr_set(err, -EINVAL, 400, "ValidationException", "%s", invalid_name_msg);
    if (strchr(name, '/') && name[0] != '/')
        return aerr_set(err, -EINVAL, 400, "ValidationException",
                        "Parameter name must be a fully qualified name.");
    if (!strncasecmp(bare, "aws", 3) || !strncasecmp(bare, "ssm", 3)) {
        if (levels(name) > 1 && !strncasecmp(name, "/aws", 4))
            return aerr_set(err, -EACCES, 400, "AccessDeniedException",
                            "No access to reserved parameter name: %.1024s.", name);
        if (levels(name) <= 1)
            return aerr_set(err, -EINVAL, 400, "ValidationException",
                            "Parameter name: can't be prefixed with \"aws\" or \"ssm\" (case-insensitive).");
        return aerr_set(err, -EINVAL, 400, "ValidationException", "%s", invalid_name_msg);
    }
    if (levels(name) > SSM_PARAM_MAX_LEVELS)
        return aerr_set(err, -EINVAL, 400, "HierarchyLevelLimitExceededException",
                        "A hierarchy can have a maximum of %d levels. Shorten the parameter name "
                        "%.1024s and try again.", SSM_PARAM_MAX_LEVELS, name);
    if (ssm_parameter_arn(c->region, c->account, name, arn, sizeof(arn)) < 0 ||
        strlen(arn) > SSM_PARAM_MAX_ARN)
        return aerr_set(err, -EINVAL, 400, "ValidationException",
                        "Parameter name, including its ARN, can't be longer than %d characters.",
                        SSM_PARAM_MAX_ARN);
    return 0;
}

/* ---- loading ---- */

static int
load_meta(const struct pctx *c, const char *name, json_t **ret)
{
    json_t *arr = NULL;
    int r;

    r = store_query_json(c->tx, &arr, 1,
                         "SELECT name, type, version, tier, key_id, data_type, description, "
                         "allowed_pattern, policies, modified, modified_user FROM ssm_parameter "
                         "WHERE account = ?1 AND region = ?2 AND name = ?3", "sss",
                         c->account, c->region, name);
    if (r < 0)
        return r;
    *ret = ssm_first_row(arr);
    return *ret ? 0 : -ENOENT;
}

static int
load_version(const struct pctx *c, const char *name, int64_t version, json_t **ret)
{
    json_t *arr = NULL;
    int r;

    r = store_query_json(c->tx, &arr, 1,
                         "SELECT name, version, type, value, key_id, tier, data_type, description, "
                         "allowed_pattern, policies, modified, modified_user FROM "
                         "ssm_parameter_version WHERE account = ?1 AND region = ?2 AND name = ?3 "
                         "AND version = ?4", "sssi", c->account, c->region, name, version);
    if (r < 0)
        return r;
    *ret = ssm_first_row(arr);
    return *ret ? 0 : -ENOENT;
}

static void
seal_aad(const struct pctx *c, const char *name, int64_t version, char *buf, size_t cap)
{
    snprintf(buf, cap, "ssm:parameter:%s:%s:%s:%lld", c->account, c->region, name, (long long) version);
}

/* The value of version row v as the API shows it: clear text, or for a SecureString the
 * ciphertext in base64 unless decrypt is set. *ret is malloc'd. */
static int
value_of(const struct pctx *c, const json_t *v, int decrypt, char **ret)
{
    char aad[SSM_PARAM_NAME_MAX + 128], *plain = NULL, *b64;
    struct store_rows *q = NULL;
    const void *blob;
    size_t len = 0, plen = 0;
    int r;

    if (strcmp(ssm_row_str(v, "type"), "SecureString")) {
        *ret = strdup(json_string_value(json_object_get(v, "value")) ?
                      json_string_value(json_object_get(v, "value")) : "");
        return *ret ? 0 : -ENOMEM;
    }
    r = store_query(c->tx, &q, "SELECT sealed FROM ssm_parameter_version WHERE account = ?1 AND "
                    "region = ?2 AND name = ?3 AND version = ?4", "sssi",
                    c->account, c->region, ssm_row_str(v, "name"), (int64_t) ssm_row_int(v, "version"));
    if (r <= 0) {
        store_rows_done(q);
        return r < 0 ? r : -ENOENT;
    }
    blob = store_col_blob(q, 0, &len);
    if (decrypt) {
        seal_aad(c, ssm_row_str(v, "name"), ssm_row_int(v, "version"), aad, sizeof(aad));
        r = store_unseal(store_of(c->tx), blob, len, aad, &plain, &plen);
        store_rows_done(q);
        if (r < 0)
            return r;
        *ret = plain;
        return 0;
    }
    b64 = malloc(DIGEST_BASE64_SIZE(len));
    if (!b64 || digest_base64_encode(blob, len, b64, DIGEST_BASE64_SIZE(len)) < 0) {
        free(b64);
        store_rows_done(q);
        return -ENOMEM;
    }
    store_rows_done(q);
    *ret = b64;
    return 0;
}

static void
free_value(char *v)
{
    if (v) {
        digest_cleanse(v, strlen(v));
        free(v);
    }
}

static int
is_digits(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return 0;
    return 1;
}

/* Resolve "name", "name:version" or "name:label" to a version row; *ret_selector points into
 * spec after the colon ("" when none). */
static int
resolve(const struct pctx *c, const char *spec, json_t **ret, const char **ret_selector,
        struct aerr *err)
{
    char name[SSM_PARAM_NAME_MAX + 1];
    const char *colon, *sel = "";
    struct store_rows *q = NULL;
    json_t *meta = NULL;
    int64_t version;
    size_t n;
    int r;

    if (trimmed(spec, name, sizeof(name)) < 0)
        return not_found(err);
    colon = strchr(name, ':');
    if (colon) {
        sel = spec + (strchr(spec, ':') - spec) + 1;
        n = (size_t) (colon - name);
        name[n] = '\0';
        if (!*sel || strchr(sel, ':'))
            return not_found(err);
    }
    r = load_meta(c, name, &meta);
    if (r == -ENOENT)
        return not_found(err);
    if (r < 0)
        return aerr_internal(err, r);
    version = ssm_row_int(meta, "version");
    json_decref(meta);
    if (*sel && is_digits(sel)) {
        version = strtoll(sel, NULL, 10);
        if (strlen(sel) > 18)
            return version_not_found(err, name, sel);
    } else if (*sel) {
        r = store_query(c->tx, &q, "SELECT version FROM ssm_parameter_label WHERE account = ?1 AND "
                        "region = ?2 AND name = ?3 AND label = ?4", "ssss",
                        c->account, c->region, name, sel);
        if (r > 0)
            version = store_col_int(q, 0);
        store_rows_done(q);
        if (r < 0)
            return aerr_internal(err, r);
        if (r == 0)
            return not_found(err);
    }
    r = load_version(c, name, version, ret);
    if (r == -ENOENT)
        return version_not_found(err, name, sel);
    if (r < 0)
        return aerr_internal(err, r);
    *ret_selector = sel;
    return 0;
}

/* ---- answers ---- */

/* Parameter (GetParameter, GetParameters, GetParametersByPath). */
static int
parameter_json(const struct pctx *c, const json_t *v, const char *selector, int decrypt,
               json_t **ret)
{
    char arn[SSM_ARN_MAX], sel[160], *value = NULL;
    json_t *p;
    int r;

    r = value_of(c, v, decrypt, &value);
    if (r < 0)
        return r;
    if (ssm_parameter_arn(c->region, c->account, ssm_row_str(v, "name"), arn, sizeof(arn)) < 0)
        arn[0] = '\0';
    p = json_pack("{s:s, s:s, s:s, s:I, s:I, s:s, s:s}", "Name", ssm_row_str(v, "name"), "Type", ssm_row_str(v, "type"),
                  "Value", value, "Version", ssm_row_int(v, "version"), "LastModifiedDate", ssm_row_int(v, "modified"),
                  "ARN", arn, "DataType", ssm_row_str(v, "data_type") ? ssm_row_str(v, "data_type") : "text");
    free_value(value);
    if (!p)
        return -ENOMEM;
    if (selector && *selector) {
        snprintf(sel, sizeof(sel), ":%s", selector);
        if (json_object_set_new(p, "Selector", json_string(sel))) {
            json_decref(p);
            return -ENOMEM;
        }
    }
    *ret = p;
    return 0;
}

static int
set_policies(json_t *o, const char *text)
{
    json_t *arr, *list, *e;
    size_t i;
    char *s;

    if (!text)
        return 0;
    arr = json_loads(text, 0, NULL);
    if (!json_is_array(arr)) {
        json_decref(arr);
        return 0;
    }
    list = json_array();
    json_array_foreach(arr, i, e) {
        s = json_dumps(e, JSON_COMPACT);
        json_array_append_new(list, json_pack("{s:s, s:s, s:s}", "PolicyText", s ? s : "",
                                              "PolicyType", ssm_row_str(e, "Type") ? ssm_row_str(e, "Type") : "",
                                              "PolicyStatus", "Pending"));
        free(s);
    }
    json_decref(arr);
    return json_object_set_new(o, "Policies", list);
}

/* ParameterMetadata (DescribeParameters) from a meta row. */
static int
metadata_json(const struct pctx *c, const json_t *m, json_t **ret)
{
    char arn[SSM_ARN_MAX];
    json_t *p;

    if (ssm_parameter_arn(c->region, c->account, ssm_row_str(m, "name"), arn, sizeof(arn)) < 0)
        arn[0] = '\0';
    p = json_pack("{s:s, s:s, s:s, s:I, s:s, s:I, s:s, s:s}", "Name", ssm_row_str(m, "name"), "ARN", arn,
                  "Type", ssm_row_str(m, "type"), "LastModifiedDate", ssm_row_int(m, "modified"),
                  "LastModifiedUser", ssm_row_str(m, "modified_user") ? ssm_row_str(m, "modified_user") : "",
                  "Version", ssm_row_int(m, "version"), "Tier", ssm_row_str(m, "tier"),
                  "DataType", ssm_row_str(m, "data_type") ? ssm_row_str(m, "data_type") : "text");
    if (!p || ssm_set_str(p, "KeyId", ssm_row_str(m, "key_id")) || ssm_set_str(p, "Description", ssm_row_str(m, "description")) ||
        ssm_set_str(p, "AllowedPattern", ssm_row_str(m, "allowed_pattern")) || set_policies(p, ssm_row_str(m, "policies"))) {
        json_decref(p);
        return -ENOMEM;
    }
    if (!json_object_get(p, "Policies"))
        json_object_set_new(p, "Policies", json_array());
    *ret = p;
    return 0;
}

/* ---- PutParameter ---- */

static int
pattern_full_match(pcre2_code *re, const char *s, size_t len)
{
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
    pcre2_match_context *mc = pcre2_match_context_create(NULL);
    int rc = -ENOMEM;

    if (md && mc) {
        pcre2_set_match_limit(mc, SSM_PARAM_PATTERN_LIMIT);
        pcre2_set_depth_limit(mc, 1000);
        rc = pcre2_match(re, (PCRE2_SPTR) s, len, 0, PCRE2_ANCHORED | PCRE2_ENDANCHORED, md, mc);
        rc = rc >= 0 ? 1 : 0;
    }
    pcre2_match_data_free(md);
    pcre2_match_context_free(mc);
    return rc;
}

static int
check_pattern(const char *pattern, const char *value, const char *type, struct aerr *err)
{
    PCRE2_SIZE eo;
    pcre2_code *re;
    const char *p, *comma;
    int ec, ok = 1;

    re = pcre2_compile((PCRE2_SPTR) pattern, PCRE2_ZERO_TERMINATED, PCRE2_UTF, &ec, &eo, NULL);
    if (!re)
        return aerr_set(err, -EINVAL, 400, "InvalidAllowedPatternException",
                        "The request doesn't meet the regular expression requirement: %.256s is not "
                        "a valid regular expression.", pattern);
    if (!strcmp(type, "StringList")) {
        for (p = value; ok == 1; p = comma + 1) {
            comma = strchr(p, ',');
            ok = pattern_full_match(re, p, comma ? (size_t) (comma - p) : strlen(p));
            if (!comma)
                break;
        }
    } else {
        ok = pattern_full_match(re, value, strlen(value));
    }
    pcre2_code_free(re);
    if (ok < 0)
        return aerr_internal(err, ok);
    if (!ok)
        return aerr_set(err, -EINVAL, 400, "ParameterPatternMismatchException",
                        "Parameter value, cannot be validated against allowedPattern: %.512s", pattern);
    return 0;
}

static int
check_policies(const char *text, struct aerr *err)
{
    static const char *const types[] = { "Expiration", "ExpirationNotification", "NoChangeNotification", NULL };
    json_t *arr = json_loads(text, 0, NULL), *e;
    size_t i, k;
    int r = 0;

    if (!json_is_array(arr) || json_array_size(arr) == 0)
        r = aerr_set(err, -EINVAL, 400, "InvalidPolicyTypeException",
                     "Policies must be a JSON list of policy objects.");
    else if (json_array_size(arr) > SSM_PARAM_MAX_POLICIES)
        r = aerr_set(err, -EINVAL, 400, "PoliciesLimitExceededException",
                     "A parameter can have at most %d policies.", SSM_PARAM_MAX_POLICIES);
    json_array_foreach(arr, i, e) {
        const char *t = ssm_row_str(e, "Type");
        if (r < 0)
            break;
        for (k = 0; t && types[k] && strcmp(types[k], t); k++)
            ;
        if (!t || !types[k])
            r = aerr_set(err, -EINVAL, 400, "InvalidPolicyTypeException",
                         "The policy type is not supported: %.64s. Use Expiration, "
                         "ExpirationNotification or NoChangeNotification.", t ? t : "(none)");
        else if (!json_is_object(json_object_get(e, "Attributes")))
            r = aerr_set(err, -EINVAL, 400, "InvalidPolicyAttributeException",
                         "The %s policy needs an Attributes map.", t);
    }
    json_decref(arr);
    return r;
}

static int
count_params(const struct pctx *c, int64_t *ret)
{
    struct store_rows *q = NULL;
    int r = store_query(c->tx, &q, "SELECT count(*) FROM ssm_parameter WHERE account = ?1 AND "
                        "region = ?2 AND tier = 'Standard'", "ss", c->account, c->region);

    if (r > 0)
        *ret = store_col_int(q, 0);
    store_rows_done(q);
    return r < 0 ? r : 0;
}

/* Make room for one more version: drop the oldest when 100 are kept, unless it is labeled. */
static int
prune_versions(const struct pctx *c, const char *name, struct aerr *err)
{
    struct store_rows *q = NULL;
    int64_t n = 0, oldest = 0, labeled = 0;
    int r;

    r = store_query(c->tx, &q, "SELECT count(*), min(version), (SELECT count(*) FROM "
                    "ssm_parameter_label l WHERE l.account = ?1 AND l.region = ?2 AND l.name = ?3 "
                    "AND l.version = (SELECT min(version) FROM ssm_parameter_version WHERE "
                    "account = ?1 AND region = ?2 AND name = ?3)) FROM ssm_parameter_version "
                    "WHERE account = ?1 AND region = ?2 AND name = ?3", "sss",
                    c->account, c->region, name);
    if (r > 0) {
        n = store_col_int(q, 0);
        oldest = store_col_int(q, 1);
        labeled = store_col_int(q, 2);
    }
    store_rows_done(q);
    if (r < 0)
        return aerr_internal(err, r);
    if (n < SSM_PARAM_MAX_VERSIONS)
        return 0;
    if (labeled)
        return aerr_set(err, -ENOSPC, 400, "ParameterMaxVersionLimitExceeded",
                        "You attempted to create a new version of %.1024s by calling the PutParameter "
                        "API with the overwrite flag. Version %lld, the oldest version, can't be "
                        "deleted because it has a label associated with it. Move the label to "
                        "another version of the parameter, and try again.", name, (long long) oldest);
    r = store_exec(c->tx, "DELETE FROM ssm_parameter_version WHERE account = ?1 AND region = ?2 AND "
                   "name = ?3 AND version = ?4", "sssi", c->account, c->region, name, oldest);
    return r < 0 ? aerr_internal(err, r) : 0;
}

int
ssm_put_parameter(struct req *rq, struct aerr *err)
{
    struct pctx c = { rq->tx, rq->caller->account, rq->region };
    const char *value = ssm_in_str(rq->in, "Value"), *type = ssm_in_str(rq->in, "Type");
    const char *tier = ssm_in_str(rq->in, "Tier"), *key_id = ssm_in_str(rq->in, "KeyId");
    const char *desc = ssm_in_str(rq->in, "Description"), *pattern = ssm_in_str(rq->in, "AllowedPattern");
    const char *data_type = ssm_in_str(rq->in, "DataType"), *policies = ssm_in_str(rq->in, "Policies");
    const json_t *tags = json_object_get(rq->in, "Tags");
    int overwrite = ssm_in_bool(rq->in, "Overwrite");
    char name[SSM_PARAM_NAME_MAX + 1], aad[SSM_PARAM_NAME_MAX + 128];
    unsigned char *sealed = NULL;
    size_t vlen, sealed_len = 0;
    json_t *cur = NULL;
    int64_t version = 1, n = 0;
    int r;

    if (trimmed(ssm_in_str(rq->in, "Name"), name, sizeof(name)) < 0)
        return aerr_set(err, -EINVAL, 400, "ValidationException", "%s", invalid_name_msg);
    if ((r = check_put_name(&c, name, err)) < 0)
        return r;
    if (!value || !*value)
        return aerr_set(err, -EINVAL, 400, "ValidationException",
                        "1 validation error detected: Value '' at 'value' failed to satisfy "
                        "constraint: Member must have length greater than or equal to 1.");
    if (overwrite && json_array_size(tags) > 0)
        return aerr_set(err, -EINVAL, 400, "ValidationException",
                        "Invalid request: tags and overwrite can't be used together. To create a "
                        "parameter with tags, please remove overwrite flag. To update tags for an "
                        "existing parameter, please use AddTagsToResource or RemoveTagsFromResource.");
    if (tags && (r = ssm_tags_check(tags, err)) < 0)
        return r;
    r = load_meta(&c, name, &cur);
    if (r < 0 && r != -ENOENT)
        return aerr_internal(err, r);
    if (cur && !overwrite) {
        r = aerr_set(err, -EEXIST, 400, "ParameterAlreadyExists",
                     "The parameter already exists. To overwrite this value, set the overwrite "
                     "option in the request to true.");
        goto out;
    }
    if (!cur && !type) {
        r = aerr_set(err, -EINVAL, 400, "ValidationException",
                     "A parameter type is required when you create a parameter.");
        goto out;
    }
    if (cur && type && strcmp(type, ssm_row_str(cur, "type"))) {
        r = aerr_set(err, -EINVAL, 400, "HierarchyTypeMismatchException",
                     "Parameter Store can't change the type of an existing parameter (%s to %s). "
                     "Create a new parameter with a different name instead.", ssm_row_str(cur, "type"), type);
        goto out;
    }
    if (!type)
        type = ssm_row_str(cur, "type");
    if (key_id && strcmp(type, "SecureString")) {
        r = aerr_set(err, -EINVAL, 400, "ValidationException",
                     "KeyId can be specified only for SecureString parameters.");
        goto out;
    }
    if (!strcmp(type, "SecureString") && !key_id)
        key_id = cur && ssm_row_str(cur, "key_id") ? ssm_row_str(cur, "key_id") : SSM_PARAM_DEFAULT_KEY;
    if (!data_type)
        data_type = cur && ssm_row_str(cur, "data_type") ? ssm_row_str(cur, "data_type") : "text";
    if (strcmp(data_type, "text") && strcmp(data_type, "aws:ec2:image") &&
        strcmp(data_type, "aws:ssm:integration")) {
        r = aerr_set(err, -EINVAL, 400, "ValidationException",
                     "The following data type is not supported: %.128s (Data type names are all lowercase.)",
                     data_type);
        goto out;
    }
    if (!strcmp(data_type, "aws:ec2:image") && (strncmp(value, "ami-", 4) || strlen(value) < 12)) {
        r = aerr_set(err, -EINVAL, 400, "ValidationException",
                     "The parameter value is not a valid image ID for data type aws:ec2:image.");
        goto out;
    }
    vlen = strlen(value);
    if (!policies && cur)
        policies = ssm_row_str(cur, "policies");
    if (!tier)
        tier = cur ? ssm_row_str(cur, "tier") : "Standard";
    if (!strcmp(tier, "Intelligent-Tiering"))
        tier = (cur && !strcmp(ssm_row_str(cur, "tier"), "Advanced")) || vlen > SSM_PARAM_STANDARD_MAX || policies ?
               "Advanced" : "Standard";
    if (cur && !strcmp(ssm_row_str(cur, "tier"), "Advanced") && !strcmp(tier, "Standard")) {
        r = aerr_set(err, -EINVAL, 400, "ValidationException",
                     "This parameter uses the advanced-parameter tier. You can't downgrade a "
                     "parameter from the advanced-parameter tier to the standard-parameter tier. If "
                     "necessary, you can delete the advanced parameter and recreate it as a "
                     "standard parameter.");
        goto out;
    }
    if (!strcmp(tier, "Standard") && vlen > SSM_PARAM_STANDARD_MAX) {
        r = aerr_set(err, -EINVAL, 400, "ValidationException",
                     "Standard tier parameters support a maximum parameter value of %d characters. "
                     "To create a larger parameter value, upgrade the parameter to use the "
                     "advanced-parameter tier.", SSM_PARAM_STANDARD_MAX);
        goto out;
    }
    if (vlen > SSM_PARAM_ADVANCED_MAX) {
        r = aerr_set(err, -EINVAL, 400, "ValidationException",
                     "Parameter value can't be longer than %d characters.", SSM_PARAM_ADVANCED_MAX);
        goto out;
    }
    if (policies) {
        if (strcmp(tier, "Advanced")) {
            r = aerr_set(err, -EINVAL, 400, "ValidationException",
                         "Parameter policies are supported only for advanced-tier parameters.");
            goto out;
        }
        if ((r = check_policies(policies, err)) < 0)
            goto out;
    }
    if (!desc && cur)
        desc = ssm_row_str(cur, "description");
    if (!pattern && cur)
        pattern = ssm_row_str(cur, "allowed_pattern");
    if (pattern && *pattern && (r = check_pattern(pattern, value, type, err)) < 0)
        goto out;
    if (!cur && !strcmp(tier, "Standard")) {
        if ((r = count_params(&c, &n)) < 0) {
            r = aerr_internal(err, r);
            goto out;
        }
        if (n >= SSM_PARAM_MAX_STANDARD) {
            r = aerr_set(err, -ENOSPC, 400, "ParameterLimitExceeded",
                         "You have reached the maximum number of standard parameters (%d) in this "
                         "Region. Delete parameters or use the advanced tier.", SSM_PARAM_MAX_STANDARD);
            goto out;
        }
    }
    if (cur) {
        version = ssm_row_int(cur, "version") + 1;
        if ((r = prune_versions(&c, name, err)) < 0)
            goto out;
    }
    if (!strcmp(type, "SecureString")) {
        seal_aad(&c, name, version, aad, sizeof(aad));
        r = store_seal(store_of(c.tx), value, vlen, aad, &sealed, &sealed_len);
        if (r < 0) {
            r = aerr_internal(err, r);
            goto out;
        }
    }
    r = store_exec(c.tx, "INSERT INTO ssm_parameter_version (account, region, name, version, type, "
                   "value, sealed, key_id, tier, data_type, description, allowed_pattern, policies, "
                   "modified, modified_user) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
                   "?12, ?13, ?14, ?15)", "sssissbssssssis",
                   c.account, c.region, name, version, type, sealed ? NULL : value,
                   sealed, sealed_len, key_id, tier, data_type, desc, pattern, policies,
                   (int64_t) rq->now, rq->caller->arn);
    if (r >= 0)
        r = store_exec(c.tx, "INSERT INTO ssm_parameter (account, region, name, type, version, tier, "
                       "key_id, data_type, description, allowed_pattern, policies, modified, "
                       "modified_user) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) "
                       "ON CONFLICT DO UPDATE SET type = excluded.type, version = excluded.version, "
                       "tier = excluded.tier, key_id = excluded.key_id, data_type = excluded.data_type, "
                       "description = excluded.description, allowed_pattern = excluded.allowed_pattern, "
                       "policies = excluded.policies, modified = excluded.modified, "
                       "modified_user = excluded.modified_user", "ssssissssssis",
                       c.account, c.region, name, type, version, tier, key_id, data_type, desc,
                       pattern, policies, (int64_t) rq->now, rq->caller->arn);
    if (r < 0) {
        r = aerr_internal(err, r);
        goto out;
    }
    if (!cur && tags && (r = ssm_tags_add(rq, "Parameter", name, tags, err)) < 0)
        goto out;
    if (!(rq->out = json_pack("{s:I, s:s}", "Version", (json_int_t) version, "Tier", tier))) {
        r = aerr_internal(err, -ENOMEM);
        goto out;
    }
    r = 0;
out:
    free(sealed);
    json_decref(cur);
    return r;
}

/* ---- GetParameter / GetParameters ---- */

int
ssm_get_parameter(struct req *rq, struct aerr *err)
{
    struct pctx c = { rq->tx, rq->caller->account, rq->region };
    const char *sel = NULL;
    json_t *v = NULL, *p = NULL;
    int r;

    r = resolve(&c, ssm_in_str(rq->in, "Name"), &v, &sel, err);
    if (r < 0)
        return r;
    r = parameter_json(&c, v, sel, ssm_in_bool(rq->in, "WithDecryption"), &p);
    json_decref(v);
    if (r < 0)
        return aerr_internal(err, r);
    if (!(rq->out = json_pack("{s:o}", "Parameter", p)))
        return aerr_internal(err, -ENOMEM);
    return 0;
}

static int arn_of_name(const struct req *rq, const char *spec, char *buf, size_t cap, struct aerr *err);

/* GetParameters / DeleteParameters: the call was authorized on its first name (see
 * ssm_parameters_resource); every other name must be allowed too. */
static int
authorize_names(struct req *rq, struct aerr *err)
{
    const json_t *names = json_object_get(rq->in, "Names");
    char arn[2048];
    size_t i;
    int r;

    for (i = 1; rq->authorize && i < json_array_size(names); i++) {
        r = arn_of_name(rq, json_string_value(json_array_get(names, i)), arn, sizeof(arn), err);
        if (r < 0 || (r = rq->authorize(rq, arn, err)) < 0)
            return r;
    }
    return 0;
}

int
ssm_get_parameters(struct req *rq, struct aerr *err)
{
    struct pctx c = { rq->tx, rq->caller->account, rq->region };
    const json_t *names = json_object_get(rq->in, "Names"), *nm;
    json_t *params = json_array(), *invalid = json_array(), *v, *p;
    int decrypt = ssm_in_bool(rq->in, "WithDecryption"), r;
    const char *sel;
    size_t i, j;

    if ((r = authorize_names(rq, err)) < 0) {
        json_decref(params);
        json_decref(invalid);
        return r;
    }
    if (!params || !invalid)
        goto nomem;
    json_array_foreach(names, i, nm) {
        for (j = 0; j < i; j++)
            if (json_equal(json_array_get(names, j), (json_t *) nm))
                break;
        if (j < i)
            continue;                                 /* asked twice: answered once */
        v = NULL;
        r = resolve(&c, json_string_value(nm), &v, &sel, NULL);
        if (r == -ENOENT) {
            if (json_array_append(invalid, (json_t *) nm))
                goto nomem;
            continue;
        }
        if (r < 0) {
            json_decref(params);
            json_decref(invalid);
            return aerr_internal(err, r);
        }
        r = parameter_json(&c, v, sel, decrypt, &p);
        json_decref(v);
        if (r < 0 || json_array_append_new(params, p))
            goto nomem;
    }
    rq->out = json_pack("{s:o}", "Parameters", params);
    params = NULL;
    if (!rq->out)
        goto nomem;
    if (json_array_size(invalid) > 0 && json_object_set(rq->out, "InvalidParameters", invalid))
        goto nomem;
    json_decref(invalid);
    return 0;
nomem:
    json_decref(params);
    json_decref(invalid);
    return aerr_internal(err, -ENOMEM);
}

/* ---- filters (DescribeParameters, GetParametersByPath) ---- */

struct pfilter {
    const char   *key;
    const char   *option;
    const json_t *values;
};

static int
one_of(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (!strcmp(s, *list))
            return 1;
    return 0;
}

static int
path_value_ok(const char *v)
{
    return v[0] == '/' && name_chars_ok(v) && !strstr(v, "//");
}

static int
read_pfilters(const json_t *in, int by_path, struct pfilter *f, size_t *ret_n, struct aerr *err)
{
    static const char *const types[] = { "String", "StringList", "SecureString", NULL };
    static const char *const tiers[] = { "Standard", "Advanced", "Intelligent-Tiering", NULL };
    const json_t *legacy = json_object_get(in, "Filters"), *pf = json_object_get(in, "ParameterFilters"), *e, *v;
    size_t i, j, n = 0;

    if (json_array_size(legacy) > 0 && json_array_size(pf) > 0)
        return aerr_set(err, -EINVAL, 400, "ValidationException",
                        "You can use either Filters or ParameterFilters in a single request.");
    json_array_foreach(legacy, i, e) {
        if (n == MAX_PFILTERS)
            return aerr_set(err, -EINVAL, 400, "ValidationException", "Too many filters.");
        f[n].key = ssm_in_str(e, "Key");
        f[n].option = !strcmp(f[n].key, "Name") ? "BeginsWith" : "Equals";
        f[n].values = json_object_get(e, "Values");
        n++;
    }
    json_array_foreach(pf, i, e) {
        const char *key = ssm_in_str(e, "Key"), *opt = ssm_in_str(e, "Option");
        const json_t *vals = json_object_get(e, "Values");
        int tag = !strncmp(key, "tag:", 4);

        if (n == MAX_PFILTERS)
            return aerr_set(err, -EINVAL, 400, "ValidationException", "Too many filters.");
        if (by_path && (!strcmp(key, "Name") || !strcmp(key, "Path") || !strcmp(key, "Tier")))
            return aerr_set(err, -EINVAL, 400, "InvalidFilterKey",
                            "The following filter key is not valid: %s. Valid filter keys include: "
                            "[Type, KeyId, Label, DataType, tag].", key);
        if (!by_path && !strcmp(key, "Label"))
            return aerr_set(err, -EINVAL, 400, "InvalidFilterKey",
                            "The following filter key is not valid: Label. Valid filter keys "
                            "include: [Path, Name, Type, KeyId, Tier, DataType, tag].");
        for (j = 0; j < n; j++)
            if (!strcmp(f[j].key, key))
                return aerr_set(err, -EINVAL, 400, "InvalidFilterKey",
                                "The following filter is duplicated in the request: %.132s. A "
                                "request can contain only one occurrence of a specific filter.", key);
        if (!tag && json_array_size(vals) == 0)
            return aerr_set(err, -EINVAL, 400, "InvalidFilterValue",
                            "The following filter values are missing : null for filter key %s.", key);
        if (!strcmp(key, "Path")) {
            if (!opt)
                opt = "OneLevel";
            if (strcmp(opt, "OneLevel") && strcmp(opt, "Recursive"))
                return aerr_set(err, -EINVAL, 400, "InvalidFilterOption",
                                "The following filter option is not valid: %.10s. Valid options "
                                "include: [Recursive, OneLevel].", opt);
            json_array_foreach(vals, j, v)
                if (!path_value_ok(json_string_value(v)))
                    return aerr_set(err, -EINVAL, 400, "ValidationException",
                                    "The parameter doesn't meet the parameter name requirements. "
                                    "The parameter name must begin with a forward slash \"/\". It "
                                    "can't be prefixed with \"aws\" or \"ssm\" (case-insensitive). "
                                    "It must use only letters, numbers, or the following symbols: "
                                    ". (period), - (hyphen), _ (underscore). Special characters are "
                                    "not allowed. All sub-paths, if specified, must use the forward "
                                    "slash symbol \"/\". Valid example: /get/parameters2-/by1./path0_.");
        } else {
            if (!opt)
                opt = "Equals";
            if (!strcmp(key, "Name") ? !one_of(opt, (const char *const[]) { "Equals", "BeginsWith", "Contains", NULL }) :
                (!strcmp(key, "KeyId") || tag) ? !one_of(opt, (const char *const[]) { "Equals", "BeginsWith", NULL }) :
                strcmp(opt, "Equals"))
                return aerr_set(err, -EINVAL, 400, "InvalidFilterOption",
                                "The following filter option is not valid: %.10s. Valid options "
                                "include: [%s].", opt,
                                !strcmp(key, "Name") ? "Equals, BeginsWith, Contains" :
                                (!strcmp(key, "KeyId") || tag) ? "Equals, BeginsWith" : "Equals");
        }
        json_array_foreach(vals, j, v) {
            const char *s = json_string_value(v);
            if (!strcmp(key, "Type") && !one_of(s, types))
                return aerr_set(err, -EINVAL, 400, "InvalidFilterValue",
                                "The following filter value is not valid: %.128s. Valid values "
                                "include: [String, StringList, SecureString].", s);
            if (!strcmp(key, "Tier") && !one_of(s, tiers))
                return aerr_set(err, -EINVAL, 400, "InvalidFilterValue",
                                "The following filter value is not valid: %.128s. Valid values "
                                "include: [Standard, Advanced, Intelligent-Tiering].", s);
        }
        f[n].key = key;
        f[n].option = opt;
        f[n].values = vals;
        n++;
    }
    *ret_n = n;
    return 0;
}

/* "/" + name without leading slashes, into buf. */
static void
slashed(const char *s, char *buf, size_t cap)
{
    while (*s == '/')
        s++;
    snprintf(buf, cap, "/%s", s);
}

static int
str_match(const char *have, const char *opt, const json_t *values, int normalize)
{
    char a[SSM_PARAM_NAME_MAX + 2], b[SSM_PARAM_NAME_MAX + 2];
    json_t *v;
    size_t i;

    if (!have)
        return 0;
    json_array_foreach(values, i, v) {
        const char *w = json_string_value(v);
        if (!strcmp(opt, "Contains")) {
            if (strstr(have, w))
                return 1;
            continue;
        }
        if (normalize) {
            slashed(have, a, sizeof(a));
            slashed(w, b, sizeof(b));
        } else {
            snprintf(a, sizeof(a), "%s", have);
            snprintf(b, sizeof(b), "%s", w);
        }
        if (!strcmp(opt, "BeginsWith") ? !strncmp(a, b, strlen(b)) : !strcmp(a, b))
            return 1;
    }
    return 0;
}

static int
path_match(const char *name, const char *opt, const json_t *values)
{
    char p[SSM_PARAM_NAME_MAX + 2];
    json_t *v;
    size_t i, n;

    if (name[0] != '/')
        return 0;
    json_array_foreach(values, i, v) {
        snprintf(p, sizeof(p), "%s", json_string_value(v));
        n = strlen(p);
        while (n > 1 && p[n - 1] == '/')
            p[--n] = '\0';
        if (!strcmp(p, "/"))
            n = 0;
        if (strncmp(name, p, n) || name[n] != '/')
            continue;
        if (!strcmp(opt, "Recursive") || !strchr(name + n + 1, '/'))
            return 1;
    }
    return 0;
}

/* Does meta row m pass the filters? For a Label filter, *ret_version is the labeled version. */
static int
pfilters_match(struct req *rq, const struct pctx *c, const json_t *m, const struct pfilter *f,
               size_t nf, int64_t *ret_version)
{
    const char *name = ssm_row_str(m, "name");
    struct store_rows *q = NULL;
    json_t *v;
    size_t i, j;
    int ok, r;

    *ret_version = ssm_row_int(m, "version");
    for (i = 0; i < nf; i++) {
        const char *k = f[i].key;
        if (!strcmp(k, "Name"))
            ok = str_match(name, f[i].option, f[i].values, strcmp(f[i].option, "Contains"));
        else if (!strcmp(k, "Path"))
            ok = path_match(name, f[i].option, f[i].values);
        else if (!strcmp(k, "Type"))
            ok = str_match(ssm_row_str(m, "type"), "Equals", f[i].values, 0);
        else if (!strcmp(k, "KeyId"))
            ok = str_match(ssm_row_str(m, "key_id"), f[i].option, f[i].values, 0);
        else if (!strcmp(k, "Tier"))
            ok = str_match(ssm_row_str(m, "tier"), "Equals", f[i].values, 0);
        else if (!strcmp(k, "DataType"))
            ok = str_match(ssm_row_str(m, "data_type") ? ssm_row_str(m, "data_type") : "text", "Equals", f[i].values, 0);
        else if (!strcmp(k, "Label")) {
            ok = 0;
            json_array_foreach(f[i].values, j, v) {
                r = store_query(c->tx, &q, "SELECT version FROM ssm_parameter_label WHERE account = ?1 "
                                "AND region = ?2 AND name = ?3 AND label = ?4", "ssss",
                                c->account, c->region, name, json_string_value(v));
                if (r > 0) {
                    *ret_version = store_col_int(q, 0);
                    ok = 1;
                }
                store_rows_done(q);
                q = NULL;
                if (r < 0)
                    return r;
                if (ok)
                    break;
            }
        } else {                                               /* tag:<key> */
            r = ssm_tags_match(rq, "Parameter", name, k + 4, f[i].values);
            if (r < 0)
                return r;
            ok = r;
        }
        if (!ok)
            return 0;
    }
    return 1;
}

/* The answer of GetParametersByPath and DescribeParameters: the rows (by name, after the
 * NextToken's) that pass the filters, at most max, as Parameters with a NextToken when more
 * remain. decrypt < 0: DescribeParameters' metadata; else GetParametersByPath's values,
 * decrypted when set. Returns 0 or <0 with err. */
static int
filtered_page(struct req *rq, const struct pctx *c, const json_t *rows, const struct pfilter *f, size_t nf,
              int max, int decrypt, struct aerr *err)
{
    char last[SSM_PARAM_NAME_MAX + 1] = "";
    json_t *list = json_array(), *m, *v, *p;
    size_t i, taken = 0;
    int64_t version;
    int r = -ENOMEM, more = 0;

    if (!list)
        return aerr_internal(err, -ENOMEM);
    json_array_foreach(rows, i, m) {
        r = pfilters_match(rq, c, m, f, nf, &version);
        if (r < 0)
            goto out;
        if (!r)
            continue;
        if ((int) taken == max) {
            more = 1;
            break;
        }
        if (decrypt < 0) {
            r = metadata_json(c, m, &p);
        } else {
            v = NULL;
            if ((r = load_version(c, ssm_row_str(m, "name"), version, &v)) < 0)
                goto out;
            r = parameter_json(c, v, NULL, decrypt, &p);
            json_decref(v);
        }
        if (r < 0 || json_array_append_new(list, p)) {
            r = -ENOMEM;
            goto out;
        }
        taken++;
        snprintf(last, sizeof(last), "%s", ssm_row_str(m, "name"));
    }
    r = ssm_page_answer(rq, "Parameters", list, more, last);
out:
    json_decref(list);
    return r < 0 ? aerr_internal(err, r) : 0;
}

/* ---- GetParametersByPath ---- */

int
ssm_get_parameters_by_path(struct req *rq, struct aerr *err)
{
    struct pctx c = { rq->tx, rq->caller->account, rq->region };
    struct pfilter f[MAX_PFILTERS];
    const char *path_in = ssm_in_str(rq->in, "Path");
    int recursive = ssm_in_bool(rq->in, "Recursive"), decrypt = ssm_in_bool(rq->in, "WithDecryption");
    int max = ssm_max_results(rq->in, BY_PATH_DEFAULT), r;
    char path[SSM_PARAM_NAME_MAX + 2], after[SSM_PARAM_NAME_MAX + 1];
    json_t *rows = NULL;
    size_t nf = 0, n;

    r = ssm_token_read(ssm_in_str(rq->in, "NextToken"), after, sizeof(after), err);
    if (r < 0)
        return r;
    if (trimmed(path_in, path, sizeof(path) - 1) < 0 || !path_value_ok(path))
        return aerr_set(err, -EINVAL, 400, "ValidationException",
                        "The parameter doesn't meet the parameter name requirements. The parameter "
                        "name must begin with a forward slash \"/\". It can't be prefixed with \"aws\" "
                        "or \"ssm\" (case-insensitive). It must use only letters, numbers, or the "
                        "following symbols: . (period), - (hyphen), _ (underscore). Special "
                        "characters are not allowed. All sub-paths, if specified, must use the "
                        "forward slash symbol \"/\". Valid example: /get/parameters2-/by1./path0_.");
    if (levels(path) > SSM_PARAM_MAX_LEVELS)
        return aerr_set(err, -EINVAL, 400, "HierarchyLevelLimitExceededException",
                        "A hierarchy can have a maximum of %d levels.", SSM_PARAM_MAX_LEVELS);
    r = read_pfilters(rq->in, 1, f, &nf, err);
    if (r < 0)
        return r;
    n = strlen(path);
    while (n > 1 && path[n - 1] == '/')
        path[--n] = '\0';
    if (n > 1) {
        path[n++] = '/';
        path[n] = '\0';
    }
    r = store_query_json(c.tx, &rows, 1000000,
                         "SELECT name, type, version, tier, key_id, data_type FROM ssm_parameter "
                         "WHERE account = ?1 AND region = ?2 AND substr(name, 1, ?4) = ?3 AND "
                         "name > ?5 AND (?6 OR instr(substr(name, ?4 + 1), '/') = 0) ORDER BY name",
                         "sssisi", c.account, c.region, path, (int64_t) n, after, (int64_t) recursive);
    if (r < 0)
        return aerr_internal(err, r);
    r = filtered_page(rq, &c, rows, f, nf, max, decrypt, err);
    json_decref(rows);
    return r;
}

/* ---- DescribeParameters ---- */

int
ssm_describe_parameters(struct req *rq, struct aerr *err)
{
    struct pctx c = { rq->tx, rq->caller->account, rq->region };
    struct pfilter f[MAX_PFILTERS];
    int max = ssm_max_results(rq->in, DESCRIBE_DEFAULT), r;
    char after[SSM_PARAM_NAME_MAX + 1];
    json_t *rows = NULL;
    size_t nf = 0;

    r = ssm_token_read(ssm_in_str(rq->in, "NextToken"), after, sizeof(after), err);
    if (r < 0)
        return r;
    r = read_pfilters(rq->in, 0, f, &nf, err);
    if (r < 0)
        return r;
    /* no parameter is shared with this account: Shared lists none */
    r = ssm_in_bool(rq->in, "Shared") ? 0 :
        store_query_json(c.tx, &rows, 1000000,
                         "SELECT name, type, version, tier, key_id, data_type, description, "
                         "allowed_pattern, policies, modified, modified_user FROM ssm_parameter "
                         "WHERE account = ?1 AND region = ?2 AND name > ?3 ORDER BY name", "sss",
                         c.account, c.region, after);
    if (r < 0)
        return aerr_internal(err, r);
    r = filtered_page(rq, &c, rows, f, nf, max, -1, err);
    json_decref(rows);
    return r;
}

/* ---- GetParameterHistory ---- */

int
ssm_get_parameter_history(struct req *rq, struct aerr *err)
{
    struct pctx c = { rq->tx, rq->caller->account, rq->region };
    int max = ssm_max_results(rq->in, HISTORY_DEFAULT), decrypt = ssm_in_bool(rq->in, "WithDecryption"), r;
    char name[SSM_PARAM_NAME_MAX + 1], after[32];
    json_t *meta = NULL, *vers = NULL, *labels = NULL, *list = NULL, *v, *h, *l, *lab;
    int64_t from = 0;
    char *value;
    size_t i, j;

    r = ssm_token_read(ssm_in_str(rq->in, "NextToken"), after, sizeof(after), err);
    if (r < 0)
        return r;
    if (after[0]) {
        if (!is_digits(after) || strlen(after) > 18)
            return aerr_set(err, -EINVAL, 400, "InvalidNextToken", "The specified token isn't valid.");
        from = strtoll(after, NULL, 10);
    }
    if (trimmed(ssm_in_str(rq->in, "Name"), name, sizeof(name)) < 0)
        return not_found(err);
    r = load_meta(&c, name, &meta);
    json_decref(meta);
    if (r == -ENOENT)
        return not_found(err);
    if (r < 0)
        return aerr_internal(err, r);
    r = store_query_json(c.tx, &vers, (size_t) max + 1,
                         "SELECT name, version, type, value, key_id, tier, data_type, description, "
                         "allowed_pattern, policies, modified, modified_user FROM "
                         "ssm_parameter_version WHERE account = ?1 AND region = ?2 AND name = ?3 AND "
                         "version > ?4 ORDER BY version", "sssi", c.account, c.region, name, from);
    if (r >= 0)
        r = store_query_json(c.tx, &labels, 100000,
                             "SELECT label, version FROM ssm_parameter_label WHERE account = ?1 AND "
                             "region = ?2 AND name = ?3 ORDER BY label", "sss", c.account, c.region, name);
    if (r < 0) {
        r = aerr_internal(err, r);
        goto out;
    }
    if (!(list = json_array()))
        goto nomem;
    json_array_foreach(vers, i, v) {
        if ((int) i == max)
            break;
        if (value_of(&c, v, decrypt, &value) < 0)
            goto nomem;
        h = json_pack("{s:s, s:s, s:I, s:s, s:s, s:I, s:s, s:s}", "Name", ssm_row_str(v, "name"),
                      "Type", ssm_row_str(v, "type"), "LastModifiedDate", ssm_row_int(v, "modified"),
                      "LastModifiedUser", ssm_row_str(v, "modified_user") ? ssm_row_str(v, "modified_user") : "",
                      "Value", value, "Version", ssm_row_int(v, "version"), "Tier", ssm_row_str(v, "tier"),
                      "DataType", ssm_row_str(v, "data_type") ? ssm_row_str(v, "data_type") : "text");
        free_value(value);
        if (!h || json_array_append_new(list, h) || ssm_set_str(h, "KeyId", ssm_row_str(v, "key_id")) ||
            ssm_set_str(h, "Description", ssm_row_str(v, "description")) ||
            ssm_set_str(h, "AllowedPattern", ssm_row_str(v, "allowed_pattern")) ||
            set_policies(h, ssm_row_str(v, "policies")) || !(lab = json_array()) ||
            json_object_set_new(h, "Labels", lab))
            goto nomem;
        json_array_foreach(labels, j, l)
            if (ssm_row_int(l, "version") == ssm_row_int(v, "version") &&
                json_array_append(lab, json_object_get(l, "label")))
                goto nomem;
        if (!json_object_get(h, "Policies"))
            json_object_set_new(h, "Policies", json_array());
    }
    if (!(rq->out = json_pack("{s:O}", "Parameters", list)))
        goto nomem;
    if ((int) json_array_size(vers) > max) {
        snprintf(after, sizeof(after), "%lld", (long long) ssm_row_int(json_array_get(vers, max - 1), "version"));
        if (json_object_set_new(rq->out, "NextToken", ssm_token_make(after)))
            goto nomem;
    }
    r = 0;
    goto out;
nomem:
    r = aerr_internal(err, -ENOMEM);
out:
    json_decref(vers);
    json_decref(labels);
    json_decref(list);
    return r;
}

/* ---- DeleteParameter(s) ---- */

static int
delete_one(struct req *rq, const struct pctx *c, const char *name)
{
    int r;

    r = store_exec(c->tx, "DELETE FROM ssm_parameter WHERE account = ?1 AND region = ?2 AND name = ?3",
                   "sss", c->account, c->region, name);
    if (r <= 0)
        return r < 0 ? r : -ENOENT;
    r = store_exec(c->tx, "DELETE FROM ssm_parameter_version WHERE account = ?1 AND region = ?2 AND "
                   "name = ?3", "sss", c->account, c->region, name);
    if (r >= 0)
        r = store_exec(c->tx, "DELETE FROM ssm_parameter_label WHERE account = ?1 AND region = ?2 AND "
                       "name = ?3", "sss", c->account, c->region, name);
    if (r >= 0)
        r = ssm_tags_drop(rq, "Parameter", name);
    return r < 0 ? r : 0;
}

int
ssm_delete_parameter(struct req *rq, struct aerr *err)
{
    struct pctx c = { rq->tx, rq->caller->account, rq->region };
    char name[SSM_PARAM_NAME_MAX + 1];
    int r;

    if (trimmed(ssm_in_str(rq->in, "Name"), name, sizeof(name)) < 0)
        return not_found(err);
    r = delete_one(rq, &c, name);
    if (r == -ENOENT)
        return not_found(err);
    return r < 0 ? aerr_internal(err, r) : 0;
}

/* rq->out = {ok_member: ok, bad_member: bad}, each only when not empty, for the operations
 * that take a list and answer which items they did. Releases ok and bad. Returns 0 or <0 with err. */
static int
answer_split(struct req *rq, const char *ok_member, json_t *ok, const char *bad_member, json_t *bad,
             struct aerr *err)
{
    int r = 0;

    if (!(rq->out = json_object()) || (json_array_size(ok) && json_object_set(rq->out, ok_member, ok)) ||
        (json_array_size(bad) && json_object_set(rq->out, bad_member, bad)))
        r = aerr_internal(err, -ENOMEM);
    json_decref(ok);
    json_decref(bad);
    return r;
}

int
ssm_delete_parameters(struct req *rq, struct aerr *err)
{
    struct pctx c = { rq->tx, rq->caller->account, rq->region };
    const json_t *names = json_object_get(rq->in, "Names"), *nm;
    json_t *deleted = json_array(), *invalid = json_array();
    char name[SSM_PARAM_NAME_MAX + 1];
    size_t i;
    int r;

    if ((r = authorize_names(rq, err)) < 0) {
        json_decref(deleted);
        json_decref(invalid);
        return r;
    }
    if (!deleted || !invalid)
        goto nomem;
    json_array_foreach(names, i, nm) {
        r = trimmed(json_string_value(nm), name, sizeof(name)) < 0 ? -ENOENT : delete_one(rq, &c, name);
        if (r < 0 && r != -ENOENT) {
            json_decref(deleted);
            json_decref(invalid);
            return aerr_internal(err, r);
        }
        if (json_array_append(r == 0 ? deleted : invalid, (json_t *) nm))
            goto nomem;
    }
    return answer_split(rq, "DeletedParameters", deleted, "InvalidParameters", invalid, err);
nomem:
    json_decref(deleted);
    json_decref(invalid);
    return aerr_internal(err, -ENOMEM);
}

/* ---- labels ---- */

static int
label_ok(const char *l)
{
    const char *p;

    if (!*l || strlen(l) > 100 || (*l >= '0' && *l <= '9') || !strncasecmp(l, "aws", 3) ||
        !strncasecmp(l, "ssm", 3))
        return 0;
    for (p = l; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == '.' || *p == '-'))
            return 0;
    return 1;
}

/* The parameter's name and the version the request names (latest when absent and allowed). */
static int
label_target(const struct pctx *c, const json_t *in, char *name, size_t cap, int64_t *ret_version,
             struct aerr *err)
{
    const json_t *pv = json_object_get(in, "ParameterVersion");
    json_t *meta = NULL, *v = NULL;
    char vbuf[32];
    int r;

    if (trimmed(ssm_in_str(in, "Name"), name, cap) < 0)
        return aerr_set(err, -ENOENT, 400, "ParameterNotFound", "Parameter %.1024s not found.",
                        ssm_in_str(in, "Name") ? ssm_in_str(in, "Name") : "");
    r = load_meta(c, name, &meta);
    if (r == -ENOENT)
        return aerr_set(err, -ENOENT, 400, "ParameterNotFound", "Parameter %.1024s not found.", name);
    if (r < 0)
        return aerr_internal(err, r);
    *ret_version = pv ? json_integer_value(pv) : ssm_row_int(meta, "version");
    json_decref(meta);
    r = load_version(c, name, *ret_version, &v);
    json_decref(v);
    if (r == -ENOENT) {
        snprintf(vbuf, sizeof(vbuf), "%lld", (long long) *ret_version);
        return version_not_found(err, name, vbuf);
    }
    return r < 0 ? aerr_internal(err, r) : 0;
}

int
ssm_label_parameter_version(struct req *rq, struct aerr *err)
{
    struct pctx c = { rq->tx, rq->caller->account, rq->region };
    const json_t *labels = json_object_get(rq->in, "Labels"), *l;
    char name[SSM_PARAM_NAME_MAX + 1];
    struct store_rows *q = NULL;
    json_t *invalid = NULL;
    int64_t version, on = 0;
    size_t i;
    int r;

    r = label_target(&c, rq->in, name, sizeof(name), &version, err);
    if (r < 0)
        return r;
    if (!(invalid = json_array()))
        return aerr_internal(err, -ENOMEM);
    json_array_foreach(labels, i, l) {
        const char *s = json_string_value(l);
        if (!label_ok(s)) {
            if (json_array_append(invalid, (json_t *) l))
                goto nomem;
            continue;
        }
        r = store_exec(c.tx, "INSERT INTO ssm_parameter_label (account, region, name, label, version) "
                       "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO UPDATE SET version = excluded.version",
                       "ssssi", c.account, c.region, name, s, version);
        if (r < 0) {
            json_decref(invalid);
            return aerr_internal(err, r);
        }
    }
    r = store_query(c.tx, &q, "SELECT count(*) FROM ssm_parameter_label WHERE account = ?1 AND "
                    "region = ?2 AND name = ?3 AND version = ?4", "sssi", c.account, c.region, name, version);
    if (r > 0)
        on = store_col_int(q, 0);
    store_rows_done(q);
    if (r < 0) {
        json_decref(invalid);
        return aerr_internal(err, r);
    }
    if (on > SSM_PARAM_MAX_LABELS) {
        json_decref(invalid);
        return aerr_set(err, -ENOSPC, 400, "ParameterVersionLabelLimitExceeded",
                        "A parameter version can have maximum %d labels. Move one or more labels to "
                        "another version and try again.", SSM_PARAM_MAX_LABELS);
    }
    if (!(rq->out = json_pack("{s:I}", "ParameterVersion", (json_int_t) version)) ||
        (json_array_size(invalid) && json_object_set(rq->out, "InvalidLabels", invalid)))
        goto nomem;
    json_decref(invalid);
    return 0;
nomem:
    json_decref(invalid);
    return aerr_internal(err, -ENOMEM);
}

int
ssm_unlabel_parameter_version(struct req *rq, struct aerr *err)
{
    struct pctx c = { rq->tx, rq->caller->account, rq->region };
    const json_t *labels = json_object_get(rq->in, "Labels"), *l;
    char name[SSM_PARAM_NAME_MAX + 1];
    json_t *removed = json_array(), *invalid = json_array();
    int64_t version;
    size_t i;
    int r;

    if (!removed || !invalid)
        goto nomem;
    r = label_target(&c, rq->in, name, sizeof(name), &version, err);
    if (r < 0) {
        json_decref(removed);
        json_decref(invalid);
        return r;
    }
    json_array_foreach(labels, i, l) {
        r = store_exec(c.tx, "DELETE FROM ssm_parameter_label WHERE account = ?1 AND region = ?2 AND "
                       "name = ?3 AND label = ?4 AND version = ?5", "ssssi",
                       c.account, c.region, name, json_string_value(l), version);
        if (r < 0) {
            json_decref(removed);
            json_decref(invalid);
            return aerr_internal(err, r);
        }
        if (json_array_append(r > 0 ? removed : invalid, (json_t *) l))
            goto nomem;
    }
    return answer_split(rq, "RemovedLabels", removed, "InvalidLabels", invalid, err);
nomem:
    json_decref(removed);
    json_decref(invalid);
    return aerr_internal(err, -ENOMEM);
}

/* ---- authorization resources, tags helper, parameters.h ---- */

static int
arn_of_name(const struct req *rq, const char *spec, char *buf, size_t cap, struct aerr *err)
{
    char name[SSM_PARAM_NAME_MAX + 1];
    char *colon;

    if (trimmed(spec, name, sizeof(name)) < 0)
        snprintf(name, sizeof(name), "%s", spec ? spec : "");
    if ((colon = strchr(name, ':')))
        *colon = '\0';
    if (ssm_parameter_arn(rq->region, rq->caller->account, name, buf, cap) < 0)
        return aerr_set(err, -ENAMETOOLONG, 400, "ValidationException", "Parameter name is too long.");
    return 0;
}

int
ssm_parameter_resource(const struct req *rq, char *buf, size_t cap, struct aerr *err)
{
    const char *name = ssm_in_str(rq->in, "Name");

    if (!name)
        name = ssm_in_str(rq->in, "Path");
    return arn_of_name(rq, name, buf, cap, err);
}

/* GetParameters / DeleteParameters name several parameters: the call is authorized on the
 * first here, and the handlers authorize the others (authorize_names). */
int
ssm_parameters_resource(const struct req *rq, char *buf, size_t cap, struct aerr *err)
{
    const char *name = json_string_value(json_array_get(json_object_get(rq->in, "Names"), 0));

    return arn_of_name(rq, name, buf, cap, err);
}

int
ssm_parameter_exists(struct req *rq, const char *name)
{
    struct pctx c = { rq->tx, rq->caller->account, rq->region };
    json_t *meta = NULL;
    int r = load_meta(&c, name, &meta);

    json_decref(meta);
    return r == 0 ? 1 : r == -ENOENT ? 0 : r;
}

int
ssm_parameter_read(struct store_tx *tx, const char *account, const char *region, const char *name,
                   int decrypt, char **ret_value, char ret_type[SSM_PARAM_TYPE_MAX],
                   int64_t *ret_version, struct aerr *err)
{
    struct pctx c = { tx, account, region };
    const char *sel;
    json_t *v = NULL;
    int r;

    r = resolve(&c, name, &v, &sel, err);
    if (r < 0)
        return r;
    r = value_of(&c, v, decrypt, ret_value);
    if (r == 0) {
        snprintf(ret_type, SSM_PARAM_TYPE_MAX, "%s", ssm_row_str(v, "type"));
        *ret_version = ssm_row_int(v, "version");
    } else {
        r = aerr_internal(err, r);
    }
    json_decref(v);
    return r;
}
