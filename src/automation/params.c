/* src/automation/params.c - runbook parameters (lang.h): conversion of the API's string lists
 * to runbook types, defaults resolved in dependency order, validation. Pure. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include "lang.h"

#define CODE "InvalidAutomationExecutionParametersException"

static int
fail(struct aerr *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
fail(struct aerr *err, const char *fmt, ...)
{
    va_list ap;
    char msg[AERR_MAX_MSG];

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return aerr_set(err, -EINVAL, 400, CODE, "%s", msg);
}

int
auto_regex_match(const char *pattern, const char *s)
{
    pcre2_code *re;
    pcre2_match_data *md;
    PCRE2_SIZE off;
    int code, r;

    re = pcre2_compile((PCRE2_SPTR) pattern, PCRE2_ZERO_TERMINATED, PCRE2_UTF, &code, &off, NULL);
    if (!re)
        return -EINVAL;
    md = pcre2_match_data_create_from_pattern(re, NULL);
    if (!md) {
        pcre2_code_free(re);
        return -ENOMEM;
    }
    /* Java's String.matches: the whole string. */
    r = pcre2_match(re, (PCRE2_SPTR) s, strlen(s), 0, PCRE2_ANCHORED | PCRE2_ENDANCHORED, md, NULL);
    pcre2_match_data_free(md);
    pcre2_code_free(re);
    return r >= 0 ? 1 : 0;
}

static int
is_list_type(const char *t)
{
    return !strcmp(t, "StringList") || !strncmp(t, "List<", 5);
}

int
auto_param_convert(const char *type, const json_t *strings, json_t **ret, char *errbuf, size_t cap)
{
    size_t n = json_array_size(strings), i;
    const char *s = n ? json_string_value(json_array_get(strings, 0)) : NULL;
    json_t *v, *e, *out;
    json_error_t jerr;

    if (is_list_type(type)) {
        *ret = json_deep_copy(strings);
        return *ret ? 0 : -ENOMEM;
    }
    if (!strcmp(type, "MapList")) {
        out = json_array();
        if (!out)
            return -ENOMEM;
        json_array_foreach(strings, i, e) {
            v = json_loads(json_string_value(e), JSON_DECODE_ANY, &jerr);
            if (json_is_array(v) && n == 1) {
                json_decref(out);
                out = v;
                break;
            }
            if (!json_is_object(v)) {
                json_decref(v);
                json_decref(out);
                snprintf(errbuf, cap, "each value must be a JSON map");
                return -EINVAL;
            }
            json_array_append_new(out, v);
        }
        json_array_foreach(out, i, e)
            if (!json_is_object(e)) {
                json_decref(out);
                snprintf(errbuf, cap, "each value must be a JSON map");
                return -EINVAL;
            }
        *ret = out;
        return 0;
    }
    if (n != 1) {
        snprintf(errbuf, cap, "a %s parameter takes exactly one value, not %zu", type, n);
        return -EINVAL;
    }
    if (!strcmp(type, "Integer")) {
        char *end;
        long long x;
        errno = 0;
        x = strtoll(s, &end, 10);
        if (!*s || *end || errno) {
            snprintf(errbuf, cap, "'%.128s' is not an Integer", s);
            return -EINVAL;
        }
        *ret = json_integer(x);
        return *ret ? 0 : -ENOMEM;
    }
    if (!strcmp(type, "Boolean")) {
        if (strcasecmp(s, "true") && strcasecmp(s, "false")) {
            snprintf(errbuf, cap, "'%.128s' is not a Boolean (true or false)", s);
            return -EINVAL;
        }
        *ret = json_boolean(!strcasecmp(s, "true"));
        return 0;
    }
    if (!strcmp(type, "StringMap")) {
        v = json_loads(s, 0, &jerr);
        if (!json_is_object(v)) {
            json_decref(v);
            snprintf(errbuf, cap, "the value must be a JSON map");
            return -EINVAL;
        }
        *ret = v;
        return 0;
    }
    *ret = json_string(s);                      /* String and AWS::* types */
    return *ret ? 0 : -ENOMEM;
}

json_t *
auto_param_api(const json_t *typed)
{
    json_t *out = json_array(), *e;
    char *text;
    size_t i;

    if (!out)
        return NULL;
    if (json_is_array(typed)) {
        json_array_foreach(typed, i, e) {
            if (auto_value_text(e, &text) < 0)
                goto oom;
            json_array_append_new(out, json_string(text));
            free(text);
        }
        return out;
    }
    if (auto_value_text(typed, &text) < 0)
        goto oom;
    json_array_append_new(out, json_string(text));
    free(text);
    return out;
oom:
    json_decref(out);
    return NULL;
}

