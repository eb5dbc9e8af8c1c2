/* src/automation/engine.c - the engine thread: inboxes (API calls, finished jobs), timers,
 * batches of work in one transaction each (group commit), the effects that follow a commit,
 * execution creation and quotas, and recovery after a restart.
 * Used by: ssm/automation.c (through automation.h). Uses: flow.c, rows.c, worker.c, store/. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "../base/log.h"
#include "../core/authz.h"
#include "../core/cfg.h"
#include "../crypto/ids.h"
#include "engine.h"
#include "rows.h"

int64_t
auto_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const struct auto_config *
auto_engine_config(const struct auto_engine *eng)
{
    return &eng->cfg;
}

struct auto_publisher *
auto_engine_publisher(struct auto_engine *eng)
{
    return eng->pub;
}

void
auto_engine_stats(struct auto_engine *eng, struct auto_stats *ret)
{
    pthread_mutex_lock(&eng->lock);
    *ret = eng->stats;
    pthread_mutex_unlock(&eng->lock);
}

/* ---- small services for flow.c and the actions ---- */

uint64_t
eng_token(struct auto_engine *eng)
{
    return ++eng->next_token;
}

int
eng_timer(struct auto_engine *eng, struct aexec *e, int64_t due_ms, uint64_t token)
{
    int r = auto_heap_push(&eng->timers, due_ms, e->id, token);

    if (r < 0)
        eng_fail_batch(eng, r, "arm a timer");
    return r;
}

void
eng_dirty(struct auto_engine *eng, struct aexec *e)
{
    if (e->dirty)
        return;
    e->dirty = 1;
    e->next_dirty = eng->dirty;
    eng->dirty = e;
}

void
eng_fail_batch(struct auto_engine *eng, int r, const char *what)
{
    if (!eng->batch_failed)
        log_error("automation engine cannot %s: %s", what, strerror(r < 0 ? -r : r));
    eng->batch_failed = 1;
}

struct work *
eng_work_add(struct auto_engine *eng, enum work_kind kind, const char *id)
{
    struct work *w = calloc(1, sizeof(*w));

    if (!w) {
        eng_fail_batch(eng, -ENOMEM, "queue work");
        return NULL;
    }
    w->kind = kind;
    snprintf(w->id, sizeof(w->id), "%s", id);
    if (eng->wq_tail)
        eng->wq_tail->next = w;
    else
        eng->wq_head = w;
    eng->wq_tail = w;
    return w;
}

void
eng_work(struct auto_engine *eng, enum work_kind kind, const char *id, int fi, int pc)
{
    struct work *w = eng_work_add(eng, kind, id);

    if (w) {
        w->fi = fi;
        w->pc = pc;
    }
}

struct acct *
eng_acct(struct auto_engine *eng, const char *account)
{
    struct acct *a = auto_map_get(&eng->accts, account);

    if (a)
        return a;
    a = calloc(1, sizeof(*a));
    if (!a)
        return NULL;
    snprintf(a->id, sizeof(a->id), "%s", account);
    if (auto_map_put(&eng->accts, a->id, a) < 0) {
        free(a);
        return NULL;
    }
    return a;
}

static void
change_of(const struct aexec *e, struct auto_change *c)
{
    memset(c, 0, sizeof(*c));
    c->account = e->account;
    c->region = e->region;
    c->execution_id = e->id;
    c->definition = e->doc_name;
    c->definition_version = e->doc_version;
    c->start = e->start_time;
    c->now = (double) auto_now_ms() / 1000.0;
}

void
eng_emit_exec(struct auto_engine *eng, struct aexec *e)
{
    struct auto_change c;
    json_t *ev;

    change_of(e, &c);
    c.status = auto_status_name(e->status);
    c.end = auto_status_terminal(e->status) ? e->end_time : 0;
    c.executed_by = e->executed_by;
    ev = auto_event_build(&c);
    if (ev)
        json_array_append_new(eng->events, ev);
    eng->b_transitions++;
}

void
eng_emit_step(struct auto_engine *eng, struct aexec *e, struct auto_srow *r)
{
    struct auto_change c;
    json_t *ev;

    change_of(e, &c);
    c.status = auto_status_name(r->status);
    c.start = r->start;
    c.end = auto_status_terminal(r->status) ? r->end : 0;
    c.step_name = r->name;
    c.action = r->action ? r->action->name : json_string_value(json_object_get(r->def, "action"));
    ev = auto_event_build(&c);
    if (ev)
        json_array_append_new(eng->events, ev);
    eng->b_transitions++;
    eng->b_steps++;
}

int
eng_session(struct auto_engine *eng, struct aexec *e, struct principal *ret, struct aerr *err)
{
    char arn[256];
    int r;

    if (e->session) {
        *ret = *e->session;
        return 0;
    }
    snprintf(arn, sizeof(arn), "arn:aws:ssm:%s:%s:automation-execution/%s", e->region, e->account, e->id);
    r = authz_assume_role_as_service(eng->tx, e->role, "ssm.amazonaws.com", arn, e->account, e->id,
                                     ret, err);
    if (r < 0)
        return r;
    e->session = mctx_alloc(e->ctx, sizeof(*e->session));
    if (e->session)
        *e->session = *ret;
    return 0;
}

/* ---- runbooks shared by hash ---- */

static struct auto_doc *
doc_get(struct auto_engine *eng, const char *hash, json_t *parsed)
{
    struct auto_doc *d = auto_map_get(&eng->docs, hash);
    struct store_rows *q = NULL;
    json_error_t jerr;

    if (d) {
        json_decref(parsed);
        d->refs++;
        return d;
    }
    if (!parsed) {
        if (store_query(eng->tx, &q, "SELECT content FROM auto_doc WHERE hash = ?1", "s", hash) > 0)
            parsed = json_loads(store_col_text(q, 0), 0, &jerr);
        store_rows_done(q);
        if (!parsed)
            return NULL;
    }
    d = calloc(1, sizeof(*d));
    if (!d) {
        json_decref(parsed);
        return NULL;
    }
    snprintf(d->hash, sizeof(d->hash), "%s", hash);
    d->doc = parsed;
    d->refs = 1;
    if (auto_map_put(&eng->docs, d->hash, d) < 0) {
        json_decref(parsed);
        free(d);
        return NULL;
    }
    return d;
}

