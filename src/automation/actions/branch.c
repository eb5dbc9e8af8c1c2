/* src/automation/actions/branch.c - aws:branch: the NextStep of the first choice that matches
 * (operators, And/Or/Not), else Default; the step fails when nothing applies. */
#include "common.h"

static enum auto_result
start(struct auto_step_ctx *sc)
{
    struct auto_scope scope;
    const char *next = NULL;
    char errbuf[512];

    auto_step_scope(sc, &scope);
    if (auto_branch_pick(sc->inputs, &scope, &next, errbuf, sizeof(errbuf)) < 0)
        return auto_fail(sc, "InputValidation", "Verification", "Step fails when it is evaluating the "
                         "choices: %s.", errbuf);
    if (!next)
        return auto_fail(sc, "Verification", "Verification", "None of the choices matched, and the "
                         "step has no Default.");
    auto_next_set(sc, next);
    return AUTO_SUCCESS;
}

const struct auto_action auto_action_branch = {
    "aws:branch", ACTION_RAW_INPUTS, start, NULL, NULL, NULL, NULL,
};
