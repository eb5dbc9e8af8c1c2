/* src/sts/sts.h - the STS service: who the caller is, role sessions (AssumeRole), sessions of
 * users (GetSessionToken), access key owners, decoding authorization messages.
 * Used by: core/dispatch.c. Uses: core/req.h, store/, crypto/, policy/, iam/ (roles).
 *
 * Temporary credentials are rows of core's access_key table (account/account.h): id "ASIA...",
 * owner_kind 'session', owner_id the user or role id (NULL for the root), the secret sealed
 * as for long-term keys, expires (unix seconds), token_hash (hex SHA-256 of the session
 * token; the token itself is never stored) and session, a JSON object:
 *   kind             "assumed-role" | "user" | "root" (the last two: GetSessionToken)
 *   arn, user_id,    the principal the credentials stand for (core/auth.c reads these):
 *   name, entity_id    arn:aws:sts::<acct>:assumed-role/<role>/<session>, "AROA...:<session>",
 *                      the role name, the role id (or the user's / root's own values)
 *   issued, mfa      when issued (aws:TokenIssueTime); MFA-authenticated (always false)
 *   role_arn         the role's ARN with its path           (role sessions only, from here on)
 *   session_name     RoleSessionName
 *   policy           the inline session policy, as given
 *   policy_arns      [managed session policy ARNs]
 *   tags             [{"Key", "Value"}] session tags (transitive ones of the caller included)
 *   transitive_tag_keys [keys]
 *   source_identity  SourceIdentity
 *   chained          true when a role session assumed it (role chaining: 1 hour at most)
 * iam/principal.c reads the session policies, tags and source identity back for decisions. */
#ifndef STS_STS_H
#define STS_STS_H

#include "../core/req.h"

#define STS_DEFAULT_ROLE_SESSION   3600      /* AssumeRole without DurationSeconds */
#define STS_CHAINED_MAX            3600      /* role chaining: at most one hour */
#define STS_USER_SESSION_DEFAULT   43200     /* GetSessionToken of a user: 12 hours */
#define STS_ROOT_SESSION_MAX       3600      /* GetSessionToken of the root: 1 hour at most */
#define STS_MAX_POLICY_ARNS        10        /* managed session policies */
#define STS_PACKED_MAX             2048      /* session policies + tags, plain characters, that
                                                make 100% of PackedPolicySize */
#define STS_TOKEN_BYTES            96        /* random bytes in a session token (base64: 128) */
#define STS_PURGE_AFTER            86400     /* session rows are deleted a day after expiry */

extern const struct service_impl sts_service;

#endif
