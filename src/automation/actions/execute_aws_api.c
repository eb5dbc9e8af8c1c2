/* src/automation/actions/execute_aws_api.c - aws:executeAwsApi: call Service/Api (botocore
 * names) with the other inputs as its parameters, through the same operation table as HTTP
 * requests, as the execution's principal; outputs by JSONPath selectors. */
#include "common.h"

static const char *const drop[] = { "Service", "Api", NULL };

static enum auto_result
start(struct auto_step_ctx *sc)
{
    if (act_invoke(sc, json_string_value(json_object_get(sc->inputs, "Service")),
                   json_string_value(json_object_get(sc->inputs, "Api")),
                   act_params(sc->inputs, drop), 0) < 0)
        return AUTO_FAILED;
    return AUTO_WAITING;
}

static enum auto_result
resume(struct auto_step_ctx *sc, const struct auto_event *ev)
{
    json_t *doc;

    if (ev->kind != EV_JOB)
        return AUTO_WAITING;
    if (ev->job->r < 0)
        return act_api_error(sc, ev->job);
    doc = ev->job->out ? ev->job->out : json_object();
    if (act_select_outputs(sc, doc) < 0) {
        if (!ev->job->out)
            json_decref(doc);
        return AUTO_FAILED;
    }
    if (!ev->job->out)
        json_decref(doc);
    return AUTO_SUCCESS;
}

static enum auto_result
recover(struct auto_step_ctx *sc)
{
    struct auto_job *j = NULL;
    struct auto_event ev = { .kind = EV_JOB };
    enum auto_result res;
    int r = act_journaled(sc, 0, &j);

    if (r <= 0)
        return start(sc);                /* the call did not commit, or only read: make it */
    ev.job = j;
    res = resume(sc, &ev);
    auto_job_free(j);
    return res;
}

const struct auto_action auto_action_execute_aws_api = {
    "aws:executeAwsApi", 0, start, resume, NULL, recover, NULL,
};
