/* src/ssm/automation.c - the SSM Automation API handlers. Starting, signalling and stopping go
 * through the engine (automation/automation.h), which commits before the call returns; the
 * reads (Get/Describe...) read the committed rows. The handlers never write rows themselves,
 * and none takes the write lock: the engine thread does the writing.
 * Used by: core/dispatch.c (ssm_automation_service). Uses: automation/, ssm/internal.h (paging,
 * ARNs), store/. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../automation/automation.h"
#include "../automation/lang.h"
#include "../automation/rows.h"
#include "automation.h"
#include "internal.h"

#define AUTO_DESCRIBE_MAX     50       /* MaxResults upper bound (model) and default */
#define AUTO_SCAN_CHUNK       500      /* rows read per query while filtering */

static const char *const statuses[] = {
    "Pending", "InProgress", "Waiting", "Success", "TimedOut", "Cancelling", "Cancelled", "Failed",
    "PendingApproval", "Approved", "Rejected", "Scheduled", "RunbookInProgress",
    "PendingChangeCalendarOverride", "ChangeCalendarOverrideApproved",
    "ChangeCalendarOverrideRejected", "CompletedWithSuccess", "CompletedWithFailure", "Exited", NULL,
};

static int
in_list(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (!strcmp(s, *list))
            return 1;
    return 0;
}

static int
not_found(struct aerr *err, const char *id)
{
    return aerr_set(err, -ENOENT, 400, "AutomationExecutionNotFoundException",
                    "Automation execution %s does not exist.", id ? id : "");
}

static const char *
account_of(const struct req *rq)
{
    return rq->caller->account;
}

/* ---- resources (authorization) ---- */

static int
definition_resource(const struct req *rq, char *buf, size_t cap, struct aerr *err)
{
    const char *name = ssm_in_str(rq->in, "DocumentName");
    const char *version = ssm_in_str(rq->in, "DocumentVersion");
    int n;

    if (name && !strncmp(name, "arn:", 4)) {
        const char *doc = strstr(name, ":document/");
        name = doc ? doc + 10 : name;
    }
    n = snprintf(buf, cap, "arn:aws:ssm:%s:%s:automation-definition/%s:%s", rq->region,
                 rq->caller ? rq->caller->account : "", name ? name : "", version ? version : "$DEFAULT");
    return n < 0 || (size_t) n >= cap ? aerr_set(err, -ENAMETOOLONG, 400, "ValidationException",
                                                 "The document name is too long.") : 0;
}

static int
execution_resource(const struct req *rq, char *buf, size_t cap, struct aerr *err)
{
    const char *id = ssm_in_str(rq->in, "AutomationExecutionId");
    int n = snprintf(buf, cap, "arn:aws:ssm:%s:%s:automation-execution/%s", rq->region,
                     rq->caller ? rq->caller->account : "", id ? id : "");

    return n < 0 || (size_t) n >= cap ? aerr_internal(err, -ENAMETOOLONG) : 0;
}

/* ---- StartAutomationExecution ---- */

static int
start_automation_execution(struct req *rq, struct aerr *err)
{
    struct auto_engine *eng = rq->state;
    struct auto_spec spec;
    json_t *who;
    char id[37];
    int r;

    if (!eng)
        return aerr_set(err, -ENOSYS, 500, "InternalServerError", "The Automation engine is not running.");
    who = auto_principal_json(rq->caller);
    if (!who)
        return aerr_internal(err, -ENOMEM);
    r = auto_prepare(rq->tx, auto_engine_config(eng), rq->caller, who, rq->region, rq->in, &spec, err);
    json_decref(who);
    if (r < 0)
        return r;
    r = auto_engine_create(eng, &spec, id, err);
    if (r < 0)
        return r;
    rq->out = json_pack("{s:s}", "AutomationExecutionId", id);
    return rq->out ? 0 : aerr_internal(err, -ENOMEM);
}

/* ---- reading executions ---- */

#define EXEC_COLUMNS \
    "id, doc_name, doc_version, status, start_time, end_time, params_api, outputs, failure, mode," \
    " parent_id, executed_by, current_step, current_action, target_param, targets, target_maps," \
    " resolved_targets, max_concurrency, max_errors, target, vars, seq, tags, region"

