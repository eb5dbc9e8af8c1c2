/* src/iam/polcheck.c - the checks IAM runs on a policy document before it stores one
 * (inline, managed or trust), with AWS's MalformedPolicyDocument wording.
 * With the policy engine (src/policy, IAM_HAVE_POLICY) the engine's parser is the validator:
 * one grammar for what IAM stores and what authorization evaluates. Without it, this file's
 * own checks run, in AWS's stage order:
 *   1. grammar ("Syntax errors in policy.")          2. Principal in an identity policy
 *   3. version (managed: 2012-10-17 required)         4. legacy parse (Effect case, dates, ARNs)
 *   5. unique Sids     6. actions present     7. resources (identity) / principal (trust)
 *   8. resource ARN format     9. action vendor prefixes     10. trust: STS actions, principals
 * Used by: roles.c, policies.c, inline.c, tests/unit/test_iam.c. Uses: policy/ or jansson. */
#ifdef IAM_HAVE_POLICY
#include <errno.h>
#include <string.h>
#include "../policy/policy.h"
#include "internal.h"

int
iam_doc_check(const char *doc, enum iam_doc_kind kind, size_t *ret_size, struct aerr *err)
{
    struct policy_parse_opts o = {
        .kind = kind == IAM_DOC_TRUST ? POLICY_KIND_TRUST : POLICY_KIND_IDENTITY,
        .flags = kind == IAM_DOC_MANAGED ? POLICY_PARSE_MANAGED
               : kind == IAM_DOC_AWS_MANAGED ? POLICY_PARSE_MANAGED | POLICY_PARSE_TRUSTED : 0,
    };
    struct policy *p = NULL;
    int r;

    if (!doc || strlen(doc) > IAM_DOC_MAX)
        return iam_err_malformed(err, "Syntax errors in policy.");
    r = policy_parse(doc, strlen(doc), &o, &p, err);
    if (r < 0)
        return r;
    policy_unref(p);
    if (ret_size)
        *ret_size = policy_size(doc, strlen(doc));
    return 0;
}

#else
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

#define MAX_STATEMENTS 4096      /* far above what fits in IAM_DOC_MAX */

struct check {
    enum iam_doc_kind kind;
    json_t  *stmts[MAX_STATEMENTS];
    size_t   n;
    char     resource_error[1024];   /* first ARN-format error (stage 8), reported late */
};

static const char *const top_keys[] = { "Version", "Id", "Statement", NULL };
static const char *const stmt_keys[] = { "Sid", "Effect", "Action", "NotAction", "Resource",
                                         "NotResource", "Principal", "NotPrincipal", "Condition", NULL };
static const char *const principal_keys[] = { "AWS", "Service", "Federated", "CanonicalUser", NULL };
static const char *const operators[] = {
    "StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase",
    "StringLike", "StringNotLike", "NumericEquals", "NumericNotEquals", "NumericLessThan",
    "NumericLessThanEquals", "NumericGreaterThan", "NumericGreaterThanEquals", "DateEquals",
    "DateNotEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan",
    "DateGreaterThanEquals", "Bool", "BinaryEquals", "IpAddress", "NotIpAddress", "ArnEquals",
    "ArnLike", "ArnNotEquals", "ArnNotLike", "Null", NULL };
static const char *const sts_actions[] = {
    "sts:AssumeRole", "sts:AssumeRoleWithSAML", "sts:AssumeRoleWithWebIdentity",
    "sts:TagSession", "sts:SetSourceIdentity", "sts:SetContext", NULL };
static const char *const iam_resource_types[] = {
    "user/", "federated-user/", "role/", "group/", "instance-profile/", "mfa/",
    "server-certificate/", "policy/", "sms-mfa/", "saml-provider/", "oidc-provider/",
    "report/", "access-report/", NULL };

static int
in_list(const char *s, const char *const *list, int nocase)
{
    for (; *list; list++)
        if ((nocase ? strcasecmp(s, *list) : strcmp(s, *list)) == 0)
            return 1;
    return 0;
}

