/* src/policy/parse.c - policy documents: JSON -> validation with IAM's MalformedPolicyDocument
 * messages -> the compiled form eval.c reads (lowercased actions, pre-split ARN patterns,
 * parsed numbers, dates, CIDRs, policy variables). Used by: policy_parse() callers.
 * Uses: internal.h, jansson, base/err.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "../base/err.h"
#include "internal.h"

#define V2008 "2008-10-17"
#define V2012 "2012-10-17"

/* IAM's messages (identity and resource policies) */
#define E_SYNTAX        "Syntax errors in policy."
#define E_VERSION       "Policy document must be version 2012-10-17 or greater."
#define E_LEGACY        "The policy failed legacy parsing"
#define E_SID_UNIQUE    "Statement IDs (SID) in a single policy must be unique."
#define E_SID_CHARS     "Statement IDs (SID) must be alpha-numeric. Check that your input " \
                        "satisfies the regular expression [0-9A-Za-z]*"
#define E_NO_ACTIONS    "Policy statement must contain actions."
#define E_NO_RESOURCES  "Policy statement must contain resources."
#define E_HAS_PRINCIPAL "Policy document should not specify a principal."
#define E_NO_PRINCIPAL  "Missing required field Principal"
#define E_NO_VENDOR     "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
#define E_TWO_COLONS    "Actions/Condition can contain only one colon."
#define E_RES_VENDOR    "Resource vendor must be fully qualified and cannot contain regexes."
/* trust policies (a role's AssumeRolePolicyDocument) */
#define T_JSON          "This policy contains invalid Json"
#define T_VERSION       "The policy must contain a valid version string"
#define T_EMPTY         "Could not parse the policy: Statement is empty!"
#define T_SID_UNIQUE    "The Statement Ids in the policy are not unique"
#define T_NO_EFFECT     "Missing required field Effect"
#define T_EMPTY_PRIN    "Missing required field Principal cannot be empty!"
#define T_ALLOW_NOTPRIN "Allow with NotPrincipal is not allowed."
#define T_NOTPRIN       "AssumeRole policy must not contain NotPrincipal field."
#define T_NO_ACTION     "Missing required field Action"
#define T_STS_ONLY      "AssumeRole policy may only specify STS AssumeRole actions."
#define T_RESOURCE      "Has prohibited field Resource"
#define T_NOTRESOURCE   "AssumeRole policy must not contain resources."

static const char *const iam_paths[] = {
    "user/", "federated-user/", "role/", "group/", "instance-profile/", "mfa/",
    "server-certificate/", "policy/", "sms-mfa/", "saml-provider/", "oidc-provider/",
    "report/", "access-report/", NULL,
};

struct opname {
    const char *name;
    uint8_t     op;
    bool        negated;
};

static const struct opname ops[] = {
    { "StringEquals", OP_STR_EQ, false },
    { "StringNotEquals", OP_STR_EQ, true },
    { "StringEqualsIgnoreCase", OP_STR_EQ_IC, false },
    { "StringNotEqualsIgnoreCase", OP_STR_EQ_IC, true },
    { "StringLike", OP_STR_LIKE, false },
    { "StringNotLike", OP_STR_LIKE, true },
    { "NumericEquals", OP_NUM_EQ, false },
    { "NumericNotEquals", OP_NUM_EQ, true },
    { "NumericLessThan", OP_NUM_LT, false },
    { "NumericLessThanEquals", OP_NUM_LE, false },
    { "NumericGreaterThan", OP_NUM_GT, false },
    { "NumericGreaterThanEquals", OP_NUM_GE, false },
    { "DateEquals", OP_DATE_EQ, false },
    { "DateNotEquals", OP_DATE_EQ, true },
    { "DateLessThan", OP_DATE_LT, false },
    { "DateLessThanEquals", OP_DATE_LE, false },
    { "DateGreaterThan", OP_DATE_GT, false },
    { "DateGreaterThanEquals", OP_DATE_GE, false },
    { "Bool", OP_BOOL, false },
    { "BinaryEquals", OP_BIN_EQ, false },
    { "IpAddress", OP_IP, false },
    { "NotIpAddress", OP_IP, true },
    { "ArnEquals", OP_ARN_LIKE, false },
    { "ArnLike", OP_ARN_LIKE, false },
    { "ArnNotEquals", OP_ARN_LIKE, true },
    { "ArnNotLike", OP_ARN_LIKE, true },
    { "Null", OP_NULL, false },
    { NULL, 0, false },
};

/* An operator name split into qualifier, base and IfExists. NULL base: unknown. */
struct opspec {
    const struct opname *base;
    uint8_t              set;
    bool                 ifexists;
};

static struct opspec
op_parse(const char *name)
{
    struct opspec r = { NULL, SET_NONE, false };
    size_t n;

    if (strncmp(name, "ForAnyValue:", 12) == 0) {
        r.set = SET_ANY;
        name += 12;
    } else if (strncmp(name, "ForAllValues:", 13) == 0) {
        r.set = SET_ALL;
        name += 13;
    }
    n = strlen(name);
    if (n > 8 && strcmp(name + n - 8, "IfExists") == 0) {
        r.ifexists = true;
        n -= 8;
    }
    for (const struct opname *o = ops; o->name; o++) {
        if (strlen(o->name) == n && strncmp(o->name, name, n) == 0) {
            r.base = o;
            break;
        }
    }
    return r;
}

static int __attribute__((format(printf, 2, 3)))
malformed(struct aerr *err, const char *fmt, ...)
{
    char msg[AERR_MAX_MSG];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return aerr_set(err, -EINVAL, 400, "MalformedPolicyDocument", "%s", msg);
}

/* ---- JSON shape helpers ---- */

static bool
is_str_or_strlist(const json_t *v)
{
    size_t i;
    json_t *e;

    if (json_is_string(v))
        return true;
    if (!json_is_array(v))
        return false;
    json_array_foreach(v, i, e)
        if (!json_is_string(e))
            return false;
    return true;
}

static bool
is_scalar(const json_t *v)
{
    return json_is_string(v) || json_is_number(v) || json_is_boolean(v);
}

/* Elements of a string-or-list value (or a scalar-or-list condition value). */
static size_t
list_size(const json_t *v)
{
    return json_is_array(v) ? json_array_size(v) : (v ? 1 : 0);
}

static const json_t *
list_get(const json_t *v, size_t i)
{
    return json_is_array(v) ? json_array_get(v, i) : v;
}

