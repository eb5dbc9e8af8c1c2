/* src/iam/iam.h - the IAM service: users, groups, roles, managed and inline policies, instance
 * profiles, access keys and login profiles, over the awsQuery protocol.
 * Used by: core/dispatch.c (the operation table), core/auth.c (callers from access keys),
 * the web console (passwords). Uses: store/, core/req.h. */
#ifndef IAM_IAM_H
#define IAM_IAM_H
#include "../core/req.h"
extern const struct service_impl iam_service;

/* Fill *ret (kind PRINCIPAL_USER: arn with path, user_id = entity_id = AIDA..., name) for the
 * IAM user whose unique id is user_id in account. Used by core/auth.c to turn an access key
 * into its caller. Returns 0, or -ENOENT when there is no such user. */
int iam_user_principal(struct store_tx *tx, const char *account, const char *user_id,
                       struct principal *ret);

/* Check a console password: 0 when user_name (case-insensitive) in account has a login
 * profile whose password is password; -ENOENT for no such user or no login profile;
 * -EACCES for a wrong password; other <0 on failure. Constant time in the password. */
int iam_login_verify(struct store_tx *tx, const char *account, const char *user_name,
                     const char *password);
#endif