static int
keys_in(json_t *obj, const char *const *allowed)
{
    const char *k;
    json_t *v;

    json_object_foreach(obj, k, v)
        if (!in_list(k, allowed, 0))
            return 0;
    return 1;
}

/* A string, or an array of strings (empty allowed). */
static int
str_or_strs(json_t *v)
{
    size_t i;
    json_t *e;

    if (json_is_string(v))
        return 1;
    if (!json_is_array(v))
        return 0;
    json_array_foreach(v, i, e)
        if (!json_is_string(e))
            return 0;
    return 1;
}

/* The operator without ForAnyValue:/ForAllValues: and IfExists. */
static void
strip_operator(const char *op, char *buf, size_t cap)
{
    size_t n;

    if (strncmp(op, "ForAnyValue:", 12) == 0)
        op += 12;
    else if (strncmp(op, "ForAllValues:", 13) == 0)
        op += 13;
    snprintf(buf, cap, "%s", op);
    n = strlen(buf);
    if (n >= 8 && strcmp(buf + n - 8, "IfExists") == 0)
        buf[n - 8] = '\0';
}

static int
scalar(json_t *v)
{
    return json_is_string(v) || json_is_number(v) || json_is_boolean(v);
}

static int
condition_syntax(json_t *cond)
{
    const char *op, *key;
    json_t *body, *val;
    char base[128];

    if (!json_is_object(cond))
        return 0;
    json_object_foreach(cond, op, body) {
        if (!json_is_object(body))
            return 0;
        json_object_foreach(body, key, val) {
            size_t i;
            json_t *e;
            if (json_is_array(val)) {
                json_array_foreach(val, i, e)
                    if (!scalar(e))
                        return 0;
            } else if (!scalar(val)) {
                return 0;
            }
        }
        strip_operator(op, base, sizeof(base));
        if (!in_list(base, operators, 0) && json_object_size(body) > 0)
            return 0;
    }
    return 1;
}

static int
principal_syntax(json_t *p)
{
    const char *k;
    json_t *v;

    if (json_is_string(p))
        return 1;                      /* "*", or shorthand for {"AWS": ...} */
    if (!json_is_object(p) || json_object_size(p) == 0)
        return 0;
    json_object_foreach(p, k, v)
        if (!str_or_strs(v))
            return 0;
    return 1;
}

static int
statement_syntax(json_t *s)
{
    json_t *v;
    const char *e;

    if (!json_is_object(s) || !keys_in(s, stmt_keys))
        return 0;
    if ((json_object_get(s, "Action") && json_object_get(s, "NotAction")) ||
        (json_object_get(s, "Resource") && json_object_get(s, "NotResource")) ||
        (json_object_get(s, "Principal") && json_object_get(s, "NotPrincipal")))
        return 0;
    v = json_object_get(s, "Effect");
    if (!json_is_string(v))
        return 0;
    e = json_string_value(v);
    if (strcasecmp(e, "Allow") != 0 && strcasecmp(e, "Deny") != 0)
        return 0;
    if ((v = json_object_get(s, "Action")) && !str_or_strs(v))
        return 0;
    if ((v = json_object_get(s, "NotAction")) && !str_or_strs(v))
        return 0;
    if ((v = json_object_get(s, "Resource")) && !str_or_strs(v))
        return 0;
    if ((v = json_object_get(s, "NotResource")) && !str_or_strs(v))
        return 0;
    if ((v = json_object_get(s, "Principal")) && !principal_syntax(v))
        return 0;
    if ((v = json_object_get(s, "NotPrincipal")) && !principal_syntax(v))
        return 0;
    if ((v = json_object_get(s, "Condition")) && !condition_syntax(v))
        return 0;
    if ((v = json_object_get(s, "Sid")) && !json_is_string(v))
        return 0;
    return 1;
}