/* A condition value as text (numbers and booleans as JSON writes them). */
static const char *
scalar_text(const json_t *v, char *buf, size_t cap, size_t *len)
{
    if (json_is_string(v)) {
        *len = json_string_length(v);
        return json_string_value(v);
    }
    if (json_is_integer(v))
        snprintf(buf, cap, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    else if (json_is_real(v))
        snprintf(buf, cap, "%.17g", json_real_value(v));
    else
        snprintf(buf, cap, "%s", json_is_true(v) ? "true" : "false");
    *len = strlen(buf);
    return buf;
}

static bool
key_in(const char *k, const char *const *set)
{
    for (; *set; set++)
        if (strcmp(k, *set) == 0)
            return true;
    return false;
}

static const char *const top_keys[] = { "Version", "Id", "Statement", NULL };
static const char *const stmt_keys[] = {
    "Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Condition",
    "Principal", "NotPrincipal", NULL,
};

struct doc {
    json_t       *root;
    const json_t *version;      /* string or NULL */
    size_t        nstmt;
    const json_t *stmts;        /* the Statement value: object or array */
};

static const json_t *
stmt_at(const struct doc *d, size_t i)
{
    return json_is_array(d->stmts) ? json_array_get(d->stmts, i) : d->stmts;
}

static bool
has(const json_t *st, const char *k)
{
    return json_object_get(st, k) != NULL;
}

/* Condition block shape: {op: {key: scalar | [scalar...]}}; unknown operators only when
 * empty. Also IAM's legacy parse of date values (*legacy_bad). */
static bool
condition_shape_ok(const json_t *cond, bool *legacy_bad)
{
    const char *opname;
    json_t *body;

    if (!json_is_object(cond))
        return false;
    json_object_foreach((json_t *) cond, opname, body) {
        struct opspec spec = op_parse(opname);
        const char *key;
        json_t *vals;

        if (!json_is_object(body))
            return false;
        json_object_foreach(body, key, vals) {
            size_t i, n = list_size(vals);

            if (!is_scalar(vals) && !json_is_array(vals))
                return false;
            for (i = 0; i < n; i++)
                if (!is_scalar(list_get(vals, i)))
                    return false;
            if (spec.base && spec.base->op >= OP_DATE_EQ && spec.base->op <= OP_DATE_GE) {
                for (i = 0; i < n; i++) {
                    char buf[64];
                    size_t len;
                    const char *s = scalar_text(list_get(vals, i), buf, sizeof(buf), &len);

                    if (!pol_legacy_date_ok(s, len))
                        *legacy_bad = true;
                }
            }
        }
        if (!spec.base && json_object_size(body) > 0)
            return false;
    }
    return true;
}

/* ---- resource ARN checks (IAM's) ---- */

/* IAM's "legacy parsing" of a Resource value. */
static bool
legacy_resource_ok(const char *r)
{
    size_t colons = 0;
    const char *p, *third;

    if (strcmp(r, "*") == 0)
        return true;
    for (p = r; *p; p++)
        colons += *p == ':';
    if (colons < 5 && strstr(r, "::"))
        return false;
    if (colons < 2)
        return false;
    third = strchr(strchr(r, ':') + 1, ':') + 1;     /* split(':')[2] must not be empty */
    return *third && *third != ':';
}

/* Format errors ('Resource x must be in ARN format or "*".' ...) into msg; false if any. */
static bool
resource_format_ok(const char *r, char *msg, size_t cap)
{
    const char *rest, *c2, *svc, *after, *p;
    size_t plen, slen;

    if (strcmp(r, "*") == 0)
        return true;
    rest = strchr(r, ':');
    if (!rest) {
        snprintf(msg, cap, "Resource %s must be in ARN format or \"*\".", r);
        return false;
    }
    rest++;
    c2 = strchr(rest, ':');
    plen = c2 ? (size_t) (c2 - rest) : strlen(rest);
    if (!(plen == 3 && strncmp(rest, "aws", 3) == 0) && !(plen == 1 && rest[0] == '*')) {
        /* IAM echoes the resource as arn:<partition>:<1>:<2>:<3>:<rest>, '*' for gaps */
        const char *f[4] = { "*", "*", "*", "*" };
        size_t fl[4] = { 1, 1, 1, 1 };
        const char *q = c2 ? c2 + 1 : "";
        size_t nparts = 1;

        for (p = q; *p; p++)
            nparts += *p == ':';
        for (int k = 0; k < 3 && (size_t) k < nparts; k++) {
            const char *e = strchr(q, ':');
            size_t l = e ? (size_t) (e - q) : strlen(q);

            if (k > 0 || l > 0 || nparts > 1) {
                f[k] = q;
                fl[k] = l;
            }
            q = e ? e + 1 : q + l;
        }
        if (nparts > 3) {
            f[3] = q;
            fl[3] = strlen(q);
        }
        snprintf(msg, cap, "Partition \"%.*s\" is not valid for resource \"arn:%.*s:%.*s:%.*s:%.*s:%.*s\".",
                 (int) plen, rest, (int) plen, rest, (int) fl[0], f[0], (int) fl[1], f[1],
                 (int) fl[2], f[2], (int) fl[3], f[3]);
        return false;
    }
    if (!c2) {
        snprintf(msg, cap, "%s", E_RES_VENDOR);
        return false;
    }
    svc = c2 + 1;
    p = strchr(svc, ':');
    slen = p ? (size_t) (p - svc) : strlen(svc);
    after = svc + slen;                       /* ":region:account:resource" */
    if (slen == 3 && strncmp(svc, "iam", 3) == 0 && strncmp(after, "::", 2) != 0) {
        snprintf(msg, cap, "IAM resource %s cannot contain region information.", r);
        return false;
    }
    if (slen == 2 && strncmp(svc, "s3", 2) == 0 && strncmp(after, "::", 2) != 0) {
        snprintf(msg, cap, "Resource %s can not contain region information.", r);
        return false;
    }
    if (slen == 3 && strncmp(svc, "iam", 3) == 0) {
        const char *res = after;

        for (int k = 0; k < 3 && res; k++) {    /* skip ":region:account:" */
            res = strchr(res, ':');
            if (res)
                res++;
        }
        if (!res)
            res = "";
        if (strcmp(res, "*") != 0) {
            bool ok = false;

            for (const char *const *pp = iam_paths; *pp && !ok; pp++)
                ok = strncmp(res, *pp, strlen(*pp)) == 0;
            if (!ok) {
                snprintf(msg, cap, "IAM resource path must either be \"*\" or start with user/, "
                         "federated-user/, role/, group/, instance-profile/, mfa/, "
                         "server-certificate/, policy/, sms-mfa/, saml-provider/, "
                         "oidc-provider/, report/, access-report/.");
                return false;
            }
        }
    }
    return true;
}

/* The first action vendor error of an Action/NotAction value, or NULL. */
static const char *
action_error(const char *a, char *msg, size_t cap)
{
    const char *colon = strchr(a, ':');

    if (!colon)
        return strcmp(a, "*") == 0 ? NULL : E_NO_VENDOR;
    if (strchr(colon + 1, ':'))
        return E_TWO_COLONS;
    if (colon - a == 1 && a[0] == '*')
        return NULL;
    for (const char *p = a; p < colon; p++) {
        char ch = *p;

        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '-' || ch == '.')) {
            snprintf(msg, cap, "Vendor %.*s is not valid", (int) (colon - a), a);
            return msg;
        }
    }
    return NULL;
}

