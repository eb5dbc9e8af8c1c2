/* src/automation/ratectl.c - rate control: a parent execution with one child execution per
 * target (TargetParameterName + Targets, or TargetMaps), at most MaxConcurrency running at a
 * time; once more than MaxErrors children failed, no new child starts (those running finish).
 * Runs on the engine thread. Used by: engine.c, flow.c. Uses: prepare.c, engine.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../base/log.h"
#include "engine.h"

struct auto_ratectl {
    json_t *values;          /* target values (strings), or parameter maps (TargetMaps) */
    json_t *given;           /* the parent's Parameters */
    json_t *running;         /* child id -> true */
    char   *param;           /* TargetParameterName ("" with TargetMaps) */
    char   *max_concurrency, *max_errors;
    int     next, ok, failed, cancelled;
};

/* "10" or "10%" of n: concurrency rounds up (at least 1), errors round down. */
static int
amount(const char *s, int n, int up)
{
    size_t len = s ? strlen(s) : 0;
    long v;

    if (!len)
        return up ? 10 : 0;
    v = strtol(s, NULL, 10);
    if (s[len - 1] == '%') {
        v = up ? (v * n + 99) / 100 : v * n / 100;
        if (up && v < 1)
            v = 1;
    }
    return v > INT32_MAX ? INT32_MAX : (int) v;
}

json_t *
auto_ratectl_state(const struct aexec *e)
{
    const struct auto_ratectl *rc = e->rc;
    json_t *ids = json_array(), *v;
    const char *k;

    json_object_foreach(rc->running, k, v)
        json_array_append_new(ids, json_string(k));
    return json_pack("{s:O, s:O, s:o, s:s, s:s, s:s, s:i, s:i, s:i, s:i}", "values", rc->values,
                     "given", rc->given, "running", ids, "param", rc->param,
                     "max_concurrency", rc->max_concurrency, "max_errors", rc->max_errors,
                     "next", rc->next, "ok", rc->ok, "failed", rc->failed, "cancelled", rc->cancelled);
}

int
auto_ratectl_load(struct auto_engine *eng, struct aexec *e, struct store_tx *tx, json_t *st)
{
    struct auto_ratectl *rc = mctx_alloc(e->ctx, sizeof(*rc));
    json_t *ids, *v;
    size_t i;

    if (!rc || !st) {
        json_decref(st);
        return -ENOMEM;
    }
    rc->values = mctx_json(e->ctx, json_incref(json_object_get(st, "values")));
    rc->given = mctx_json(e->ctx, json_incref(json_object_get(st, "given")));
    rc->running = mctx_json(e->ctx, json_object());
    rc->param = mctx_strdup(e->ctx, json_string_value(json_object_get(st, "param")) ?: "");
    rc->max_concurrency = mctx_strdup(e->ctx, json_string_value(json_object_get(st, "max_concurrency")) ?: "10");
    rc->max_errors = mctx_strdup(e->ctx, json_string_value(json_object_get(st, "max_errors")) ?: "0");
    rc->next = (int) json_integer_value(json_object_get(st, "next"));
    rc->ok = (int) json_integer_value(json_object_get(st, "ok"));
    rc->failed = (int) json_integer_value(json_object_get(st, "failed"));
    rc->cancelled = (int) json_integer_value(json_object_get(st, "cancelled"));
    ids = json_object_get(st, "running");
    json_array_foreach(ids, i, v)
        json_object_set(rc->running, json_string_value(v), json_true());
    json_decref(st);
    if (!rc->values || !rc->given || !rc->running || !rc->param || !rc->max_concurrency || !rc->max_errors)
        return -ENOMEM;
    e->rc = rc;
    (void) eng;
    (void) tx;
    return 0;
}

/* The Parameters of the child for target i. */
static json_t *
child_params(const struct auto_ratectl *rc, size_t i, char **ret_target)
{
    json_t *p = json_deep_copy(rc->given), *v = json_array_get(rc->values, i), *x;
    const char *k;

    if (!p)
        return NULL;
    if (json_is_object(v)) {                      /* TargetMaps */
        json_object_foreach(v, k, x)
            json_object_set(p, k, x);
        *ret_target = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
    } else {
        json_object_set_new(p, rc->param, json_pack("[O]", v));
        *ret_target = strdup(json_string_value(v) ?: "");
    }
    return p;
}