static void
doc_put(struct auto_engine *eng, struct auto_doc *d)
{
    if (!d || --d->refs > 0)
        return;
    auto_map_del(&eng->docs, d->hash);
    json_decref(d->doc);
    free(d);
}

/* ---- executions in memory ---- */

static struct aexec *
exec_new(struct auto_engine *eng, const char *id)
{
    struct mctx *ctx = mctx_new(eng->top, "execution");
    struct aexec *e;

    if (!ctx)
        return NULL;
    e = mctx_alloc(ctx, sizeof(*e));
    if (!e) {
        mctx_delete(ctx);
        return NULL;
    }
    e->ctx = ctx;
    snprintf(e->id, sizeof(e->id), "%s", id);
    e->next_pc = -1;
    return e;
}

static void
exec_free(struct auto_engine *eng, struct aexec *e)
{
    int i;

    for (i = 0; i < AUTO_MAX_DEPTH; i++)
        if (e->frames[i].has_row && e->frames[i].row.job)
            __atomic_store_n(&e->frames[i].row.job->cancel, 1, __ATOMIC_RELAXED);
    doc_put(eng, e->doc);
    mctx_delete(e->ctx);                      /* frees e too */
}

static int
exec_fill(struct auto_engine *eng, struct aexec *e, const char *account, const char *region,
          const char *doc_name, const char *doc_version, const char *executed_by,
          const char *parent, const char *target, const char *role)
{
    struct mctx *c = e->ctx;

    snprintf(e->account, sizeof(e->account), "%s", account);
    e->region = mctx_strdup(c, region);
    e->doc_name = mctx_strdup(c, doc_name);
    e->doc_version = mctx_strdup(c, doc_version);
    e->executed_by = mctx_strdup(c, executed_by);
    e->parent_id = parent && *parent ? mctx_strdup(c, parent) : NULL;
    e->target = target ? mctx_strdup(c, target) : NULL;
    e->role = role && *role ? mctx_strdup(c, role) : NULL;
    if (!e->region || !e->doc_name || !e->doc_version || !e->executed_by)
        return -ENOMEM;
    e->main = json_object_get(e->doc->doc, "mainSteps");
    e->nrows = (int) json_array_size(e->main);
    e->used = mctx_alloc(c, json_array_size(e->main) + 1);
    return e->used ? 0 : -ENOMEM;
}

static void
queue_push(struct acct *a, struct aexec *e)
{
    e->next_queued = NULL;
    if (a->qtail)
        a->qtail->next_queued = e;
    else
        a->qhead = e;
    a->qtail = e;
}

void
eng_unqueue(struct auto_engine *eng, struct aexec *e)
{
    struct acct *a = eng_acct(eng, e->account);
    struct aexec **p;

    if (!a)
        return;
    for (p = &a->qhead; *p; p = &(*p)->next_queued)
        if (*p == e) {
            *p = e->next_queued;
            if (a->qtail == e) {
                struct aexec *t = a->qhead;
                while (t && t->next_queued)
                    t = t->next_queued;
                a->qtail = t;
            }
            a->queued--;
            e->counted = 0;
            return;
        }
}

static int
token_lookup(struct auto_engine *eng, const struct auto_spec *s, char ret_id[37], struct aerr *err)
{
    struct store_rows *q;
    int r;

    r = store_query(eng->tx, &q, "SELECT id, request_hash FROM auto_exec WHERE account = ?1 AND client_token = ?2",
                    "ss", s->account, s->client_token);
    if (r > 0) {
        if (strcmp(store_col_text(q, 1) ? store_col_text(q, 1) : "", s->request_hash)) {
            r = aerr_set(err, -EEXIST, 400, "IdempotentParameterMismatch",
                         "The ClientToken '%s' was used with different parameters.", s->client_token);
        } else {
            snprintf(ret_id, 37, "%s", store_col_text(q, 0));
            r = 1;
        }
    }
    store_rows_done(q);
    return r;
}