/* ---- principals ---- */

static bool
is_account_id(const char *s, size_t n)
{
    if (n != 12)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static bool
has_wild(const char *s)
{
    return strchr(s, '*') || strchr(s, '?');
}

/* "AWS" entries: *, an account id, or an IAM/STS principal ARN with an account. */
static bool
aws_principal_ok(const char *s)
{
    struct pol_arn a;
    size_t n = strlen(s), rl;
    const char *r;

    if (strcmp(s, "*") == 0 || is_account_id(s, n))
        return true;
    if (has_wild(s))
        return false;
    pol_arn_split(&a, s, n);
    if (a.nseg != POL_ARN_SEGS || a.len[0] != 3 || memcmp(a.seg[0], "arn", 3) != 0 ||
        a.len[1] == 0 || a.len[3] != 0 || !is_account_id(a.seg[4], a.len[4]) || a.len[5] == 0)
        return false;
    r = a.seg[5];
    rl = a.len[5];
    if (a.len[2] == 3 && memcmp(a.seg[2], "iam", 3) == 0)
        return (rl == 4 && memcmp(r, "root", 4) == 0) ||
               (rl > 5 && (memcmp(r, "user/", 5) == 0 || memcmp(r, "role/", 5) == 0));
    if (a.len[2] == 3 && memcmp(a.seg[2], "sts", 3) == 0)
        return (rl > 13 && memcmp(r, "assumed-role/", 13) == 0 && memchr(r + 13, '/', rl - 13)) ||
               (rl > 15 && memcmp(r, "federated-user/", 15) == 0);
    return false;
}

static bool
suffix(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);

    return n > m && strcasecmp(s + n - m, suf) == 0;
}

static bool
service_principal_ok(const char *s)
{
    for (const char *p = s; *p; p++) {
        char ch = *p;

        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '-' || ch == '.'))
            return false;
    }
    return suffix(s, ".amazonaws.com") || suffix(s, ".amazonaws.com.cn") ||
           suffix(s, ".amazon.com");
}

static void
upper(char *dst, const char *src, size_t cap)
{
    size_t i;

    for (i = 0; src[i] && i + 1 < cap; i++)
        dst[i] = (char) (src[i] >= 'a' && src[i] <= 'z' ? src[i] - 32 : src[i]);
    dst[i] = '\0';
}

static int
invalid_principal(struct aerr *err, const char *type, const char *value)
{
    char up[32];

    upper(up, type, sizeof(up));
    return malformed(err, "Invalid principal in policy: \"%s\":\"%s\"", up, value);
}

/* Check a Principal / NotPrincipal value (resource and trust policies). */
static int
principal_ok(const json_t *pv, const struct policy_parse_opts *o, bool trust, struct aerr *err)
{
    const char *type;
    json_t *vals;

    if (json_is_string(pv)) {
        if (strcmp(json_string_value(pv), "*") == 0)
            return 0;
        return invalid_principal(err, "AWS", json_string_value(pv));
    }
    if (!json_is_object(pv))
        return malformed(err, E_SYNTAX);
    if (json_object_size(pv) == 0)
        return malformed(err, trust ? T_EMPTY_PRIN : E_NO_PRINCIPAL);
    json_object_foreach((json_t *) pv, type, vals) {
        size_t n = list_size(vals);
        bool aws = strcmp(type, "AWS") == 0, svc = strcmp(type, "Service") == 0;
        bool fed = strcmp(type, "Federated") == 0, canon = strcmp(type, "CanonicalUser") == 0;

        if (!is_str_or_strlist(vals))
            return malformed(err, E_SYNTAX);
        if (!aws && !svc && !fed && !(canon && !trust)) {
            return invalid_principal(err, type, n ? json_string_value(list_get(vals, 0)) : "");
        }
        if (n == 0)
            return malformed(err, trust ? T_EMPTY_PRIN : E_NO_PRINCIPAL);
        for (size_t i = 0; i < n; i++) {
            const char *s = json_string_value(list_get(vals, i));
            bool ok = aws ? aws_principal_ok(s) : svc ? service_principal_ok(s) :
                      (s[0] && !has_wild(s));

            if (ok && o->principal_check && strcmp(s, "*") != 0 && !canon)
                ok = o->principal_check(o->principal_check_ud, type, s) >= 0;
            if (!ok)
                return invalid_principal(err, type, s);
        }
    }
    return 0;
}

/* ---- validation ---- */

static int
load(const char *text, size_t len, bool trust, struct doc *d, struct aerr *err)
{
    json_error_t je;
    const char *k;
    json_t *v;
    const json_t *st;

    memset(d, 0, sizeof(*d));
    d->root = json_loadb(text, len, 0, &je);
    if (!d->root || !json_is_object(d->root))
        return malformed(err, trust ? T_JSON : E_SYNTAX);
    json_object_foreach(d->root, k, v)
        if (!key_in(k, top_keys))
            return malformed(err, E_SYNTAX);
    v = json_object_get(d->root, "Version");
    if (v) {
        if (!json_is_string(v) || (strcmp(json_string_value(v), V2008) != 0 &&
                                   strcmp(json_string_value(v), V2012) != 0))
            return malformed(err, trust ? T_VERSION : E_SYNTAX);
        d->version = v;
    }
    v = json_object_get(d->root, "Id");
    if (v && !json_is_string(v))
        return malformed(err, E_SYNTAX);
    st = json_object_get(d->root, "Statement");
    if (!st || !(json_is_object(st) || json_is_array(st)))
        return malformed(err, trust && !st ? T_EMPTY : E_SYNTAX);
    d->stmts = st;
    d->nstmt = json_is_array(st) ? json_array_size(st) : 1;
    if (d->nstmt == 0)
        return malformed(err, trust ? T_EMPTY : E_SYNTAX);
    if (d->nstmt > POLICY_MAX_STATEMENTS)
        return malformed(err, E_SYNTAX);
    for (size_t i = 0; i < d->nstmt; i++)
        if (!json_is_object(stmt_at(d, i)))
            return malformed(err, E_SYNTAX);
    return 0;
}

