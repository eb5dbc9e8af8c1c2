/* src/automation/jsonpath.c - JSONPath output selectors ($.Field.Sub[0], $['a b'], [*]) and
 * output type conversion (lang.h). Pure. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lang.h"

/* Apply the rest of the path (p) to every value of cur (an array of candidates). */
static int
step_key(json_t *cur, const char *key, size_t n, json_t *next)
{
    json_t *c, *v;
    size_t i;

    json_array_foreach(cur, i, c) {
        v = json_is_object(c) ? json_object_getn(c, key, n) : NULL;
        if (v && json_array_append(next, v) < 0)
            return -ENOMEM;
    }
    return 0;
}

static int
step_index(json_t *cur, long idx, json_t *next)
{
    json_t *c, *v;
    size_t i;

    json_array_foreach(cur, i, c) {
        if (!json_is_array(c))
            continue;
        if (idx < 0)
            idx += (long) json_array_size(c);
        v = idx >= 0 ? json_array_get(c, (size_t) idx) : NULL;
        if (v && json_array_append(next, v) < 0)
            return -ENOMEM;
    }
    return 0;
}

static int
step_all(json_t *cur, json_t *next)
{
    json_t *c, *v;
    const char *k;
    size_t i, j;

    json_array_foreach(cur, i, c) {
        if (json_is_array(c)) {
            json_array_foreach(c, j, v)
                if (json_array_append(next, v) < 0)
                    return -ENOMEM;
        } else if (json_is_object(c)) {
            json_object_foreach(c, k, v)
                if (json_array_append(next, v) < 0)
                    return -ENOMEM;
        }
    }
    return 0;
}

int
auto_jsonpath(const json_t *doc, const char *path, json_t **ret, char *errbuf, size_t cap)
{
    json_t *cur = NULL, *next = NULL;
    const char *p = path;
    int wild = 0, r = 0;
    size_t n;

    if (!path || strlen(path) > AUTO_MAX_PATH || path[0] != '$')
        goto bad;
    cur = json_array();
    if (!cur || json_array_append(cur, (json_t *) doc) < 0) {
        r = -ENOMEM;
        goto out;
    }
    p++;
    while (*p) {
        next = json_array();
        if (!next) {
            r = -ENOMEM;
            goto out;
        }
        if (*p == '.') {
            p++;
            if (*p == '.')
                goto bad;                       /* recursive descent: not supported */
            if (*p == '*') {
                p++;
                wild = 1;
                r = step_all(cur, next);
            } else {
                n = strcspn(p, ".[");
                if (!n)
                    goto bad;
                r = step_key(cur, p, n, next);
                p += n;
            }
        } else if (*p == '[') {
            p++;
            if (*p == '\'' || *p == '"') {
                char q = *p++;
                const char *end = strchr(p, q);
                if (!end || end[1] != ']')
                    goto bad;
                r = step_key(cur, p, (size_t) (end - p), next);
                p = end + 2;
            } else if (*p == '*' && p[1] == ']') {
                p += 2;
                wild = 1;
                r = step_all(cur, next);
            } else {
                char *end;
                long idx = strtol(p, &end, 10);
                if (end == p || *end != ']')
                    goto bad;
                r = step_index(cur, idx, next);
                p = end + 1;
            }
        } else {
            goto bad;
        }
        if (r < 0)
            goto out;
        json_decref(cur);
        cur = next;
        next = NULL;
    }
    if (json_array_size(cur) == 0) {
        snprintf(errbuf, cap, "the selector '%.256s' matched nothing", path);
        r = -ENOENT;
        goto out;
    }
    *ret = wild ? json_incref(cur) : json_incref(json_array_get(cur, 0));
    r = 0;
    goto out;
bad:
    snprintf(errbuf, cap, "the selector '%.256s' is not a valid JSONPath expression", path ? path : "");
    r = -EINVAL;
out:
    json_decref(cur);
    json_decref(next);
    return r;
}

static int
to_string(const json_t *v, json_t **ret)
{
    char *text;

    if (json_is_string(v)) {
        *ret = json_incref((json_t *) v);
        return 0;
    }
    if (auto_value_text(v, &text) < 0)
        return -ENOMEM;
    *ret = json_string(text);
    free(text);
    return *ret ? 0 : -ENOMEM;
}

int
auto_output_convert(const json_t *v, const char *type, json_t **ret, char *errbuf, size_t cap)
{
    json_t *e, *out;
    size_t i;

    if (!type || !*type) {
        *ret = json_incref((json_t *) v);
        return 0;
    }
    if (!strcmp(type, "String"))
        return to_string(v, ret);
    if (!strcmp(type, "Integer")) {
        if (json_is_integer(v)) {
            *ret = json_incref((json_t *) v);
            return 0;
        }
        if (json_is_real(v) && json_real_value(v) == (double) (json_int_t) json_real_value(v)) {
            *ret = json_integer((json_int_t) json_real_value(v));
            return *ret ? 0 : -ENOMEM;
        }
        if (json_is_string(v)) {
            char *end;
            long long n = strtoll(json_string_value(v), &end, 10);
            if (*json_string_value(v) && !*end) {
                *ret = json_integer(n);
                return *ret ? 0 : -ENOMEM;
            }
        }
        goto bad;
    }
    if (!strcmp(type, "Boolean")) {
        if (json_is_boolean(v)) {
            *ret = json_incref((json_t *) v);
            return 0;
        }
        if (json_is_string(v) && (!strcasecmp(json_string_value(v), "true") ||
                                  !strcasecmp(json_string_value(v), "false"))) {
            *ret = json_boolean(!strcasecmp(json_string_value(v), "true"));
            return 0;
        }
        goto bad;
    }
    if (!strcmp(type, "StringList")) {
        out = json_array();
        if (!out)
            return -ENOMEM;
        if (json_is_array(v)) {
            json_array_foreach(v, i, e) {
                json_t *s;
                if (to_string(e, &s) < 0 || json_array_append_new(out, s) < 0) {
                    json_decref(out);
                    return -ENOMEM;
                }
            }
        } else {
            json_t *s;
            if (to_string(v, &s) < 0 || json_array_append_new(out, s) < 0) {
                json_decref(out);
                return -ENOMEM;
            }
        }
        *ret = out;
        return 0;
    }
    if (!strcmp(type, "StringMap")) {
        if (!json_is_object(v))
            goto bad;
        *ret = json_incref((json_t *) v);
        return 0;
    }
    if (!strcmp(type, "MapList")) {
        if (json_is_object(v)) {
            *ret = json_pack("[O]", v);
            return *ret ? 0 : -ENOMEM;
        }
        if (!json_is_array(v))
            goto bad;
        json_array_foreach(v, i, e)
            if (!json_is_object(e))
                goto bad;
        *ret = json_incref((json_t *) v);
        return 0;
    }
    snprintf(errbuf, cap, "output type '%.64s' is not supported", type);
    return -EINVAL;
bad:
    snprintf(errbuf, cap, "the selected value cannot be converted to %s", type);
    return -EINVAL;
}