enum {
    C_ID, C_DOC, C_VERSION, C_STATUS, C_START, C_END, C_PARAMS, C_OUTPUTS, C_FAILURE, C_MODE,
    C_PARENT, C_BY, C_STEP, C_ACTION, C_TPARAM, C_TARGETS, C_TMAPS, C_RESOLVED, C_MAXC, C_MAXE,
    C_TARGET, C_VARS, C_SEQ, C_TAGS, C_REGION,
};

static void
set_text(json_t *o, const char *key, struct store_rows *q, int col)
{
    const char *t = store_col_text(q, col);

    if (t && *t)
        json_object_set_new(o, key, json_string(t));
}

static void
set_json(json_t *o, const char *key, struct store_rows *q, int col)
{
    const char *t = store_col_text(q, col);
    json_error_t jerr;
    json_t *v;

    if (!t)
        return;
    v = json_loads(t, JSON_DECODE_ANY, &jerr);
    if (v && !json_is_null(v))
        json_object_set_new(o, key, v);
    else
        json_decref(v);
}

/* The fields AutomationExecution and AutomationExecutionMetadata share. */
static json_t *
exec_fields(struct store_rows *q)
{
    json_t *o = json_object();

    if (!o)
        return NULL;
    set_text(o, "AutomationExecutionId", q, C_ID);
    set_text(o, "DocumentName", q, C_DOC);
    set_text(o, "DocumentVersion", q, C_VERSION);
    set_text(o, "AutomationExecutionStatus", q, C_STATUS);
    json_object_set_new(o, "ExecutionStartTime", json_real(store_col_double(q, C_START)));
    if (!store_col_is_null(q, C_END))
        json_object_set_new(o, "ExecutionEndTime", json_real(store_col_double(q, C_END)));
    set_json(o, "Outputs", q, C_OUTPUTS);
    if (!json_object_get(o, "Outputs"))
        json_object_set_new(o, "Outputs", json_object());
    set_text(o, "FailureMessage", q, C_FAILURE);
    set_text(o, "Mode", q, C_MODE);
    set_text(o, "ParentAutomationExecutionId", q, C_PARENT);
    set_text(o, "ExecutedBy", q, C_BY);
    set_text(o, "CurrentStepName", q, C_STEP);
    set_text(o, "CurrentAction", q, C_ACTION);
    set_text(o, "TargetParameterName", q, C_TPARAM);
    set_json(o, "Targets", q, C_TARGETS);
    set_json(o, "TargetMaps", q, C_TMAPS);
    set_json(o, "ResolvedTargets", q, C_RESOLVED);
    set_text(o, "MaxConcurrency", q, C_MAXC);
    set_text(o, "MaxErrors", q, C_MAXE);
    set_text(o, "Target", q, C_TARGET);
    return o;
}

static json_t *
step_json(struct store_rows *s)
{
    json_t *o = json_object();

    if (!o)
        return NULL;
    set_text(o, "StepName", s, 0);
    set_text(o, "Action", s, 1);
    if (!store_col_is_null(s, 2))
        json_object_set_new(o, "TimeoutSeconds", json_integer(store_col_int(s, 2)));
    set_text(o, "OnFailure", s, 3);
    if (!store_col_is_null(s, 4))
        json_object_set_new(o, "MaxAttempts", json_integer(store_col_int(s, 4)));
    if (!store_col_is_null(s, 5))
        json_object_set_new(o, "ExecutionStartTime", json_real(store_col_double(s, 5)));
    if (!store_col_is_null(s, 6))
        json_object_set_new(o, "ExecutionEndTime", json_real(store_col_double(s, 6)));
    set_text(o, "StepStatus", s, 7);
    set_json(o, "Inputs", s, 8);
    set_json(o, "Outputs", s, 9);
    set_text(o, "FailureMessage", s, 10);
    set_json(o, "FailureDetails", s, 11);
    set_text(o, "StepExecutionId", s, 12);
    if (!store_col_is_null(s, 13))
        json_object_set_new(o, "IsEnd", json_boolean(store_col_int(s, 13)));
    set_text(o, "NextStep", s, 14);
    if (!store_col_is_null(s, 15))
        json_object_set_new(o, "IsCritical", json_boolean(store_col_int(s, 15)));
    set_json(o, "ParentStepDetails", s, 16);
    return o;
}