static bool
effect_ci(const json_t *e)
{
    return json_is_string(e) && (strcasecmp(json_string_value(e), "Allow") == 0 ||
                                 strcasecmp(json_string_value(e), "Deny") == 0);
}

static bool
effect_exact(const json_t *e)
{
    return strcmp(json_string_value(e), "Allow") == 0 || strcmp(json_string_value(e), "Deny") == 0;
}

static bool
list_empty(const json_t *v)
{
    return json_is_array(v) && json_array_size(v) == 0;
}

/* Identity and resource policies, in IAM's order of checks. */
static int
validate_iam(const struct doc *d, const struct policy_parse_opts *o, struct aerr *err)
{
    bool trusted = o->flags & POLICY_PARSE_TRUSTED, legacy_bad = false;
    bool resource_kind = o->kind == POLICY_KIND_RESOURCE;
    char res_err[AERR_MAX_MSG] = "", msg[AERR_MAX_MSG];
    size_t i, j;
    int r;

    /* 1. syntax */
    for (i = 0; i < d->nstmt; i++) {
        const json_t *st = stmt_at(d, i), *v;
        const char *k;
        json_t *x;

        json_object_foreach((json_t *) st, k, x)
            if (!key_in(k, stmt_keys))
                return malformed(err, E_SYNTAX);
        if ((has(st, "Action") && has(st, "NotAction")) ||
            (has(st, "Resource") && has(st, "NotResource")) ||
            (has(st, "Principal") && has(st, "NotPrincipal")))
            return malformed(err, E_SYNTAX);
        if (!effect_ci(json_object_get(st, "Effect")))
            return malformed(err, E_SYNTAX);
        for (const char *const *f = (const char *const[]){ "Action", "NotAction", "Resource",
                                                          "NotResource", NULL }; *f; f++)
            if ((v = json_object_get(st, *f)) && !is_str_or_strlist(v))
                return malformed(err, E_SYNTAX);
        v = json_object_get(st, "Condition");
        if (v && !condition_shape_ok(v, &legacy_bad))
            return malformed(err, E_SYNTAX);
        v = json_object_get(st, "Sid");
        if (v && !json_is_string(v))
            return malformed(err, E_SYNTAX);
        if (resource_kind) {
            v = json_object_get(st, "Principal");
            if (!v)
                v = json_object_get(st, "NotPrincipal");
            if (v && !json_is_string(v) && !json_is_object(v))
                return malformed(err, E_SYNTAX);
        }
    }
    /* 2. managed policies need the current grammar */
    if ((o->flags & POLICY_PARSE_MANAGED) &&
        (!d->version || strcmp(json_string_value(d->version), V2012) != 0))
        return malformed(err, E_VERSION);
    /* 3. legacy parsing: exact Effect, date values, resource shapes */
    if (legacy_bad && !trusted)
        return malformed(err, E_LEGACY);
    for (i = 0; i < d->nstmt; i++) {
        const json_t *st = stmt_at(d, i);

        if (!trusted && !effect_exact(json_object_get(st, "Effect")))
            return malformed(err, E_LEGACY);
        for (const char *const *f = (const char *const[]){ "Resource", "NotResource", NULL }; *f;
             f++) {
            const json_t *v = json_object_get(st, *f);

            for (j = 0; !trusted && j < list_size(v); j++) {
                const char *res = json_string_value(list_get(v, j));

                if (!res_err[0] && !resource_format_ok(res, msg, sizeof(msg)))
                    snprintf(res_err, sizeof(res_err), "%s", msg);
            }
            for (j = 0; !trusted && !res_err[0] && j < list_size(v); j++)
                if (!legacy_resource_ok(json_string_value(list_get(v, j))))
                    return malformed(err, E_LEGACY);
        }
    }
    /* 4. statement ids */
    for (i = 0; i < d->nstmt; i++) {
        const json_t *a = json_object_get(stmt_at(d, i), "Sid");

        if (!a || json_string_length(a) == 0)
            continue;
        for (j = i + 1; j < d->nstmt; j++) {
            const json_t *b = json_object_get(stmt_at(d, j), "Sid");

            if (b && strcmp(json_string_value(a), json_string_value(b)) == 0)
                return malformed(err, E_SID_UNIQUE);
        }
    }
    if (!trusted && o->kind == POLICY_KIND_IDENTITY) {
        for (i = 0; i < d->nstmt; i++) {
            const json_t *a = json_object_get(stmt_at(d, i), "Sid");

            for (const char *p = a ? json_string_value(a) : ""; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                      (*p >= '0' && *p <= '9')))
                    return malformed(err, E_SID_CHARS);
        }
    }
    /* 5. principals: forbidden in identity policies, required in resource policies */
    for (i = 0; i < d->nstmt; i++) {
        const json_t *st = stmt_at(d, i);
        bool p = has(st, "Principal") || has(st, "NotPrincipal");

        if (!resource_kind && p)
            return malformed(err, E_HAS_PRINCIPAL);
        if (resource_kind && !p)
            return malformed(err, E_NO_PRINCIPAL);
    }
    /* 6. actions present */
    for (i = 0; i < d->nstmt; i++) {
        const json_t *st = stmt_at(d, i);
        const json_t *a = json_object_get(st, "Action");

        if (!a)
            a = json_object_get(st, "NotAction");
        if (!a || list_empty(a))
            return malformed(err, E_NO_ACTIONS);
    }
    /* 7. resource formats */
    if (res_err[0])
        return malformed(err, "%s", res_err);
    /* 8. action vendors: every Action, then every NotAction */
    for (const char *const *f = (const char *const[]){ "Action", "NotAction", NULL };
         !trusted && *f; f++) {
        for (i = 0; i < d->nstmt; i++) {
            const json_t *v = json_object_get(stmt_at(d, i), *f);

            for (j = 0; j < list_size(v); j++) {
                const char *e = action_error(json_string_value(list_get(v, j)), msg, sizeof(msg));

                if (e)
                    return malformed(err, "%s", e);
            }
        }
    }
    /* 9. resources present (IAM checks them after the action vendors) */
    for (i = 0; i < d->nstmt; i++) {
        const json_t *st = stmt_at(d, i);
        const json_t *a = json_object_get(st, "Resource");

        if (!a)
            a = json_object_get(st, "NotResource");
        if (!a || list_empty(a))
            return malformed(err, E_NO_RESOURCES);
    }
    /* 10. principal values */
    for (i = 0; resource_kind && !trusted && i < d->nstmt; i++) {
        const json_t *st = stmt_at(d, i), *pv = json_object_get(st, "Principal");

        if (!pv)
            pv = json_object_get(st, "NotPrincipal");
        if ((r = principal_ok(pv, o, false, err)) < 0)
            return r;
    }
    return 0;
}