/* Does a typed value fit its declared type (defaults are typed by the document)? */
static int
fits(const char *type, const json_t *v)
{
    json_t *e;
    size_t i;

    if (is_list_type(type)) {
        if (!json_is_array(v))
            return 0;
        json_array_foreach(v, i, e)
            if (!json_is_string(e))
                return 0;
        return 1;
    }
    if (!strcmp(type, "Integer"))
        return json_is_integer(v);
    if (!strcmp(type, "Boolean"))
        return json_is_boolean(v);
    if (!strcmp(type, "StringMap"))
        return json_is_object(v);
    if (!strcmp(type, "MapList")) {
        if (!json_is_array(v))
            return 0;
        json_array_foreach(v, i, e)
            if (!json_is_object(e))
                return 0;
        return 1;
    }
    return json_is_string(v);
}

/* Coerce a resolved default to its type (a default "{{ Other }}" may yield a string where an
 * Integer is declared). Returns a new reference or NULL. */
static json_t *
coerce(const char *type, json_t *v, char *errbuf, size_t cap)
{
    json_t *strings, *out = NULL;

    if (fits(type, v))
        return json_incref(v);
    if (json_is_string(v)) {
        strings = json_pack("[O]", v);
        if (strings && auto_param_convert(type, strings, &out, errbuf, cap) < 0)
            out = NULL;
        json_decref(strings);
        return out;
    }
    snprintf(errbuf, cap, "the value is not of type %s", type);
    return NULL;
}

static int
check_item(const char *name, const json_t *p, const char *s, struct aerr *err)
{
    const json_t *allowed = json_object_get(p, "allowedValues"), *e, *mc;
    const char *pat = json_string_value(json_object_get(p, "allowedPattern"));
    size_t i;
    int ok, r;

    if (json_is_array(allowed) && json_array_size(allowed)) {
        ok = 0;
        json_array_foreach(allowed, i, e) {
            char *t;
            if (auto_value_text(e, &t) < 0)
                return -ENOMEM;
            if (!strcmp(t, s))
                ok = 1;
            free(t);
        }
        if (!ok) {
            char *list = json_dumps(allowed, JSON_COMPACT);
            r = fail(err, "Parameter \"%s\" has value \"%.256s\", which is not one of the allowed "
                     "values %.512s.", name, s, list ? list : "");
            free(list);
            return r;
        }
    }
    if (pat) {
        r = auto_regex_match(pat, s);
        if (r < 0)
            return fail(err, "Parameter \"%s\" has an allowedPattern that does not compile.", name);
        if (!r)
            return fail(err, "Parameter \"%s\" has value \"%.256s\" not matching \"%.256s\".", name, s, pat);
    }
    if ((mc = json_object_get(p, "minChars")) && json_is_integer(mc) &&
        (json_int_t) strlen(s) < json_integer_value(mc))
        return fail(err, "Parameter \"%s\" has value \"%.256s\" shorter than %" JSON_INTEGER_FORMAT
                    " characters.", name, s, json_integer_value(mc));
    if ((mc = json_object_get(p, "maxChars")) && json_is_integer(mc) &&
        (json_int_t) strlen(s) > json_integer_value(mc))
        return fail(err, "Parameter \"%s\" has a value longer than %" JSON_INTEGER_FORMAT
                    " characters.", name, json_integer_value(mc));
    return 0;
}

static int
check(const char *name, const json_t *p, const json_t *v, struct aerr *err)
{
    const json_t *e, *mi;
    size_t i;
    char *t;
    int r;

    if (json_is_array(v)) {
        if ((mi = json_object_get(p, "minItems")) && json_is_integer(mi) &&
            (json_int_t) json_array_size(v) < json_integer_value(mi))
            return fail(err, "Parameter \"%s\" has fewer than %" JSON_INTEGER_FORMAT " items.",
                        name, json_integer_value(mi));
        if ((mi = json_object_get(p, "maxItems")) && json_is_integer(mi) &&
            (json_int_t) json_array_size(v) > json_integer_value(mi))
            return fail(err, "Parameter \"%s\" has more than %" JSON_INTEGER_FORMAT " items.",
                        name, json_integer_value(mi));
        json_array_foreach(v, i, e) {
            if (!json_is_string(e))
                continue;                       /* MapList items: no text constraints */
            r = check_item(name, p, json_string_value(e), err);
            if (r < 0)
                return r;
        }
        return 0;
    }
    if (json_is_object(v))
        return 0;
    if (auto_value_text(v, &t) < 0)
        return -ENOMEM;
    r = check_item(name, p, t, err);
    free(t);
    return r;
}