#define STEP_COLUMNS \
    "name, action, timeout_s, on_failure, max_attempts, start_time, end_time, status, inputs," \
    " outputs, failure, failure_details, step_id, is_end, next_step, is_critical, parent, idx"

static int
get_automation_execution(struct req *rq, struct aerr *err)
{
    const char *id = ssm_in_str(rq->in, "AutomationExecutionId");
    struct store_rows *q = NULL, *s = NULL;
    json_t *ex = NULL, *steps = NULL, *st;
    int r, n = 0, total = 0, ok = 0, failed = 0, cancelled = 0, timed_out = 0;

    r = store_query(rq->tx, &q, "SELECT " EXEC_COLUMNS " FROM auto_exec WHERE id = ?1 AND account = ?2",
                    "ss", id, account_of(rq));
    if (r <= 0) {
        r = r < 0 ? aerr_internal(err, r) : not_found(err, id);
        goto out;
    }
    ex = exec_fields(q);
    steps = json_array();
    if (!ex || !steps) {
        r = aerr_internal(err, -ENOMEM);
        goto out;
    }
    set_json(ex, "Parameters", q, C_PARAMS);
    set_json(ex, "Variables", q, C_VARS);
    if (json_object_size(json_object_get(ex, "Variables")))
        json_object_set_new(ex, "Variables", rows_outputs_api(json_object_get(ex, "Variables")));
    else
        json_object_del(ex, "Variables");
    if (!json_object_get(ex, "Parameters"))
        json_object_set_new(ex, "Parameters", json_object());
    if (store_col_text(q, C_TPARAM)) {
        /* A rate-control parent: its progress is its children's. */
        r = store_query(rq->tx, &s, "SELECT status, COUNT(*) FROM auto_exec WHERE parent_id = ?1 GROUP BY status", "s", id);
        for (; r > 0; r = store_next(s)) {
            const char *stt = store_col_text(s, 0);
            int c = (int) store_col_int(s, 1);
            total += c;
            ok += !strcmp(stt, "Success") ? c : 0;
            failed += !strcmp(stt, "Failed") ? c : 0;
            cancelled += !strcmp(stt, "Cancelled") ? c : 0;
            timed_out += !strcmp(stt, "TimedOut") ? c : 0;
        }
    } else {
        r = store_query(rq->tx, &s, "SELECT " STEP_COLUMNS " FROM auto_step WHERE exec_id = ?1"
                                    " ORDER BY ord IS NULL, ord, idx", "s", id);
        for (; r > 0; r = store_next(s)) {
            const char *stt = store_col_text(s, 7);
            total++;
            ok += !strcmp(stt, "Success");
            failed += !strcmp(stt, "Failed");
            cancelled += !strcmp(stt, "Cancelled");
            timed_out += !strcmp(stt, "TimedOut");
            if (n++ >= AUTO_STEPS_SHOWN)
                continue;
            st = step_json(s);
            if (!st || json_array_append_new(steps, st) < 0) {
                r = -ENOMEM;
                break;
            }
        }
    }
    if (r < 0) {
        r = aerr_internal(err, r);
        goto out;
    }
    json_object_set(ex, "StepExecutions", steps);
    json_object_set_new(ex, "StepExecutionsTruncated", json_boolean(n > AUTO_STEPS_SHOWN));
    json_object_set_new(ex, "ProgressCounters",
                        json_pack("{s:i, s:i, s:i, s:i, s:i}", "TotalSteps", total, "SuccessSteps", ok,
                                  "FailedSteps", failed, "CancelledSteps", cancelled, "TimedOutSteps", timed_out));
    rq->out = json_pack("{s:O}", "AutomationExecution", ex);
    r = rq->out ? 0 : aerr_internal(err, -ENOMEM);
out:
    store_rows_done(q);
    store_rows_done(s);
    json_decref(ex);
    json_decref(steps);
    return r;
}

