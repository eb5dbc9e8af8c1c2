/* src/core/authz.h - authorization as the services and the engine ask for it: one call per
 * decision, on the IAM policy engine (src/policy/), with AWS's AccessDenied messages.
 * Used by: core/dispatch.c (every operation), services (iam:PassRole), the automation engine
 * (acting as ssm.amazonaws.com). Uses: policy/, iam/ (the principal's policies), store/.
 *
 * Status: the declarations are the contract; the implementation (issue "Authorization
 * everywhere") replaces the permissive placeholder in authz.c. */
#ifndef CORE_AUTHZ_H
#define CORE_AUTHZ_H

#include <jansson.h>
#include "req.h"

/* May who perform action (e.g. "iam:CreateRole") on resource (an ARN, or "*")? context holds
 * extra condition keys (object of key -> string or array of strings; may be NULL). Returns 0
 * when allowed; -EACCES with err = 403 AccessDenied (Query) / AccessDeniedException (JSON
 * services: pass json != 0) and AWS's message ("User: arn:... is not authorized to perform:
 * iam:CreateRole on resource: arn:... because no identity-based policy allows the
 * iam:CreateRole action"). */
int authz_check(struct store_tx *tx, const struct principal *who, const char *action,
                const char *resource, json_t *context, int json, struct aerr *err);

/* iam:PassRole: who hands role_arn to service (e.g. "ssm.amazonaws.com"), with
 * iam:PassedToService in the context. The role must exist (else 400 ValidationException-like
 * error from the caller's service, which the caller words). Returns 0 or -EACCES as above. */
int authz_pass_role(struct store_tx *tx, const struct principal *who, const char *role_arn,
                    const char *service, int json, struct aerr *err);

/* The server, acting as service principal service ("ssm.amazonaws.com"), assumes role_arn
 * for session_name: the role must exist and its trust policy must allow service, with
 * aws:SourceArn = source_arn and aws:SourceAccount = source_account in the context. Fills
 * *ret with the role session (kind PRINCIPAL_ASSUMED_ROLE, arn
 * arn:aws:sts::<acct>:assumed-role/<role>/<session>, user_id "<AROA...>:<session>",
 * entity_id the role id, name the role name). Returns 0; -ENOENT when the role does not
 * exist; -EACCES when the trust policy does not allow it (err filled with AccessDenied). */
int authz_assume_role_as_service(struct store_tx *tx, const char *role_arn, const char *service,
                                 const char *source_arn, const char *source_account,
                                 const char *session_name, struct principal *ret,
                                 struct aerr *err);

#endif
