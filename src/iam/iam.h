/* src/iam/iam.h - the IAM service. Used by: core/dispatch.c. Uses: store/, core/req.h. */
#ifndef IAM_IAM_H
#define IAM_IAM_H
#include "../core/req.h"
extern const struct service_impl iam_service;

/* Fill *ret (kind PRINCIPAL_USER: arn with path, user_id = entity_id = AIDA..., name) for the
 * IAM user whose unique id is user_id in account. Used by core/auth.c to turn an access key
 * into its caller. Returns 0, or -ENOENT when there is no such user. */
int iam_user_principal(struct store_tx *tx, const char *account, const char *user_id,
                       struct principal *ret);
#endif
