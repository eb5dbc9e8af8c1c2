/* src/automation/heap.c - see heap.h: the timer min-heap. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "heap.h"

static int
before(const struct auto_timer *a, const struct auto_timer *b)
{
    return a->due_ms < b->due_ms || (a->due_ms == b->due_ms && a->seq < b->seq);
}

int
auto_heap_push(struct auto_heap *h, int64_t due_ms, const char *id, uint64_t token)
{
    struct auto_timer t, *nv;
    size_t i, parent;

    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 256;
        if (cap > AUTO_HEAP_MAX)
            return h->n >= AUTO_HEAP_MAX ? -E2BIG : -ENOMEM;
        nv = realloc(h->v, cap * sizeof(*nv));
        if (!nv)
            return -ENOMEM;
        h->v = nv;
        h->cap = cap;
    }
    memset(&t, 0, sizeof(t));
    t.due_ms = due_ms;
    t.seq = h->next_seq++;
    t.token = token;
    strncpy(t.id, id, sizeof(t.id) - 1);
    for (i = h->n++; i > 0; i = parent) {      /* sift up */
        parent = (i - 1) / 2;
        if (!before(&t, &h->v[parent]))
            break;
        h->v[i] = h->v[parent];
    }
    h->v[i] = t;
    return 0;
}

const struct auto_timer *
auto_heap_peek(const struct auto_heap *h)
{
    return h->n ? &h->v[0] : NULL;
}

int
auto_heap_pop(struct auto_heap *h, struct auto_timer *ret)
{
    struct auto_timer last;
    size_t i = 0, c;

    if (!h->n)
        return 0;
    *ret = h->v[0];
    last = h->v[--h->n];
    for (;;) {                                  /* sift down */
        c = 2 * i + 1;
        if (c >= h->n)
            break;
        if (c + 1 < h->n && before(&h->v[c + 1], &h->v[c]))
            c++;
        if (!before(&h->v[c], &last))
            break;
        h->v[i] = h->v[c];
        i = c;
    }
    if (h->n)
        h->v[i] = last;
    return 1;
}

void
auto_heap_done(struct auto_heap *h)
{
    free(h->v);
    h->v = NULL;
    h->n = h->cap = 0;
}
