/* src/automation/flow.c - the execution state machine: begin, enter a step, attempts and
 * retries, timeouts, outcomes and where the flow goes next (nextStep, isEnd, onFailure,
 * aws:branch, aws:loop bodies), cancellation with onCancel, signals, the end of an execution,
 * and recovery after a restart. Runs on the engine thread inside the batch transaction; every
 * change is written there and acted on only after the commit (engine.c).
 * Used by: engine.c, ratectl.c. Uses: actions (internal.h), rows.c, lang.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../base/log.h"
#include "../crypto/ids.h"
#include "engine.h"
#include "rows.h"

static const char *const status_names[] = {
    "Pending", "InProgress", "Waiting", "Success", "TimedOut", "Cancelling", "Cancelled", "Failed",
};

const char *
auto_status_name(enum auto_status s)
{
    return s <= ST_FAILED ? status_names[s] : "Failed";
}

int
auto_status_terminal(enum auto_status s)
{
    return s == ST_SUCCESS || s == ST_TIMED_OUT || s == ST_CANCELLED || s == ST_FAILED;
}

static double
now_s(void)
{
    return (double) auto_now_ms() / 1000.0;
}

static int
truthy(const json_t *v)
{
    return json_is_true(v) || (json_is_string(v) && !strcasecmp(json_string_value(v), "true"));
}

static void
sc_init(struct auto_step_ctx *sc, struct auto_engine *eng, struct aexec *e, struct auto_srow *r)
{
    memset(sc, 0, sizeof(*sc));
    sc->eng = eng;
    sc->e = e;
    sc->row = r;
    sc->tx = eng->tx;
    sc->ctx = r->ctx;
    sc->def = r->def;
    sc->inputs = r->inputs;
    sc->state = r->state;
}

static void
write_row(struct auto_engine *eng, struct aexec *e, struct auto_srow *r)
{
    int rc;

    if (eng->batch_failed)
        return;
    rc = rows_write_step(eng->tx, e, r, !r->exists);
    if (rc < 0)
        eng_fail_batch(eng, rc, "write a step execution");
    r->exists = 1;
}

static void
exec_status(struct auto_engine *eng, struct aexec *e, enum auto_status st)
{
    eng_dirty(eng, e);
    if (e->status == st)
        return;
    e->status = st;
    eng_emit_exec(eng, e);
}

/* ---- services for the actions ---- */

enum auto_result
auto_fail(struct auto_step_ctx *sc, const char *stage, const char *type, const char *fmt, ...)
{
    char msg[AERR_MAX_MSG];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    sc->row->failure = mctx_strdup(sc->row->ctx, msg);
    sc->row->stage = (char *) stage;
    sc->row->ftype = (char *) type;
    return AUTO_FAILED;
}

void
auto_output_set(struct auto_step_ctx *sc, const char *name, json_t *v)
{
    if (v)
        json_object_set_new(sc->row->outputs, name, v);
}

void
auto_next_set(struct auto_step_ctx *sc, const char *step_name)
{
    sc->row->next = step_name;
}

int
auto_timer_at(struct auto_step_ctx *sc, int64_t due_ms)
{
    sc->row->token = eng_token(sc->eng);
    return eng_timer(sc->eng, sc->e, due_ms, sc->row->token);
}

int
auto_job_submit(struct auto_step_ctx *sc, struct auto_job *job)
{
    struct auto_engine *eng = sc->eng;

    job->token = sc->row->token = eng_token(eng);
    snprintf(job->exec_id, sizeof(job->exec_id), "%s", sc->e->id);
    snprintf(job->region, sizeof(job->region), "%s", sc->e->region);
    job->row = sc->row->idx;
    job->attempt = sc->row->attempt;
    if (job->journal)
        sc->row->journal = 1;
    sc->row->job = job;
    job->next = eng->submit;
    eng->submit = job;
    return 0;
}

void
auto_job_detach(struct auto_step_ctx *sc, struct auto_job *job)
{
    job->token = 0;
    job->next = sc->eng->submit;
    sc->eng->submit = job;
}

int
auto_acting_principal(struct auto_step_ctx *sc, struct principal *ret)
{
    struct aerr err = {0};
    char rid[37];

    if (!sc->e->role) {
        /* The invoker's identity, in a call Automation makes on their behalf. */
        int r = auto_principal_from_json(sc->e->who, ret);
        snprintf(ret->called_via, sizeof(ret->called_via), "ssm.amazonaws.com");
        return r;
    }
    if (eng_session(sc->eng, sc->e, ret, &err) == 0)
        return 0;
    if (ids_uuid(rid) < 0)
        strcpy(rid, "00000000-0000-4000-8000-000000000000");
    auto_fail(sc, "Invocation", "Unexpected", "The defined assume role is unable to be assumed. "
              "(Service: AWSSimpleSystemsManagement; Status Code: 400; Error Code: "
              "InvalidAutomationExecutionParametersException; Request ID: %s)", rid);
    return -EACCES;
}

