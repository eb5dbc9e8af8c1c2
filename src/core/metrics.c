/* src/core/metrics.c - request counters and latency histograms per operation, rendered as
 * Prometheus text for /metrics. Lock-free: relaxed atomic adds from every HTTP thread. */
#include <errno.h>
#include <stdlib.h>
#include "internal.h"

static const double bucket_ms[METRICS_N_BUCKETS] = {
    0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 1000, 2500, 10000,
};
static const int statuses[METRICS_N_STATUSES] = { 200, 400, 403, 404, 409, 413, 429, 500, 501, 503 };
#define N_STATUSES METRICS_N_STATUSES

int
metrics_init(struct metrics *m)
{
    m->rows = calloc(model_n_ops + 1, sizeof(*m->rows));
    return m->rows ? 0 : -ENOMEM;
}

void
metrics_done(struct metrics *m)
{
    free(m->rows);
    m->rows = NULL;
}

static size_t
status_slot(int status)
{
    size_t i;

    for (i = 0; i < N_STATUSES; i++)
        if (statuses[i] == status)
            return i;
    return N_STATUSES;                /* "other" */
}

void
metrics_count(struct metrics *m, const struct model_op *op, int status, double ms)
{
    struct metrics_row *row = &m->rows[op ? (size_t) op->index : model_n_ops];
    size_t b;

    __atomic_add_fetch(&row->by_status[status_slot(status)], 1, __ATOMIC_RELAXED);
    for (b = 0; b < METRICS_N_BUCKETS && ms > bucket_ms[b]; b++)
        ;
    __atomic_add_fetch(&row->buckets[b], 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&row->count, 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&row->sum_us, (uint64_t) (ms * 1000), __ATOMIC_RELAXED);
}

static int
labels(struct pbuf *out, const struct model_service *svc, const struct model_op *op)
{
    return pbuf_printf(out, "service=\"%s\",action=\"%s\"", svc ? svc->signing_name : "-",
                       op ? op->name : "-");
}

int
metrics_render(struct metrics *m, struct pbuf *out)
{
    size_t s, o, i, b;
    int r = 0;

    r |= pbuf_printf(out, "# HELP cairn_requests_total API requests by service, action and HTTP status.\n"
                          "# TYPE cairn_requests_total counter\n");
    for (s = 0; s <= model_n_services; s++) {
        const struct model_service *svc = s < model_n_services ? &model_services[s] : NULL;
        size_t n = svc ? svc->n_ops : 1;
        for (o = 0; o < n; o++) {
            const struct model_op *op = svc ? &svc->ops[o] : NULL;
            struct metrics_row *row = &m->rows[op ? (size_t) op->index : model_n_ops];
            for (i = 0; i <= N_STATUSES; i++) {
                uint64_t v = __atomic_load_n(&row->by_status[i], __ATOMIC_RELAXED);
                if (!v)
                    continue;
                r |= pbuf_printf(out, "cairn_requests_total{");
                r |= labels(out, svc, op);
                if (i < N_STATUSES)
                    r |= pbuf_printf(out, ",status=\"%d\"} %llu\n", statuses[i], (unsigned long long) v);
                else
                    r |= pbuf_printf(out, ",status=\"other\"} %llu\n", (unsigned long long) v);
            }
        }
    }
    r |= pbuf_printf(out, "# HELP cairn_request_duration_seconds API request latency, from the "
                          "first byte decoded to the answer encoded.\n"
                          "# TYPE cairn_request_duration_seconds histogram\n");
    for (s = 0; s <= model_n_services; s++) {
        const struct model_service *svc = s < model_n_services ? &model_services[s] : NULL;
        size_t n = svc ? svc->n_ops : 1;
        for (o = 0; o < n; o++) {
            const struct model_op *op = svc ? &svc->ops[o] : NULL;
            struct metrics_row *row = &m->rows[op ? (size_t) op->index : model_n_ops];
            uint64_t cum = 0, count = __atomic_load_n(&row->count, __ATOMIC_RELAXED);
            if (!count)
                continue;
            for (b = 0; b <= METRICS_N_BUCKETS; b++) {
                cum += __atomic_load_n(&row->buckets[b], __ATOMIC_RELAXED);
                r |= pbuf_printf(out, "cairn_request_duration_seconds_bucket{");
                r |= labels(out, svc, op);
                if (b < METRICS_N_BUCKETS)
                    r |= pbuf_printf(out, ",le=\"%g\"} %llu\n", bucket_ms[b] / 1000, (unsigned long long) cum);
                else
                    r |= pbuf_printf(out, ",le=\"+Inf\"} %llu\n", (unsigned long long) cum);
            }
            r |= pbuf_printf(out, "cairn_request_duration_seconds_sum{");
            r |= labels(out, svc, op);
            r |= pbuf_printf(out, "} %.6f\ncairn_request_duration_seconds_count{",
                             (double) __atomic_load_n(&row->sum_us, __ATOMIC_RELAXED) / 1e6);
            r |= labels(out, svc, op);
            r |= pbuf_printf(out, "} %llu\n", (unsigned long long) count);
        }
    }
    return r ? -ENOMEM : 0;
}
