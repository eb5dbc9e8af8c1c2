/* src/base/err.c - struct aerr helpers. Used by: everyone. */
#include <stdio.h>
#include "err.h"

int
aerr_set(struct aerr *e, int r, int status, const char *code, const char *fmt, ...)
{
    va_list ap;

    if (!e)
        return r;
    e->status = status;
    e->code = code;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
    va_end(ap);
    return r;
}

int
aerr_internal(struct aerr *e, int r)
{
    return aerr_set(e, r, 500, "InternalFailure", "%s", "We encountered an internal error. Please try again.");
}