void
auto_step_scope(struct auto_step_ctx *sc, struct auto_scope *ret)
{
    memset(ret, 0, sizeof(*ret));
    ret->params = sc->e->params;
    ret->outputs = sc->e->outs;
    ret->vars = sc->e->vars;
    ret->account = sc->e->account;
    ret->region = sc->e->region;
    ret->partition = "aws";
    ret->execution_id = sc->e->id;
    ret->now = time(NULL);
}

int
auto_child_start(struct auto_step_ctx *sc, json_t *input, char ret_id[37], struct aerr *err)
{
    struct auto_spec spec;
    struct principal who;
    json_t *who_json;
    int r;

    if (auto_acting_principal(sc, &who) < 0)
        return aerr_set(err, -EACCES, 400, "InvalidAutomationExecutionParametersException", "%s",
                        sc->row->failure ? sc->row->failure : "The defined assume role is unable to be assumed.");
    who_json = auto_principal_json(&who);
    if (!who_json)
        return aerr_internal(err, -ENOMEM);
    r = auto_prepare(sc->tx, &sc->eng->cfg, &who, who_json, sc->e->region, input, &spec, err);
    json_decref(who_json);
    if (r < 0)
        return r;
    snprintf(spec.parent_id, sizeof(spec.parent_id), "%s", sc->e->id);
    r = eng_create(sc->eng, &spec, ret_id, err);
    return r < 0 ? r : 0;
}

int
auto_child_cancel(struct auto_step_ctx *sc, const char *id)
{
    return eng_work_add(sc->eng, W_CANCEL, id) ? 0 : -ENOMEM;
}

json_t *
auto_exec_outputs(const struct aexec *e)
{
    const json_t *list = json_object_get(e->doc->doc, "outputs"), *v;
    json_t *outputs = json_object();
    size_t i;

    if (!outputs)
        return NULL;
    json_array_foreach(list, i, v) {
        const char *s = json_string_value(v), *dot = s ? strchr(s, '.') : NULL;
        const json_t *step, *val;
        if (!dot)
            continue;
        step = json_object_getn(e->outs, s, (size_t) (dot - s));
        val = step ? json_object_get(step, dot + 1) : NULL;
        json_object_set_new(outputs, s, val ? auto_param_api(val)
                            : json_pack("[s]", "No output available yet because the step is not successfully executed"));
    }
    return outputs;
}

int
auto_child_status(struct auto_step_ctx *sc, const char *id, const char **ret_status,
                  const char **ret_failure, json_t **ret_outputs)
{
    struct aexec *c = auto_map_get(&sc->eng->execs, id);
    struct store_rows *q;
    json_error_t jerr;
    int r;

    if (c) {
        if (c->phase != PH_DONE)
            return 0;
        *ret_status = auto_status_name(c->status);
        *ret_failure = c->failure ? mctx_strdup(sc->ctx, c->failure) : NULL;
        *ret_outputs = mctx_json(sc->ctx, auto_exec_outputs(c));
        return 1;
    }
    r = store_query(sc->tx, &q, "SELECT status, failure, outputs, done FROM auto_exec WHERE id = ?1", "s", id);
    if (r > 0) {
        if (!store_col_int(q, 3)) {
            r = 0;
        } else {
            *ret_status = mctx_strdup(sc->ctx, store_col_text(q, 0));
            *ret_failure = mctx_strdup(sc->ctx, store_col_text(q, 1));
            *ret_outputs = store_col_text(q, 2) ? mctx_json(sc->ctx, json_loads(store_col_text(q, 2), 0, &jerr)) : NULL;
            r = 1;
        }
    } else if (r == 0) {
        r = -ENOENT;
    }
    store_rows_done(q);
    return r;
}

static int frame_of(struct aexec *e, struct auto_srow *r);

int
auto_loop_enter(struct auto_step_ctx *sc, const json_t *body, int iteration, const json_t *value)
{
    struct aexec *e = sc->e;
    int fi = frame_of(e, sc->row);
    json_t *o;

    if (fi < 0 || fi + 1 >= AUTO_MAX_DEPTH)
        return -E2BIG;
    o = json_pack("{s:i}", "CurrentIteration", iteration);
    if (!o)
        return -ENOMEM;
    if (value)
        json_object_set(o, "CurrentIteratorValue", (json_t *) value);
    json_object_set_new(e->outs, sc->row->name, o);
    json_object_set_new(sc->row->state, "iteration", json_integer(iteration));
    json_object_set(sc->row->state, "value", value ? (json_t *) value : json_null());
    e->depth = fi + 2;
    memset(&e->frames[fi + 1], 0, sizeof(e->frames[fi + 1]));
    e->frames[fi + 1].steps = body;
    e->frames[fi + 1].pc = 0;
    eng_work(sc->eng, W_ENTER, e->id, fi + 1, 0);
    eng_dirty(sc->eng, e);
    return 0;
}

/* ---- steps ---- */

static int
frame_of(struct aexec *e, struct auto_srow *r)
{
    int i;

    for (i = 0; i < e->depth; i++)
        if (&e->frames[i].row == r)
            return i;
    return -1;
}

static struct auto_srow *
top_row(struct aexec *e)
{
    struct auto_frame *f = e->depth ? &e->frames[e->depth - 1] : NULL;

    return f && f->has_row ? &f->row : NULL;
}