int
eng_create(struct auto_engine *eng, struct auto_spec *s, char ret_id[37], struct aerr *err)
{
    struct acct *a;
    struct aexec *e = NULL;
    char id[37];
    int r;

    if (s->client_token[0]) {
        r = token_lookup(eng, s, ret_id, err);
        if (r != 0)
            goto out;
    }
    a = eng_acct(eng, s->account);
    if (!a) {
        r = aerr_internal(err, -ENOMEM);
        goto out;
    }
    if (a->running + a->queued >= eng->cfg.max_running + eng->cfg.max_queued) {
        r = aerr_set(err, -EAGAIN, 400, "AutomationExecutionLimitExceededException",
                     "The number of simultaneously running Automation executions exceeded the "
                     "allowable limit (%ld running and %ld queued).", eng->cfg.max_running,
                     eng->cfg.max_queued);
        goto out;
    }
    if (ids_uuid(id) < 0) {
        r = aerr_internal(err, -EIO);
        goto out;
    }
    e = exec_new(eng, id);
    if (!e) {
        r = aerr_internal(err, -ENOMEM);
        goto out;
    }
    e->doc = doc_get(eng, s->doc_hash, s->doc);
    s->doc = NULL;
    if (!e->doc) {
        r = aerr_internal(err, -ENOMEM);
        goto out;
    }
    r = exec_fill(eng, e, s->account, s->region, s->doc_name, s->doc_version, s->executed_by,
                  s->parent_id, s->target, s->role);
    if (r < 0) {
        r = aerr_internal(err, r);
        goto out;
    }
    e->params = mctx_json(e->ctx, json_incref(s->params));
    e->vars = mctx_json(e->ctx, s->vars ? json_incref(s->vars) : json_object());
    e->outs = mctx_json(e->ctx, json_object());
    e->who = mctx_json(e->ctx, json_incref(s->who));
    e->interactive = s->interactive;
    e->start_time = (double) auto_now_ms() / 1000.0;
    e->status = ST_PENDING;
    e->phase = PH_QUEUED;
    if (!e->params || !e->vars || !e->outs || !e->who) {
        r = aerr_internal(err, -ENOMEM);
        goto out;
    }
    r = rows_insert_exec(eng->tx, e, s);
    if (r < 0) {
        eng_fail_batch(eng, r, "write an execution");
        r = aerr_internal(err, r);
        goto out;
    }
    if (s->target_param) {
        r = auto_ratectl_load(eng, e, eng->tx, json_pack("{s:O, s:s, s:s, s:s, s:O}", "values", s->target_values,
                                                          "param", s->target_param, "max_concurrency", s->max_concurrency,
                                                          "max_errors", s->max_errors, "given", s->given ? s->given : json_object()));
        if (r < 0) {
            r = aerr_internal(err, r);
            goto out;
        }
    }
    r = auto_map_put(&eng->execs, e->id, e);
    if (r < 0) {
        r = aerr_internal(err, r);
        goto out;
    }
    a->queued++;
    e->counted = 1;
    queue_push(a, e);
    eng_dirty(eng, e);                       /* its cursor (rate control) is written this batch */
    eng_work(eng, W_PROMOTE, a->id, 0, 0);
    eng_emit_exec(eng, e);
    snprintf(ret_id, 37, "%s", e->id);
    e = NULL;
    r = 0;
out:
    if (e)
        exec_free(eng, e);
    auto_spec_done(s);
    return r;
}

int
eng_create_failed(struct auto_engine *eng, struct auto_spec *s, const char *doc_name,
                  const char *message, char ret_id[37])
{
    int r;

    if (ids_uuid(ret_id) < 0)
        return -EIO;
    r = rows_insert_failed(eng->tx, ret_id, s, doc_name, message, (double) auto_now_ms() / 1000.0);
    if (r < 0)
        eng_fail_batch(eng, r, "write an execution");
    return r;
}

static void
promote(struct auto_engine *eng, struct acct *a)
{
    struct aexec *e;

    while (a->running < eng->cfg.max_running && (e = a->qhead)) {
        a->qhead = e->next_queued;
        if (!a->qhead)
            a->qtail = NULL;
        a->queued--;
        a->running++;
        flow_begin(eng, e);
    }
}

/* ---- recovery ---- */

static json_t *
col_json(struct store_rows *q, int col)
{
    json_error_t jerr;
    const char *t = store_col_text(q, col);

    return t ? json_loads(t, JSON_DECODE_ANY, &jerr) : NULL;
}

/* Reload a step execution row into r. */
static int
load_row(struct auto_engine *eng, struct aexec *e, const json_t *steps, int pc, int idx, struct auto_srow *r)
{
    struct store_rows *q;
    json_t *v;
    int rc;

    memset(r, 0, sizeof(*r));
    rc = store_query(eng->tx, &q, "SELECT step_id, status, start_time, end_time, attempt, rin,"
                                  " astate, parent, outputs, failure, ord FROM auto_step"
                                  " WHERE exec_id = ?1 AND idx = ?2", "si", e->id, (int64_t) idx);
    if (rc <= 0) {
        store_rows_done(q);
        return rc < 0 ? rc : -ENOENT;
    }
    r->idx = idx;
    r->exists = 1;
    snprintf(r->step_id, sizeof(r->step_id), "%s", store_col_text(q, 0));
    r->def = json_array_get(steps, (size_t) pc);
    r->name = json_string_value(json_object_get(r->def, "name"));
    r->action = auto_action_find(json_string_value(json_object_get(r->def, "action")));
    r->status = ST_IN_PROGRESS;
    if (!strcmp(store_col_text(q, 1), "Waiting"))
        r->status = ST_WAITING;
    else if (!strcmp(store_col_text(q, 1), "Pending"))
        r->status = ST_PENDING;
    r->start = store_col_double(q, 2);
    r->attempt = (int) store_col_int(q, 4);
    r->ord = store_col_int(q, 10);
    r->ctx = mctx_new(e->ctx, "step");
    r->inputs = r->ctx ? mctx_json(r->ctx, col_json(q, 5)) : NULL;
    r->state = r->ctx ? mctx_json(r->ctx, col_json(q, 6)) : NULL;
    r->parent = r->ctx ? mctx_json(r->ctx, col_json(q, 7)) : NULL;
    r->outputs = r->ctx ? mctx_json(r->ctx, json_object()) : NULL;
    if (!r->state && r->ctx)
        r->state = mctx_json(r->ctx, json_object());
    v = json_object_get(r->def, "maxAttempts");
    r->max_attempts = json_is_integer(v) ? (int) json_integer_value(v) : 1;
    v = json_object_get(r->def, "timeoutSeconds");
    r->timeout_s = json_is_integer(v) ? json_integer_value(v) : 0;
    store_rows_done(q);
    return r->ctx && r->state && r->outputs ? 0 : -ENOMEM;
}

/* The steps list of frame fi: mainSteps, or the Steps of the loop step current in frame fi-1. */
static const json_t *
frame_steps(struct aexec *e, int fi)
{
    if (fi == 0)
        return e->main;
    return json_object_get(json_object_get(e->frames[fi - 1].row.def, "inputs"), "Steps");
}

