/* src/automation/actions/create_tags.c - aws:createTags: add Tags to ResourceIds of
 * ResourceType (EC2 by default; ManagedInstance, MaintenanceWindow, Parameter through SSM
 * AddTagsToResource), one journaled call per resource. */
#include <string.h>
#include "common.h"

static enum auto_result
call(struct auto_step_ctx *sc, size_t i)
{
    const json_t *ids = json_object_get(sc->inputs, "ResourceIds");
    const char *type = json_string_value(json_object_get(sc->inputs, "ResourceType"));
    const json_t *id = json_array_get(ids, i);
    json_t *p;

    json_object_set_new(sc->state, "next", json_integer((json_int_t) i));
    p = json_pack("{s:s, s:O, s:O}", "ResourceType", type, "ResourceId", id,
                  "Tags", json_object_get(sc->inputs, "Tags"));
    if (!p || act_invoke(sc, "ssm", "AddTagsToResource", p, (int) i) < 0)
        return AUTO_FAILED;
    return AUTO_WAITING;
}

static enum auto_result
start(struct auto_step_ctx *sc)
{
    const json_t *ids = json_object_get(sc->inputs, "ResourceIds"), *tags = json_object_get(sc->inputs, "Tags");
    const char *type = json_string_value(json_object_get(sc->inputs, "ResourceType"));
    size_t i;
    const json_t *v;

    if (json_is_string(ids)) {
        json_object_set_new(sc->inputs, "ResourceIds", json_pack("[O]", ids));
        ids = json_object_get(sc->inputs, "ResourceIds");
    }
    if (!json_is_array(ids) || !json_array_size(ids) || json_array_size(ids) > 1000)
        return auto_fail(sc, "InputValidation", "Verification", "ResourceIds must list 1 to 1000 resources.");
    json_array_foreach(ids, i, v)
        if (!json_is_string(v))
            return auto_fail(sc, "InputValidation", "Verification", "ResourceIds must be strings.");
    if (!json_is_array(tags) || !json_array_size(tags))
        return auto_fail(sc, "InputValidation", "Verification", "Tags must be a list of {Key, Value}.");
    if (!type || !strcmp(type, "EC2"))
        return auto_fail(sc, "Invocation", "Unexpected", "Tagging EC2 resources needs the EC2 service, "
                         "which this server does not provide yet.");
    if (strcmp(type, "ManagedInstance") && strcmp(type, "MaintenanceWindow") && strcmp(type, "Parameter"))
        return auto_fail(sc, "InputValidation", "Verification", "ResourceType must be EC2, "
                         "ManagedInstance, MaintenanceWindow or Parameter.");
    return call(sc, 0);
}

static enum auto_result
resume(struct auto_step_ctx *sc, const struct auto_event *ev)
{
    size_t next = (size_t) json_integer_value(json_object_get(sc->state, "next")) + 1;

    if (ev->kind != EV_JOB)
        return AUTO_WAITING;
    if (ev->job->r < 0)
        return act_api_error(sc, ev->job);
    if (next < json_array_size(json_object_get(sc->inputs, "ResourceIds")))
        return call(sc, next);
    return AUTO_SUCCESS;
}

static enum auto_result
recover(struct auto_step_ctx *sc)
{
    size_t i = (size_t) json_integer_value(json_object_get(sc->state, "next"));
    struct auto_event ev = { .kind = EV_JOB };
    struct auto_job *j = NULL;
    enum auto_result res;

    if (!json_object_get(sc->state, "next"))
        return start(sc);
    if (act_journaled(sc, (int) i, &j) <= 0)
        return call(sc, i);
    ev.job = j;
    res = resume(sc, &ev);
    auto_job_free(j);
    return res;
}

const struct auto_action auto_action_create_tags = {
    "aws:createTags", ACTION_NO_CANCEL_TARGET, start, resume, NULL, recover, NULL,
};