static void
drop_row(struct auto_frame *f)
{
    if (f->row.job)
        __atomic_store_n(&f->row.job->cancel, 1, __ATOMIC_RELAXED);
    mctx_delete(f->row.ctx);
    memset(&f->row, 0, sizeof(f->row));
    f->has_row = 0;
}

static void step_result(struct auto_engine *eng, struct aexec *e, enum auto_result res);

static int
find_step(const json_t *steps, const char *name)
{
    const json_t *s;
    size_t i;

    json_array_foreach(steps, i, s)
        if (name && !strcmp(json_string_value(json_object_get(s, "name")) ?: "", name))
            return (int) i;
    return -1;
}

static void
arm_timeout(struct auto_engine *eng, struct aexec *e, struct auto_srow *r)
{
    int64_t due;

    if (r->timeout_s <= 0)
        return;
    r->timeout_token = eng_token(eng);
    due = (int64_t) (r->start * 1000.0) + r->timeout_s * 1000;
    if (r->attempt > 1)
        due = auto_now_ms() + r->timeout_s * 1000;
    (void) eng_timer(eng, e, due, r->timeout_token);
}

static void
start_attempt(struct auto_engine *eng, struct aexec *e)
{
    struct auto_srow *r = top_row(e);
    struct auto_step_ctx sc;
    struct auto_scope scope;
    const json_t *raw = json_object_get(r->def, "inputs");
    json_t *in = NULL;
    char errbuf[1024];
    enum auto_result res;

    if (!r->action) {
        r->inputs = mctx_json(r->ctx, raw ? json_deep_copy(raw) : json_object());
        sc_init(&sc, eng, e, r);
        res = auto_fail(&sc, "Invocation", "Unexpected", "Action %s is not supported by this "
                        "server yet.", json_string_value(json_object_get(r->def, "action")) ?: "?");
        step_result(eng, e, res);
        return;
    }
    errbuf[0] = '\0';
    memset(&sc, 0, sizeof(sc));
    sc.eng = eng;
    sc.e = e;
    sc.row = r;
    auto_step_scope(&sc, &scope);
    if (!raw) {
        in = json_object();
    } else if (r->action->flags & ACTION_RAW_INPUTS) {
        in = json_deep_copy(raw);
        snprintf(errbuf, sizeof(errbuf), "out of memory");
    } else if (auto_interp(raw, &scope, &in, errbuf, sizeof(errbuf)) < 0) {
        in = NULL;
    }
    if (!in) {
        r->inputs = mctx_json(r->ctx, raw ? json_deep_copy(raw) : json_object());
        sc_init(&sc, eng, e, r);
        res = auto_fail(&sc, "InputValidation", "Verification", "Step fails when it is validating "
                        "and resolving the step inputs. %s.", errbuf[0] ? errbuf : "out of memory");
        step_result(eng, e, res);
        return;
    }
    r->inputs = mctx_json(r->ctx, in);
    sc_init(&sc, eng, e, r);
    if (r->attempt == 1) {
        arm_timeout(eng, e, r);
        eng_emit_step(eng, e, r);
    }
    res = r->action->start(&sc);
    if (res != AUTO_WAITING) {
        step_result(eng, e, res);
        return;
    }
    r->active = 1;
    if (r->action->flags & ACTION_SIGNALS) {
        r->status = ST_WAITING;
        eng_emit_step(eng, e, r);
        exec_status(eng, e, ST_WAITING);
    }
    write_row(eng, e, r);
}

