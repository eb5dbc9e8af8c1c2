/* src/automation/interp.c - {{ reference }} interpolation of step inputs, parameter defaults
 * and branch variables (lang.h). Pure. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "../proto/proto.h"
#include "lang.h"

static void
trim(const char **a, const char **b)
{
    while (*a < *b && (**a == ' ' || **a == '\t' || **a == '\n' || **a == '\r'))
        (*a)++;
    while (*b > *a && ((*b)[-1] == ' ' || (*b)[-1] == '\t' || (*b)[-1] == '\n' || (*b)[-1] == '\r'))
        (*b)--;
}

int
auto_has_ref(const char *text)
{
    const char *o = text ? strstr(text, "{{") : NULL;

    return o && strstr(o + 2, "}}") != NULL;
}

int
auto_value_text(const json_t *v, char **ret)
{
    char buf[64];

    if (json_is_string(v)) {
        *ret = strdup(json_string_value(v));
    } else if (json_is_integer(v)) {
        snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        *ret = strdup(buf);
    } else if (json_is_real(v)) {
        snprintf(buf, sizeof(buf), "%.17g", json_real_value(v));
        *ret = strdup(buf);
    } else if (json_is_boolean(v)) {
        *ret = strdup(json_is_true(v) ? "true" : "false");
    } else if (json_is_null(v)) {
        *ret = strdup("");
    } else {
        *ret = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    }
    return *ret ? 0 : -ENOMEM;
}

static int
is_ident(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
              (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
            return 0;
    return n > 0;
}

static int
global(const struct auto_scope *s, const char *name, size_t n, json_t **ret)
{
    char buf[64];
    struct tm tm;
    time_t now = s->now ? s->now : time(NULL);

    gmtime_r(&now, &tm);
    if (n == 10 && !strncmp(name, "ACCOUNT_ID", n) && s->account)
        *ret = json_string(s->account);
    else if (n == 6 && !strncmp(name, "REGION", n) && s->region)
        *ret = json_string(s->region);
    else if (n == 13 && !strncmp(name, "AWS_PARTITION", n))
        *ret = json_string(s->partition ? s->partition : "aws");
    else if (n == 4 && !strncmp(name, "DATE", n)) {
        strftime(buf, sizeof(buf), "%Y-%m-%d", &tm);
        *ret = json_string(buf);
    } else if (n == 9 && !strncmp(name, "DATE_TIME", n)) {
        strftime(buf, sizeof(buf), "%Y-%m-%d_%H.%M.%S", &tm);
        *ret = json_string(buf);
    } else
        return -ENOENT;
    return *ret ? 0 : -ENOMEM;
}

/* Resolve one reference (text a..b, trimmed). Returns 0 with a new *ret, 1 when the reference
 * is to be kept as text (only_ssm), or <0 with errbuf filled. */