/* A role's trust policy. */
static int
validate_trust(const struct doc *d, const struct policy_parse_opts *o, struct aerr *err)
{
    bool trusted = o->flags & POLICY_PARSE_TRUSTED;
    size_t i, j;
    int r;

    for (i = 0; i < d->nstmt; i++) {
        const json_t *st = stmt_at(d, i), *v, *e, *pv;
        bool legacy_bad = false;
        const char *k;
        json_t *x;

        json_object_foreach((json_t *) st, k, x)
            if (!key_in(k, stmt_keys))
                return malformed(err, E_SYNTAX);
        v = json_object_get(st, "Sid");
        if (v && !json_is_string(v))
            return malformed(err, E_SYNTAX);
        e = json_object_get(st, "Effect");
        if (!e)
            return malformed(err, T_NO_EFFECT);
        if (!json_is_string(e) || (trusted ? !effect_ci(e) : !effect_exact(e)))
            return malformed(err, "Invalid effect: %s", json_is_string(e) ? json_string_value(e) : "");
        if (has(st, "NotPrincipal")) {
            if (strcasecmp(json_string_value(e), "Allow") == 0)
                return malformed(err, T_ALLOW_NOTPRIN);
            return malformed(err, T_NOTPRIN);
        }
        pv = json_object_get(st, "Principal");
        if (!pv)
            return malformed(err, E_NO_PRINCIPAL);
        if (!trusted && (r = principal_ok(pv, o, true, err)) < 0)
            return r;
        if (trusted && !json_is_string(pv) && !json_is_object(pv))
            return malformed(err, E_SYNTAX);
        v = json_object_get(st, "Condition");
        if (v && !condition_shape_ok(v, &legacy_bad))
            return malformed(err, E_SYNTAX);
        if (legacy_bad && !trusted)
            return malformed(err, E_LEGACY);
        if (has(st, "Action") && has(st, "NotAction"))
            return malformed(err, E_SYNTAX);
        v = json_object_get(st, "Action");
        if (!v)
            v = json_object_get(st, "NotAction");
        if (!v || list_empty(v))
            return malformed(err, T_NO_ACTION);
        if (!is_str_or_strlist(v))
            return malformed(err, E_SYNTAX);
        for (j = 0; !trusted && j < list_size(v); j++)
            if (strncasecmp(json_string_value(list_get(v, j)), "sts:", 4) != 0)
                return malformed(err, T_STS_ONLY);
        if (has(st, "Resource"))
            return malformed(err, T_RESOURCE);
        if (has(st, "NotResource"))
            return malformed(err, T_NOTRESOURCE);
    }
    for (i = 0; i < d->nstmt; i++) {
        const json_t *a = json_object_get(stmt_at(d, i), "Sid");

        if (!a || json_string_length(a) == 0)
            continue;
        for (j = i + 1; j < d->nstmt; j++) {
            const json_t *b = json_object_get(stmt_at(d, j), "Sid");

            if (b && strcmp(json_string_value(a), json_string_value(b)) == 0)
                return malformed(err, T_SID_UNIQUE);
        }
    }
    return 0;
}

/* ---- compiling ---- */

struct comp {
    struct policy *p;
    int            oom;
};

static char *
lower_dup(struct pol_pool *pool, const char *s, size_t n)
{
    char *r = pol_strndup(pool, s, n);

    if (r)
        for (size_t i = 0; i < n; i++)
            if (r[i] >= 'A' && r[i] <= 'Z')
                r[i] = (char) (r[i] + 32);
    return r;
}

static void
compile_action(struct comp *c, struct pol_actpat *ap, const char *a, uint64_t *mask)
{
    size_t n = strlen(a);
    char *low = lower_dup(&c->p->pool, a, n), *colon;

    if (!low) {
        c->oom = 1;
        return;
    }
    if (n == 1 && a[0] == '*') {
        ap->all = true;
        *mask = ~0ull;
        return;
    }
    colon = strchr(low, ':');
    if (colon) {
        pol_pat_init(&ap->svc, low, (size_t) (colon - low), NULL);
        pol_pat_init(&ap->name, colon + 1, n - (size_t) (colon - low) - 1, NULL);
    } else {
        pol_pat_init(&ap->svc, low, n, NULL);
        pol_pat_init(&ap->name, "", 0, NULL);
    }
    if (ap->svc.kind == PAT_LIT) {
        ap->svc_hash = pol_hash_lower(ap->svc.s, ap->svc.len);
        *mask |= 1ull << (ap->svc_hash & 63);
    }
    else
        *mask = ~0ull;
}

/* Text (maybe with variables) to a glob-ready form: a template, or escaped text. */
static const char *
glob_text(struct comp *c, const char *s, size_t n, struct pol_tmpl **tmpl, size_t *outlen)
{
    int e = 0;
    size_t len;
    const char *r;

    *tmpl = c->p->v2012 ? pol_tmpl_compile(&c->p->pool, s, n, true, &e) : NULL;
    if (e < 0) {
        c->oom = 1;
        return NULL;
    }
    if (*tmpl && (*tmpl)->nparts == 1 && !(*tmpl)->parts[0].key) {
        r = (*tmpl)->parts[0].lit;     /* only ${*} ${?} ${$}: constant */
        *outlen = (*tmpl)->parts[0].litlen;
        *tmpl = NULL;
        return r;
    }
    if (*tmpl)
        return NULL;
    r = pol_glob_copy(&c->p->pool, s, n, &len);
    if (!r)
        c->oom = 1;
    *outlen = len;
    return r;
}

