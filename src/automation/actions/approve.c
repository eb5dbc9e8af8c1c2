/* src/automation/actions/approve.c - aws:approve: the execution waits until enough approvers
 * (IAM user or role ARNs or names) send Approve, or one sends Reject (the step fails). Only
 * the approvers may decide; each decides once. Expires after 7 days. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common.h"

static json_t *
approvers(const json_t *in)
{
    const json_t *a = json_object_get(in, "Approvers");

    if (json_is_string(a))
        return json_pack("[O]", a);
    return json_is_array(a) ? json_incref((json_t *) a) : NULL;
}

static enum auto_result
start(struct auto_step_ctx *sc)
{
    json_t *list = approvers(sc->inputs), *v, *m = json_object_get(sc->inputs, "MinRequiredApprovals");
    json_int_t min = 1;
    size_t i;

    if (!list || !json_array_size(list) || json_array_size(list) > AUTO_APPROVERS_MAX) {
        json_decref(list);
        return auto_fail(sc, "InputValidation", "Verification", "Approvers must list 1 to %d IAM users "
                         "or roles.", AUTO_APPROVERS_MAX);
    }
    json_array_foreach(list, i, v)
        if (!json_is_string(v) || !json_string_length(v)) {
            json_decref(list);
            return auto_fail(sc, "InputValidation", "Verification", "Approvers must be ARNs or names.");
        }
    if (m)
        min = json_is_integer(m) ? json_integer_value(m) : json_is_string(m) ? atoll(json_string_value(m)) : 0;
    if (min < 1 || min > (json_int_t) json_array_size(list)) {
        json_decref(list);
        return auto_fail(sc, "InputValidation", "Verification", "MinRequiredApprovals must be from 1 to "
                         "the number of approvers.");
    }
    json_object_set_new(sc->state, "approvers", list);
    json_object_set_new(sc->state, "min", json_integer(min));
    json_object_set_new(sc->state, "decisions", json_array());
    json_object_set_new(sc->state, "expires", json_integer(auto_now_ms() + AUTO_APPROVE_MAX_MS));
    auto_output_set(sc, "ApprovalStatus", json_string("Waiting"));
    if (auto_timer_at(sc, auto_now_ms() + AUTO_APPROVE_MAX_MS) < 0)
        return auto_fail(sc, "Invocation", "Unexpected", "The timer cannot be armed.");
    return AUTO_WAITING;
}

/* Is the sender one of the approvers? An approver is a user or role ARN, or a name. A role
 * session (arn:aws:sts::<acct>:assumed-role/<role>/<session>) counts as its role. */
static int
is_approver(const char *a, const struct principal *p)
{
    const char *last;

    if (!strncmp(a, "arn:", 4)) {
        if (!strcmp(a, p->arn))
            return 1;
        if (p->kind == PRINCIPAL_ASSUMED_ROLE && strstr(a, ":role/") && strstr(a, p->account)) {
            last = strrchr(a, '/');
            return last && !strcmp(last + 1, p->name);
        }
        return 0;
    }
    return p->name[0] && !strcmp(a, p->name);
}

static int
signal_(struct auto_step_ctx *sc, const struct auto_event *ev, enum auto_result *ret, struct aerr *err)
{
    json_t *list = json_object_get(sc->state, "approvers"), *decisions = json_object_get(sc->state, "decisions");
    const json_t *a, *d, *c = json_object_get(ev->payload, "Comment");
    const char *comment = json_is_array(c) ? json_string_value(json_array_get(c, 0)) : json_string_value(c);
    char when[32];
    size_t i, approved = 0;
    int ok = 0;

    if (strcmp(ev->signal, "Approve") && strcmp(ev->signal, "Reject"))
        return aerr_set(err, -EINVAL, 400, "InvalidAutomationSignalException",
                        "Step %s waits for an approval: it takes Approve or Reject, not %s.",
                        sc->row->name, ev->signal);
    json_array_foreach(list, i, a)
        if (is_approver(json_string_value(a), ev->sender))
            ok = 1;
    if (!ok)
        return aerr_set(err, -EACCES, 400, "AccessDeniedException",
                        "User: %s is not authorized to approve or reject step %s: it is not one of "
                        "the step's approvers.", ev->sender->arn, sc->row->name);
    json_array_foreach(decisions, i, d)
        if (!strcmp(json_string_value(json_object_get(d, "Approver")) ?: "", ev->sender->arn))
            return aerr_set(err, -EALREADY, 400, "InvalidAutomationSignalException",
                            "%s has already decided on step %s.", ev->sender->arn, sc->row->name);
    auto_fmt_iso((double) auto_now_ms() / 1000.0, when, sizeof(when));
    d = json_pack("{s:s, s:s, s:s}", "Approver", ev->sender->arn,
                  "Decision", strcmp(ev->signal, "Approve") ? "Rejected" : "Approved", "DecisionTime", when);
    if (!d)
        return aerr_internal(err, -ENOMEM);
    if (comment)
        json_object_set_new((json_t *) d, "Comment", json_string(comment));
    json_array_append_new(decisions, (json_t *) d);
    json_array_foreach(decisions, i, d)
        if (!strcmp(json_string_value(json_object_get(d, "Decision")) ?: "", "Approved"))
            approved++;
    auto_output_set(sc, "ApproverDecisions", json_deep_copy(decisions));
    if (!strcmp(ev->signal, "Reject")) {
        auto_output_set(sc, "ApprovalStatus", json_string("Rejected"));
        *ret = auto_fail(sc, "Verification", "Verification", "The approval request was rejected by %s%s%.256s.",
                         ev->sender->arn, comment ? ": " : "", comment ? comment : "");
        return 0;
    }
    if ((json_int_t) approved >= json_integer_value(json_object_get(sc->state, "min"))) {
        auto_output_set(sc, "ApprovalStatus", json_string("Approved"));
        *ret = AUTO_SUCCESS;
        return 0;
    }
    *ret = AUTO_WAITING;
    return 0;
}

static enum auto_result
resume(struct auto_step_ctx *sc, const struct auto_event *ev)
{
    if (ev->kind != EV_TIMER)
        return AUTO_WAITING;
    auto_output_set(sc, "ApprovalStatus", json_string("Rejected"));
    return auto_fail(sc, "Verification", "Verification", "The approval request expired after 7 days.");
}

static enum auto_result
recover(struct auto_step_ctx *sc)
{
    json_t *x = json_object_get(sc->state, "expires");

    if (!x)
        return start(sc);
    if (auto_timer_at(sc, json_integer_value(x)) < 0)
        return auto_fail(sc, "Invocation", "Unexpected", "The timer cannot be armed.");
    return AUTO_WAITING;
}

const struct auto_action auto_action_approve = {
    "aws:approve", ACTION_SIGNALS | ACTION_NO_CANCEL_TARGET, start, resume, NULL, recover, signal_,
};