void
flow_enter(struct auto_engine *eng, struct aexec *e, int fi, int pc)
{
    struct auto_frame *f;
    struct auto_srow *r;
    const json_t *def, *v;
    char msg[256];

    if (e->phase != PH_RUNNING || e->depth != fi + 1 || e->frames[fi].has_row)
        return;
    f = &e->frames[fi];
    def = json_array_get(f->steps, (size_t) pc);
    if (!json_is_object(def)) {
        flow_finish(eng, e, ST_FAILED, "The runbook has no step at this position.");
        return;
    }
    if (e->nrows >= AUTO_MAX_ROWS) {
        snprintf(msg, sizeof(msg), "The execution ran more than %d step executions.", AUTO_MAX_ROWS);
        flow_finish(eng, e, ST_FAILED, msg);
        return;
    }
    r = &f->row;
    memset(r, 0, sizeof(*r));
    f->pc = pc;
    f->has_row = 1;
    r->ctx = mctx_new(e->ctx, "step");
    if (!r->ctx) {
        eng_fail_batch(eng, -ENOMEM, "start a step");
        return;
    }
    if (fi == 0 && !e->used[pc]) {
        /* The step's first run: its Pending row (and id) exist since the execution began. */
        struct store_rows *q;
        int rc = store_query(eng->tx, &q, "SELECT step_id FROM auto_step WHERE exec_id = ?1 AND idx = ?2",
                             "si", e->id, (int64_t) pc);
        if (rc > 0)
            snprintf(r->step_id, sizeof(r->step_id), "%s", store_col_text(q, 0));
        store_rows_done(q);
        if (rc <= 0) {
            eng_fail_batch(eng, rc < 0 ? rc : -ENOENT, "find a step execution");
            return;
        }
        r->idx = pc;
        e->used[pc] = 1;
        r->exists = 1;
    } else {
        if (ids_uuid(r->step_id) < 0) {
            eng_fail_batch(eng, -EIO, "start a step");
            return;
        }
        r->idx = e->nrows++;
    }
    r->def = def;
    r->name = json_string_value(json_object_get(def, "name"));
    r->action = auto_action_find(json_string_value(json_object_get(def, "action")));
    r->state = mctx_json(r->ctx, json_object());
    r->outputs = mctx_json(r->ctx, json_object());
    v = json_object_get(def, "maxAttempts");
    r->max_attempts = json_is_integer(v) ? (int) json_integer_value(v) :
                      json_is_string(v) ? atoi(json_string_value(v)) : 1;
    if (r->max_attempts < 1)
        r->max_attempts = 1;
    if (r->max_attempts > AUTO_MAX_RETRIES)
        r->max_attempts = AUTO_MAX_RETRIES;
    v = json_object_get(def, "timeoutSeconds");
    r->timeout_s = json_is_integer(v) ? json_integer_value(v) :
                   json_is_string(v) ? atoll(json_string_value(v)) : 0;
    if (fi > 0) {
        const struct auto_srow *loop = &e->frames[fi - 1].row;
        json_t *val = json_object_get(loop->state, "value");
        r->parent = mctx_json(r->ctx, json_pack("{s:s, s:s, s:s, s:I}", "StepExecutionId", loop->step_id,
                                                "StepName", loop->name, "Action", "aws:loop",
                                                "Iteration", json_integer_value(json_object_get(loop->state, "iteration"))));
        if (r->parent && val && !json_is_null(val)) {
            char *t = NULL;
            if (auto_value_text(val, &t) == 0)
                json_object_set_new(r->parent, "IteratorValue", json_string(t));
            free(t);
        }
    }
    r->attempt = 1;
    r->start = now_s();
    r->ord = ++e->next_ord;
    r->status = ST_IN_PROGRESS;
    if (!r->state || !r->outputs) {
        eng_fail_batch(eng, -ENOMEM, "start a step");
        return;
    }
    if (e->status != ST_IN_PROGRESS && e->status != ST_CANCELLING)
        exec_status(eng, e, ST_IN_PROGRESS);
    eng_dirty(eng, e);
    start_attempt(eng, e);
}

/* Cancel (or time out) the active steps in frames above keep, innermost first. */
static void
stop_rows(struct auto_engine *eng, struct aexec *e, int keep, enum auto_status st, const char *msg)
{
    struct auto_step_ctx sc;
    int fi;

    for (fi = e->depth - 1; fi > keep; fi--) {
        struct auto_frame *f = &e->frames[fi];
        struct auto_srow *r = &f->row;
        if (f->has_row) {
            if (r->active && r->action && r->action->cancel) {
                sc_init(&sc, eng, e, r);
                r->action->cancel(&sc);
            }
            r->active = 0;
            r->status = st;
            r->end = now_s();
            if (msg && !r->failure)
                r->failure = mctx_strdup(r->ctx, msg);
            if (st == ST_TIMED_OUT) {
                r->stage = "Invocation";
                r->ftype = "Timeout";
            }
            write_row(eng, e, r);
            eng_emit_step(eng, e, r);
            drop_row(f);
        }
    }
    e->depth = keep + 1;
}

