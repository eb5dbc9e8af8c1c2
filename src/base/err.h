/* src/base/err.h - an AWS error a client will see, carried as a value.
 * Used by: every module that can fail on client input. Uses: nothing.
 * Rendered per protocol by proto/ (JSON __type, Query ErrorResponse XML). */
#ifndef BASE_ERR_H
#define BASE_ERR_H

#include <stdarg.h>

#define AERR_MAX_MSG 1024             /* longest message we render */

struct aerr {
    int         status;               /* HTTP status; 0 = unset (renders as 500 InternalFailure) */
    const char *code;                 /* static string, e.g. "NoSuchEntity" */
    char        msg[AERR_MAX_MSG];
};

/* Fill *e (status, code, formatted message) and return r, so callers can write
 *   return aerr_set(err, -EINVAL, 400, "ValidationError", "...");
 * e may be NULL (then only r is returned). */
int aerr_set(struct aerr *e, int r, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* A 500 InternalFailure whose message is never shown to the client. */
int aerr_internal(struct aerr *e, int r);

/* Defensive branches (SQLite): assert in debug builds, pass through in release. */
#ifdef NDEBUG
#define ALWAYS(x) (x)
#define NEVER(x)  (x)
#else
#include <assert.h>
#define ALWAYS(x) ((x) ? 1 : (assert(0 && #x), 0))
#define NEVER(x)  ((x) ? (assert(0 && !#x), 1) : 0)
#endif

#endif
