/* src/automation/actions/wait_property.c - aws:waitForAwsResourceProperty: call Service/Api
 * every poll period until the value at PropertySelector is one of DesiredValues. Polls are
 * timers between calls, never a sleeping thread. Without timeoutSeconds it gives up after an
 * hour. */
#include <errno.h>
#include <stdlib.h>
#include "common.h"

#define WAIT_DEFAULT_TIMEOUT_MS (3600LL * 1000)

static const char *const drop[] = { "Service", "Api", "PropertySelector", "DesiredValues", NULL };

static enum auto_result
poll_now(struct auto_step_ctx *sc)
{
    int n = (int) json_integer_value(json_object_get(sc->state, "polls"));

    json_object_set_new(sc->state, "polls", json_integer(n + 1));
    if (act_invoke(sc, json_string_value(json_object_get(sc->inputs, "Service")),
                   json_string_value(json_object_get(sc->inputs, "Api")),
                   act_params(sc->inputs, drop), (n + 1) % 1024) < 0)
        return AUTO_FAILED;
    return AUTO_WAITING;
}

static enum auto_result
start(struct auto_step_ctx *sc)
{
    if (!json_is_string(json_object_get(sc->inputs, "PropertySelector")) ||
        !json_object_get(sc->inputs, "DesiredValues"))
        return auto_fail(sc, "InputValidation", "Verification", "PropertySelector and DesiredValues are required.");
    if (sc->row->timeout_s <= 0 && !json_object_get(sc->state, "deadline"))
        json_object_set_new(sc->state, "deadline", json_integer(auto_now_ms() + WAIT_DEFAULT_TIMEOUT_MS));
    return poll_now(sc);
}

static enum auto_result
resume(struct auto_step_ctx *sc, const struct auto_event *ev)
{
    const char *path = json_string_value(json_object_get(sc->inputs, "PropertySelector"));
    json_t *sel = NULL, *empty, *dl = json_object_get(sc->state, "deadline");
    char errbuf[512], *actual = NULL;
    int r, ok;

    if (ev->kind == EV_TIMER)
        return poll_now(sc);
    if (ev->kind != EV_JOB)
        return AUTO_WAITING;
    if (ev->job->r < 0)
        return act_api_error(sc, ev->job);
    empty = json_object();
    r = auto_jsonpath(ev->job->out ? ev->job->out : empty, path, &sel, errbuf, sizeof(errbuf));
    json_decref(empty);
    if (r < 0 && r != -ENOENT)
        return auto_fail(sc, "Verification", "Verification", "Step fails when it is verifying the "
                         "property: %s.", errbuf);
    ok = r == 0 && act_matches(sel, json_object_get(sc->inputs, "DesiredValues"), &actual);
    free(actual);
    json_decref(sel);
    if (ok)
        return AUTO_SUCCESS;
    if (dl && auto_now_ms() >= json_integer_value(dl))
        return AUTO_TIMED_OUT;
    if (auto_timer_at(sc, auto_now_ms() + auto_engine_config(sc->eng)->poll_ms) < 0)
        return auto_fail(sc, "Invocation", "Unexpected", "The timer cannot be armed.");
    return AUTO_WAITING;
}

static enum auto_result
recover(struct auto_step_ctx *sc)
{
    return start(sc);                       /* polls only read: poll again */
}

const struct auto_action auto_action_wait_property = {
    "aws:waitForAwsResourceProperty", 0, start, resume, NULL, recover, NULL,
};
