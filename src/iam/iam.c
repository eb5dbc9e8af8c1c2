/* src/iam/iam.c - the IAM service's operation table. Used by: core/dispatch.c. */
#include <errno.h>
#include <stddef.h>
#include "iam.h"

static const struct op_impl ops[] = {
    { NULL, NULL, 0 },
};

const struct service_impl iam_service = { "iam", ops, NULL };

int
iam_user_principal(struct store_tx *tx, const char *account, const char *user_id,
                   struct principal *ret)
{
    return -ENOENT;
}