/* ---- DescribeAutomationExecutions ---- */

struct filters {
    const json_t *by[12];            /* Values of each key, in the order of keys[] */
    double        before, after;
};

static const char *const exec_keys[] = {
    "DocumentNamePrefix", "ExecutionStatus", "ExecutionId", "ParentExecutionId", "CurrentAction",
    "StartTimeBefore", "StartTimeAfter", "AutomationType", "TagKey", "TargetResourceGroup",
    "AutomationSubtype", "OpsItemId", NULL,
};

static int
key_index(const char *k, const char *const *keys)
{
    int i;

    for (i = 0; keys[i]; i++)
        if (!strcmp(keys[i], k))
            return i;
    return -1;
}

static int
value_in(const json_t *values, const char *s)
{
    const json_t *v;
    size_t i;

    json_array_foreach(values, i, v)
        if (s && !strcmp(json_string_value(v), s))
            return 1;
    return 0;
}

static int
read_time(const json_t *values, double *ret, const char *key, struct aerr *err)
{
    const char *s = json_string_value(json_array_get(values, 0));

    if (!s || auto_iso_time(s, ret) < 0)
        return aerr_set(err, -EINVAL, 400, "InvalidFilterValue",
                        "The %s filter wants a date and time such as 2024-05-01T10:00:00Z.", key);
    return 0;
}

static int
parse_exec_filters(const json_t *list, struct filters *f, struct aerr *err)
{
    const json_t *flt, *v;
    size_t i, j;
    int k;

    memset(f, 0, sizeof(*f));
    json_array_foreach(list, i, flt) {
        const char *key = json_string_value(json_object_get(flt, "Key"));
        const json_t *values = json_object_get(flt, "Values");
        k = key ? key_index(key, exec_keys) : -1;
        if (k < 0)
            return aerr_set(err, -EINVAL, 400, "InvalidFilterKey", "The filter key %.64s is not valid.",
                            key ? key : "");
        f->by[k] = values;
        if (k == 1)
            json_array_foreach(values, j, v)
                if (!in_list(json_string_value(v), statuses))
                    return aerr_set(err, -EINVAL, 400, "InvalidFilterValue",
                                    "%.64s is not an automation execution status.", json_string_value(v));
        if (k == 7)
            json_array_foreach(values, j, v)
                if (strcmp(json_string_value(v), "Local") && strcmp(json_string_value(v), "CrossAccount"))
                    return aerr_set(err, -EINVAL, 400, "InvalidFilterValue",
                                    "AutomationType is Local or CrossAccount, not %.64s.", json_string_value(v));
        if (k == 5 && read_time(values, &f->before, key, err) < 0)
            return -EINVAL;
        if (k == 6 && read_time(values, &f->after, key, err) < 0)
            return -EINVAL;
    }
    return 0;
}

static int
exec_matches(const struct filters *f, struct store_rows *q)
{
    const json_t *v;
    size_t i;
    int ok;

    if (f->by[0]) {
        ok = 0;
        json_array_foreach(f->by[0], i, v)
            if (!strncmp(store_col_text(q, C_DOC), json_string_value(v), json_string_length(v)))
                ok = 1;
        if (!ok)
            return 0;
    }
    if (f->by[1] && !value_in(f->by[1], store_col_text(q, C_STATUS)))
        return 0;
    if (f->by[2] && !value_in(f->by[2], store_col_text(q, C_ID)))
        return 0;
    if (f->by[3] && !value_in(f->by[3], store_col_text(q, C_PARENT)))
        return 0;
    if (f->by[4] && !value_in(f->by[4], store_col_text(q, C_ACTION)))
        return 0;
    if (f->by[5] && store_col_double(q, C_START) >= f->before)
        return 0;
    if (f->by[6] && store_col_double(q, C_START) <= f->after)
        return 0;
    if (f->by[7] && !value_in(f->by[7], "Local"))
        return 0;
    if (f->by[8]) {
        const char *tags = store_col_text(q, C_TAGS);
        json_error_t jerr;
        json_t *t = tags ? json_loads(tags, 0, &jerr) : NULL, *tag;
        ok = 0;
        json_array_foreach(t, i, tag)
            if (value_in(f->by[8], json_string_value(json_object_get(tag, "Key"))))
                ok = 1;
        json_decref(t);
        if (!ok)
            return 0;
    }
    if (f->by[9] || f->by[10] || f->by[11])
        return 0;                            /* resource groups, change requests, OpsItems: none here */
    return 1;
}

