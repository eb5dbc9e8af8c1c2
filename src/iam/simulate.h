/* src/iam/simulate.h - the IAM policy simulator's operation table (SimulatePrincipalPolicy,
 * SimulateCustomPolicy, GetContextKeysFor*Policy): a table of its own under the "iam" signing
 * name. Used by: core/dispatch.c. Uses: iam/principal.h, policy/. */
#ifndef IAM_SIMULATE_H
#define IAM_SIMULATE_H
#include "../core/req.h"
extern const struct service_impl iam_simulate_service;
#endif