static int
syntax(json_t *doc, struct check *c)
{
    json_t *v, *st;
    size_t i;

    if (!json_is_object(doc) || !keys_in(doc, top_keys))
        return 0;
    v = json_object_get(doc, "Version");
    if (v && (!json_is_string(v) || (strcmp(json_string_value(v), "2012-10-17") != 0 &&
                                     strcmp(json_string_value(v), "2008-10-17") != 0)))
        return 0;
    v = json_object_get(doc, "Id");
    if (v && !json_is_string(v))
        return 0;
    st = json_object_get(doc, "Statement");
    if (json_is_object(st)) {
        c->stmts[c->n++] = st;
    } else if (json_is_array(st) && json_array_size(st) > 0 &&
               json_array_size(st) <= MAX_STATEMENTS) {
        json_array_foreach(st, i, v)
            c->stmts[c->n++] = v;
    } else {
        return 0;
    }
    for (i = 0; i < c->n; i++)
        if (!statement_syntax(c->stmts[i]))
            return 0;
    return 1;
}

/* ---- legacy parse: dates ---- */

static int
int_in(const char *s, size_t n, long long lo, long long hi)
{
    char buf[32], *end;
    long long v;

    if (n == 0 || n >= sizeof(buf))
        return 0;
    memcpy(buf, s, n);
    buf[n] = '\0';
    if (!isdigit((unsigned char) buf[buf[0] == '-' || buf[0] == '+' ? 1 : 0]))
        return 0;
    errno = 0;
    v = strtoll(buf, &end, 10);
    return !*end && errno == 0 && v >= lo && v <= hi;
}

/* An ISO 8601 date-time as IAM's legacy parser takes it (lowercased), or epoch seconds. */
static int
date_ok(const char *value)
{
    char s[128];
    const char *t, *p, *q;
    size_t i, n = strlen(value);
    int parts = 0;

    if (n >= sizeof(s))
        return 0;
    for (i = 0; i <= n; i++)
        s[i] = (char) tolower((unsigned char) value[i]);
    if (!strchr(s, 't') && !strchr(s, '-'))
        return int_in(s, n, 0, INT64_MAX);
    t = strchr(s, 't');
    /* date part: [-]year[-month[-day]] */
    p = s;
    if (*p == '-')
        p++;
    for (q = p;; q++) {
        if (*q == '-' || *q == 't' || !*q) {
            long long lo = parts == 0 ? -292275054 : 1, hi = parts == 0 ? 292278993 : parts == 1 ? 12 : 31;
            if (parts >= 3 || !int_in(p, (size_t) (q - p), lo, hi))
                return 0;
            parts++;
            if (*q != '-')
                break;
            p = q + 1;
        }
    }
    if (!t)
        return 1;
    /* time part: hh[:mm[:ss[.frac]][z|+hh[:mm]]] */
    p = t + 1;
    if (!*p)
        return 1;
    q = p + strcspn(p, ":");
    if (!int_in(p, (size_t) (q - p), 0, 23))
        return 0;
    if (!*q)
        return 1;
    p = q + 1;
    q = p + strcspn(p, ":");
    if (!int_in(p, (size_t) (q - p), 0, 59))
        return 0;
    if (!*q)
        return 1;
    p = q + 1;
    {
        char sec[64];
        const char *z = strchr(p, 'z'), *plus = strchr(p, '+'), *dot;
        size_t sl;
        if (z) {
            if (z[1])
                return 0;
            sl = (size_t) (z - p);
        } else if (plus) {
            const char *tz = plus + 1, *colon = strchr(tz, ':');
            size_t hl = colon ? (size_t) (colon - tz) : strlen(tz);
            if (hl != 2 || !int_in(tz, 2, 0, 23))
                return 0;
            if (colon && (strlen(colon + 1) != 2 || !int_in(colon + 1, 2, 0, 59)))
                return 0;
            sl = (size_t) (plus - p);
        } else {
            sl = strlen(p);
        }
        if (sl >= sizeof(sec))
            return 0;
        memcpy(sec, p, sl);
        sec[sl] = '\0';
        dot = strchr(sec, '.');
        if (!int_in(sec, dot ? (size_t) (dot - sec) : sl, 0, 59))
            return 0;
        if (dot && !int_in(dot + 1, strlen(dot + 1), 0, 999999999))
            return 0;
    }
    return 1;
}

