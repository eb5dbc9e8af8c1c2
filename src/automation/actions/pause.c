/* src/automation/actions/pause.c - aws:pause: the execution waits (status Waiting) until
 * SendAutomationSignal Resume. */
#include <errno.h>
#include <string.h>
#include "common.h"

static enum auto_result
start(struct auto_step_ctx *sc)
{
    return AUTO_WAITING;
}

static enum auto_result
recover(struct auto_step_ctx *sc)
{
    return AUTO_WAITING;
}

static int
signal_(struct auto_step_ctx *sc, const struct auto_event *ev, enum auto_result *ret, struct aerr *err)
{
    if (strcmp(ev->signal, "Resume"))
        return aerr_set(err, -EINVAL, 400, "InvalidAutomationSignalException",
                        "Step %s is paused: it takes a Resume signal, not %s.", sc->row->name, ev->signal);
    *ret = AUTO_SUCCESS;
    return 0;
}

const struct auto_action auto_action_pause = {
    "aws:pause", ACTION_SIGNALS | ACTION_NO_CANCEL_TARGET, start, NULL, NULL, recover, signal_,
};
