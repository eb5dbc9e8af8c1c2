/* src/automation/actions/assert_property.c - aws:assertAwsResourceProperty: call Service/Api
 * once and fail unless the value at PropertySelector is one of DesiredValues. */
#include <stdlib.h>
#include "common.h"

static const char *const drop[] = { "Service", "Api", "PropertySelector", "DesiredValues", NULL };

static enum auto_result
start(struct auto_step_ctx *sc)
{
    if (!json_is_string(json_object_get(sc->inputs, "PropertySelector")) ||
        !json_object_get(sc->inputs, "DesiredValues"))
        return auto_fail(sc, "InputValidation", "Verification", "PropertySelector and DesiredValues are required.");
    if (act_invoke(sc, json_string_value(json_object_get(sc->inputs, "Service")),
                   json_string_value(json_object_get(sc->inputs, "Api")),
                   act_params(sc->inputs, drop), 0) < 0)
        return AUTO_FAILED;
    return AUTO_WAITING;
}

static enum auto_result
resume(struct auto_step_ctx *sc, const struct auto_event *ev)
{
    const char *path = json_string_value(json_object_get(sc->inputs, "PropertySelector"));
    json_t *sel = NULL, *empty = json_object();
    char errbuf[512], *actual = NULL;
    enum auto_result res;
    int r;

    if (ev->kind != EV_JOB) {
        json_decref(empty);
        return AUTO_WAITING;
    }
    if (ev->job->r < 0) {
        json_decref(empty);
        return act_api_error(sc, ev->job);
    }
    r = auto_jsonpath(ev->job->out ? ev->job->out : empty, path, &sel, errbuf, sizeof(errbuf));
    json_decref(empty);
    if (r < 0)
        return auto_fail(sc, "Verification", "Verification", "Step fails when it is verifying the "
                         "property: %s.", errbuf);
    if (act_matches(sel, json_object_get(sc->inputs, "DesiredValues"), &actual)) {
        res = AUTO_SUCCESS;
    } else {
        char *want = act_text(json_object_get(sc->inputs, "DesiredValues"));
        res = auto_fail(sc, "Verification", "Verification", "Step fails when it is verifying the "
                        "property: the value of %.256s is %.512s, not one of the desired values %.512s.",
                        path, actual ? actual : "?", want ? want : "?");
        free(want);
    }
    free(actual);
    json_decref(sel);
    return res;
}

static enum auto_result
recover(struct auto_step_ctx *sc)
{
    struct auto_job *j = NULL;
    struct auto_event ev = { .kind = EV_JOB };
    enum auto_result res;

    if (act_journaled(sc, 0, &j) <= 0)
        return start(sc);
    ev.job = j;
    res = resume(sc, &ev);
    auto_job_free(j);
    return res;
}

const struct auto_action auto_action_assert_property = {
    "aws:assertAwsResourceProperty", 0, start, resume, NULL, recover, NULL,
};
