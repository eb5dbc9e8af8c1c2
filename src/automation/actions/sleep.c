/* src/automation/actions/sleep.c - aws:sleep: wait for a Duration (ISO-8601, e.g. PT10M) or
 * until a Timestamp, 7 days at most. A timer, never a thread; a restart re-arms it. */
#include <errno.h>
#include <string.h>
#include "common.h"

static enum auto_result
arm(struct auto_step_ctx *sc, int64_t wake)
{
    json_object_set_new(sc->state, "wake", json_integer(wake));
    if (wake <= auto_now_ms())
        return AUTO_SUCCESS;
    if (auto_timer_at(sc, wake) < 0)
        return auto_fail(sc, "Invocation", "Unexpected", "The timer cannot be armed.");
    return AUTO_WAITING;
}

static enum auto_result
start(struct auto_step_ctx *sc)
{
    const char *dur = json_string_value(json_object_get(sc->inputs, "Duration"));
    const char *ts = json_string_value(json_object_get(sc->inputs, "Timestamp"));
    int64_t now = auto_now_ms(), ms;
    double t;

    if (dur) {
        if (auto_iso_duration(dur, &ms) < 0)
            return auto_fail(sc, "InputValidation", "Verification", "Duration '%.64s' is not an "
                             "ISO-8601 duration such as PT10M.", dur);
        if (ms > AUTO_SLEEP_MAX_MS)
            return auto_fail(sc, "InputValidation", "Verification", "Duration '%.64s' is longer than "
                             "the 7 days aws:sleep allows.", dur);
        return arm(sc, now + ms);
    }
    if (ts) {
        if (auto_iso_time(ts, &t) < 0)
            return auto_fail(sc, "InputValidation", "Verification", "Timestamp '%.64s' is not an "
                             "ISO-8601 date and time such as 2024-05-01T10:00:00Z.", ts);
        ms = (int64_t) (t * 1000.0);
        if (ms - now > AUTO_SLEEP_MAX_MS)
            return auto_fail(sc, "InputValidation", "Verification", "Timestamp '%.64s' is more than "
                             "the 7 days aws:sleep allows.", ts);
        return arm(sc, ms);
    }
    return auto_fail(sc, "InputValidation", "Verification", "aws:sleep needs a Duration or a Timestamp input.");
}

static enum auto_result
resume(struct auto_step_ctx *sc, const struct auto_event *ev)
{
    return ev->kind == EV_TIMER ? AUTO_SUCCESS : AUTO_WAITING;
}

static enum auto_result
recover(struct auto_step_ctx *sc)
{
    json_t *w = json_object_get(sc->state, "wake");

    return w ? arm(sc, json_integer_value(w)) : start(sc);
}

const struct auto_action auto_action_sleep = {
    "aws:sleep", ACTION_NO_CANCEL_TARGET, start, resume, NULL, recover, NULL,
};
