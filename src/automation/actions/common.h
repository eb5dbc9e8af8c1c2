/* src/automation/actions/common.h - what several actions share: API calls through the worker
 * pool (journaled, so a restart never repeats one), their errors as step failures, output
 * selectors, botocore-style service and operation names.
 * Used by: every action under actions/. Uses: internal.h. */
#ifndef AUTOMATION_ACTIONS_COMMON_H
#define AUTOMATION_ACTIONS_COMMON_H

#include "../internal.h"

#define ACT_MAX_NAME 128          /* Service and Api names */

/* Call service.api (botocore names: "ssm", "DescribeDocument" or "describe_document") with
 * params (taken) as the acting principal, sub numbering the calls of one attempt. Returns 0
 * (the step waits for EV_JOB) or <0 with the step failure set. */
int  act_invoke(struct auto_step_ctx *sc, const char *service, const char *api, json_t *params, int sub);
/* After a restart: 1 and *ret_job when the journal holds the answer of call sub of this attempt
 * (a finished job to hand to the action's resume; the caller frees it), 0 when the call has to
 * be made (it did not happen, or it only read), <0 on error. */
int  act_journaled(struct auto_step_ctx *sc, int sub, struct auto_job **ret_job);
/* The failure of a call, worded as AWS words executeAwsApi failures. Returns AUTO_FAILED. */
enum auto_result act_api_error(struct auto_step_ctx *sc, const struct auto_job *j);
/* Apply the step's outputs [{Name, Selector, Type}] to doc. Returns 0, or AUTO_FAILED-ready
 * <0 with the failure set (a type that does not fit). Selectors that match nothing are skipped. */
int  act_select_outputs(struct auto_step_ctx *sc, const json_t *doc);
/* A copy of the inputs without the keys listed (NULL-terminated). */
json_t *act_params(const json_t *inputs, const char *const *drop);
/* The text of a value (strings as is, others as JSON): malloc'd. */
char *act_text(const json_t *v);
/* Does one of DesiredValues equal the selected value(s)? Sets *ret_actual (malloc'd text). */
int  act_matches(const json_t *selected, const json_t *desired, char **ret_actual);

#endif