static void
compile_arnpat(struct comp *c, struct pol_arnpat *ap, const char *s, size_t n)
{
    struct pol_tmpl *t;
    size_t len = 0;
    const char *txt;
    char *unesc;

    if (n == 1 && s[0] == '*') {
        ap->all = true;
        return;
    }
    txt = glob_text(c, s, n, &t, &len);
    if (t) {
        ap->tmpl = t;
        return;
    }
    if (!txt)
        return;
    unesc = pol_alloc(&c->p->pool, len + 1);
    if (!unesc) {
        c->oom = 1;
        return;
    }
    pol_arnpat_from_text(ap, txt, len, unesc);
}

static void
compile_value(struct comp *c, struct pol_cval *cv, uint8_t op, const char *s, size_t n)
{
    struct pol_pool *pool = &c->p->pool;
    int e = 0;

    cv->s = pol_strndup(pool, s, n);
    cv->len = (uint32_t) n;
    if (!cv->s) {
        c->oom = 1;
        return;
    }
    switch (op) {
    case OP_STR_EQ:
    case OP_STR_EQ_IC:
        cv->ok = true;
        if (c->p->v2012) {
            cv->tmpl = pol_tmpl_compile(pool, s, n, false, &e);
            if (e < 0)
                c->oom = 1;
            if (cv->tmpl && cv->tmpl->nparts == 1 && !cv->tmpl->parts[0].key) {
                cv->s = cv->tmpl->parts[0].lit;
                cv->len = cv->tmpl->parts[0].litlen;
                cv->tmpl = NULL;
            }
        }
        break;
    case OP_STR_LIKE: {
        size_t len = 0;
        const char *txt = glob_text(c, s, n, &cv->tmpl, &len);
        char *unesc;

        cv->ok = true;
        if (cv->tmpl || !txt)
            break;
        unesc = pol_alloc(pool, len + 1);
        if (!unesc) {
            c->oom = 1;
            break;
        }
        pol_pat_init(&cv->u.pat, txt, len, unesc);
        break;
    }
    case OP_ARN_LIKE: {
        cv->ok = true;
        compile_arnpat(c, &cv->u.arn, s, n);
        if (cv->u.arn.tmpl) {
            cv->tmpl = cv->u.arn.tmpl;
            cv->u.arn.tmpl = NULL;
        }
        break;
    }
    case OP_NUM_EQ: case OP_NUM_LT: case OP_NUM_LE: case OP_NUM_GT: case OP_NUM_GE:
        cv->ok = pol_parse_number(s, n, &cv->u.num);
        break;
    case OP_DATE_EQ: case OP_DATE_LT: case OP_DATE_LE: case OP_DATE_GT: case OP_DATE_GE:
        cv->ok = pol_parse_date(s, n, &cv->u.t);
        break;
    case OP_BOOL:
    case OP_NULL:
        cv->ok = (n == 4 && strncasecmp(s, "true", 4) == 0) ||
                 (n == 5 && strncasecmp(s, "false", 5) == 0);
        cv->u.b = n == 4;
        break;
    case OP_BIN_EQ: {
        uint8_t *buf = pol_alloc(pool, n + 1);
        int bn;

        if (!buf) {
            c->oom = 1;
            break;
        }
        bn = pol_base64_decode(s, n, buf, n + 1);
        cv->ok = bn >= 0;
        cv->u.bin.p = buf;
        cv->u.bin.n = bn >= 0 ? (uint32_t) bn : 0;
        break;
    }
    case OP_IP:
        cv->ok = pol_parse_ip(s, n, &cv->u.ip, true);
        break;
    default:
        break;
    }
}

static void
compile_conditions(struct comp *c, struct pol_stmt *ps, const json_t *cond)
{
    const char *opname, *key;
    json_t *body, *vals;
    size_t n = 0, k = 0;

    json_object_foreach((json_t *) cond, opname, body)
        n += json_object_size(body);
    if (n == 0)
        return;
    ps->cond = pol_alloc(&c->p->pool, n * sizeof(*ps->cond));
    if (!ps->cond) {
        c->oom = 1;
        return;
    }
    json_object_foreach((json_t *) cond, opname, body) {
        struct opspec spec = op_parse(opname);

        json_object_foreach(body, key, vals) {
            struct pol_cond *cd = &ps->cond[k++];
            size_t klen = strlen(key), nv = list_size(vals);

            cd->op = spec.base ? spec.base->op : OP_NONE;
            cd->negated = spec.base && spec.base->negated;
            cd->set = spec.set;
            cd->ifexists = spec.ifexists;
            cd->key.name = pol_strndup(&c->p->pool, key, klen);
            cd->key.lname = lower_dup(&c->p->pool, key, klen);
            cd->key.len = (uint32_t) klen;
            cd->key.hash = pol_hash_lower(key, klen);
            cd->vals = pol_alloc(&c->p->pool, (nv ? nv : 1) * sizeof(*cd->vals));
            if (!cd->key.name || !cd->key.lname || !cd->vals) {
                c->oom = 1;
                return;
            }
            cd->nvals = (uint32_t) nv;
            for (size_t i = 0; i < nv; i++) {
                char buf[64];
                size_t len;
                const json_t *v = list_get(vals, i);
                const char *s;

                if (!is_scalar(v)) {    /* trusted documents only */
                    s = "";
                    len = 0;
                } else {
                    s = scalar_text(v, buf, sizeof(buf), &len);
                }
                compile_value(c, &cd->vals[i], cd->op, s, len);
            }
        }
    }
    ps->ncond = (uint32_t) k;
}

static const char *
principal_text(struct comp *c, const char *s, size_t n)
{
    char *r = pol_strndup(&c->p->pool, s, n);

    if (!r)
        c->oom = 1;
    return r;
}