static int
load_exec(struct auto_engine *eng, struct store_rows *q)
{
    const char *status = store_col_text(q, 6);
    json_t *cursor = NULL, *frames, *f;
    struct store_rows *u = NULL;
    struct auto_doc *d;
    struct aexec *e;
    struct acct *a;
    size_t i;
    int r;

    e = exec_new(eng, store_col_text(q, 0));
    if (!e)
        return -ENOMEM;
    d = doc_get(eng, store_col_text(q, 5), NULL);
    if (!d) {
        log_error("automation execution '%s': its runbook is missing from the store", e->id);
        exec_free(eng, e);
        return 0;
    }
    e->doc = d;
    r = exec_fill(eng, e, store_col_text(q, 1), store_col_text(q, 2), store_col_text(q, 3),
                  store_col_text(q, 4), store_col_text(q, 23), store_col_text(q, 14),
                  store_col_text(q, 15), store_col_text(q, 9));
    if (r < 0)
        goto fail;
    e->interactive = !strcmp(store_col_text(q, 7), "Interactive");
    e->who = mctx_json(e->ctx, col_json(q, 8));
    e->params = mctx_json(e->ctx, col_json(q, 10));
    e->vars = mctx_json(e->ctx, col_json(q, 11));
    e->outs = mctx_json(e->ctx, col_json(q, 12));
    if (!e->vars)
        e->vars = mctx_json(e->ctx, json_object());
    if (!e->outs)
        e->outs = mctx_json(e->ctx, json_object());
    e->start_time = store_col_double(q, 13);
    if (store_col_text(q, 24))
        e->failure = mctx_strdup(e->ctx, store_col_text(q, 24));
    if (!e->who || !e->params || !e->vars || !e->outs) {
        r = -ENOMEM;
        goto fail;
    }
    a = eng_acct(eng, e->account);
    if (!a) {
        r = -ENOMEM;
        goto fail;
    }
    r = auto_map_put(&eng->execs, e->id, e);
    if (r < 0)
        goto fail;
    e->counted = 1;
    cursor = col_json(q, 22);
    if (json_object_get(cursor, "rc")) {
        r = auto_ratectl_load(eng, e, eng->tx, json_incref(json_object_get(cursor, "rc")));
        if (r < 0)
            goto fail;
    }
    if (!strcmp(status, "Pending")) {        /* queued: it has not begun */
        e->status = ST_PENDING;
        e->phase = PH_QUEUED;
        a->queued++;
        queue_push(a, e);
        json_decref(cursor);
        return 0;
    }
    a->running++;
    e->phase = PH_RUNNING;
    e->status = !strcmp(status, "Waiting") ? ST_WAITING : !strcmp(status, "Cancelling") ? ST_CANCELLING
                                                                                           : ST_IN_PROGRESS;
    e->next_pc = (int) json_integer_value(json_object_get(cursor, "next_pc"));
    e->nrows = (int) json_integer_value(json_object_get(cursor, "nrows"));
    e->next_ord = json_integer_value(json_object_get(cursor, "ord"));
    e->critical_failed = (int) json_integer_value(json_object_get(cursor, "critical"));
    e->cancelling = (int) json_integer_value(json_object_get(cursor, "cancelling"));
    e->cancel_deadline_ms = json_integer_value(json_object_get(cursor, "cancel_deadline"));
    e->deadline_ms = json_integer_value(json_object_get(cursor, "deadline"));
    if (!e->nrows)
        e->nrows = (int) json_array_size(e->main);
    if (e->rc) {
        json_decref(cursor);
        return 0;
    }
    r = store_query(eng->tx, &u, "SELECT idx FROM auto_step WHERE exec_id = ?1 AND idx < ?2 AND status != 'Pending'",
                    "si", e->id, (int64_t) json_array_size(e->main));
    for (; r > 0; r = store_next(u))
        e->used[store_col_int(u, 0)] = 1;
    store_rows_done(u);
    if (r < 0)
        goto fail;
    frames = json_object_get(cursor, "frames");
    json_array_foreach(frames, i, f) {
        struct auto_frame *fr;
        int pc = (int) json_integer_value(json_object_get(f, "pc")), row = (int) json_integer_value(json_object_get(f, "row"));
        if (i >= AUTO_MAX_DEPTH)
            break;
        fr = &e->frames[i];
        fr->steps = frame_steps(e, (int) i);
        fr->pc = pc;
        e->depth = (int) i + 1;
        if (!fr->steps || pc < 0 || (size_t) pc >= json_array_size(fr->steps)) {
            log_error("automation execution '%s': its position is not valid", e->id);
            e->depth = (int) i;
            break;
        }
        if (row >= 0) {
            r = load_row(eng, e, fr->steps, pc, row, &fr->row);
            if (r < 0)
                goto fail;
            fr->has_row = 1;
            fr->row.active = 1;
        }
    }
    json_decref(cursor);
    return 0;
fail:
    json_decref(cursor);
    auto_map_del(&eng->execs, e->id);
    exec_free(eng, e);
    return r;
}

struct collect {
    struct aexec **v;
    size_t         n;
};

static void
collect_running(void *arg, void *val)
{
    struct collect *c = arg;
    struct aexec *e = val;

    if (e->phase == PH_RUNNING)
        c->v[c->n++] = e;
}

static void
promote_one(void *arg, void *val)
{
    struct acct *a = val;

    eng_work(arg, W_PROMOTE, a->id, 0, 0);
}