static int
legacy_conditions(json_t *cond)
{
    const char *op, *key;
    json_t *body, *val, *e;
    char base[128];
    size_t i;

    json_object_foreach(cond, op, body) {
        strip_operator(op, base, sizeof(base));
        if (strncmp(base, "Date", 4) != 0)
            continue;
        json_object_foreach(body, key, val) {
            if (json_is_string(val) && !date_ok(json_string_value(val)))
                return 0;
            if (json_is_array(val))
                json_array_foreach(val, i, e)
                    if (json_is_string(e) && !date_ok(json_string_value(e)))
                        return 0;
        }
    }
    return 1;
}

/* ---- resources ---- */

static size_t
count_char(const char *s, char c)
{
    size_t n = 0;

    for (; *s; s++)
        n += *s == c;
    return n;
}

/* The nth ':'-separated field of s into buf ("" when absent); returns 1 if present. */
static int
field(const char *s, int nth, char *buf, size_t cap)
{
    const char *p = s, *e;
    int i;

    for (i = 0; i < nth; i++) {
        p = strchr(p, ':');
        if (!p) {
            buf[0] = '\0';
            return 0;
        }
        p++;
    }
    e = strchr(p, ':');
    snprintf(buf, cap, "%.*s", (int) (e ? (size_t) (e - p) : strlen(p)), p);
    return 1;
}

/* Record the format error of one resource, if any (the last one checked wins, as IAM). */
static void
resource_format(struct check *c, const char *res)
{
    const char *rest, *after, *p;
    char part[256], svc[256];
    char a[4][256];
    int i;

    if (strcmp(res, "*") == 0)
        return;
    rest = strchr(res, ':');
    if (!rest) {
        snprintf(c->resource_error, sizeof(c->resource_error),
                 "Resource %.500s must be in ARN format or \"*\".", res);
        return;
    }
    rest++;
    field(rest, 0, part, sizeof(part));
    after = strchr(rest, ':');
    if (strcmp(part, "aws") != 0) {
        /* the fields after the partition, '*' for the missing ones */
        const char *r = after ? after + 1 : "";
        int n = 0;
        for (i = 0; i < 4; i++)
            snprintf(a[i], sizeof(a[i]), "*");
        if (after) {
            for (p = r; n < 3; n++) {
                const char *e = strchr(p, ':');
                if (!e)
                    break;
                snprintf(a[n], sizeof(a[n]), "%.*s", (int) (e - p), p);
                p = e + 1;
            }
            snprintf(a[n], sizeof(a[n]), "%.200s", p);
            if (n == 0 && !*p)
                snprintf(a[0], sizeof(a[0]), "*");
        }
        snprintf(c->resource_error, sizeof(c->resource_error),
                 "Partition \"%.100s\" is not valid for resource \"arn:%.100s:%.100s:%.100s:%.100s:%.100s\".",
                 part, part, a[0], a[1], a[2], a[3]);
        return;
    }
    if (!after) {
        snprintf(c->resource_error, sizeof(c->resource_error),
                 "Resource vendor must be fully qualified and cannot contain regexes.");
        return;
    }
    field(after + 1, 0, svc, sizeof(svc));
    {
        char region[256], rtype[1024];
        int has_region_field = field(after + 1, 1, region, sizeof(region));
        if (strcmp(svc, "iam") == 0 && has_region_field && region[0]) {
            snprintf(c->resource_error, sizeof(c->resource_error),
                     "IAM resource %.500s cannot contain region information.", res);
            return;
        }
        if (strcmp(svc, "s3") == 0 && has_region_field && region[0]) {
            snprintf(c->resource_error, sizeof(c->resource_error),
                     "Resource %.500s can not contain region information.", res);
            return;
        }
        if (strcmp(svc, "iam") == 0) {
            /* everything after arn:aws:iam:region:account: */
            const char *q = after + 1;
            for (i = 0; i < 3 && q; i++) {
                q = strchr(q, ':');
                if (q)
                    q++;
            }
            snprintf(rtype, sizeof(rtype), "%s", q ? q : "");
            for (i = 0; iam_resource_types[i]; i++)
                if (strncmp(rtype, iam_resource_types[i], strlen(iam_resource_types[i])) == 0)
                    return;
            snprintf(c->resource_error, sizeof(c->resource_error),
                     "IAM resource path must either be \"*\" or start with user/, federated-user/, role/, "
                     "group/, instance-profile/, mfa/, server-certificate/, policy/, sms-mfa/, "
                     "saml-provider/, oidc-provider/, report/, access-report/.");
        }
    }
}

