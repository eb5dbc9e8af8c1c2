/* src/ssm/ssm.c - the SSM service's operation table. Used by: core/dispatch.c. */
#include <stddef.h>
#include "ssm.h"

static const struct op_impl ops[] = {
    { NULL, NULL, 0 },
};

const struct service_impl ssm_service = { "ssm", ops, NULL };
