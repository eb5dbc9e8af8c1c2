/* src/automation/heap.h - the engine's timers: a binary min-heap of (due time, execution id,
 * token), earliest first, ties in insertion order. One scheduler thread owns it (no locks).
 * Timers are never removed early: an execution that no longer waits for a token ignores it
 * when it fires (lazy deletion), so arming is O(log n) and cancelling is free.
 * Used by: automation/engine.c, tests. Uses: libc. */
#ifndef AUTOMATION_HEAP_H
#define AUTOMATION_HEAP_H

#include <stddef.h>
#include <stdint.h>

#define AUTO_HEAP_MAX (16u << 20)   /* timers held at once: bounds memory (~1 GB at most) */

struct auto_timer {
    int64_t  due_ms;                /* CLOCK_REALTIME milliseconds */
    uint64_t seq;                   /* insertion order: ties fire first-in first-out */
    uint64_t token;                 /* what the execution waits for */
    char     id[37];                /* execution id */
};

struct auto_heap {
    struct auto_timer *v;
    size_t             n, cap;
    uint64_t           next_seq;
};

#define AUTO_HEAP_INIT { NULL, 0, 0, 0 }

/* Add a timer. Returns 0, -ENOMEM, or -E2BIG past AUTO_HEAP_MAX. */
int  auto_heap_push(struct auto_heap *h, int64_t due_ms, const char *id, uint64_t token);
/* The earliest timer, or NULL when empty (borrowed until the next push/pop). */
const struct auto_timer *auto_heap_peek(const struct auto_heap *h);
/* Remove the earliest timer into *ret. Returns 1, or 0 when empty. */
int  auto_heap_pop(struct auto_heap *h, struct auto_timer *ret);
void auto_heap_done(struct auto_heap *h);      /* frees the storage; h may be reused */

#endif
