/* src/core/internal.h - private to src/core/: the core object and the metrics it keeps. */
#ifndef CORE_INTERNAL_H
#define CORE_INTERNAL_H

#include <stdint.h>
#include "core.h"
#include "auth.h"
#include "req.h"

#define CORE_MAX_SERVICES 16         /* service tables (services[] in dispatch.c) */
#define METRICS_N_STATUSES 10        /* HTTP statuses counted apart (metrics.c) */
#define METRICS_N_BUCKETS 14         /* latency histogram: 0.1 ms .. 10 s, then +Inf */

/* Counters are updated with relaxed atomics from every HTTP thread. Row model_n_ops is
 * for requests that never reached an operation (bad signature, unknown action). */
struct metrics_row {
    uint64_t by_status[METRICS_N_STATUSES + 1];   /* by metrics.c's statuses[]; last: other */
    uint64_t buckets[METRICS_N_BUCKETS + 1];
    uint64_t count;
    uint64_t sum_us;
};

struct metrics {
    struct metrics_row *rows;        /* model_n_ops + 1 */
};

int  metrics_init(struct metrics *m);
void metrics_done(struct metrics *m);
void metrics_count(struct metrics *m, const struct model_op *op, int status, double ms);
int  metrics_render(struct metrics *m, struct pbuf *out);

struct core {
    struct cfg                cfg;
    struct store             *store;
    char                      account[ACCOUNT_ID_LEN + 1];   /* the first account */
    const struct op_impl    **impl;                         /* by model_op.index */
    size_t                   *impl_service;                 /* by model_op.index: index in services[] */
    struct service_env        env;                          /* what started services get */
    void                     *state[CORE_MAX_SERVICES];     /* each service table's start() state */
    int                       started[CORE_MAX_SERVICES];
    struct metrics            metrics;
    struct auth_cache        *auth;
};

#endif
