/* src/automation/actions/loop.c - aws:loop: run the inline Steps once per item of Iterators
 * (for each), or while LoopCondition holds (do while, evaluated after each pass), at most
 * MaxIterations (100) times. Outputs CurrentIteration and CurrentIteratorValue, readable by the
 * steps inside as {{ loopStep.CurrentIteratorValue }}. */
#include <stdlib.h>
#include <string.h>
#include "common.h"

static enum auto_result
enter(struct auto_step_ctx *sc, int iteration)
{
    const json_t *its = json_object_get(sc->state, "iterators");
    const json_t *value = json_is_array(its) ? json_array_get(its, (size_t) iteration - 1) : NULL;

    if (auto_loop_enter(sc, json_object_get(sc->inputs, "Steps"), iteration, value) < 0)
        return auto_fail(sc, "Invocation", "Unexpected", "Loops are nested more than %d levels deep.",
                         AUTO_MAX_DEPTH - 1);
    return AUTO_WAITING;
}

static enum auto_result
start(struct auto_step_ctx *sc)
{
    const json_t *steps = json_object_get(sc->inputs, "Steps"), *raw_it = json_object_get(sc->inputs, "Iterators");
    const json_t *cond = json_object_get(sc->inputs, "LoopCondition"), *mx = json_object_get(sc->inputs, "MaxIterations");
    struct auto_scope scope;
    json_t *its = NULL, *m = NULL;
    char errbuf[512];
    json_int_t max = AUTO_LOOP_MAX;

    if (!json_is_array(steps) || !json_array_size(steps))
        return auto_fail(sc, "InputValidation", "Verification", "Steps must be a non-empty list of steps.");
    if (!raw_it && !cond)
        return auto_fail(sc, "InputValidation", "Verification", "aws:loop needs Iterators or LoopCondition.");
    auto_step_scope(sc, &scope);
    if (mx) {
        if (auto_interp(mx, &scope, &m, errbuf, sizeof(errbuf)) < 0)
            return auto_fail(sc, "InputValidation", "Verification", "MaxIterations: %s.", errbuf);
        max = json_is_integer(m) ? json_integer_value(m) : json_is_string(m) ? atoll(json_string_value(m)) : 0;
        json_decref(m);
        if (max < 1 || max > AUTO_LOOP_MAX)
            return auto_fail(sc, "InputValidation", "Verification", "MaxIterations must be from 1 to %d.", AUTO_LOOP_MAX);
    }
    json_object_set_new(sc->state, "max", json_integer(max));
    if (raw_it) {
        if (auto_interp(raw_it, &scope, &its, errbuf, sizeof(errbuf)) < 0)
            return auto_fail(sc, "InputValidation", "Verification", "Iterators: %s.", errbuf);
        if (json_is_string(its)) {
            json_error_t jerr;
            json_t *parsed = json_loads(json_string_value(its), 0, &jerr);
            json_decref(its);
            its = json_is_array(parsed) ? parsed : NULL;
            if (!its)
                json_decref(parsed);
        }
        if (!json_is_array(its) || json_array_size(its) > AUTO_LOOP_MAX) {
            json_decref(its);
            return auto_fail(sc, "InputValidation", "Verification", "Iterators must be a list of at most %d items.",
                             AUTO_LOOP_MAX);
        }
        json_object_set_new(sc->state, "iterators", its);
        if (!json_array_size(its))
            return AUTO_SUCCESS;
    }
    return enter(sc, 1);
}

static enum auto_result
resume(struct auto_step_ctx *sc, const struct auto_event *ev)
{
    const json_t *its = json_object_get(sc->state, "iterators"), *cond = json_object_get(sc->inputs, "LoopCondition");
    int it = (int) json_integer_value(json_object_get(sc->state, "iteration"));
    json_int_t max = json_integer_value(json_object_get(sc->state, "max"));
    struct auto_scope scope;
    char errbuf[512];
    int more;

    if (ev->kind != EV_BODY_DONE)
        return AUTO_WAITING;
    auto_output_set(sc, "CurrentIteration", json_integer(it));
    if (json_object_get(sc->state, "value") && !json_is_null(json_object_get(sc->state, "value")))
        auto_output_set(sc, "CurrentIteratorValue", json_deep_copy(json_object_get(sc->state, "value")));
    if (ev->body_failed)
        return auto_fail(sc, "Invocation", "Unexpected", "A step of iteration %d failed: %.800s", it,
                         ev->body_failure ? ev->body_failure : "");
    if (json_is_array(its))
        more = (size_t) it < json_array_size(its);
    else {
        auto_step_scope(sc, &scope);
        if (auto_cond_eval(cond, &scope, &more, errbuf, sizeof(errbuf)) < 0)
            return auto_fail(sc, "InputValidation", "Verification", "LoopCondition: %s.", errbuf);
    }
    if (more && it < max)
        return enter(sc, it + 1);
    return AUTO_SUCCESS;
}

static enum auto_result
recover(struct auto_step_ctx *sc)
{
    int it = (int) json_integer_value(json_object_get(sc->state, "iteration"));

    return it > 0 ? enter(sc, it) : start(sc);
}

const struct auto_action auto_action_loop = {
    "aws:loop", ACTION_RAW_INPUTS, start, resume, NULL, recover, NULL,
};