static int
recover(struct auto_engine *eng)
{
    struct store_rows *q;
    long n = 0;
    int r;

    r = store_query(eng->tx, &q,
                    "SELECT id, account, region, doc_name, doc_version, doc_hash, status, mode,"
                    " principal, role, params, vars, step_outputs, start_time, parent_id, target,"
                    " target_param, targets, target_maps, max_concurrency, max_errors,"
                    " resolved_targets, cursor, executed_by, failure"
                    " FROM auto_exec WHERE done = 0 ORDER BY seq", "");
    for (; r > 0; r = store_next(q)) {
        if (load_exec(eng, q) < 0) {
            r = -ENOMEM;
            break;
        }
        n++;
    }
    store_rows_done(q);
    if (r < 0)
        return r;
    /* Reconcile them once all are loaded (a parent looks its children up), from a list:
     * reconciling may start children, which changes the map. */
    {
        struct collect c = { calloc(eng->execs.n + 1, sizeof(struct aexec *)), 0 };
        size_t i;
        if (!c.v)
            return -ENOMEM;
        auto_map_each(&eng->execs, collect_running, &c);
        for (i = 0; i < c.n; i++)
            flow_recover(eng, c.v[i]);
        free(c.v);
    }
    auto_map_each(&eng->accts, promote_one, eng);
    if (n)
        log_info("automation: %ld unfinished executions resumed", n);
    return 0;
}

/* ---- the batch ---- */

static void
do_work(struct auto_engine *eng, struct work *w)
{
    struct aexec *e = w->kind == W_PROMOTE ? NULL : auto_map_get(&eng->execs, w->id);
    struct acct *a;

    switch (w->kind) {
    case W_PROMOTE:
        a = auto_map_get(&eng->accts, w->id);
        if (a)
            promote(eng, a);
        break;
    case W_ENTER:
        if (e)
            flow_enter(eng, e, w->fi, w->pc);
        break;
    case W_BODY_DONE:
        if (e)
            flow_body_done(eng, e, w->fi, w->failed, w->msg);
        break;
    case W_CHILD_DONE:
        if (e)
            flow_child_done(eng, e, w->child, w->st);
        break;
    case W_CANCEL:
        if (e) {
            struct aerr ignored;
            (void) flow_stop(eng, e, "Cancel", &ignored);
        }
        break;
    }
}

static void
drain_work(struct auto_engine *eng)
{
    struct work *w;

    while ((w = eng->wq_head)) {
        eng->wq_head = w->next;
        if (!eng->wq_head)
            eng->wq_tail = NULL;
        if (!eng->batch_failed)
            do_work(eng, w);
        free(w->msg);
        free(w);
    }
}

static void
handle_request(struct auto_engine *eng, struct request *rq)
{
    struct aexec *e;

    switch (rq->kind) {
    case RQ_CREATE:
        rq->r = eng_create(eng, rq->spec, rq->ret_id, rq->err);
        if (rq->r > 0)
            rq->r = 0;
        break;
    case RQ_SIGNAL:
    case RQ_STOP:
        e = auto_map_get(&eng->execs, rq->id);
        if (!e || strcmp(e->account, rq->account)) {
            rq->r = 1;                      /* not running: the handler words the error */
            break;
        }
        rq->r = rq->kind == RQ_SIGNAL ? flow_signal(eng, e, rq->type, rq->payload, rq->sender, rq->err)
                                       : flow_stop(eng, e, rq->type, rq->err);
        break;
    }
    rq->next = eng->replies;
    eng->replies = rq;
}

static void
handle_job(struct auto_engine *eng, struct auto_job *job)
{
    struct aexec *e = auto_map_get(&eng->execs, job->exec_id);

    if (!e || e->phase != PH_RUNNING) {
        auto_job_free(job);
        return;
    }
    flow_job(eng, e, job);                  /* takes job */
}

static void
handle_timer(struct auto_engine *eng, const struct auto_timer *t)
{
    struct aexec *e = auto_map_get(&eng->execs, t->id);

    if (e && e->phase != PH_DONE)
        flow_timer(eng, e, t->token);
}

static void
flush_dirty(struct auto_engine *eng)
{
    struct aexec *e;
    int r;

    while ((e = eng->dirty)) {
        eng->dirty = e->next_dirty;
        e->dirty = 0;
        if (eng->batch_failed)
            continue;
        r = rows_update_exec(eng->tx, e);
        if (r < 0)
            eng_fail_batch(eng, r, "write an execution");
    }
}

static void
release_finished(struct auto_engine *eng)
{
    struct aexec *e;

    while ((e = eng->finished)) {
        eng->finished = e->next_done;
        auto_map_del(&eng->execs, e->id);
        exec_free(eng, e);
    }
}

static void
free_memory_state(void *arg, void *val)
{
    struct auto_engine *eng = arg;
    struct aexec *e = val;

    exec_free(eng, e);
}

static void
free_acct(void *arg, void *val)
{
    free(val);
}

static void
after_commit(struct auto_engine *eng, int ok)
{
    struct request *rq;
    struct auto_job *j;
    size_t i;
    json_t *ev;

    while ((j = eng->submit)) {
        eng->submit = j->next;
        j->next = NULL;
        if (ok)
            auto_workers_submit(eng->workers, j);
        else
            auto_job_free(j);
    }
    if (ok)
        json_array_foreach(eng->events, i, ev)
            auto_publish_event(eng->pub, json_incref(ev));
    json_array_clear(eng->events);
    pthread_mutex_lock(&eng->lock);
    while ((rq = eng->replies)) {
        eng->replies = rq->next;
        if (!ok && rq->r >= 0) {
            rq->r = aerr_internal(rq->err, -EIO);
        }
        rq->done = 1;
        pthread_cond_signal(&rq->cond);
    }
    if (ok) {
        eng->stats.batches++;
        eng->stats.transitions += eng->b_transitions;
        eng->stats.step_transitions += eng->b_steps;
    }
    pthread_mutex_unlock(&eng->lock);
    eng->b_transitions = eng->b_steps = 0;
}

/* Drop the memory state and what the failed batch would have done: its jobs and events are
 * dropped, its callers get an error. */