static int
describe_automation_executions(struct req *rq, struct aerr *err)
{
    struct filters f;
    struct store_rows *q = NULL;
    json_t *list = json_array(), *m;
    char key[32];
    int64_t after = INT64_MAX, last = 0;
    int max = ssm_max_results(rq->in, AUTO_DESCRIBE_MAX), r, got, n = 0, more = 0;

    if (!list)
        return aerr_internal(err, -ENOMEM);
    r = parse_exec_filters(json_object_get(rq->in, "Filters"), &f, err);
    if (r < 0)
        goto out;
    r = ssm_token_read(ssm_in_str(rq->in, "NextToken"), key, sizeof(key), err);
    if (r < 0)
        goto out;
    if (key[0]) {
        char *end;
        after = strtoll(key, &end, 10);
        if (*end || after <= 0) {
            r = aerr_set(err, -EINVAL, 400, "InvalidNextToken", "The specified token isn't valid.");
            goto out;
        }
    }
    if (max > AUTO_DESCRIBE_MAX)
        max = AUTO_DESCRIBE_MAX;
    while (n < max) {
        got = 0;
        r = store_query(rq->tx, &q, "SELECT " EXEC_COLUMNS " FROM auto_exec WHERE account = ?1 AND region = ?2"
                                    " AND seq < ?3 ORDER BY seq DESC LIMIT ?4",
                        "ssii", account_of(rq), rq->region, after, (int64_t) AUTO_SCAN_CHUNK);
        for (; r > 0; r = store_next(q)) {
            got++;
            after = store_col_int(q, C_SEQ);
            if (!exec_matches(&f, q))
                continue;
            if (n == max) {
                more = 1;
                break;
            }
            m = exec_fields(q);
            if (!m) {
                r = -ENOMEM;
                break;
            }
            json_object_set_new(m, "AutomationType", json_string("Local"));
            json_object_set_new(m, "LogFile", json_string(""));
            json_array_append_new(list, m);
            last = store_col_int(q, C_SEQ);
            n++;
        }
        store_rows_done(q);
        q = NULL;
        if (r < 0) {
            r = aerr_internal(err, r);
            goto out;
        }
        if (more || got < AUTO_SCAN_CHUNK)
            break;
    }
    rq->out = json_pack("{s:O}", "AutomationExecutionMetadataList", list);
    if (rq->out && more) {
        snprintf(key, sizeof(key), "%lld", (long long) last);
        json_object_set_new(rq->out, "NextToken", ssm_token_make(key));
    }
    r = rq->out ? 0 : aerr_internal(err, -ENOMEM);
out:
    store_rows_done(q);
    json_decref(list);
    return r;
}

/* ---- DescribeAutomationStepExecutions ---- */

static const char *const step_keys[] = {
    "StartTimeBefore", "StartTimeAfter", "StepExecutionStatus", "StepExecutionId", "StepName",
    "Action", "ParentStepExecutionId", "ParentStepIteration", "ParentStepIteratorValue", NULL,
};