static void
flow_next(struct auto_engine *eng, struct aexec *e, enum auto_result res)
{
    int fi = e->depth - 1, idx = -1, end = 0, in_order = 0, critical;
    struct auto_frame *f = &e->frames[fi];
    struct auto_srow *r = &f->row;
    const json_t *def = r->def, *crit = json_object_get(def, "isCritical");
    const char *target = NULL, *of;
    char msg[AERR_MAX_MSG];

    snprintf(msg, sizeof(msg), "%s", r->failure ? r->failure : "");
    switch (res) {
    case AUTO_SUCCESS:
        target = r->next ? r->next : json_string_value(json_object_get(def, "nextStep"));
        if (!target && truthy(json_object_get(def, "isEnd")))
            end = 1;
        else if (!target)
            in_order = 1;
        break;
    case AUTO_FAILED:
    case AUTO_TIMED_OUT:
        of = json_string_value(json_object_get(def, "onFailure"));
        if (!of)
            of = "Abort";
        if (!strcmp(of, "Abort")) {
            drop_row(f);
            if (fi > 0) {
                struct work *w;
                e->depth = fi;
                w = eng_work_add(eng, W_BODY_DONE, e->id);
                if (w) {
                    w->fi = fi - 1;
                    w->failed = 1;
                    w->msg = strdup(msg);
                }
                eng_dirty(eng, e);
                return;
            }
            e->depth = 0;
            flow_finish(eng, e, e->cancelling ? ST_CANCELLED : res == AUTO_TIMED_OUT ? ST_TIMED_OUT
                                                                                      : ST_FAILED, msg);
            return;
        }
        critical = crit ? truthy(crit) : strcmp(of, "Continue") != 0;
        if (critical && !e->critical_failed) {
            e->critical_failed = 1;
            if (!e->failure && msg[0])
                e->failure = mctx_strdup(e->ctx, msg);
        }
        if (truthy(json_object_get(def, "isEnd")))
            end = 1;
        else if (!strncmp(of, "step:", 5))
            target = of + 5;
        else if (!(target = json_string_value(json_object_get(def, "nextStep"))))
            in_order = 1;
        break;
    case AUTO_CANCELLED:
    case AUTO_WAITING:
        drop_row(f);
        if (fi == 0 && e->interactive && !e->cancelling) {
            e->depth = 0;
            e->next_pc = f->pc + 1 < (int) json_array_size(f->steps) ? f->pc + 1 : -1;
            exec_status(eng, e, ST_WAITING);
            return;
        }
        e->depth = 0;
        flow_finish(eng, e, ST_CANCELLED, "The step was stopped.");
        return;
    }
    if (target) {
        idx = find_step(f->steps, target);
        if (idx < 0) {
            drop_row(f);
            e->depth = 0;
            snprintf(msg, sizeof(msg), "Step '%.128s' does not exist.", target);
            flow_finish(eng, e, ST_FAILED, msg);
            return;
        }
    } else if (in_order) {
        idx = f->pc + 1;
        if (idx >= (int) json_array_size(f->steps))
            end = 1;
    }
    drop_row(f);
    eng_dirty(eng, e);
    if (end) {
        if (fi == 0) {
            e->depth = 0;
            flow_finish(eng, e, e->cancelling ? ST_CANCELLED : e->critical_failed ? ST_FAILED : ST_SUCCESS,
                        e->critical_failed ? e->failure : NULL);
        } else {
            e->depth = fi;
            eng_work(eng, W_BODY_DONE, e->id, fi - 1, 0);
        }
        return;
    }
    if (fi == 0 && e->interactive && !e->cancelling) {
        e->depth = 0;
        e->next_pc = idx;
        exec_status(eng, e, ST_WAITING);
        return;
    }
    f->pc = idx;
    eng_work(eng, W_ENTER, e->id, fi, idx);
}

static void
step_result(struct auto_engine *eng, struct aexec *e, enum auto_result res)
{
    struct auto_srow *r = top_row(e);
    struct auto_step_ctx sc;

    if (!r)
        return;
    r->active = 0;
    if (r->job) {
        __atomic_store_n(&r->job->cancel, 1, __ATOMIC_RELAXED);
        r->job = NULL;
    }
    r->token = 0;
    if ((res == AUTO_FAILED || res == AUTO_TIMED_OUT) && r->attempt < r->max_attempts && !e->cancelling) {
        /* Retry: the same step execution, the next attempt. */
        r->attempt++;
        r->timeout_token = 0;
        json_object_clear(r->state);
        json_object_clear(r->outputs);
        r->failure = NULL;
        r->next = NULL;
        if (r->timeout_s > 0)
            arm_timeout(eng, e, r);
        sc_init(&sc, eng, e, r);
        res = r->action ? r->action->start(&sc) : res;
        if (res != AUTO_WAITING) {
            step_result(eng, e, res);
            return;
        }
        r->active = 1;
        write_row(eng, e, r);
        return;
    }
    r->timeout_token = 0;
    r->status = res == AUTO_SUCCESS ? ST_SUCCESS : res == AUTO_TIMED_OUT ? ST_TIMED_OUT
              : res == AUTO_CANCELLED ? ST_CANCELLED : ST_FAILED;
    r->end = now_s();
    if (res == AUTO_TIMED_OUT && !r->failure) {
        r->failure = mctx_printf(r->ctx, "Step timed out while step is running: it did not end within "
                                 "its timeoutSeconds (%lld).", (long long) r->timeout_s);
        r->stage = "Invocation";
        r->ftype = "Timeout";
    }
    if (res == AUTO_CANCELLED && !r->failure)
        r->failure = mctx_strdup(r->ctx, "Step was cancelled.");
    write_row(eng, e, r);
    eng_emit_step(eng, e, r);
    if (json_object_size(r->outputs))
        json_object_set(e->outs, r->name, r->outputs);
    if (r->journal && !eng->batch_failed) {
        int rc = rows_journal_drop(eng->tx, e->id, r->idx);
        if (rc < 0)
            eng_fail_batch(eng, rc, "clear the journal");
    }
    eng_dirty(eng, e);
    flow_next(eng, e, res);
}

static void
deliver(struct auto_engine *eng, struct aexec *e, const struct auto_event *ev)
{
    struct auto_srow *r = top_row(e);
    struct auto_step_ctx sc;
    enum auto_result res;

    if (!r || !r->active || !r->action || !r->action->resume)
        return;
    sc_init(&sc, eng, e, r);
    res = r->action->resume(&sc, ev);
    if (res != AUTO_WAITING) {
        step_result(eng, e, res);
        return;
    }
    write_row(eng, e, r);
}

void
flow_event(struct auto_engine *eng, struct aexec *e, const struct auto_event *ev, uint64_t token)
{
    struct auto_srow *r = top_row(e);

    if (r && r->active && r->token == token)
        deliver(eng, e, ev);
}