/* Does this default refer to a parameter not resolved yet? */
static int
waits_for(const char *text, const json_t *decl, const json_t *done)
{
    const char *o, *c, *a, *b;

    while ((o = strstr(text, "{{")) && (c = strstr(o + 2, "}}"))) {
        a = o + 2;
        b = c;
        while (a < b && *a == ' ')
            a++;
        while (b > a && b[-1] == ' ')
            b--;
        if (!memchr(a, ':', (size_t) (b - a)) && !memchr(a, '.', (size_t) (b - a)) &&
            json_object_getn(decl, a, (size_t) (b - a)) && !json_object_getn(done, a, (size_t) (b - a)))
            return 1;
        text = c + 2;
    }
    return 0;
}

static int
default_waits(const json_t *v, const json_t *decl, const json_t *done)
{
    const char *k;
    json_t *e;
    size_t i;

    if (json_is_string(v))
        return waits_for(json_string_value(v), decl, done);
    if (json_is_array(v)) {
        json_array_foreach(v, i, e)
            if (default_waits(e, decl, done))
                return 1;
    } else if (json_is_object(v)) {
        json_object_foreach((json_t *) v, k, e)
            if (default_waits(e, decl, done))
                return 1;
    }
    return 0;
}

int
auto_params_resolve(const json_t *decl, const json_t *given, const struct auto_scope *s,
                    json_t **ret_typed, json_t **ret_api, struct aerr *err)
{
    json_t *typed = json_object(), *api = json_object(), *v = NULL, *gv, *p, *conv;
    struct auto_scope sc = *s;
    char errbuf[512];
    const char *name;
    int r, progress;
    size_t left;

    if (!typed || !api) {
        r = -ENOMEM;
        goto out;
    }
    /* Values given: declared, converted, checked. */
    json_object_foreach((json_t *) given, name, gv) {
        const char *type;
        json_t *strings;
        p = json_object_get(decl, name);
        if (!p) {
            r = fail(err, "Parameter \"%.128s\" is not defined in the document.", name);
            goto out;
        }
        type = json_string_value(json_object_get(p, "type"));
        sc.only_ssm = 1;                        /* {{ssm:...}} in values given */
        r = auto_interp(gv, &sc, &strings, errbuf, sizeof(errbuf));
        if (r < 0) {
            r = r == -ENOMEM ? r : fail(err, "Parameter \"%s\": %s.", name, errbuf);
            goto out;
        }
        r = auto_param_convert(type ? type : "String", strings, &conv, errbuf, sizeof(errbuf));
        json_decref(strings);
        if (r < 0) {
            r = r == -ENOMEM ? r : fail(err, "Parameter \"%s\" has an invalid value: %s.", name, errbuf);
            goto out;
        }
        json_object_set_new(typed, name, conv);
    }
    /* Defaults, each once the parameters it refers to have values. */
    sc.only_ssm = 0;
    sc.params = typed;
    do {
        progress = 0;
        left = 0;
        json_object_foreach((json_t *) decl, name, p) {
            const json_t *def;
            const char *type = json_string_value(json_object_get(p, "type"));
            if (json_object_get(typed, name))
                continue;
            def = json_object_get(p, "default");
            if (!def) {
                r = fail(err, "Parameter \"%.128s\" is required, but no value was given.", name);
                goto out;
            }
            if (default_waits(def, decl, typed)) {
                left++;
                continue;
            }
            r = auto_interp(def, &sc, &v, errbuf, sizeof(errbuf));
            if (r < 0) {
                v = NULL;
                r = r == -ENOMEM ? r : fail(err, "The default value of parameter \"%s\" cannot be "
                                            "resolved: %s.", name, errbuf);
                goto out;
            }
            conv = coerce(type ? type : "String", v, errbuf, sizeof(errbuf));
            json_decref(v);
            v = NULL;
            if (!conv) {
                r = fail(err, "The default value of parameter \"%s\" is not valid: %s.", name, errbuf);
                goto out;
            }
            json_object_set_new(typed, name, conv);
            progress = 1;
        }
    } while (progress && left);
    if (left) {
        r = fail(err, "The default values of the parameters refer to each other in a cycle.");
        goto out;
    }
    json_object_foreach(typed, name, gv) {
        r = check(name, json_object_get(decl, name), gv, err);
        if (r < 0)
            goto out;
        conv = auto_param_api(gv);
        if (!conv || json_object_set_new(api, name, conv) < 0) {
            r = -ENOMEM;
            goto out;
        }
    }
    *ret_typed = typed;
    *ret_api = api;
    typed = api = NULL;
    r = 0;
out:
    json_decref(typed);
    json_decref(api);
    return r;
}