static int
resolve(const struct auto_scope *s, const char *a, const char *b, json_t **ret, char *errbuf, size_t cap)
{
    size_t n = (size_t) (b - a);
    const char *colon = memchr(a, ':', n), *dot;
    char name[AUTO_MAX_REF + 1];
    json_t *v;
    int r;

    if (n == 0 || n > AUTO_MAX_REF) {
        snprintf(errbuf, cap, "the reference '{{%.*s}}' is not valid", (int) (n > 64 ? 64 : n), a);
        return -EINVAL;
    }
    if (colon && (size_t) (colon - a) == 3 && !strncmp(a, "ssm", 3)) {
        char *value = NULL;
        const char *p = colon + 1, *q = b;
        trim(&p, &q);
        if (!s->ssm) {
            snprintf(errbuf, cap, "Parameter Store references such as '{{ssm:%.*s}}' are not "
                     "supported here", (int) (q - p > 256 ? 256 : q - p), p);
            return -EINVAL;
        }
        memcpy(name, p, (size_t) (q - p));
        name[q - p] = '\0';
        r = s->ssm(s->ssm_arg, name, &value, errbuf, cap);
        if (r < 0)
            return r;
        *ret = json_string(value);
        free(value);
        return *ret ? 0 : -ENOMEM;
    }
    if (s->only_ssm)
        return 1;
    if (colon) {
        size_t plen = (size_t) (colon - a);
        const char *p = colon + 1, *q = b;
        trim(&p, &q);
        if (plen == 6 && !strncmp(a, "global", 6)) {
            r = global(s, p, (size_t) (q - p), ret);
            if (r == -ENOENT)
                snprintf(errbuf, cap, "'{{%.*s}}' is not a system variable; use global:ACCOUNT_ID, "
                         "global:REGION, global:AWS_PARTITION, global:DATE or global:DATE_TIME",
                         (int) (n > 128 ? 128 : n), a);
            return r;
        }
        if (plen == 10 && !strncmp(a, "automation", 10)) {
            if ((size_t) (q - p) == 12 && !strncmp(p, "EXECUTION_ID", 12) && s->execution_id) {
                *ret = json_string(s->execution_id);
                return *ret ? 0 : -ENOMEM;
            }
            snprintf(errbuf, cap, "'{{%.*s}}' is not an automation variable; use "
                     "automation:EXECUTION_ID", (int) (n > 128 ? 128 : n), a);
            return -ENOENT;
        }
        if (plen == 8 && !strncmp(a, "variable", 8)) {
            v = s->vars ? json_object_getn(s->vars, p, (size_t) (q - p)) : NULL;
            if (!v) {
                snprintf(errbuf, cap, "'{{%.*s}}' could not be resolved: the runbook declares no "
                         "variable '%.*s'", (int) (n > 128 ? 128 : n), a, (int) (q - p > 128 ? 128 : q - p), p);
                return -ENOENT;
            }
            *ret = json_deep_copy(v);
            return *ret ? 0 : -ENOMEM;
        }
        snprintf(errbuf, cap, "'{{%.*s}}' is not a supported reference", (int) (n > 128 ? 128 : n), a);
        return -EINVAL;
    }
    dot = memchr(a, '.', n);
    if (dot) {
        const json_t *step;
        size_t slen = (size_t) (dot - a);
        if (!is_ident(a, slen)) {
            snprintf(errbuf, cap, "the reference '{{%.*s}}' is not valid", (int) (n > 128 ? 128 : n), a);
            return -EINVAL;
        }
        step = s->outputs ? json_object_getn(s->outputs, a, slen) : NULL;
        v = step ? json_object_getn(step, dot + 1, (size_t) (b - dot - 1)) : NULL;
        if (!v) {
            snprintf(errbuf, cap, "'{{%.*s}}' could not be resolved: step '%.*s' has no output "
                     "'%.*s' (it did not run, or did not produce it)", (int) (n > 128 ? 128 : n), a,
                     (int) (slen > 128 ? 128 : slen), a, (int) (b - dot - 1 > 128 ? 128 : b - dot - 1), dot + 1);
            return -ENOENT;
        }
        *ret = json_deep_copy(v);
        return *ret ? 0 : -ENOMEM;
    }
    if (!is_ident(a, n)) {
        snprintf(errbuf, cap, "the reference '{{%.*s}}' is not valid", (int) (n > 128 ? 128 : n), a);
        return -EINVAL;
    }
    v = s->params ? json_object_getn(s->params, a, n) : NULL;
    if (!v) {
        snprintf(errbuf, cap, "'{{%.*s}}' could not be resolved: the runbook has no parameter "
                 "'%.*s'", (int) (n > 128 ? 128 : n), a, (int) (n > 128 ? 128 : n), a);
        return -ENOENT;
    }
    *ret = json_deep_copy(v);
    return *ret ? 0 : -ENOMEM;
}

/* Roughly how many bytes a value takes (strings, plus a little per node). */
static size_t
value_size(const json_t *v, int depth)
{
    const char *k;
    json_t *e;
    size_t n = 16, i;

    if (depth > 64)
        return n;
    if (json_is_string(v))
        return n + json_string_length(v);
    if (json_is_array(v))
        json_array_foreach(v, i, e)
            n += value_size(e, depth + 1);
    else if (json_is_object(v))
        json_object_foreach((json_t *) v, k, e)
            n += strlen(k) + value_size(e, depth + 1);
    return n;
}

static int
spend(size_t *budget, const json_t *v, char *errbuf, size_t cap)
{
    size_t n = value_size(v, 0);

    if (n > *budget) {
        snprintf(errbuf, cap, "the resolved values are larger than %d bytes", AUTO_MAX_RESOLVED);
        return -E2BIG;
    }
    *budget -= n;
    return 0;
}

