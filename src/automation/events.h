/* src/automation/events.h - the one publisher of Automation status changes: execution and step
 * status-change notifications shaped as the EventBridge events "EC2 Automation Execution
 * Status-change Notification" / "EC2 Automation Step Status-change Notification" (source
 * aws.ssm). For now it keeps the last events in memory and logs them at debug; the EventBridge
 * work connects a sink to deliver them to rules on the default bus.
 * Used by: automation/engine.c (after each commit), tests. Uses: jansson, crypto/ids, base/log. */
#ifndef AUTOMATION_EVENTS_H
#define AUTOMATION_EVENTS_H

#include <stddef.h>
#include <jansson.h>

#define AUTO_EVENTS_KEEP 1024          /* events kept in memory (oldest dropped first) */

struct auto_publisher;

/* What one status change is about. */
struct auto_change {
    const char *account, *region;
    const char *execution_id;
    const char *definition;            /* document name */
    const char *definition_version;    /* "1" */
    const char *status;                /* the new status */
    double      start, end;            /* epoch seconds; end 0 while running */
    double      now;                   /* when the change happened (event "time") */
    const char *executed_by;           /* execution events: the caller's ARN */
    const char *step_name, *action;    /* step events: NULL for execution events */
};

/* A new publisher keeping the last keep events. NULL on OOM. */
struct auto_publisher *auto_publisher_new(size_t keep);
void auto_publisher_free(struct auto_publisher *p);          /* NULL-safe */

/* The event for a change, as EventBridge would deliver it. A new reference, or NULL on OOM. */
json_t *auto_event_build(const struct auto_change *c);

/* Publish a change: build its event, keep it, log it at debug, hand it to the sink. Thread-safe.
 * Returns 0 or -ENOMEM (the change is then dropped). */
int auto_publish(struct auto_publisher *p, const struct auto_change *c);

/* Publish an event built by auto_event_build (takes ev). Thread-safe. Returns 0. */
int auto_publish_event(struct auto_publisher *p, json_t *ev);

/* The last events, oldest first, at most max of them: a new array (NULL on OOM). Thread-safe. */
json_t *auto_publisher_recent(struct auto_publisher *p, size_t max);
/* Events published since start (for metrics and tests). */
unsigned long auto_publisher_count(struct auto_publisher *p);

/* Where events go besides memory (EventBridge, later): sink(arg, event) is called on the
 * publishing thread with a borrowed event; it must not block. NULL to remove. */
void auto_publisher_set_sink(struct auto_publisher *p, void (*sink)(void *arg, json_t *ev), void *arg);

#endif