static void
forget(struct auto_engine *eng)
{
    struct auto_job *dead = eng->submit, *j;
    struct request *rq;
    struct work *w;

    eng->submit = NULL;
    json_array_clear(eng->events);
    pthread_mutex_lock(&eng->lock);
    while ((rq = eng->replies)) {
        eng->replies = rq->next;
        if (rq->r >= 0)
            rq->r = aerr_internal(rq->err, -EIO);
        rq->done = 1;
        pthread_cond_signal(&rq->cond);
    }
    pthread_mutex_unlock(&eng->lock);
    while ((w = eng->wq_head)) {
        eng->wq_head = w->next;
        free(w->msg);
        free(w);
    }
    eng->wq_tail = NULL;
    eng->dirty = NULL;
    eng->finished = NULL;
    auto_map_each(&eng->execs, free_memory_state, eng);   /* may flag the dead jobs: free them after */
    auto_map_done(&eng->execs);
    auto_map_each(&eng->accts, free_acct, NULL);
    auto_map_done(&eng->accts);
    while ((j = dead)) {
        dead = j->next;
        auto_job_free(j);
    }
    eng->b_transitions = eng->b_steps = 0;
}

/* After a failed batch (or recovery): rebuild the memory state from the store, which holds
 * every committed transition. A few tries; then the executions wait for the next start. */
static void
reload(struct auto_engine *eng)
{
    int try, r;

    for (try = 0; try < 3; try++) {
        forget(eng);
        r = store_begin(eng->env.store, 1, &eng->tx);
        if (r < 0) {
            eng->tx = NULL;
            usleep(100000);
            continue;
        }
        eng->batch_failed = 0;
        r = recover(eng);
        drain_work(eng);
        flush_dirty(eng);
        if (r == 0 && !eng->batch_failed && store_commit(eng->tx) == 0) {
            eng->tx = NULL;
            after_commit(eng, 1);
            release_finished(eng);
            return;
        }
        store_rollback(eng->tx);
        eng->tx = NULL;
    }
    forget(eng);
    log_error("automation engine cannot reload its executions; they resume at the next start");
}

static void
run_batch(struct auto_engine *eng, struct request *rqs, struct auto_job *jobs)
{
    struct auto_timer t;
    struct request *rq;
    struct auto_job *j;
    int64_t now = auto_now_ms();
    long n = 0;
    int r, ok;

    r = store_begin(eng->env.store, 1, &eng->tx);
    if (r < 0) {
        log_error("automation engine cannot begin a transaction: %s", strerror(-r));
        eng->tx = NULL;
        for (rq = rqs; rq; rq = rqs) {
            rqs = rq->next;
            if (rq->kind == RQ_CREATE)
                auto_spec_done(rq->spec);
            rq->r = aerr_set(rq->err, -EBUSY, 400, "ThrottlingException", "Rate exceeded");
            rq->next = eng->replies;
            eng->replies = rq;
        }
        for (j = jobs; j; j = jobs) {         /* put them back for the next try */
            jobs = j->next;
            pthread_mutex_lock(&eng->lock);
            j->next = eng->jd_head;
            eng->jd_head = j;
            if (!eng->jd_tail)
                eng->jd_tail = j;
            pthread_mutex_unlock(&eng->lock);
        }
        after_commit(eng, 0);
        usleep(10000);
        return;
    }
    eng->batch_failed = 0;
    for (rq = rqs; rq; rq = rqs) {
        rqs = rq->next;
        if (eng->batch_failed && rq->kind == RQ_CREATE) {
            auto_spec_done(rq->spec);
            rq->r = aerr_internal(rq->err, -EIO);
            rq->next = eng->replies;
            eng->replies = rq;
            continue;
        }
        handle_request(eng, rq);
        drain_work(eng);
    }
    for (j = jobs; j; j = jobs) {
        jobs = j->next;
        j->next = NULL;
        handle_job(eng, j);
        drain_work(eng);
    }
    while (n < AUTO_BATCH_MAX) {
        const struct auto_timer *top = auto_heap_peek(&eng->timers);
        if (!top || top->due_ms > now)
            break;
        auto_heap_pop(&eng->timers, &t);
        handle_timer(eng, &t);
        drain_work(eng);
        n++;
    }
    drain_work(eng);
    flush_dirty(eng);
    ok = !eng->batch_failed;
    if (ok) {
        r = store_commit(eng->tx);
        if (r < 0) {
            log_error("automation engine cannot commit: %s", strerror(-r));
            ok = 0;
        }
    } else {
        store_rollback(eng->tx);
    }
    eng->tx = NULL;
    if (ok) {
        struct aexec *e;
        unsigned long done = 0;
        after_commit(eng, 1);
        for (e = eng->finished; e; e = e->next_done)
            done++;
        release_finished(eng);
        if (done) {
            pthread_mutex_lock(&eng->lock);
            eng->stats.executions_done += done;
            pthread_mutex_unlock(&eng->lock);
        }
    } else {
        reload(eng);
    }
}

