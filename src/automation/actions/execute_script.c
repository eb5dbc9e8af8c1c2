/* src/automation/actions/execute_script.c - aws:executeScript: a Python handler (Runtime
 * python3.x, Handler, Script, InputPayload) run by the machine's python3 in a separate process
 * (worker.c: private work folder, memory limit, at most 600 s). Outputs: OutputPayload (the
 * JSON of {"Payload": <returned value>}) and selectors on it ($.Payload.x). A script running
 * when the server stops keeps running; after a restart its result file is taken, never a
 * second run. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common.h"

static enum auto_result
dispatch(struct auto_step_ctx *sc, int resume)
{
    const struct auto_config *cfg = auto_engine_config(sc->eng);
    const char *dir = json_string_value(json_object_get(sc->state, "workdir"));
    struct auto_job *j = auto_job_new(JOB_SCRIPT);

    if (!j || !dir || !(j->workdir = strdup(dir)))
        goto oom;
    (void) cfg;
    j->deadline_ms = json_integer_value(json_object_get(sc->state, "deadline"));
    j->resume = resume;
    {
        const json_t *payload = json_object_get(sc->inputs, "InputPayload");
        j->script = strdup(json_string_value(json_object_get(sc->inputs, "Script")));
        j->handler = strdup(json_string_value(json_object_get(sc->inputs, "Handler")));
        j->payload = payload ? json_deep_copy(payload) : json_object();
        if (!j->script || !j->handler || !j->payload)
            goto oom;
    }
    auto_job_submit(sc, j);
    return AUTO_WAITING;
oom:
    auto_job_free(j);
    return auto_fail(sc, "Invocation", "Unexpected", "Out of memory.");
}

static enum auto_result
start(struct auto_step_ctx *sc)
{
    const struct auto_config *cfg = auto_engine_config(sc->eng);
    const char *rt = json_string_value(json_object_get(sc->inputs, "Runtime"));
    const char *handler = json_string_value(json_object_get(sc->inputs, "Handler"));
    const char *script = json_string_value(json_object_get(sc->inputs, "Script"));
    const json_t *payload = json_object_get(sc->inputs, "InputPayload");
    int64_t limit = sc->row->timeout_s > 0 && sc->row->timeout_s < AUTO_SCRIPT_MAX_S ? sc->row->timeout_s
                                                                                   : AUTO_SCRIPT_MAX_S;
    char dir[1400];

    if (!rt || strncmp(rt, "python3", 7))
        return auto_fail(sc, "InputValidation", "Verification", "Runtime %.32s is not supported here: "
                         "use python3.x (PowerShell is not installed).", rt ? rt : "(none)");
    if (!handler || !*handler || strlen(handler) > 128)
        return auto_fail(sc, "InputValidation", "Verification", "Handler must name the function to run.");
    if (!script) {
        if (json_object_get(sc->inputs, "Attachment"))
            return auto_fail(sc, "InputValidation", "Verification", "Scripts from attachments are not "
                             "supported yet: give the Script inline.");
        return auto_fail(sc, "InputValidation", "Verification", "Script is required.");
    }
    if (strlen(script) > AUTO_SCRIPT_SOURCE)
        return auto_fail(sc, "InputValidation", "Verification", "Script is longer than %d bytes.", AUTO_SCRIPT_SOURCE);
    if (payload && !json_is_object(payload))
        return auto_fail(sc, "InputValidation", "Verification", "InputPayload must be a map.");
    snprintf(dir, sizeof(dir), "%s/%s/%d-%d", cfg->work_dir, sc->e->id, sc->row->idx, sc->row->attempt);
    json_object_set_new(sc->state, "workdir", json_string(dir));
    json_object_set_new(sc->state, "deadline", json_integer(auto_now_ms() + limit * 1000));
    return dispatch(sc, 0);
}

static void
cleanup(struct auto_step_ctx *sc)
{
    const char *dir = json_string_value(json_object_get(sc->state, "workdir"));
    struct auto_job *j = dir ? auto_job_new(JOB_CLEANUP) : NULL;

    if (j && (j->workdir = strdup(dir)))
        auto_job_detach(sc, j);
    else
        auto_job_free(j);
}

static enum auto_result
resume(struct auto_step_ctx *sc, const struct auto_event *ev)
{
    struct auto_job *j = ev->job;
    json_t *payload;
    char *text;

    if (ev->kind != EV_JOB)
        return AUTO_WAITING;
    cleanup(sc);
    if (j->r < 0) {
        if (j->timed_out)
            return AUTO_TIMED_OUT;
        return auto_fail(sc, "Invocation", "Unexpected", "Step fails when it is Execute/Resuming action. "
                         "%s%s%.2000s", j->err.msg, j->log && *j->log ? " Script output: " : "",
                         j->log ? j->log : "");
    }
    payload = j->out;
    text = json_dumps(payload, JSON_COMPACT);
    if (!text || strlen(text) > AUTO_SCRIPT_OUTPUT) {
        free(text);
        return auto_fail(sc, "Invocation", "Unexpected", "The script returned more than %d bytes.", AUTO_SCRIPT_OUTPUT);
    }
    auto_output_set(sc, "OutputPayload", json_string(text));
    free(text);
    if (act_select_outputs(sc, payload) < 0)
        return AUTO_FAILED;
    return AUTO_SUCCESS;
}

static enum auto_result
recover(struct auto_step_ctx *sc)
{
    if (!json_object_get(sc->state, "workdir"))
        return start(sc);
    return dispatch(sc, 1);
}

const struct auto_action auto_action_execute_script = {
    "aws:executeScript", 0, start, resume, NULL, recover, NULL,
};
