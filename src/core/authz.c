/* src/core/authz.c - PLACEHOLDER until the policy engine is wired in (issue "Authorization
 * everywhere"): every check allows, and assuming a role checks only that it exists. The
 * contract is authz.h; nothing here is the finished behaviour. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "authz.h"

int
authz_check(struct store_tx *tx, const struct principal *who, const char *action,
            const char *resource, json_t *context, int json, struct aerr *err)
{
    return 0;
}

int
authz_pass_role(struct store_tx *tx, const struct principal *who, const char *role_arn,
                const char *service, int json, struct aerr *err)
{
    return 0;
}

int
authz_assume_role_as_service(struct store_tx *tx, const char *role_arn, const char *service,
                             const char *source_arn, const char *source_account,
                             const char *session_name, struct principal *ret, struct aerr *err)
{
    char account[ACCOUNT_ID_LEN + 1];
    const char *name;
    struct store_rows *q;
    int r;

    /* arn:aws:iam::<account>:role/<path><name> */
    if (sscanf(role_arn, "arn:aws:iam::%12[0-9]:role/", account) != 1 || !(name = strrchr(role_arn, '/')))
        return -ENOENT;
    name++;
    r = store_query(tx, &q, "SELECT id, name FROM iam_role WHERE account = ?1 AND name = ?2", "ss", account, name);
    if (r > 0) {
        memset(ret, 0, sizeof(*ret));
        ret->kind = PRINCIPAL_ASSUMED_ROLE;
        snprintf(ret->account, sizeof(ret->account), "%s", account);
        snprintf(ret->arn, sizeof(ret->arn), "arn:aws:sts::%s:assumed-role/%s/%s", account, name, session_name);
        snprintf(ret->user_id, sizeof(ret->user_id), "%s:%s", store_col_text(q, 0), session_name);
        snprintf(ret->entity_id, sizeof(ret->entity_id), "%s", store_col_text(q, 0));
        snprintf(ret->name, sizeof(ret->name), "%s", name);
    }
    store_rows_done(q);
    return r < 0 ? r : r == 0 ? -ENOENT : 0;
}
