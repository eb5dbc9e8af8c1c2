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

/* ---- for authorization (core) and STS ---- */

enum iam_policy_use {
    IAM_USE_IDENTITY,          /* an identity policy: inline or attached, the entity's or its groups' */
    IAM_USE_BOUNDARY,          /* the entity's permissions boundary */
};
#define IAM_POLICY_AWS_MANAGED 0x1u   /* reference data: parse with POLICY_PARSE_TRUSTED */

/* Called once per policy document. key names the exact version and is stable while the
 * document is unchanged, so compiled policies can be cached by it: "<policy arn>#v3" for a
 * managed policy, "inline:<entity id>/<name>#<16 hex of its SHA-256>" for an inline one.
 * document is valid during the call only. Return <0 to stop (that value is returned). */
typedef int iam_policy_fn(void *ud, enum iam_policy_use use, const char *key,
                          const char *document, unsigned flags);

/* The policies that apply to the IAM user or role entity_id (AIDA.../AROA...) of account:
 * its inline and attached policies, for a user those of its groups too, then its boundary.
 * Returns 0, -ENOENT for no such user or role, or the first <0 from fn or the store. */
int iam_policies_for(struct store_tx *tx, const char *account, const char *entity_id,
                     iam_policy_fn *fn, void *ud);

/* The default version of the managed policy arn (a session's PolicyArns): fn is called once.
 * Returns 0, -ENOENT when account has no such policy (AWS's are in every account), or <0. */
int iam_managed_policy_document(struct store_tx *tx, const char *account, const char *arn,
                                iam_policy_fn *fn, void *ud);

struct iam_role_info {
    char    account[13];
    char    id[32];                /* AROA... */
    char    name[65];
    char    arn[2049];             /* with its path */
    int64_t max_session;           /* MaxSessionDuration, seconds */
    char    boundary[2049];        /* permissions boundary ARN, "" when none */
    char   *trust;                 /* the trust policy (malloc'd; iam_role_info_done frees) */
};

/* Look up a role by its ARN (path included; the name compares case-insensitively, as IAM's).
 * Returns 0 and *ret (release with iam_role_info_done), -ENOENT, or <0. */
int  iam_role_by_arn(struct store_tx *tx, const char *arn, struct iam_role_info *ret);
void iam_role_info_done(struct iam_role_info *ri);   /* NULL-safe */

/* Record that role_id was assumed at now in region (GetRole's RoleLastUsed). Needs a write
 * transaction. Returns 0, -ENOENT, or <0. */
int iam_role_mark_used(struct store_tx *tx, const char *role_id, time_t now, const char *region);
#endif