void
flow_job(struct auto_engine *eng, struct aexec *e, struct auto_job *job)
{
    struct auto_srow *r = top_row(e);
    struct auto_event ev = { .kind = EV_JOB, .job = job };

    if (r && r->active && r->job == job && r->token == job->token) {
        r->job = NULL;
        deliver(eng, e, &ev);
    }
    auto_job_free(job);
}

void
flow_body_done(struct auto_engine *eng, struct aexec *e, int fi, int failed, const char *msg)
{
    struct auto_event ev = { .kind = EV_BODY_DONE, .body_failed = failed, .body_failure = msg };

    if (e->phase != PH_RUNNING || e->depth != fi + 1 || !e->frames[fi].has_row)
        return;
    deliver(eng, e, &ev);
}

void
flow_child_done(struct auto_engine *eng, struct aexec *e, const char *child, enum auto_status st)
{
    struct auto_srow *r = top_row(e);
    struct auto_event ev = { .kind = EV_CHILD, .child_id = child, .child_status = auto_status_name(st) };
    struct aexec *c = auto_map_get(&eng->execs, child);

    if (e->phase != PH_RUNNING)
        return;
    if (e->rc) {
        auto_ratectl_child_done(eng, e, eng->tx, child, st);
        return;
    }
    if (!r || !r->active || strcmp(json_string_value(json_object_get(r->state, "child")) ?: "", child))
        return;
    if (c) {
        ev.child_failure = c->failure;
        ev.child_outputs = mctx_json(r->ctx, auto_exec_outputs(c));
    }
    deliver(eng, e, &ev);
}

void
flow_timer(struct auto_engine *eng, struct aexec *e, uint64_t token)
{
    struct auto_step_ctx sc;
    struct auto_event ev = { .kind = EV_TIMER };
    char msg[512];
    int fi;

    if (token == e->deadline_token && e->phase == PH_RUNNING) {
        snprintf(msg, sizeof(msg), "The execution timed out: an automation that runs in the context of "
                 "the user who started it (without an AutomationAssumeRole) stops after %ld hours; "
                 "operations expected to run longer require a service role.",
                 (long) (eng->cfg.invoker_max_s / 3600 ? eng->cfg.invoker_max_s / 3600 : 1));
        if (eng->cfg.invoker_max_s % 3600)
            snprintf(msg, sizeof(msg), "The execution timed out: an automation that runs in the context "
                     "of the user who started it (without an AutomationAssumeRole) stops after %ld "
                     "seconds; operations expected to run longer require a service role.",
                     eng->cfg.invoker_max_s);
        stop_rows(eng, e, -1, ST_TIMED_OUT, msg);
        flow_finish(eng, e, ST_TIMED_OUT, msg);
        return;
    }
    if (token == e->cancel_token && e->phase == PH_RUNNING) {
        stop_rows(eng, e, -1, ST_CANCELLED, "The onCancel workflow ran out of time.");
        flow_finish(eng, e, ST_CANCELLED, NULL);
        return;
    }
    for (fi = e->depth - 1; fi >= 0; fi--) {
        struct auto_srow *r = e->frames[fi].has_row ? &e->frames[fi].row : NULL;
        if (!r || !r->active)
            continue;
        if (token == r->timeout_token) {
            stop_rows(eng, e, fi, ST_CANCELLED, "The step was cancelled: its loop timed out.");
            if (r->action && r->action->cancel) {
                sc_init(&sc, eng, e, r);
                r->action->cancel(&sc);
            }
            step_result(eng, e, AUTO_TIMED_OUT);
            return;
        }
        if (fi == e->depth - 1 && token == r->token) {
            deliver(eng, e, &ev);
            return;
        }
    }
}

/* ---- executions ---- */

void
flow_arm_deadlines(struct auto_engine *eng, struct aexec *e)
{
    if (e->deadline_ms) {
        e->deadline_token = eng_token(eng);
        (void) eng_timer(eng, e, e->deadline_ms, e->deadline_token);
    }
    if (e->cancelling && e->cancel_deadline_ms) {
        e->cancel_token = eng_token(eng);
        (void) eng_timer(eng, e, e->cancel_deadline_ms, e->cancel_token);
    }
}

void
flow_begin(struct auto_engine *eng, struct aexec *e)
{
    struct principal p;
    struct aerr err = {0};
    char msg[512], rid[37];

    e->phase = PH_RUNNING;
    if (e->rc) {
        exec_status(eng, e, ST_IN_PROGRESS);
        auto_ratectl_advance(eng, e, eng->tx);
        return;
    }
    if (!e->role) {
        e->deadline_ms = auto_now_ms() + eng->cfg.invoker_max_s * 1000;
        flow_arm_deadlines(eng, e);
    } else if (eng_session(eng, e, &p, &err) < 0) {
        if (ids_uuid(rid) < 0)
            strcpy(rid, "00000000-0000-4000-8000-000000000000");
        snprintf(msg, sizeof(msg), "The defined assume role is unable to be assumed. (Service: "
                 "AWSSimpleSystemsManagement; Status Code: 400; Error Code: "
                 "InvalidAutomationExecutionParametersException; Request ID: %s)", rid);
        flow_finish(eng, e, ST_FAILED, msg);
        return;
    }
    if (e->interactive) {
        e->depth = 0;
        e->next_pc = 0;
        exec_status(eng, e, ST_WAITING);
        return;
    }
    exec_status(eng, e, ST_IN_PROGRESS);
    e->depth = 1;
    memset(&e->frames[0], 0, sizeof(e->frames[0]));
    e->frames[0].steps = e->main;
    eng_work(eng, W_ENTER, e->id, 0, 0);
}