static int
cmp_desc(const void *x, const void *y)
{
    return -strcmp(*(const char *const *) x, *(const char *const *) y);
}

/* Stage 4's resource part: format errors are recorded for later; a resource that fails the
 * legacy parse fails the whole document at once. Returns 0 when the legacy parse failed. */
static int
resources_legacy(struct check *c, json_t *s, const char *key)
{
    json_t *v = json_object_get(s, key), *e;
    const char *items[512];
    size_t n = 0, i;

    if (!v)
        return 1;
    if (json_is_string(v)) {
        items[n++] = json_string_value(v);
    } else {
        json_array_foreach(v, i, e)
            if (n < sizeof(items) / sizeof(items[0]))
                items[n++] = json_string_value(e);
        qsort(items, n, sizeof(items[0]), cmp_desc);
    }
    for (i = 0; i < n; i++)
        resource_format(c, items[i]);
    if (c->resource_error[0])
        return 1;
    for (i = 0; i < n; i++) {
        char svc[256];
        if (strcmp(items[i], "*") == 0)
            continue;
        if (count_char(items[i], ':') < 5 && strstr(items[i], "::"))
            return 0;
        if (!field(items[i], 2, svc, sizeof(svc)) || !svc[0])
            return 0;
    }
    return 1;
}

/* ---- actions ---- */

static int
has_list(json_t *s, const char *a, const char *b)
{
    json_t *v = json_object_get(s, a);

    if (!v)
        v = json_object_get(s, b);
    if (!v)
        return 0;
    return !json_is_array(v) || json_array_size(v) > 0;
}

static const char *
action_prefix_error(const char *action)
{
    const char *colon = strchr(action, ':');
    const char *p;

    if (!colon)
        return strcmp(action, "*") == 0 ? NULL
               : "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.";
    if (strchr(colon + 1, ':'))
        return "Actions/Condition can contain only one colon.";
    for (p = action; p < colon; p++)
        if (!isalnum((unsigned char) *p) && *p != '-' && *p != '.')
            return "vendor";
    return NULL;
}

static int
actions_check(json_t *s, const char *key, struct aerr *err)
{
    json_t *v = json_object_get(s, key), *e;
    size_t i;

    if (!v)
        return 0;
    for (i = 0; i < (json_is_array(v) ? json_array_size(v) : 1); i++) {
        const char *a;
        const char *msg;
        e = json_is_array(v) ? json_array_get(v, i) : v;
        a = json_string_value(e);
        msg = action_prefix_error(a);
        if (msg && strcmp(msg, "vendor") == 0) {
            const char *colon = strchr(a, ':');
            return iam_err_malformed(err, "Vendor %.*s is not valid", (int) (colon - a), a);
        }
        if (msg)
            return iam_err_malformed(err, "%s", msg);
    }
    return 0;
}

/* ---- trust policies ---- */

static int
all_digits(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (!isdigit((unsigned char) s[i]))
            return 0;
    return n > 0 && s[n] == '\0';
}

