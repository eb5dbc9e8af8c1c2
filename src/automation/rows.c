/* src/automation/rows.c - see rows.h: SQL for executions, step executions, the journal. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../base/log.h"
#include "../crypto/ids.h"
#include "rows.h"

/* Version 1. Append new scripts; never edit a shipped one. */
static const char schema_v1[] =
    "CREATE TABLE auto_doc ("
    "  hash TEXT PRIMARY KEY, content TEXT NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE auto_exec ("
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  id TEXT NOT NULL UNIQUE, account TEXT NOT NULL, region TEXT NOT NULL,"
    "  doc_name TEXT NOT NULL, doc_version TEXT NOT NULL, doc_hash TEXT NOT NULL,"
    "  status TEXT NOT NULL, mode TEXT NOT NULL,"
    "  executed_by TEXT NOT NULL, principal TEXT NOT NULL, role TEXT,"
    "  params TEXT NOT NULL, params_api TEXT NOT NULL, outputs TEXT, vars TEXT, step_outputs TEXT,"
    "  failure TEXT, start_time REAL NOT NULL, end_time REAL,"
    "  parent_id TEXT, target TEXT, target_param TEXT, targets TEXT, target_maps TEXT,"
    "  max_concurrency TEXT, max_errors TEXT, resolved_targets TEXT,"
    "  client_token TEXT, request_hash TEXT, tags TEXT,"
    "  current_step TEXT, current_action TEXT, cursor TEXT,"
    "  done INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX auto_exec_list ON auto_exec (account, region, seq);"
    "CREATE INDEX auto_exec_open ON auto_exec (done, seq) WHERE done = 0;"
    "CREATE UNIQUE INDEX auto_exec_token ON auto_exec (account, client_token)"
    "  WHERE client_token IS NOT NULL;"
    "CREATE INDEX auto_exec_parent ON auto_exec (parent_id, seq) WHERE parent_id IS NOT NULL;"
    "CREATE TABLE auto_step ("
    "  exec_id TEXT NOT NULL, idx INTEGER NOT NULL, step_id TEXT NOT NULL,"
    "  name TEXT NOT NULL, action TEXT NOT NULL, status TEXT NOT NULL,"
    "  start_time REAL, end_time REAL, attempt INTEGER NOT NULL DEFAULT 0,"
    "  max_attempts INTEGER, timeout_s INTEGER, on_failure TEXT, on_cancel TEXT,"
    "  is_end INTEGER, next_step TEXT, is_critical INTEGER,"
    "  inputs TEXT, outputs TEXT, failure TEXT, failure_details TEXT,"
    "  valid_next TEXT, parent TEXT, astate TEXT, ord INTEGER, rin TEXT,"
    "  PRIMARY KEY (exec_id, idx)) WITHOUT ROWID;"
    "CREATE TABLE auto_result ("
    "  exec_id TEXT NOT NULL, idx INTEGER NOT NULL, attempt INTEGER NOT NULL,"
    "  result TEXT NOT NULL, PRIMARY KEY (exec_id, idx, attempt)) WITHOUT ROWID;";

const char *const auto_migrations[] = {
    schema_v1,
    NULL,
};

/* A JSON value as compact text (malloc'd), NULL for NULL. */
static char *
text(const json_t *v)
{
    return v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
}

json_t *
rows_outputs_api(const json_t *typed)
{
    json_t *out = json_object(), *v;
    const char *k;

    if (!out)
        return NULL;
    json_object_foreach((json_t *) typed, k, v)
        json_object_set_new(out, k, auto_param_api(v));
    return out;
}