static void *
engine_main(void *arg)
{
    struct auto_engine *eng = arg;
    struct request *rqs, *rq, **tail;
    struct auto_job *jobs, *j, **jtail;
    struct timespec ts;
    long n;
    int r, ok;

    pthread_setname_np(pthread_self(), "auto-engine");
    /* Recovery is the first batch. */
    r = store_begin(eng->env.store, 1, &eng->tx);
    if (r == 0) {
        eng->batch_failed = 0;
        if (recover(eng) < 0)
            eng->batch_failed = 1;
        drain_work(eng);
        flush_dirty(eng);
        ok = !eng->batch_failed && store_commit(eng->tx) == 0;
        if (!ok) {
            store_rollback(eng->tx);
            log_error("automation engine cannot recover its executions; trying again");
        }
        eng->tx = NULL;
        if (ok) {
            after_commit(eng, 1);
            release_finished(eng);
        } else {
            reload(eng);
        }
    } else {
        reload(eng);
    }
    pthread_mutex_lock(&eng->lock);
    while (!eng->stop) {
        const struct auto_timer *top = auto_heap_peek(&eng->timers);
        int64_t now = auto_now_ms();
        if (!eng->rq_head && !eng->jd_head && (!top || top->due_ms > now)) {
            if (top) {
                ts.tv_sec = (time_t) (top->due_ms / 1000);
                ts.tv_nsec = (long) (top->due_ms % 1000) * 1000000;
                pthread_cond_timedwait(&eng->wake, &eng->lock, &ts);
            } else {
                pthread_cond_wait(&eng->wake, &eng->lock);
            }
            continue;
        }
        /* Take up to AUTO_BATCH_MAX calls and finished jobs. */
        rqs = NULL;
        tail = &rqs;
        for (n = 0; n < AUTO_BATCH_MAX && (rq = eng->rq_head); n++) {
            eng->rq_head = rq->next;
            rq->next = NULL;
            *tail = rq;
            tail = &rq->next;
        }
        if (!eng->rq_head)
            eng->rq_tail = NULL;
        jobs = NULL;
        jtail = &jobs;
        for (n = 0; n < AUTO_BATCH_MAX && (j = eng->jd_head); n++) {
            eng->jd_head = j->next;
            j->next = NULL;
            *jtail = j;
            jtail = &j->next;
        }
        if (!eng->jd_head)
            eng->jd_tail = NULL;
        pthread_mutex_unlock(&eng->lock);
        run_batch(eng, rqs, jobs);
        pthread_mutex_lock(&eng->lock);
    }
    /* Stopping: answer who still waits. */
    while ((rq = eng->rq_head)) {
        eng->rq_head = rq->next;
        if (rq->kind == RQ_CREATE)
            auto_spec_done(rq->spec);
        rq->r = aerr_set(rq->err, -ESHUTDOWN, 503, "ServiceUnavailable", "The service is shutting down.");
        rq->done = 1;
        pthread_cond_signal(&rq->cond);
    }
    eng->rq_tail = NULL;
    pthread_mutex_unlock(&eng->lock);
    return NULL;
}

static void
job_done(void *arg, struct auto_job *job)
{
    struct auto_engine *eng = arg;

    pthread_mutex_lock(&eng->lock);
    job->next = NULL;
    if (eng->jd_tail)
        eng->jd_tail->next = job;
    else
        eng->jd_head = job;
    eng->jd_tail = job;
    pthread_cond_signal(&eng->wake);
    pthread_mutex_unlock(&eng->lock);
}

/* ---- the API side: hand a call to the engine thread and wait for its commit ---- */

