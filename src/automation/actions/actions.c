/* src/automation/actions/actions.c - the table of Automation actions this server runs. A new
 * action is one file exporting a struct auto_action, and one line here. */
#include <string.h>
#include "common.h"

extern const struct auto_action auto_action_approve, auto_action_assert_property, auto_action_branch,
    auto_action_create_tags, auto_action_execute_automation, auto_action_execute_aws_api,
    auto_action_execute_script, auto_action_loop, auto_action_pause, auto_action_sleep,
    auto_action_update_variable, auto_action_wait_property;

static const struct auto_action *const actions[] = {
    &auto_action_approve,
    &auto_action_assert_property,
    &auto_action_branch,
    &auto_action_create_tags,
    &auto_action_execute_automation,
    &auto_action_execute_aws_api,
    &auto_action_execute_script,
    &auto_action_loop,
    &auto_action_pause,
    &auto_action_sleep,
    &auto_action_update_variable,
    &auto_action_wait_property,
};

const struct auto_action *
auto_action_find(const char *name)
{
    size_t i;

    for (i = 0; name && i < sizeof(actions) / sizeof(actions[0]); i++)
        if (!strcmp(actions[i]->name, name))
            return actions[i];
    return NULL;
}