int
rows_insert_exec(struct store_tx *tx, const struct aexec *e, const struct auto_spec *s)
{
    char *params = text(s->params), *api = text(s->params_api), *who = text(s->who),
         *vars = text(s->vars), *targets = text(s->targets), *maps = text(s->target_maps),
         *resolved = NULL, *tags = text(s->tags);
    const json_t *st;
    json_t *res = NULL;
    size_t i;
    int r;

    if (s->target_values) {
        res = json_pack("{s:O, s:b}", "ParameterValues", s->target_values, "Truncated", 0);
        resolved = text(res);
    }
    r = store_exec(tx, "INSERT OR IGNORE INTO auto_doc (hash, content) VALUES (?1, ?2)", "ss",
                   s->doc_hash, s->doc_text);
    if (r < 0)
        goto out;
    r = store_exec(tx,
                   "INSERT INTO auto_exec (id, account, region, doc_name, doc_version, doc_hash,"
                   " status, mode, executed_by, principal, role, params, params_api, vars,"
                   " start_time, parent_id, target, target_param, targets, target_maps,"
                   " max_concurrency, max_errors, resolved_targets, client_token, request_hash,"
                   " tags, cursor, step_outputs)"
                   " VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'Pending', ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
                   " ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, '{}')",
                   "sssssssssssssdssssssssssss",
                   e->id, s->account, s->region, s->doc_name, s->doc_version, s->doc_hash,
                   s->interactive ? "Interactive" : "Auto", s->executed_by, who, s->role,
                   params, api, vars, e->start_time,
                   s->parent_id[0] ? s->parent_id : NULL, s->target,
                   s->target_param, targets, maps,
                   s->target_param ? s->max_concurrency : NULL, s->target_param ? s->max_errors : NULL,
                   resolved, s->client_token[0] ? s->client_token : NULL,
                   s->client_token[0] ? s->request_hash : NULL, tags, NULL);
    if (r < 0)
        goto out;
    if (!s->target_param) {
        json_array_foreach(e->main, i, st) {
            char step_id[37];
            const char *name = json_string_value(json_object_get(st, "name"));
            const char *action = json_string_value(json_object_get(st, "action"));
            if (ids_uuid(step_id) < 0) {
                r = -EIO;
                goto out;
            }
            r = store_exec(tx, "INSERT INTO auto_step (exec_id, idx, step_id, name, action, status)"
                               " VALUES (?1, ?2, ?3, ?4, ?5, 'Pending')", "sisss",
                           e->id, (int64_t) i, step_id, name ? name : "", action ? action : "");
            if (r < 0)
                goto out;
        }
    }
    r = 0;
out:
    free(params);
    free(api);
    free(who);
    free(vars);
    free(targets);
    free(maps);
    free(resolved);
    free(tags);
    json_decref(res);
    return r;
}

int
rows_insert_failed(struct store_tx *tx, const char *id, const struct auto_spec *s,
                   const char *doc_name, const char *message, double now)
{
    char *who = text(s->who), *given = text(s->given);
    int r;

    r = store_exec(tx,
                   "INSERT INTO auto_exec (id, account, region, doc_name, doc_version, doc_hash,"
                   " status, mode, executed_by, principal, params, params_api, failure,"
                   " start_time, end_time, parent_id, target, done)"
                   " VALUES (?1, ?2, ?3, ?4, ?5, '', 'Failed', 'Auto', ?6, ?7, '{}', ?8, ?9,"
                   " ?10, ?10, ?11, ?12, 1)",
                   "sssssssssdss", id, s->account, s->region, doc_name,
                   s->doc_version[0] ? s->doc_version : "1", s->executed_by, who,
                   given ? given : "{}", message, now, s->parent_id[0] ? s->parent_id : NULL, s->target);
    free(who);
    free(given);
    return r < 0 ? r : 0;
}