static void
compile_principals(struct comp *c, struct pol_stmt *ps, const json_t *pv)
{
    const char *type;
    json_t *vals;
    size_t n = 0, k = 0;

    if (json_is_string(pv)) {
        ps->prin = pol_alloc(&c->p->pool, sizeof(*ps->prin));
        if (!ps->prin) {
            c->oom = 1;
            return;
        }
        ps->prin->type = strcmp(json_string_value(pv), "*") == 0 ? PRIN_ANY : PRIN_NEVER;
        ps->nprin = 1;
        return;
    }
    if (!json_is_object(pv))
        return;
    json_object_foreach((json_t *) pv, type, vals)
        n += list_size(vals);
    ps->prin = pol_alloc(&c->p->pool, (n ? n : 1) * sizeof(*ps->prin));
    if (!ps->prin) {
        c->oom = 1;
        return;
    }
    json_object_foreach((json_t *) pv, type, vals) {
        for (size_t i = 0; i < list_size(vals); i++) {
            struct pol_prin *pp = &ps->prin[k++];
            const json_t *e = list_get(vals, i);
            const char *s = json_is_string(e) ? json_string_value(e) : "";
            size_t len = strlen(s);

            pp->type = PRIN_NEVER;
            if (strcmp(type, "AWS") == 0) {
                struct pol_arn a;

                if (strcmp(s, "*") == 0) {
                    pp->type = PRIN_ANY;
                } else if (is_account_id(s, len)) {
                    pp->type = PRIN_ACCOUNT;
                    pp->s = principal_text(c, s, len);
                    pp->len = 12;
                } else {
                    pol_arn_split(&a, s, len);
                    if (a.nseg == POL_ARN_SEGS && a.len[5] == 4 && memcmp(a.seg[5], "root", 4) == 0) {
                        pp->type = PRIN_ACCOUNT;
                        pp->s = principal_text(c, a.seg[4], a.len[4]);
                        pp->len = a.len[4];
                    } else {
                        pp->type = PRIN_ARN;
                        pp->s = principal_text(c, s, len);
                        pp->len = (uint32_t) len;
                    }
                }
            } else if (strcmp(type, "Service") == 0) {
                pp->type = PRIN_SERVICE;
                pp->s = lower_dup(&c->p->pool, s, len);
                pp->len = (uint32_t) len;
                if (!pp->s)
                    c->oom = 1;
            } else if (strcmp(type, "Federated") == 0) {
                pp->type = PRIN_FEDERATED;
                pp->s = principal_text(c, s, len);
                pp->len = (uint32_t) len;
            }
        }
    }
    ps->nprin = (uint32_t) k;
}

static void
compile_stmt(struct comp *c, struct pol_stmt *ps, const json_t *st)
{
    const json_t *v;
    size_t n;

    v = json_object_get(st, "Sid");
    if (v && json_is_string(v) && json_string_length(v) > 0)
        ps->sid = principal_text(c, json_string_value(v), json_string_length(v));
    v = json_object_get(st, "Effect");
    ps->deny = json_is_string(v) && strcasecmp(json_string_value(v), "Deny") == 0;

    v = json_object_get(st, "Action");
    if (!v) {
        v = json_object_get(st, "NotAction");
        ps->not_action = v != NULL;
    }
    n = is_str_or_strlist(v) ? list_size(v) : 0;
    ps->svc_mask = ps->not_action ? ~0ull : 0;
    ps->act = pol_alloc(&c->p->pool, (n ? n : 1) * sizeof(*ps->act));
    if (!ps->act) {
        c->oom = 1;
        return;
    }
    ps->nact = (uint32_t) n;
    for (size_t i = 0; i < n; i++)
        compile_action(c, &ps->act[i], json_string_value(list_get(v, i)), &ps->svc_mask);
    if (ps->not_action)
        ps->svc_mask = ~0ull;

    v = json_object_get(st, "Resource");
    if (!v) {
        v = json_object_get(st, "NotResource");
        ps->not_resource = v != NULL;
    }
    ps->has_resource = v != NULL;
    n = is_str_or_strlist(v) ? list_size(v) : 0;
    ps->res = pol_alloc(&c->p->pool, (n ? n : 1) * sizeof(*ps->res));
    if (!ps->res) {
        c->oom = 1;
        return;
    }
    ps->nres = (uint32_t) n;
    for (size_t i = 0; i < n; i++) {
        const json_t *e = list_get(v, i);

        compile_arnpat(c, &ps->res[i], json_string_value(e), json_string_length(e));
    }

    v = json_object_get(st, "Principal");
    if (!v) {
        v = json_object_get(st, "NotPrincipal");
        ps->not_principal = v != NULL;
    }
    ps->has_principal = v != NULL;
    if (v)
        compile_principals(c, ps, v);

    v = json_object_get(st, "Condition");
    if (json_is_object(v))
        compile_conditions(c, ps, v);
}

/* ---- statement positions in the text (the simulator's StartPosition/EndPosition) ---- */

struct scan {
    const char *s;
    size_t      n, i;
    unsigned    line, col;
};

static void
adv(struct scan *sc)
{
    if (sc->s[sc->i] == '\n') {
        sc->line++;
        sc->col = 1;
    } else if (((unsigned char) sc->s[sc->i] & 0xC0) != 0x80) {
        sc->col++;
    }
    sc->i++;
}

static void
skip_ws(struct scan *sc)
{
    while (sc->i < sc->n && sc->s[sc->i] && strchr(" \t\r\n", sc->s[sc->i]))
        adv(sc);
}

/* Skip one JSON value (text already known valid), stopping just after it (no trailing white
 * space). For a string, *str and *len receive its raw inside. */
static void
skip_value(struct scan *sc, const char **str, size_t *len)
{
    int depth = 0;

    skip_ws(sc);
    for (;;) {
        char ch;

        if (sc->i >= sc->n)
            return;
        ch = sc->s[sc->i];
        if (ch == '"') {
            size_t start = sc->i + 1;

            adv(sc);
            while (sc->i < sc->n && sc->s[sc->i] != '"') {
                if (sc->s[sc->i] == '\\' && sc->i + 1 < sc->n)
                    adv(sc);
                adv(sc);
            }
            if (str && depth == 0) {
                *str = sc->s + start;
                *len = sc->i - start;
            }
            if (sc->i < sc->n)
                adv(sc);
        } else if (ch == '{' || ch == '[') {
            depth++;
            adv(sc);
        } else if (ch == '}' || ch == ']') {
            depth--;
            adv(sc);
        } else if (depth == 0) {        /* number / literal: run to a delimiter */
            while (sc->i < sc->n && !strchr(",}] \t\r\n", sc->s[sc->i]))
                adv(sc);
        } else {
            adv(sc);
        }
        if (depth <= 0)
            return;
    }
}

static void
record(struct policy *p, size_t k, const struct scan *a, const struct scan *b)
{
    if (k >= p->nstmt)
        return;
    p->stmt[k].start.line = a->line;
    p->stmt[k].start.column = a->col;
    p->stmt[k].end.line = b->line;
    p->stmt[k].end.column = b->col;
}