static void
launch(struct auto_engine *eng, struct aexec *e, struct store_tx *tx, size_t i)
{
    struct auto_ratectl *rc = e->rc;
    struct auto_spec spec;
    struct principal who;
    struct aerr err = {0};
    char *target = NULL, id[37];
    json_t *input, *params;
    int r;

    memset(&spec, 0, sizeof(spec));
    params = child_params(rc, i, &target);
    input = json_pack("{s:s, s:s, s:o}", "DocumentName", e->doc_name, "DocumentVersion", e->doc_version,
                      "Parameters", params ? params : json_object());
    if (!input || auto_principal_from_json(e->who, &who) < 0) {
        json_decref(input);
        free(target);
        eng_fail_batch(eng, -ENOMEM, "start a child execution");
        return;
    }
    r = auto_prepare(tx, &eng->cfg, &who, e->who, e->region, input, &spec, &err);
    if (r == 0) {
        snprintf(spec.parent_id, sizeof(spec.parent_id), "%s", e->id);
        spec.target = target;
        target = NULL;
        r = eng_create(eng, &spec, id, &err);
        if (r >= 0) {
            json_object_set(rc->running, id, json_true());
            goto out;
        }
    }
    /* The child cannot start: it is recorded as a failed execution. */
    memset(&spec, 0, sizeof(spec));
    snprintf(spec.account, sizeof(spec.account), "%s", e->account);
    snprintf(spec.region, sizeof(spec.region), "%s", e->region);
    snprintf(spec.doc_version, sizeof(spec.doc_version), "%s", e->doc_version);
    snprintf(spec.executed_by, sizeof(spec.executed_by), "%s", e->executed_by);
    snprintf(spec.parent_id, sizeof(spec.parent_id), "%s", e->id);
    spec.who = json_incref(e->who);
    spec.given = json_incref(json_object_get(input, "Parameters"));
    spec.target = target;
    target = NULL;
    if (eng_create_failed(eng, &spec, e->doc_name, err.msg[0] ? err.msg : "The child execution cannot start.", id) == 0)
        rc->failed++;
    auto_spec_done(&spec);
out:
    free(target);
    json_decref(input);
}

static void
finish(struct auto_engine *eng, struct aexec *e)
{
    struct auto_ratectl *rc = e->rc;
    char msg[256];

    if (rc->cancelled) {
        flow_finish(eng, e, ST_CANCELLED, NULL);
        return;
    }
    if (rc->failed) {
        snprintf(msg, sizeof(msg), "%d of the child executions failed; %d succeeded%s.", rc->failed, rc->ok,
                 rc->next < (int) json_array_size(rc->values) ? " (MaxErrors was exceeded: the other targets were not run)" : "");
        flow_finish(eng, e, ST_FAILED, msg);
        return;
    }
    flow_finish(eng, e, ST_SUCCESS, NULL);
}

void
auto_ratectl_advance(struct auto_engine *eng, struct aexec *e, struct store_tx *tx)
{
    struct auto_ratectl *rc = e->rc;
    int n = (int) json_array_size(rc->values);
    int max_c = amount(rc->max_concurrency, n, 1), max_e = amount(rc->max_errors, n, 0);
    json_t *v;
    const char *k;
    void *tmp;

    if (e->phase != PH_RUNNING)
        return;
    /* After a restart: children that ended while the engine was down. */
    json_object_foreach_safe(rc->running, tmp, k, v) {
        struct aexec *c = auto_map_get(&eng->execs, k);
        struct store_rows *q;
        if (c && c->phase != PH_DONE)
            continue;
        if (!c && store_query(tx, &q, "SELECT status, done FROM auto_exec WHERE id = ?1", "s", k) > 0) {
            int done = (int) store_col_int(q, 1);
            if (done) {
                if (!strcmp(store_col_text(q, 0), "Success"))
                    rc->ok++;
                else
                    rc->failed++;
                json_object_del(rc->running, k);
            }
            store_rows_done(q);
            continue;
        }
        if (c) {
            if (c->status == ST_SUCCESS)
                rc->ok++;
            else
                rc->failed++;
            json_object_del(rc->running, k);
        }
    }
    while (!rc->cancelled && rc->failed <= max_e && rc->next < n && (int) json_object_size(rc->running) < max_c) {
        launch(eng, e, tx, (size_t) rc->next++);
        if (eng->batch_failed)
            return;
    }
    eng_dirty(eng, e);
    if (json_object_size(rc->running) == 0 && (rc->cancelled || rc->failed > max_e || rc->next >= n))
        finish(eng, e);
}

void
auto_ratectl_child_done(struct auto_engine *eng, struct aexec *e, struct store_tx *tx,
                        const char *child, enum auto_status st)
{
    struct auto_ratectl *rc = e->rc;

    if (!json_object_get(rc->running, child))
        return;
    json_object_del(rc->running, child);
    if (st == ST_SUCCESS)
        rc->ok++;
    else
        rc->failed++;
    auto_ratectl_advance(eng, e, tx);
}

void
auto_ratectl_cancel(struct auto_engine *eng, struct aexec *e, struct store_tx *tx)
{
    struct auto_ratectl *rc = e->rc;
    const char *k;
    json_t *v;

    rc->cancelled = 1;
    json_object_foreach(rc->running, k, v)
        eng_work_add(eng, W_CANCEL, k);
    auto_ratectl_advance(eng, e, tx);
}