json_t *
rows_cursor(const struct aexec *e)
{
    json_t *c = json_object(), *frames = json_array();
    int i;

    if (!c || !frames) {
        json_decref(c);
        json_decref(frames);
        return NULL;
    }
    for (i = 0; i < e->depth; i++)
        json_array_append_new(frames, json_pack("{s:i, s:i}", "pc", e->frames[i].pc,
                                                "row", e->frames[i].has_row ? e->frames[i].row.idx : -1));
    json_object_set_new(c, "frames", frames);
    json_object_set_new(c, "next_pc", json_integer(e->next_pc));
    json_object_set_new(c, "nrows", json_integer(e->nrows));
    json_object_set_new(c, "ord", json_integer(e->next_ord));
    json_object_set_new(c, "critical", json_integer(e->critical_failed));
    json_object_set_new(c, "cancelling", json_integer(e->cancelling));
    json_object_set_new(c, "cancel_deadline", json_integer(e->cancel_deadline_ms));
    json_object_set_new(c, "deadline", json_integer(e->deadline_ms));
    if (e->rc)
        json_object_set_new(c, "rc", auto_ratectl_state(e));
    return c;
}

int
rows_update_exec(struct store_tx *tx, const struct aexec *e)
{
    const struct auto_frame *top = e->depth ? &e->frames[e->depth - 1] : NULL;
    const char *cur = top && top->has_row ? top->row.name : NULL;
    const char *act = top && top->has_row ? top->row.action->name : NULL;
    json_t *cursor = rows_cursor(e), *outputs = NULL;
    char *c = text(cursor), *outs = text(e->outs), *vars = text(e->vars), *o = NULL;
    int r;

    if (e->phase == PH_DONE) {
        outputs = e->rc ? json_object() : auto_exec_outputs(e);
        o = text(outputs);
    }
    r = store_exec(tx,
                   "UPDATE auto_exec SET status = ?2, cursor = ?3, step_outputs = ?4, vars = ?5,"
                   " failure = ?6, end_time = ?7, current_step = ?8, current_action = ?9,"
                   " outputs = COALESCE(?10, outputs), done = ?11 WHERE id = ?1",
                   "ssssssdsssi", e->id, auto_status_name(e->status), c, outs, vars, e->failure,
                   e->end_time, cur, act, o, (int64_t) (e->phase == PH_DONE));
    if (r == 0)
        log_warn("automation execution '%s' has no row", e->id);
    free(c);
    free(outs);
    free(vars);
    free(o);
    json_decref(cursor);
    json_decref(outputs);
    return r < 0 ? r : 0;
}

/* The Inputs map as AWS shows it: each resolved input as JSON text. */
static json_t *
inputs_shown(const json_t *inputs)
{
    json_t *out = json_object(), *v;
    const char *k;

    if (!out)
        return NULL;
    json_object_foreach((json_t *) inputs, k, v) {
        char *t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        json_object_set_new(out, k, json_string(t ? t : ""));
        free(t);
    }
    return out;
}