static int
interp_string(const char *str, const struct auto_scope *s, json_t **ret, char *errbuf, size_t cap,
              size_t *budget)
{
    struct pbuf out = {0};
    const char *p = str, *open, *close, *a, *b;
    size_t len = strlen(str);
    json_t *v = NULL;
    char *text = NULL;
    int r = 0;

    /* One reference and nothing else: the value itself, typed. */
    if (len >= 4 && !strncmp(str, "{{", 2) && !strcmp(str + len - 2, "}}")) {
        close = strstr(str + 2, "}}");
        if (close == str + len - 2 && !memmem(str + 2, (size_t) (close - str - 2), "{{", 2)) {
            a = str + 2;
            b = close;
            trim(&a, &b);
            r = resolve(s, a, b, &v, errbuf, cap);
            if (r == 0) {
                r = spend(budget, v, errbuf, cap);
                if (r < 0) {
                    json_decref(v);
                    return r;
                }
                *ret = v;
                return 0;
            }
            if (r < 0)
                return r;
        }
    }
    while ((open = strstr(p, "{{")) && (close = strstr(open + 2, "}}"))) {
        if (pbuf_append(&out, p, (size_t) (open - p)) < 0)
            goto oom;
        a = open + 2;
        b = close;
        trim(&a, &b);
        r = resolve(s, a, b, &v, errbuf, cap);
        if (r < 0)
            goto out;
        if (r == 1) {                           /* kept as written */
            if (pbuf_append(&out, open, (size_t) (close + 2 - open)) < 0)
                goto oom;
        } else {
            r = auto_value_text(v, &text);
            json_decref(v);
            v = NULL;
            if (r < 0)
                goto oom;
            if (pbuf_puts(&out, text) < 0)
                goto oom;
            free(text);
            text = NULL;
        }
        if (out.len > AUTO_MAX_TEXT) {
            snprintf(errbuf, cap, "an interpolated value is longer than %d bytes", AUTO_MAX_TEXT);
            r = -E2BIG;
            goto out;
        }
        p = close + 2;
    }
    if (pbuf_puts(&out, p) < 0)
        goto oom;
    if (out.len + 16 > *budget) {
        snprintf(errbuf, cap, "the resolved values are larger than %d bytes", AUTO_MAX_RESOLVED);
        r = -E2BIG;
        goto out;
    }
    *budget -= out.len + 16;
    *ret = json_stringn(out.buf ? out.buf : "", out.len);
    r = *ret ? 0 : -ENOMEM;
    goto out;
oom:
    r = -ENOMEM;
    snprintf(errbuf, cap, "out of memory");
out:
    free(text);
    pbuf_done(&out);
    return r;
}

static int
interp(const json_t *v, const struct auto_scope *s, int depth, json_t **ret, char *errbuf, size_t cap,
       size_t *budget)
{
    json_t *out, *e, *x;
    const char *k;
    size_t i;
    int r;

    if (depth > 64) {
        snprintf(errbuf, cap, "the value is nested too deeply");
        return -EINVAL;
    }
    if (json_is_string(v))
        return interp_string(json_string_value(v), s, ret, errbuf, cap, budget);
    if (json_is_array(v)) {
        out = json_array();
        if (!out)
            return -ENOMEM;
        json_array_foreach(v, i, e) {
            r = interp(e, s, depth + 1, &x, errbuf, cap, budget);
            if (r < 0 || json_array_append_new(out, x) < 0) {
                json_decref(out);
                return r < 0 ? r : -ENOMEM;
            }
        }
        *ret = out;
        return 0;
    }
    if (json_is_object(v)) {
        out = json_object();
        if (!out)
            return -ENOMEM;
        json_object_foreach((json_t *) v, k, e) {
            r = interp(e, s, depth + 1, &x, errbuf, cap, budget);
            if (r < 0 || json_object_set_new(out, k, x) < 0) {
                json_decref(out);
                return r < 0 ? r : -ENOMEM;
            }
        }
        *ret = out;
        return 0;
    }
    *ret = json_deep_copy(v);
    return *ret ? 0 : -ENOMEM;
}

int
auto_interp(const json_t *v, const struct auto_scope *s, json_t **ret, char *errbuf, size_t cap)
{
    size_t budget = AUTO_MAX_RESOLVED;

    if (cap)
        errbuf[0] = '\0';
    if (!v) {
        *ret = json_null();
        return 0;
    }
    return interp(v, s, 0, ret, errbuf, cap, &budget);
}
