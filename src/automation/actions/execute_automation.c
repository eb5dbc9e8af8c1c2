/* src/automation/actions/execute_automation.c - aws:executeAutomation: start a child
 * execution (DocumentName, DocumentVersion, RuntimeParameters, Targets ...) as this
 * execution's principal and wait for it; outputs ExecutionId, Status, Output. The child is
 * created in the same transaction that records it, so a restart never starts it twice. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "common.h"

/* RuntimeParameters values may be typed (lists, numbers, booleans): the API wants lists of
 * strings. */
static json_t *
runtime_params(const json_t *rp)
{
    json_t *out = json_object(), *v, *e, *list;
    const char *k;
    size_t i;

    json_object_foreach((json_t *) rp, k, v) {
        list = json_array();
        if (json_is_array(v)) {
            json_array_foreach(v, i, e) {
                char *t = act_text(e);
                json_array_append_new(list, json_string(t ? t : ""));
                free(t);
            }
        } else {
            char *t = act_text(v);
            json_array_append_new(list, json_string(t ? t : ""));
            free(t);
        }
        json_object_set_new(out, k, list);
    }
    return out;
}

static enum auto_result
start(struct auto_step_ctx *sc)
{
    static const char *const copy[] = { "DocumentName", "DocumentVersion", "Targets", "TargetParameterName",
                                        "TargetMaps", "MaxConcurrency", "MaxErrors", "Tags", NULL };
    const char *const *k;
    const json_t *rp = json_object_get(sc->inputs, "RuntimeParameters");
    struct aerr err = {0};
    json_t *in = json_object(), *v;
    char id[37];
    int r;

    if (!in)
        return auto_fail(sc, "Invocation", "Unexpected", "Out of memory.");
    for (k = copy; *k; k++)
        if ((v = json_object_get(sc->inputs, *k)))
            json_object_set(in, *k, v);
    if (json_object_size(rp))
        json_object_set_new(in, "Parameters", runtime_params(rp));
    r = auto_child_start(sc, in, id, &err);
    json_decref(in);
    if (r < 0)
        return auto_fail(sc, "Invocation", "Unexpected", "Step fails when it is Execute/Resuming action. "
                         "An error occurred (%s) when starting the automation: %s",
                         err.code ? err.code : "InternalFailure", err.msg);
    json_object_set_new(sc->state, "child", json_string(id));
    auto_output_set(sc, "ExecutionId", json_string(id));
    return AUTO_WAITING;
}

static enum auto_result
ended(struct auto_step_ctx *sc, const char *status, const char *failure, const json_t *outputs)
{
    const char *id = json_string_value(json_object_get(sc->state, "child"));

    auto_output_set(sc, "ExecutionId", json_string(id));
    auto_output_set(sc, "Status", json_string(status));
    if (outputs && json_object_size(outputs))
        auto_output_set(sc, "Output", json_deep_copy(outputs));
    if (strcmp(status, "Success"))
        return auto_fail(sc, "Invocation", "Unexpected", "The automation execution %s ended with status "
                         "%s%s%.512s", id, status, failure ? ": " : ".", failure ? failure : "");
    return AUTO_SUCCESS;
}

static enum auto_result
resume(struct auto_step_ctx *sc, const struct auto_event *ev)
{
    if (ev->kind != EV_CHILD)
        return AUTO_WAITING;
    return ended(sc, ev->child_status, ev->child_failure, ev->child_outputs);
}

static void
cancel(struct auto_step_ctx *sc)
{
    const char *id = json_string_value(json_object_get(sc->state, "child"));

    if (id)
        (void) auto_child_cancel(sc, id);
}

static enum auto_result
recover(struct auto_step_ctx *sc)
{
    const char *id = json_string_value(json_object_get(sc->state, "child")), *st = NULL, *failure = NULL;
    json_t *outputs = NULL;
    int r;

    if (!id)
        return start(sc);
    r = auto_child_status(sc, id, &st, &failure, &outputs);
    if (r < 0)
        return auto_fail(sc, "Invocation", "Unexpected", "The automation execution %s cannot be found.", id);
    if (r == 0)
        return AUTO_WAITING;
    return ended(sc, st, failure, outputs);
}

const struct auto_action auto_action_execute_automation = {
    "aws:executeAutomation", 0, start, resume, cancel, recover, NULL,
};