static void
scan_positions(struct policy *p, const char *text, size_t len)
{
    struct scan sc = { text, len, 0, 1, 1 };

    skip_ws(&sc);
    if (sc.i >= sc.n || text[sc.i] != '{')
        return;
    adv(&sc);
    for (;;) {
        const char *key = NULL;
        size_t klen = 0;

        skip_ws(&sc);
        if (sc.i >= sc.n || text[sc.i] != '"')
            return;
        skip_value(&sc, &key, &klen);          /* the key */
        skip_ws(&sc);
        if (sc.i >= sc.n || text[sc.i] != ':')
            return;
        adv(&sc);
        skip_ws(&sc);
        if (klen == 9 && memcmp(key, "Statement", 9) == 0) {
            if (text[sc.i] == '{') {
                struct scan a = sc;

                skip_value(&sc, NULL, NULL);
                record(p, 0, &a, &sc);
            } else if (text[sc.i] == '[') {
                size_t k = 0;

                adv(&sc);
                skip_ws(&sc);
                while (sc.i < sc.n && text[sc.i] != ']') {
                    struct scan a = sc, b;

                    skip_value(&sc, NULL, NULL);
                    b = sc;
                    record(p, k++, &a, &b);
                    skip_ws(&sc);
                    if (sc.i < sc.n && text[sc.i] == ',') {
                        adv(&sc);
                        skip_ws(&sc);
                    }
                }
            }
            return;
        }
        skip_value(&sc, NULL, NULL);
        skip_ws(&sc);
        if (sc.i < sc.n && text[sc.i] == ',')
            adv(&sc);
        else
            return;
    }
}

/* ---- API ---- */

int
policy_parse(const char *text, size_t len, const struct policy_parse_opts *opts,
             struct policy **ret, struct aerr *err)
{
    struct doc d;
    struct policy *p = NULL;
    struct comp c = { 0 };
    int r;

    r = load(text, len, opts->kind == POLICY_KIND_TRUST, &d, err);
    if (r < 0)
        goto out;
    r = opts->kind == POLICY_KIND_TRUST ? validate_trust(&d, opts, err) : validate_iam(&d, opts, err);
    if (r < 0)
        goto out;
    p = calloc(1, sizeof(*p));
    if (!p)
        goto oom;
    atomic_init(&p->refs, 1);
    p->kind = opts->kind;
    p->v2012 = d.version && strcmp(json_string_value(d.version), V2012) == 0;
    p->id = pol_strndup(&p->pool, opts->id ? opts->id : "", opts->id ? strlen(opts->id) : 0);
    p->stmt = pol_alloc(&p->pool, d.nstmt * sizeof(*p->stmt));
    if (!p->id || !p->stmt)
        goto oom;
    p->nstmt = (uint32_t) d.nstmt;
    c.p = p;
    for (size_t i = 0; i < d.nstmt && !c.oom; i++) {
        compile_stmt(&c, &p->stmt[i], stmt_at(&d, i));
        p->svc_mask |= p->stmt[i].svc_mask;
    }
    if (c.oom)
        goto oom;
    scan_positions(p, text, len);
    *ret = p;
    p = NULL;
    r = 0;
    goto out;
oom:
    r = aerr_internal(err, -ENOMEM);
out:
    if (p) {
        pol_pool_release(&p->pool);
        free(p);
    }
    json_decref(d.root);
    return r;
}

struct policy *
policy_ref(struct policy *p)
{
    if (p)
        atomic_fetch_add_explicit(&p->refs, 1, memory_order_relaxed);
    return p;
}

struct policy *
policy_unref(struct policy *p)
{
    if (!p)
        return NULL;
    if (atomic_fetch_sub_explicit(&p->refs, 1, memory_order_acq_rel) == 1) {
        pol_pool_release(&p->pool);
        free(p);
    }
    return NULL;
}

size_t
policy_size(const char *text, size_t len)
{
    size_t n = 0;

    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char) text[i];

        if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n')
            continue;
        if ((ch & 0xC0) == 0x80)           /* UTF-8 continuation byte */
            continue;
        n++;
    }
    return n;
}

const char *
policy_id(const struct policy *p)
{
    return p->id;
}

enum policy_kind
policy_kind(const struct policy *p)
{
    return p->kind;
}

bool
policy_is_v2012(const struct policy *p)
{
    return p->v2012;
}

size_t
policy_statement_count(const struct policy *p)
{
    return p->nstmt;
}

const char *
policy_statement_sid(const struct policy *p, size_t i)
{
    return i < p->nstmt ? p->stmt[i].sid : NULL;
}

int
policy_statement_position(const struct policy *p, size_t i, struct policy_position *start,
                          struct policy_position *end)
{
    if (i >= p->nstmt)
        return -ENOENT;
    if (start)
        *start = p->stmt[i].start;
    if (end)
        *end = p->stmt[i].end;
    return 0;
}

static bool
seen_key(const char **seen, size_t n, const char *k)
{
    for (size_t i = 0; i < n; i++)
        if (strcasecmp(seen[i], k) == 0)
            return true;
    return false;
}

static void
emit_key(const char ***seen, size_t *n, size_t *cap, const char *k,
         void (*fn)(void *ud, const char *key), void *ud)
{
    if (seen_key(*seen, *n, k))
        return;
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        const char **s = realloc(*seen, nc * sizeof(*s));

        if (!s) {
            fn(ud, k);                 /* report anyway; may repeat under OOM */
            return;
        }
        *seen = s;
        *cap = nc;
    }
    (*seen)[(*n)++] = k;
    fn(ud, k);
}

static void
tmpl_keys(const struct pol_tmpl *t, const char ***seen, size_t *n, size_t *cap,
          void (*fn)(void *ud, const char *key), void *ud)
{
    for (uint32_t i = 0; t && i < t->nparts; i++)
        if (t->parts[i].key)
            emit_key(seen, n, cap, t->parts[i].key, fn, ud);
}

void
policy_context_keys(const struct policy *p, void (*fn)(void *ud, const char *key), void *ud)
{
    const char **seen = NULL;
    size_t n = 0, cap = 0;

    for (uint32_t i = 0; i < p->nstmt; i++) {
        const struct pol_stmt *st = &p->stmt[i];

        for (uint32_t j = 0; j < st->ncond; j++) {
            const struct pol_cond *cd = &st->cond[j];

            emit_key(&seen, &n, &cap, cd->key.name, fn, ud);
            for (uint32_t k = 0; k < cd->nvals; k++)
                tmpl_keys(cd->vals[k].tmpl, &seen, &n, &cap, fn, ud);
        }
        for (uint32_t j = 0; j < st->nres; j++)
            tmpl_keys(st->res[j].tmpl, &seen, &n, &cap, fn, ud);
    }
    free(seen);
}
