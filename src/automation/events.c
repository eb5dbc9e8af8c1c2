/* src/automation/events.c - see events.h: status-change events into a ring, the log, a sink. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../base/log.h"
#include "../crypto/ids.h"
#include "events.h"
#include "lang.h"

struct auto_publisher {
    pthread_mutex_t lock;
    json_t        **ring;
    size_t          keep, head, n;             /* head: next slot to write */
    unsigned long   count;
    void          (*sink)(void *arg, json_t *ev);
    void           *sink_arg;
};

struct auto_publisher *
auto_publisher_new(size_t keep)
{
    struct auto_publisher *p = calloc(1, sizeof(*p));

    if (!p)
        return NULL;
    p->keep = keep ? keep : 1;
    p->ring = calloc(p->keep, sizeof(*p->ring));
    if (!p->ring) {
        free(p);
        return NULL;
    }
    pthread_mutex_init(&p->lock, NULL);
    return p;
}

void
auto_publisher_free(struct auto_publisher *p)
{
    size_t i;

    if (!p)
        return;
    for (i = 0; i < p->keep; i++)
        json_decref(p->ring[i]);
    free(p->ring);
    pthread_mutex_destroy(&p->lock);
    free(p);
}

json_t *
auto_event_build(const struct auto_change *c)
{
    char id[37], when[32], start[48], end[48], exec_arn[256], def_arn[512];
    json_t *ev, *detail;
    double elapsed;

    if (ids_uuid(id) < 0)
        return NULL;
    auto_fmt_iso(c->now, when, sizeof(when));
    snprintf(exec_arn, sizeof(exec_arn), "arn:aws:ssm:%s:%s:automation-execution/%s", c->region,
             c->account, c->execution_id);
    snprintf(def_arn, sizeof(def_arn), "arn:aws:ssm:%s:%s:automation-definition/%s:%s", c->region,
             c->account, c->definition, c->definition_version);
    auto_fmt_event_time(c->start, start, sizeof(start));
    elapsed = ((c->end > 0 ? c->end : c->now) - c->start) * 1000.0;
    detail = json_pack("{s:s, s:s, s:f, s:s, s:s, s:f}",
                       "ExecutionId", c->execution_id, "Definition", c->definition,
                       "DefinitionVersion", atof(c->definition_version), "Status", c->status,
                       "StartTime", start, "Time", elapsed < 0 ? 0.0 : elapsed);
    if (!detail)
        return NULL;
    if (c->end > 0) {
        auto_fmt_event_time(c->end, end, sizeof(end));
        json_object_set_new(detail, "EndTime", json_string(end));
    }
    if (c->step_name) {
        json_object_set_new(detail, "StepName", json_string(c->step_name));
        json_object_set_new(detail, "Action", json_string(c->action ? c->action : ""));
    } else if (c->executed_by) {
        json_object_set_new(detail, "ExecutedBy", json_string(c->executed_by));
    }
    ev = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:[s,s], s:o}",
                   "version", "0", "id", id,
                   "detail-type", c->step_name ? "EC2 Automation Step Status-change Notification"
                                               : "EC2 Automation Execution Status-change Notification",
                   "source", "aws.ssm", "account", c->account, "time", when, "region", c->region,
                   "resources", exec_arn, def_arn, "detail", detail);
    return ev;
}

int
auto_publish(struct auto_publisher *p, const struct auto_change *c)
{
    json_t *ev = auto_event_build(c);

    if (!ev)
        return -ENOMEM;
    return auto_publish_event(p, ev);
}

int
auto_publish_event(struct auto_publisher *p, json_t *ev)
{
    if (!ev)
        return -ENOMEM;
    if (log_min_level <= LOG_DEBUG) {
        char *text = json_dumps(ev, JSON_COMPACT);
        log_debug("automation event %s", text ? text : "?");
        free(text);
    }
    pthread_mutex_lock(&p->lock);
    json_decref(p->ring[p->head]);
    p->ring[p->head] = ev;
    p->head = (p->head + 1) % p->keep;
    if (p->n < p->keep)
        p->n++;
    p->count++;
    if (p->sink)
        p->sink(p->sink_arg, ev);
    pthread_mutex_unlock(&p->lock);
    return 0;
}

json_t *
auto_publisher_recent(struct auto_publisher *p, size_t max)
{
    json_t *out = json_array();
    size_t i, n, first;

    if (!out)
        return NULL;
    pthread_mutex_lock(&p->lock);
    n = p->n < max ? p->n : max;
    first = (p->head + p->keep - n) % p->keep;
    for (i = 0; i < n; i++)
        json_array_append(out, p->ring[(first + i) % p->keep]);
    pthread_mutex_unlock(&p->lock);
    return out;
}

unsigned long
auto_publisher_count(struct auto_publisher *p)
{
    unsigned long n;

    pthread_mutex_lock(&p->lock);
    n = p->count;
    pthread_mutex_unlock(&p->lock);
    return n;
}

void
auto_publisher_set_sink(struct auto_publisher *p, void (*sink)(void *arg, json_t *ev), void *arg)
{
    pthread_mutex_lock(&p->lock);
    p->sink = sink;
    p->sink_arg = arg;
    pthread_mutex_unlock(&p->lock);
}