static int
aws_principal_ok(const char *p)
{
    static const char iam_pre[] = "arn:aws:iam::", sts_pre[] = "arn:aws:sts::";
    const char *rest;

    if (strcmp(p, "*") == 0 || (strlen(p) == 12 && all_digits(p, 12)))
        return 1;
    if (strncmp(p, iam_pre, strlen(iam_pre)) == 0) {
        rest = p + strlen(iam_pre);
        if (strlen(rest) < 13 || rest[12] != ':' || strspn(rest, "0123456789") != 12)
            return 0;
        rest += 13;
        if (strcmp(rest, "root") == 0)
            return 1;
        if ((strncmp(rest, "user/", 5) == 0 || strncmp(rest, "role/", 5) == 0) &&
            !strchr(rest, '*') && !strchr(rest, '?') && rest[strlen(rest) - 1] != '/')
            return 1;
        return 0;
    }
    if (strncmp(p, sts_pre, strlen(sts_pre)) == 0) {
        rest = p + strlen(sts_pre);
        return strlen(rest) > 13 && rest[12] == ':' && strspn(rest, "0123456789") == 12 &&
               strncmp(rest + 13, "assumed-role/", 13) == 0 && !strchr(rest, '*');
    }
    return 0;
}

static int
service_principal_ok(const char *p)
{
    size_t i;

    if (!*p || !strchr(p, '.'))
        return 0;
    for (i = 0; p[i]; i++)
        if (!islower((unsigned char) p[i]) && !isdigit((unsigned char) p[i]) && p[i] != '.' &&
            p[i] != '-')
            return 0;
    return 1;
}

static int
principal_check(json_t *p, struct aerr *err)
{
    const char *k;
    json_t *v, *e;
    size_t i;

    if (json_is_string(p)) {
        if (strcmp(json_string_value(p), "*") == 0 || aws_principal_ok(json_string_value(p)))
            return 0;
        return iam_err_malformed(err, "Invalid principal in policy: \"AWS\":\"%.300s\"", json_string_value(p));
    }
    json_object_foreach(p, k, v) {
        for (i = 0; i < (json_is_array(v) ? json_array_size(v) : 1); i++) {
            const char *s;
            int ok = 1;
            e = json_is_array(v) ? json_array_get(v, i) : v;
            s = json_string_value(e);
            if (strcmp(k, "AWS") == 0)
                ok = aws_principal_ok(s);
            else if (strcmp(k, "Service") == 0)
                ok = service_principal_ok(s);
            else if (in_list(k, principal_keys, 0))
                ok = *s != '\0';
            else
                ok = 0;
            if (!ok) {
                char up[32];
                size_t j;
                for (j = 0; k[j] && j + 1 < sizeof(up); j++)
                    up[j] = (char) toupper((unsigned char) k[j]);
                up[j] = '\0';
                return iam_err_malformed(err, "Invalid principal in policy: \"%s\":\"%.300s\"", up, s);
            }
        }
    }
    return 0;
}

static int
sts_actions_only(json_t *s)
{
    json_t *v = json_object_get(s, "Action"), *e;
    size_t i;

    if (!v)
        return 0;                      /* NotAction in a trust policy */
    for (i = 0; i < (json_is_array(v) ? json_array_size(v) : 1); i++) {
        e = json_is_array(v) ? json_array_get(v, i) : v;
        if (!in_list(json_string_value(e), sts_actions, 1))
            return 0;
    }
    return 1;
}

/* ---- the whole check ---- */