static int
step_matches(const json_t *const *by, double before, double after, const json_t *st)
{
    const json_t *p = json_object_get(st, "ParentStepDetails");
    char it[32];

    if (by[0] && !(json_number_value(json_object_get(st, "ExecutionStartTime")) < before))
        return 0;
    if (by[1] && !(json_number_value(json_object_get(st, "ExecutionStartTime")) > after))
        return 0;
    if (by[2] && !value_in(by[2], json_string_value(json_object_get(st, "StepStatus"))))
        return 0;
    if (by[3] && !value_in(by[3], json_string_value(json_object_get(st, "StepExecutionId"))))
        return 0;
    if (by[4] && !value_in(by[4], json_string_value(json_object_get(st, "StepName"))))
        return 0;
    if (by[5] && !value_in(by[5], json_string_value(json_object_get(st, "Action"))))
        return 0;
    if (by[6] && !value_in(by[6], json_string_value(json_object_get(p, "StepExecutionId"))))
        return 0;
    snprintf(it, sizeof(it), "%" JSON_INTEGER_FORMAT, json_integer_value(json_object_get(p, "Iteration")));
    if (by[7] && (!p || !value_in(by[7], it)))
        return 0;
    if (by[8] && !value_in(by[8], json_string_value(json_object_get(p, "IteratorValue"))))
        return 0;
    return 1;
}

static int
describe_automation_step_executions(struct req *rq, struct aerr *err)
{
    const char *id = ssm_in_str(rq->in, "AutomationExecutionId");
    const json_t *by[10] = {0}, *flt, *v;
    struct store_rows *q = NULL;
    json_t *list = json_array(), *st;
    double before = 0, after = 0;
    char key[32];
    int reverse = ssm_in_bool(rq->in, "ReverseOrder");
    int max = ssm_max_results(rq->in, AUTO_DESCRIBE_MAX), r, n = 0, more = 0, k;
    int64_t from = -1, last = -1;
    size_t i, j;

    if (!list)
        return aerr_internal(err, -ENOMEM);
    r = store_query(rq->tx, &q, "SELECT 1 FROM auto_exec WHERE id = ?1 AND account = ?2", "ss", id, account_of(rq));
    store_rows_done(q);
    q = NULL;
    if (r <= 0) {
        r = r < 0 ? aerr_internal(err, r) : not_found(err, id);
        goto out;
    }
    json_array_foreach(json_object_get(rq->in, "Filters"), i, flt) {
        const char *fk = json_string_value(json_object_get(flt, "Key"));
        const json_t *values = json_object_get(flt, "Values");
        k = fk ? key_index(fk, step_keys) : -1;
        if (k < 0) {
            r = aerr_set(err, -EINVAL, 400, "InvalidFilterKey", "The filter key %.64s is not valid.", fk ? fk : "");
            goto out;
        }
        by[k] = values;
        if ((k == 0 && read_time(values, &before, fk, err) < 0) || (k == 1 && read_time(values, &after, fk, err) < 0)) {
            r = -EINVAL;
            goto out;
        }
        if (k == 2)
            json_array_foreach(values, j, v)
                if (!in_list(json_string_value(v), statuses)) {
                    r = aerr_set(err, -EINVAL, 400, "InvalidFilterValue",
                                 "%.64s is not a step execution status.", json_string_value(v));
                    goto out;
                }
    }
    r = ssm_token_read(ssm_in_str(rq->in, "NextToken"), key, sizeof(key), err);
    if (r < 0)
        goto out;
    if (key[0]) {
        char *end;
        from = strtoll(key, &end, 10);
        if (*end || from < 0) {
            r = aerr_set(err, -EINVAL, 400, "InvalidNextToken", "The specified token isn't valid.");
            goto out;
        }
    }
    if (max > AUTO_DESCRIBE_MAX)
        max = AUTO_DESCRIBE_MAX;
    /* In the order the steps ran (those that did not run last), or the reverse; the token is
     * the number of step executions already walked. */
    if (from < 0)
        from = 0;
    if (reverse)
        r = store_query(rq->tx, &q, "SELECT " STEP_COLUMNS " FROM auto_step WHERE exec_id = ?1"
                                    " ORDER BY ord IS NULL DESC, ord DESC, idx DESC"
                                    " LIMIT -1 OFFSET ?2", "si", id, from);
    else
        r = store_query(rq->tx, &q, "SELECT " STEP_COLUMNS " FROM auto_step WHERE exec_id = ?1"
                                    " ORDER BY ord IS NULL, ord, idx LIMIT -1 OFFSET ?2",
                        "si", id, from);
    last = from;
    for (; r > 0; r = store_next(q)) {
        last++;
        st = step_json(q);
        if (!st) {
            r = -ENOMEM;
            break;
        }
        if (!step_matches(by, before, after, st)) {
            json_decref(st);
            continue;
        }
        if (n == max) {
            json_decref(st);
            more = 1;
            last--;
            break;
        }
        json_array_append_new(list, st);
        n++;
    }
    if (r < 0) {
        r = aerr_internal(err, r);
        goto out;
    }
    rq->out = json_pack("{s:O}", "StepExecutions", list);
    if (rq->out && more) {
        snprintf(key, sizeof(key), "%lld", (long long) last);
        json_object_set_new(rq->out, "NextToken", ssm_token_make(key));
    }
    r = rq->out ? 0 : aerr_internal(err, -ENOMEM);
out:
    store_rows_done(q);
    json_decref(list);
    return r;
}

