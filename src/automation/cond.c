/* src/automation/cond.c - aws:branch choices and aws:loop conditions (lang.h): operators,
 * And/Or/Not, Default. Pure. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "lang.h"

static const char *const operators[] = {
    "StringEquals", "EqualsIgnoreCase", "StartsWith", "EndsWith", "Contains",
    "NumericEquals", "NumericGreater", "NumericLesser", "NumericGreaterOrEquals",
    "NumericLesserOrEquals", "BooleanEquals", NULL,
};

static int
as_number(const json_t *v, double *ret)
{
    char *end;

    if (json_is_number(v)) {
        *ret = json_number_value(v);
        return 0;
    }
    if (json_is_string(v) && *json_string_value(v)) {
        *ret = strtod(json_string_value(v), &end);
        return *end ? -EINVAL : 0;
    }
    return -EINVAL;
}

static int
as_bool(const json_t *v, int *ret)
{
    if (json_is_boolean(v)) {
        *ret = json_is_true(v);
        return 0;
    }
    if (json_is_string(v) && !strcasecmp(json_string_value(v), "true")) {
        *ret = 1;
        return 0;
    }
    if (json_is_string(v) && !strcasecmp(json_string_value(v), "false")) {
        *ret = 0;
        return 0;
    }
    return -EINVAL;
}

static int
text_of(const json_t *v, char **ret)
{
    return auto_value_text(v, ret);
}

static int
compare(const char *op, const json_t *var, const json_t *val, int *ret, char *errbuf, size_t cap)
{
    char *a = NULL, *b = NULL;
    double x, y;
    int p, q, r = 0;

    if (!strncmp(op, "Numeric", 7)) {
        if (as_number(var, &x) < 0 || as_number(val, &y) < 0) {
            snprintf(errbuf, cap, "%s needs numbers to compare", op);
            return -EINVAL;
        }
        if (!strcmp(op, "NumericEquals"))            *ret = x == y;
        else if (!strcmp(op, "NumericGreater"))      *ret = x > y;
        else if (!strcmp(op, "NumericLesser"))       *ret = x < y;
        else if (!strcmp(op, "NumericGreaterOrEquals")) *ret = x >= y;
        else                                          *ret = x <= y;
        return 0;
    }
    if (!strcmp(op, "BooleanEquals")) {
        if (as_bool(var, &p) < 0 || as_bool(val, &q) < 0) {
            snprintf(errbuf, cap, "BooleanEquals needs true or false to compare");
            return -EINVAL;
        }
        *ret = p == q;
        return 0;
    }
    if (!strcmp(op, "Contains") && json_is_array(var)) {
        json_t *e;
        size_t i;
        *ret = 0;
        if (text_of(val, &b) < 0)
            return -ENOMEM;
        json_array_foreach(var, i, e) {
            if (text_of(e, &a) < 0) {
                free(b);
                return -ENOMEM;
            }
            if (!strcmp(a, b))
                *ret = 1;
            free(a);
            a = NULL;
        }
        free(b);
        return 0;
    }
    if (text_of(var, &a) < 0 || text_of(val, &b) < 0) {
        r = -ENOMEM;
        goto out;
    }
    if (!strcmp(op, "StringEquals"))
        *ret = !strcmp(a, b);
    else if (!strcmp(op, "EqualsIgnoreCase"))
        *ret = !strcasecmp(a, b);
    else if (!strcmp(op, "StartsWith"))
        *ret = !strncmp(a, b, strlen(b));
    else if (!strcmp(op, "EndsWith"))
        *ret = strlen(a) >= strlen(b) && !strcmp(a + strlen(a) - strlen(b), b);
    else
        *ret = strstr(a, b) != NULL;
out:
    free(a);
    free(b);
    return r;
}

static int
eval(const json_t *c, const struct auto_scope *s, int depth, int *ret, char *errbuf, size_t cap)
{
    const json_t *v, *e;
    const char *const *op;
    json_t *var = NULL, *val = NULL;
    size_t i;
    int r, m;

    if (depth > AUTO_MAX_COND_DEPTH) {
        snprintf(errbuf, cap, "the choice is nested more than %d levels deep", AUTO_MAX_COND_DEPTH);
        return -EINVAL;
    }
    if (!json_is_object(c)) {
        snprintf(errbuf, cap, "a choice must be a map");
        return -EINVAL;
    }
    if ((v = json_object_get(c, "And")) || (v = json_object_get(c, "Or"))) {
        int is_and = json_object_get(c, "And") == v;
        if (!json_is_array(v) || json_array_size(v) == 0) {
            snprintf(errbuf, cap, "%s must be a non-empty list of choices", is_and ? "And" : "Or");
            return -EINVAL;
        }
        *ret = is_and;
        json_array_foreach(v, i, e) {
            r = eval(e, s, depth + 1, &m, errbuf, cap);
            if (r < 0)
                return r;
            if (is_and && !m) {
                *ret = 0;
                return 0;
            }
            if (!is_and && m) {
                *ret = 1;
                return 0;
            }
        }
        return 0;
    }
    if ((v = json_object_get(c, "Not"))) {
        r = eval(v, s, depth + 1, &m, errbuf, cap);
        if (r < 0)
            return r;
        *ret = !m;
        return 0;
    }
    v = json_object_get(c, "Variable");
    if (!v) {
        snprintf(errbuf, cap, "a choice needs a Variable, or And, Or or Not");
        return -EINVAL;
    }
    for (op = operators; *op; op++)
        if (json_object_get(c, *op))
            break;
    if (!*op) {
        snprintf(errbuf, cap, "the choice on Variable has no supported operator");
        return -EINVAL;
    }
    r = auto_interp(v, s, &var, errbuf, cap);
    if (r < 0)
        goto out;
    r = auto_interp(json_object_get(c, *op), s, &val, errbuf, cap);
    if (r < 0)
        goto out;
    r = compare(*op, var, val, ret, errbuf, cap);
out:
    json_decref(var);
    json_decref(val);
    return r;
}

int
auto_cond_eval(const json_t *choice, const struct auto_scope *s, int *ret_match, char *errbuf, size_t cap)
{
    if (cap)
        errbuf[0] = '\0';
    return eval(choice, s, 0, ret_match, errbuf, cap);
}

int
auto_branch_pick(const json_t *inputs, const struct auto_scope *s, const char **ret_next,
                 char *errbuf, size_t cap)
{
    const json_t *choices = json_object_get(inputs, "Choices"), *c, *def;
    size_t i;
    int r, m;

    if (!json_is_array(choices)) {
        snprintf(errbuf, cap, "Choices must be a list");
        return -EINVAL;
    }
    json_array_foreach(choices, i, c) {
        r = auto_cond_eval(c, s, &m, errbuf, cap);
        if (r < 0)
            return r;
        if (m) {
            *ret_next = json_string_value(json_object_get(c, "NextStep"));
            if (!*ret_next) {
                snprintf(errbuf, cap, "choice %zu has no NextStep", i + 1);
                return -EINVAL;
            }
            return 0;
        }
    }
    def = json_object_get(inputs, "Default");
    *ret_next = json_string_value(def);
    return 0;
}