int
iam_doc_check(const char *doc, enum iam_doc_kind kind, size_t *ret_size, struct aerr *err)
{
    struct check *c;
    json_error_t jerr;
    json_t *root;
    size_t i, j;
    int r = -EINVAL;

    if (!doc || strlen(doc) > IAM_DOC_MAX)
        return iam_err_malformed(err, "Syntax errors in policy.");
    c = calloc(1, sizeof(*c));
    if (!c)
        return aerr_internal(err, -ENOMEM);
    c->kind = kind;
    root = json_loads(doc, JSON_REJECT_DUPLICATES, &jerr);
    if (!root && kind == IAM_DOC_TRUST) {
        iam_err_malformed(err, "This policy contains invalid Json");
        goto out;
    }
    if (!root || !syntax(root, c)) {
        iam_err_malformed(err, "Syntax errors in policy.");
        goto out;
    }
    if (kind != IAM_DOC_TRUST) {
        for (i = 0; i < c->n; i++)
            if (json_object_get(c->stmts[i], "Principal") || json_object_get(c->stmts[i], "NotPrincipal")) {
                iam_err_malformed(err, "Policy document should not specify a principal.");
                goto out;
            }
    }
    if (kind == IAM_DOC_MANAGED || kind == IAM_DOC_AWS_MANAGED) {
        json_t *v = json_object_get(root, "Version");
        if (!v || strcmp(json_string_value(v), "2012-10-17") != 0) {
            iam_err_malformed(err, "Policy document must be version 2012-10-17 or greater.");
            goto out;
        }
    }
    /* legacy parse */
    for (i = 0; i < c->n; i++) {
        json_t *s = c->stmts[i], *cond = json_object_get(s, "Condition");
        const char *e = json_string_value(json_object_get(s, "Effect"));
        if ((strcmp(e, "Allow") != 0 && strcmp(e, "Deny") != 0) || (cond && !legacy_conditions(cond))) {
            iam_err_malformed(err, "The policy failed legacy parsing");
            goto out;
        }
    }
    for (i = 0; i < c->n; i++)
        if (!resources_legacy(c, c->stmts[i], "Resource") ||
            !resources_legacy(c, c->stmts[i], "NotResource")) {
            iam_err_malformed(err, "The policy failed legacy parsing");
            goto out;
        }
    for (i = 0; i < c->n; i++) {
        const char *si = json_string_value(json_object_get(c->stmts[i], "Sid"));
        for (j = i + 1; si && *si && j < c->n; j++) {
            const char *sj = json_string_value(json_object_get(c->stmts[j], "Sid"));
            if (sj && strcmp(si, sj) == 0) {
                iam_err_malformed(err, "Statement IDs (SID) in a single policy must be unique.");
                goto out;
            }
        }
    }
    for (i = 0; i < c->n; i++)
        if (!has_list(c->stmts[i], "Action", "NotAction")) {
            iam_err_malformed(err, "Policy statement must contain actions.");
            goto out;
        }
    for (i = 0; i < c->n; i++) {
        json_t *s = c->stmts[i];
        if (kind == IAM_DOC_TRUST) {
            if (json_object_get(s, "Resource") || json_object_get(s, "NotResource")) {
                iam_err_malformed(err, "Has prohibited field Resource");
                goto out;
            }
            if (!json_object_get(s, "Principal") && !json_object_get(s, "NotPrincipal")) {
                iam_err_malformed(err, "Missing required field Principal");
                goto out;
            }
        } else if (!has_list(s, "Resource", "NotResource")) {
            iam_err_malformed(err, "Policy statement must contain resources.");
            goto out;
        }
    }
    if (c->resource_error[0] && kind != IAM_DOC_AWS_MANAGED) {
        iam_err_malformed(err, "%s", c->resource_error);
        goto out;
    }
    for (i = 0; i < c->n; i++)
        if (actions_check(c->stmts[i], "Action", err) < 0 ||
            actions_check(c->stmts[i], "NotAction", err) < 0)
            goto out;
    if (kind == IAM_DOC_TRUST) {
        for (i = 0; i < c->n; i++)
            if (!sts_actions_only(c->stmts[i])) {
                iam_err_malformed(err, "AssumeRole policy may only specify STS AssumeRole actions.");
                goto out;
            }
        for (i = 0; i < c->n; i++) {
            json_t *p = json_object_get(c->stmts[i], "Principal");
            if (!p)
                p = json_object_get(c->stmts[i], "NotPrincipal");
            if (principal_check(p, err) < 0)
                goto out;
        }
    }
    if (ret_size)
        *ret_size = iam_doc_size(doc);
    r = 0;
out:
    json_decref(root);
    free(c);
    return r;
}

#endif /* IAM_HAVE_POLICY */