void
flow_finish(struct auto_engine *eng, struct aexec *e, enum auto_status st, const char *msg)
{
    struct acct *a;
    struct work *w;
    int was_running = e->phase == PH_RUNNING;

    if (e->phase == PH_DONE)
        return;
    if (e->depth)
        stop_rows(eng, e, -1, ST_CANCELLED, NULL);
    if (e->phase == PH_QUEUED)
        eng_unqueue(eng, e);
    e->depth = 0;
    e->phase = PH_DONE;
    e->end_time = now_s();
    if (!eng->batch_failed && rows_journal_forget(eng->tx, e->id) < 0)
        eng_fail_batch(eng, -EIO, "clear the journal");
    if (st == ST_SUCCESS)
        e->failure = NULL;
    else if (msg && *msg && (!e->failure || st != ST_FAILED || !e->critical_failed))
        e->failure = mctx_strdup(e->ctx, msg);
    exec_status(eng, e, st);
    if (e->counted && was_running) {
        a = eng_acct(eng, e->account);
        if (a) {
            a->running--;
            eng_work(eng, W_PROMOTE, a->id, 0, 0);
        }
    }
    e->counted = 0;
    if (e->parent_id) {
        w = eng_work_add(eng, W_CHILD_DONE, e->parent_id);
        if (w) {
            snprintf(w->child, sizeof(w->child), "%s", e->id);
            w->st = st;
        }
    }
    e->next_done = eng->finished;
    eng->finished = e;
}

void
flow_recover(struct auto_engine *eng, struct aexec *e)
{
    struct auto_step_ctx sc;
    struct auto_srow *r;
    enum auto_result res;
    int fi;

    flow_arm_deadlines(eng, e);
    if (e->rc) {
        auto_ratectl_advance(eng, e, eng->tx);
        return;
    }
    if (!e->depth) {
        if (!e->interactive)
            flow_finish(eng, e, e->critical_failed ? ST_FAILED : ST_SUCCESS, e->failure);
        return;
    }
    for (fi = 0; fi < e->depth - 1; fi++)
        if (e->frames[fi].has_row)
            arm_timeout(eng, e, &e->frames[fi].row);
    fi = e->depth - 1;
    if (!e->frames[fi].has_row) {
        eng_work(eng, W_ENTER, e->id, fi, e->frames[fi].pc);
        return;
    }
    r = &e->frames[fi].row;
    arm_timeout(eng, e, r);
    if (!r->action) {
        sc_init(&sc, eng, e, r);
        step_result(eng, e, auto_fail(&sc, "Invocation", "Unexpected", "Action is not supported."));
        return;
    }
    if (!r->inputs)
        r->inputs = mctx_json(r->ctx, json_object());
    sc_init(&sc, eng, e, r);
    res = r->action->recover ? r->action->recover(&sc) : r->action->start(&sc);
    if (res != AUTO_WAITING) {
        step_result(eng, e, res);
        return;
    }
    r->active = 1;
    write_row(eng, e, r);
}

static const char *
payload_str(const json_t *payload, const char *key)
{
    const json_t *v = json_object_get(payload, key);

    return json_is_array(v) ? json_string_value(json_array_get(v, 0)) : json_string_value(v);
}

