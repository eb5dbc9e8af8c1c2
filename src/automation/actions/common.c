/* src/automation/actions/common.c - see common.h. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../rows.h"
#include "common.h"

/* "describe_document" -> "DescribeDocument"; "describeDocument" -> "DescribeDocument". */
static void
api_name(const char *in, char *out, size_t cap)
{
    size_t i = 0;
    int up = 1;

    for (; *in && i + 1 < cap; in++) {
        if (*in == '_' || *in == '-') {
            up = 1;
            continue;
        }
        out[i++] = up ? (char) toupper((unsigned char) *in) : *in;
        up = 0;
    }
    out[i] = '\0';
}

int
act_invoke(struct auto_step_ctx *sc, const char *service, const char *api, json_t *params, int sub)
{
    struct auto_job *j;
    size_t i;

    if (!service || !api || strlen(service) >= ACT_MAX_NAME || strlen(api) >= ACT_MAX_NAME) {
        json_decref(params);
        auto_fail(sc, "InputValidation", "Verification", "Service and Api are required strings of "
                  "at most %d characters.", ACT_MAX_NAME - 1);
        return -EINVAL;
    }
    j = auto_job_new(JOB_INVOKE);
    if (!j) {
        json_decref(params);
        auto_fail(sc, "Invocation", "Unexpected", "Out of memory.");
        return -ENOMEM;
    }
    for (i = 0; service[i] && i + 1 < sizeof(j->service); i++)
        j->service[i] = (char) tolower((unsigned char) service[i]);
    api_name(api, j->op, sizeof(j->op));
    j->in = params;
    j->journal = 1;
    j->sub = sub;
    if (auto_acting_principal(sc, &j->who) < 0) {
        auto_job_free(j);
        return -EACCES;
    }
    auto_job_submit(sc, j);
    return 0;
}

int
act_journaled(struct auto_step_ctx *sc, int sub, struct auto_job **ret_job)
{
    struct auto_job *j;
    json_t *rec = NULL;
    int r;

    r = rows_journal_get(sc->tx, sc->e->id, sc->row->idx, sc->row->attempt * 1024 + sub, &rec);
    if (r <= 0)
        return r;
    j = auto_job_new(JOB_INVOKE);
    if (!j) {
        json_decref(rec);
        return -ENOMEM;
    }
    j->out = json_incref(json_object_get(rec, "out"));
    j->journaled = 1;
    j->sub = sub;
    sc->row->journal = 1;
    json_decref(rec);
    *ret_job = j;
    return 1;
}

enum auto_result
act_api_error(struct auto_step_ctx *sc, const struct auto_job *j)
{
    return auto_fail(sc, "Invocation", "Unexpected", "Step fails when it is Execute/Resuming action. "
                     "An error occurred (%s) when calling the %s operation: %s Please refer to Automation "
                     "Service Troubleshooting Guide for more diagnosis details.",
                     j->err.code ? j->err.code : "InternalFailure", j->op,
                     j->err.msg[0] ? j->err.msg : "An internal error occurred.");
}

int
act_select_outputs(struct auto_step_ctx *sc, const json_t *doc)
{
    const json_t *outs = json_object_get(sc->def, "outputs"), *o;
    json_t *sel, *conv;
    char errbuf[512];
    size_t i;
    int r;

    json_array_foreach(outs, i, o) {
        const char *name = json_string_value(json_object_get(o, "Name"));
        const char *path = json_string_value(json_object_get(o, "Selector"));
        const char *type = json_string_value(json_object_get(o, "Type"));
        if (!name || !path)
            continue;
        r = auto_jsonpath(doc, path, &sel, errbuf, sizeof(errbuf));
        if (r == -ENOENT)
            continue;
        if (r < 0) {
            auto_fail(sc, "Verification", "Verification", "Output '%s': %s.", name, errbuf);
            return r;
        }
        r = auto_output_convert(sel, type, &conv, errbuf, sizeof(errbuf));
        json_decref(sel);
        if (r < 0) {
            auto_fail(sc, "Verification", "Verification", "Output '%s': %s.", name, errbuf);
            return r;
        }
        auto_output_set(sc, name, conv);
    }
    return 0;
}

json_t *
act_params(const json_t *inputs, const char *const *drop)
{
    json_t *p = json_deep_copy(inputs);
    const char *const *k;

    if (!p)
        return NULL;
    for (k = drop; *k; k++)
        json_object_del(p, *k);
    return p;
}

char *
act_text(const json_t *v)
{
    char *t = NULL;

    return auto_value_text(v, &t) == 0 ? t : NULL;
}

static int
one_matches(const json_t *v, const json_t *desired)
{
    const json_t *d;
    char *a = act_text(v), *b;
    size_t i;
    int ok = 0;

    if (!a)
        return 0;
    json_array_foreach(desired, i, d) {
        b = act_text(d);
        if (b && !strcmp(a, b))
            ok = 1;
        free(b);
    }
    if (!json_is_array(desired)) {
        b = act_text(desired);
        ok = b && !strcmp(a, b);
        free(b);
    }
    free(a);
    return ok;
}

int
act_matches(const json_t *selected, const json_t *desired, char **ret_actual)
{
    const json_t *v;
    size_t i;

    *ret_actual = act_text(selected);
    if (json_is_array(selected)) {
        if (!json_array_size(selected))
            return 0;
        json_array_foreach(selected, i, v)
            if (!one_matches(v, desired))
                return 0;
        return 1;
    }
    return one_matches(selected, desired);
}