static int
call(struct auto_engine *eng, struct request *rq)
{
    pthread_condattr_t ca;

    pthread_condattr_init(&ca);
    pthread_cond_init(&rq->cond, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_lock(&eng->lock);
    if (eng->stop) {
        pthread_mutex_unlock(&eng->lock);
        pthread_cond_destroy(&rq->cond);
        if (rq->kind == RQ_CREATE)
            auto_spec_done(rq->spec);
        return aerr_set(rq->err, -ESHUTDOWN, 503, "ServiceUnavailable", "The service is shutting down.");
    }
    rq->next = NULL;
    if (eng->rq_tail)
        eng->rq_tail->next = rq;
    else
        eng->rq_head = rq;
    eng->rq_tail = rq;
    pthread_cond_signal(&eng->wake);
    while (!rq->done)
        pthread_cond_wait(&rq->cond, &eng->lock);
    pthread_mutex_unlock(&eng->lock);
    pthread_cond_destroy(&rq->cond);
    return rq->r;
}

int
auto_engine_create(struct auto_engine *eng, struct auto_spec *spec, char ret_id[37], struct aerr *err)
{
    struct request rq = { .kind = RQ_CREATE, .spec = spec, .err = err, .ret_id = ret_id };

    return call(eng, &rq);
}

int
auto_engine_signal(struct auto_engine *eng, const char *account, const char *id, const char *type,
                   const json_t *payload, const struct principal *sender, struct aerr *err)
{
    struct request rq = { .kind = RQ_SIGNAL, .account = account, .id = id, .type = type,
                          .payload = payload, .sender = sender, .err = err };
    int r = call(eng, &rq);

    if (r == 1)
        return aerr_set(err, -EINVAL, 400, "InvalidAutomationSignalException",
                        "Automation execution %s is not running; it cannot take a %s signal.", id, type);
    return r;
}

int
auto_engine_stop_execution(struct auto_engine *eng, const char *account, const char *id,
                           const char *type, struct aerr *err)
{
    struct request rq = { .kind = RQ_STOP, .account = account, .id = id, .type = type, .err = err };
    int r = call(eng, &rq);

    if (r == 1)
        return aerr_set(err, -EINVAL, 400, "InvalidAutomationStatusUpdateException",
                        "Automation execution %s has already ended; it cannot be stopped.", id);
    return r;
}

/* ---- start and stop ---- */

static long
env_long(const char *name, long def, long lo, long hi)
{
    const char *v = getenv(name);
    char *end;
    long n;

    if (!v || !*v)
        return def;
    n = strtol(v, &end, 10);
    if (*end || n < lo || n > hi) {
        log_warn("ignoring %s='%s': wants a number from %ld to %ld", name, v, lo, hi);
        return def;
    }
    return n;
}

/* Is path an executable binary (not a "#!" wrapper such as a pyenv shim, whose start-up
 * costs seconds per script)? */
static int
is_binary(const char *path)
{
    char head[2] = {0};
    FILE *f;

    if (access(path, X_OK) < 0 || !(f = fopen(path, "rb")))
        return 0;
    if (fread(head, 1, 2, f) != 2)
        head[0] = '\0';
    fclose(f);
    return head[0] == 0x7f && head[1] == 'E';
}

/* The machine's python3 for aws:executeScript: CAIRN_AUTOMATION_PYTHON, else the first python3
 * binary on PATH, else the first python3 at all. */
static void
find_python(char *buf, size_t cap)
{
    const char *path = getenv("PATH"), *p, *q, *forced = getenv("CAIRN_AUTOMATION_PYTHON");
    char cand[4200];
    int pass;

    if (forced && *forced && strlen(forced) < cap) {
        memcpy(buf, forced, strlen(forced) + 1);
        return;
    }
    snprintf(buf, cap, "/usr/bin/python3");
    for (pass = 0; pass < 2; pass++) {
        for (p = path ? path : "/usr/local/bin:/usr/bin:/bin"; p && *p; p = q ? q + 1 : NULL) {
            q = strchr(p, ':');
            if ((size_t) (q ? q - p : (long) strlen(p)) > 4096)
                continue;
            snprintf(cand, sizeof(cand), "%.*s/python3", (int) (q ? q - p : (long) strlen(p)), p);
            if ((pass == 0 ? is_binary(cand) : access(cand, X_OK) == 0) && strlen(cand) < cap) {
                memcpy(buf, cand, strlen(cand) + 1);
                return;
            }
            if (!q)
                break;
        }
    }
}

static int
mkdirs(const char *path)
{
    char buf[1200], *p;

    snprintf(buf, sizeof(buf), "%s", path);
    for (p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            if (mkdir(buf, 0700) < 0 && errno != EEXIST)
                return -errno;
            *p = '/';
        }
    if (mkdir(buf, 0700) < 0 && errno != EEXIST)
        return -errno;
    return 0;
}

int
auto_engine_start(const struct service_env *env, struct auto_engine **ret)
{
    struct auto_engine *eng = calloc(1, sizeof(*eng));
    int r;

    if (!eng)
        return -ENOMEM;
    eng->env = *env;
    eng->cfg.max_running = env_long("CAIRN_AUTOMATION_MAX_RUNNING", AUTO_DEFAULT_MAX_RUNNING, 1, AUTO_LIMIT_RUNNING_MAX);
    eng->cfg.max_queued = env_long("CAIRN_AUTOMATION_MAX_QUEUED", AUTO_DEFAULT_MAX_QUEUED, 0, AUTO_LIMIT_RUNNING_MAX);
    eng->cfg.invoker_max_s = env_long("CAIRN_AUTOMATION_INVOKER_MAX_SECONDS", AUTO_DEFAULT_INVOKER_MAX_S, 1, 30L * 86400);
    eng->cfg.workers = env_long("CAIRN_AUTOMATION_WORKERS", 8, 1, 256);
    eng->cfg.script_memory_mb = env_long("CAIRN_AUTOMATION_SCRIPT_MEMORY_MB", 1024, 64, 65536);
    eng->cfg.poll_ms = env_long("CAIRN_AUTOMATION_POLL_MS", 1000, 10, 3600000);
    find_python(eng->cfg.python, sizeof(eng->cfg.python));
    snprintf(eng->cfg.work_dir, sizeof(eng->cfg.work_dir), "%s/automation/work",
             env->cfg ? env->cfg->data_dir : ".");
    r = mkdirs(eng->cfg.work_dir);
    if (r < 0) {
        log_error("cannot create '%s': %s", eng->cfg.work_dir, strerror(-r));
        free(eng);
        return r;
    }
    pthread_mutex_init(&eng->lock, NULL);
    pthread_cond_init(&eng->wake, NULL);
    eng->top = mctx_new(NULL, "automation");
    eng->events = json_array();
    eng->pub = auto_publisher_new(AUTO_EVENTS_KEEP);
    if (!eng->top || !eng->events || !eng->pub) {
        r = -ENOMEM;
        goto fail;
    }
    eng->workers = auto_workers_start((int) eng->cfg.workers, &eng->env, &eng->cfg, job_done, eng);
    if (!eng->workers) {
        r = -ENOMEM;
        goto fail;
    }
    r = pthread_create(&eng->thread, NULL, engine_main, eng);
    if (r) {
        r = -r;
        goto fail;
    }
    eng->started = 1;
    *ret = eng;
    return 0;
fail:
    auto_engine_stop(eng);
    return r;
}

void
auto_engine_stop(struct auto_engine *eng)
{
    struct auto_job *j;

    if (!eng)
        return;
    if (eng->started) {
        pthread_mutex_lock(&eng->lock);
        eng->stop = 1;
        pthread_cond_signal(&eng->wake);
        pthread_mutex_unlock(&eng->lock);
        pthread_join(eng->thread, NULL);
        log_info("automation engine stopped: %lu batches, %lu transitions (%lu of steps), "
                 "%lu executions ended, %zu still running", eng->stats.batches, eng->stats.transitions,
                 eng->stats.step_transitions, eng->stats.executions_done, eng->execs.n);
    }
    auto_workers_stop(eng->workers);
    while ((j = eng->jd_head)) {
        eng->jd_head = j->next;
        auto_job_free(j);
    }
    while ((j = eng->submit)) {
        eng->submit = j->next;
        auto_job_free(j);
    }
    auto_map_each(&eng->execs, free_memory_state, eng);
    auto_map_done(&eng->execs);
    auto_map_each(&eng->accts, free_acct, NULL);
    auto_map_done(&eng->accts);
    auto_map_done(&eng->docs);
    auto_heap_done(&eng->timers);
    json_decref(eng->events);
    auto_publisher_free(eng->pub);
    mctx_delete(eng->top);
    pthread_cond_destroy(&eng->wake);
    pthread_mutex_destroy(&eng->lock);
    free(eng);
}