int
flow_signal(struct auto_engine *eng, struct aexec *e, const char *type, const json_t *payload,
            const struct principal *sender, struct aerr *err)
{
    struct auto_event ev = { .kind = EV_SIGNAL, .signal = type, .payload = payload, .sender = sender };
    struct auto_srow *r = top_row(e);
    struct auto_step_ctx sc;
    enum auto_result res;
    const char *name;
    int pc, fi, rc;

    if (e->phase != PH_RUNNING || e->rc)
        return aerr_set(err, -EINVAL, 400, "InvalidAutomationSignalException",
                        "Automation execution %s is not running; it cannot take a %s signal.", e->id, type);
    if (e->cancelling)
        return aerr_set(err, -EINVAL, 400, "InvalidAutomationSignalException",
                        "Automation execution %s is being cancelled.", e->id);
    if (!strcmp(type, "StartStep")) {
        name = payload_str(payload, "StepName");
        if (!e->interactive)
            return aerr_set(err, -EINVAL, 400, "InvalidAutomationSignalException",
                            "StartStep is only valid for an execution in Interactive mode.");
        if (!name)
            return aerr_set(err, -EINVAL, 400, "InvalidAutomationSignalException",
                            "StartStep needs the step's name in the payload: StepName=<name>.");
        pc = find_step(e->main, name);
        if (pc < 0)
            return aerr_set(err, -ENOENT, 400, "AutomationStepNotFoundException",
                            "Step %.128s does not exist in automation execution %s.", name, e->id);
        if (e->depth)
            return aerr_set(err, -EINVAL, 400, "InvalidAutomationSignalException",
                            "A step of automation execution %s is already running.", e->id);
        e->depth = 1;
        memset(&e->frames[0], 0, sizeof(e->frames[0]));
        e->frames[0].steps = e->main;
        e->frames[0].pc = pc;
        exec_status(eng, e, ST_IN_PROGRESS);
        eng_work(eng, W_ENTER, e->id, 0, pc);
        return 0;
    }
    if (!strcmp(type, "StopStep")) {
        name = payload_str(payload, "StepExecutionId");
        if (!name)
            return aerr_set(err, -EINVAL, 400, "InvalidAutomationSignalException",
                            "StopStep needs the step execution's id in the payload: StepExecutionId=<id>.");
        for (fi = e->depth - 1; fi >= 0; fi--)
            if (e->frames[fi].has_row && !strcmp(e->frames[fi].row.step_id, name))
                break;
        if (fi < 0)
            return aerr_set(err, -ENOENT, 400, "AutomationStepNotFoundException",
                            "Step execution %.64s is not running in automation execution %s.", name, e->id);
        stop_rows(eng, e, fi, ST_CANCELLED, "The step was cancelled.");
        r = top_row(e);
        if (r->action && r->action->cancel) {
            sc_init(&sc, eng, e, r);
            r->action->cancel(&sc);
        }
        step_result(eng, e, AUTO_CANCELLED);
        return 0;
    }
    if (!strcmp(type, "Approve") || !strcmp(type, "Reject") || !strcmp(type, "Resume")) {
        if (!r || !r->active || !r->action || !r->action->signal)
            return aerr_set(err, -EINVAL, 400, "InvalidAutomationSignalException",
                            "No step of automation execution %s is waiting for a %s signal.", e->id, type);
        name = payload_str(payload, "StepName");
        if (name && strcmp(name, r->name))
            return aerr_set(err, -ENOENT, 400, "AutomationStepNotFoundException",
                            "Step %.128s is not waiting in automation execution %s.", name, e->id);
        sc_init(&sc, eng, e, r);
        rc = r->action->signal(&sc, &ev, &res, err);
        if (rc < 0)
            return rc;
        if (res != AUTO_WAITING) {
            if (e->status == ST_WAITING)
                exec_status(eng, e, ST_IN_PROGRESS);
            step_result(eng, e, res);
        } else {
            write_row(eng, e, r);
        }
        return 0;
    }
    return aerr_set(err, -EINVAL, 400, "InvalidAutomationSignalException",
                    "The %s signal is not valid for automation execution %s.", type, e->id);
}

int
flow_stop(struct auto_engine *eng, struct aexec *e, const char *type, struct aerr *err)
{
    struct auto_srow *r;
    const char *oc;
    int pc;

    if (e->phase == PH_DONE)
        return aerr_set(err, -EINVAL, 400, "InvalidAutomationStatusUpdateException",
                        "Automation execution %s has already ended; it cannot be stopped.", e->id);
    if (e->phase == PH_QUEUED) {
        flow_finish(eng, e, ST_CANCELLED, NULL);
        return 0;
    }
    if (type && !strcmp(type, "Complete")) {
        if (e->rc) {
            auto_ratectl_cancel(eng, e, eng->tx);
            return 0;
        }
        stop_rows(eng, e, -1, ST_CANCELLED, "The step was cancelled: the execution was completed.");
        flow_finish(eng, e, e->critical_failed ? ST_FAILED : ST_SUCCESS, e->failure);
        return 0;
    }
    if (e->rc) {
        exec_status(eng, e, ST_CANCELLING);
        auto_ratectl_cancel(eng, e, eng->tx);
        return 0;
    }
    if (e->cancelling) {                        /* a second Cancel: now */
        flow_finish(eng, e, ST_CANCELLED, NULL);
        return 0;
    }
    e->cancelling = 1;
    exec_status(eng, e, ST_CANCELLING);
    r = top_row(e);
    if (!r) {
        flow_finish(eng, e, ST_CANCELLED, NULL);
        return 0;
    }
    /* The onCancel of the step that was running in the runbook's main steps. */
    oc = json_string_value(json_object_get(e->frames[e->depth - 1].row.def, "onCancel"));
    if (e->depth > 1 && e->frames[0].has_row)
        oc = json_string_value(json_object_get(e->frames[0].row.def, "onCancel"));
    stop_rows(eng, e, -1, ST_CANCELLED, "The step was cancelled.");
    pc = oc && !strncmp(oc, "step:", 5) ? find_step(e->main, oc + 5) : -1;
    if (pc < 0) {
        flow_finish(eng, e, ST_CANCELLED, NULL);
        return 0;
    }
    e->cancel_deadline_ms = auto_now_ms() + AUTO_CANCEL_WINDOW_MS;
    e->cancel_token = eng_token(eng);
    (void) eng_timer(eng, e, e->cancel_deadline_ms, e->cancel_token);
    e->depth = 1;
    memset(&e->frames[0], 0, sizeof(e->frames[0]));
    e->frames[0].steps = e->main;
    e->frames[0].pc = pc;
    eng_dirty(eng, e);
    eng_work(eng, W_ENTER, e->id, 0, pc);
    return 0;
}