/* ---- Stop and signals ---- */

/* The execution id, for Stop and signals: 1 while it runs, 2 once it has ended; <0 with err
 * set when it does not exist (or the engine is not running). */
static int
find_execution(struct req *rq, const char *id, struct aerr *err)
{
    struct store_rows *q;
    int r;

    if (!rq->state)
        return aerr_set(err, -ENOSYS, 500, "InternalServerError", "The Automation engine is not running.");
    r = store_query(rq->tx, &q, "SELECT done FROM auto_exec WHERE id = ?1 AND account = ?2 AND region = ?3",
                    "sss", id, account_of(rq), rq->region);
    if (r > 0)
        r = store_col_int(q, 0) ? 2 : 1;
    store_rows_done(q);
    if (r == 0)
        return not_found(err, id);
    return r < 0 ? aerr_internal(err, r) : r;
}

static int
stop_automation_execution(struct req *rq, struct aerr *err)
{
    const char *id = ssm_in_str(rq->in, "AutomationExecutionId");
    const char *type = ssm_in_str(rq->in, "Type");
    int r;

    r = find_execution(rq, id, err);
    if (r < 0)
        return r;
    if (r == 2)
        return aerr_set(err, -EINVAL, 400, "InvalidAutomationStatusUpdateException",
                        "Automation execution %s has already ended; it cannot be stopped.", id);
    return auto_engine_stop_execution(rq->state, account_of(rq), id, type ? type : "Cancel", err);
}

static int
send_automation_signal(struct req *rq, struct aerr *err)
{
    const char *id = ssm_in_str(rq->in, "AutomationExecutionId");
    const char *type = ssm_in_str(rq->in, "SignalType");
    int r;

    r = find_execution(rq, id, err);
    if (r < 0)
        return r;
    if (r == 2)
        return aerr_set(err, -EINVAL, 400, "InvalidAutomationSignalException",
                        "Automation execution %s has ended; it cannot take a %s signal.", id, type);
    return auto_engine_signal(rq->state, account_of(rq), id, type, json_object_get(rq->in, "Payload"),
                              rq->caller, err);
}

/* ---- the table ---- */

static int
start(const struct service_env *env, void **ret_state)
{
    struct auto_engine *eng;
    int r = auto_engine_start(env, &eng);

    if (r < 0)
        return r;
    *ret_state = eng;
    return 0;
}

static void
stop(void *state)
{
    auto_engine_stop(state);
}

/* None takes the write lock: the engine thread writes (see the top of this file). */
static const struct op_impl ops[] = {
    { "DescribeAutomationExecutions",     describe_automation_executions,      0, NULL },
    { "DescribeAutomationStepExecutions", describe_automation_step_executions, 0, execution_resource },
    { "GetAutomationExecution",           get_automation_execution,            0, execution_resource },
    { "SendAutomationSignal",             send_automation_signal,              0, execution_resource },
    { "StartAutomationExecution",         start_automation_execution,          0, definition_resource },
    { "StopAutomationExecution",          stop_automation_execution,           0, execution_resource },
    { NULL, NULL, 0, NULL },
};

const struct service_impl ssm_automation_service = {
    .signing_name = "ssm",
    .ops = ops,
    .migrations = auto_migrations,
    .module = "automation",
    .start = start,
    .stop = stop,
};
