/* src/core/authz.h - authorization as the services and the engine ask for it: one call per
 * decision, on the IAM policy engine (src/policy/), with AWS's AccessDenied messages.
 * Used by: core/dispatch.c (every operation), services (iam:PassRole), the automation engine
 * (acting as ssm.amazonaws.com). Uses: policy/, iam/ (the principal's policies), store/.
 *
 * Every decision runs on the thread's own policy context (no allocation once warm) against
 * the principal's compiled policies, cached by iam/principal.h. The account root may do
 * anything in its own account; a service principal (only the server acts as one) is not
 * checked. docs/authorization.md explains the request context and the special cases. */
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

/* The authorization of one operation (core/dispatch.c's exec_op calls it for every call,
 * HTTP or in-process): action "<signing name>:<Operation>" on resource (NULL = "*") by
 * rq->caller, with the request context built from rq (source IP, region, time, request tags,
 * the operation's own condition keys). Handles the operations AWS does not authorize
 * (sts:GetCallerIdentity, sts:GetSessionToken), the limits of GetSessionToken credentials,
 * and sts:AssumeRole (the role's trust policy and the caller's permission, plus
 * sts:TagSession / sts:SetSourceIdentity when asked). Returns 0 or <0 with err set: 403
 * AccessDenied (Query), 400 AccessDeniedException (JSON), 403 AccessDeniedException
 * (restJson), 403 UnauthorizedOperation with an encoded message (EC2), InvalidClientTokenId. */
int authz_request(const struct req *rq, const char *resource, struct aerr *err);

/* As authz_check, but a denial is worded as EC2 and a few other services word it: 403
 * UnauthorizedOperation "You are not authorized to perform this operation. Encoded
 * authorization failure message: <m>", where m decodes with sts:DecodeAuthorizationMessage
 * (sealed with the store's key under AUTHZ_MESSAGE_AAD, then base64). */
int authz_check_encoded(struct store_tx *tx, const struct principal *who, const char *action,
                        const char *resource, json_t *context, struct aerr *err);
#define AUTHZ_MESSAGE_AAD "cairn:authorization-message"

#endif
