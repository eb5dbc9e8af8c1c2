/* src/sts/sts.c - STS: who the caller is (and, with the authorization issue, role sessions).
 * Used by: core/dispatch.c. Uses: core/req.h. */
#include <errno.h>
#include <stddef.h>
#include "sts.h"

static int
get_caller_identity(struct req *rq, struct aerr *err)
{
    rq->out = json_pack("{s:s, s:s, s:s}", "UserId", rq->caller->user_id,
                        "Account", rq->caller->account, "Arn", rq->caller->arn);
    return rq->out ? 0 : aerr_internal(err, -ENOMEM);
}

static const struct op_impl ops[] = {
    { "GetCallerIdentity", get_caller_identity, 0, NULL },
    { NULL, NULL, 0, NULL },
};

const struct service_impl sts_service = { "sts", ops, NULL };