int
rows_write_step(struct store_tx *tx, const struct aexec *e, const struct auto_srow *r, int fresh)
{
    const json_t *d = r->def, *v;
    json_t *shown = r->inputs ? inputs_shown(r->inputs) : NULL, *outs = NULL, *details = NULL;
    char *in = text(shown), *out = NULL, *det = NULL, *st = text(r->state), *parent = text(r->parent);
    char *rin = text(r->inputs);
    const char *on_failure = json_string_value(json_object_get(d, "onFailure"));
    const char *on_cancel = json_string_value(json_object_get(d, "onCancel"));
    const char *next = r->next ? r->next : json_string_value(json_object_get(d, "nextStep"));
    int64_t is_end = -1, is_crit = -1;
    int rc;

    if ((v = json_object_get(d, "isEnd")))
        is_end = json_is_true(v) || (json_is_string(v) && !strcmp(json_string_value(v), "true"));
    if ((v = json_object_get(d, "isCritical")))
        is_crit = json_is_true(v) || (json_is_string(v) && !strcmp(json_string_value(v), "true"));
    if (r->outputs && json_object_size(r->outputs)) {
        outs = rows_outputs_api(r->outputs);
        out = text(outs);
    }
    if (r->failure) {
        details = json_pack("{s:s, s:s, s:{s:[s]}}", "FailureStage", r->stage ? r->stage : "Invocation",
                            "FailureType", r->ftype ? r->ftype : "Unexpected",
                            "Details", "ExceptionMessage", r->failure);
        det = text(details);
    }
    if (fresh)
        rc = store_exec(tx,
                        "INSERT INTO auto_step (exec_id, idx, step_id, name, action, status,"
                        " start_time, end_time, attempt, max_attempts, timeout_s, on_failure,"
                        " on_cancel, is_end, next_step, is_critical, inputs, outputs, failure,"
                        " failure_details, parent, astate, ord, rin)"
                        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, NULLIF(?8, 0), ?9, ?10, NULLIF(?11, 0),"
                        " ?12, ?13, NULLIF(?14, -1), ?15, NULLIF(?16, -1), ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24)",
                        "sissssddiiissisissssssis",
                        e->id, (int64_t) r->idx, r->step_id, r->name, r->action ? r->action->name :
                        json_string_value(json_object_get(d, "action")),
                        auto_status_name(r->status), r->start, r->end, (int64_t) r->attempt,
                        (int64_t) r->max_attempts, r->timeout_s, on_failure ? on_failure : "Abort",
                        on_cancel, is_end, next, is_crit, in, out, r->failure, det, parent, st, r->ord, rin);
    else
        rc = store_exec(tx,
                        "UPDATE auto_step SET status = ?3, start_time = ?4, end_time = NULLIF(?5, 0),"
                        " attempt = ?6, max_attempts = ?7, timeout_s = NULLIF(?8, 0), on_failure = ?9,"
                        " on_cancel = ?10, is_end = NULLIF(?11, -1), next_step = ?12,"
                        " is_critical = NULLIF(?13, -1), inputs = ?14, outputs = ?15, failure = ?16,"
                        " failure_details = ?17, parent = ?18, astate = ?19, ord = ?20, rin = ?21"
                        " WHERE exec_id = ?1 AND idx = ?2",
                        "sisddiiissisissssssis",
                        e->id, (int64_t) r->idx, auto_status_name(r->status), r->start, r->end,
                        (int64_t) r->attempt, (int64_t) r->max_attempts, r->timeout_s,
                        on_failure ? on_failure : "Abort", on_cancel, is_end, next, is_crit, in, out,
                        r->failure, det, parent, st, r->ord, rin);
    free(in);
    free(rin);
    free(out);
    free(det);
    free(st);
    free(parent);
    json_decref(shown);
    json_decref(outs);
    json_decref(details);
    return rc < 0 ? rc : 0;
}

int
rows_journal_put(struct store_tx *tx, const char *id, int idx, int attempt, const json_t *result)
{
    char *t = text(result);
    int r;

    if (!t)
        return -ENOMEM;
    r = store_exec(tx, "INSERT INTO auto_result (exec_id, idx, attempt, result) VALUES (?1, ?2, ?3, ?4)",
                   "siis", id, (int64_t) idx, (int64_t) attempt, t);
    free(t);
    return r < 0 ? r : 0;
}

int
rows_journal_get(struct store_tx *tx, const char *id, int idx, int attempt, json_t **ret)
{
    struct store_rows *q;
    json_error_t jerr;
    int r;

    r = store_query(tx, &q, "SELECT result FROM auto_result WHERE exec_id = ?1 AND idx = ?2 AND attempt = ?3",
                    "sii", id, (int64_t) idx, (int64_t) attempt);
    if (r > 0) {
        *ret = json_loads(store_col_text(q, 0), JSON_DECODE_ANY, &jerr);
        r = *ret ? 1 : -EIO;
    }
    store_rows_done(q);
    return r;
}

int
rows_journal_forget(struct store_tx *tx, const char *id)
{
    int r = store_exec(tx, "DELETE FROM auto_result WHERE exec_id = ?1", "s", id);

    return r < 0 ? r : 0;
}

int
rows_journal_drop(struct store_tx *tx, const char *id, int idx)
{
    int r = store_exec(tx, "DELETE FROM auto_result WHERE exec_id = ?1 AND idx = ?2", "si", id, (int64_t) idx);

    return r < 0 ? r : 0;
}
