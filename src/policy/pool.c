/* src/policy/pool.c - a chunked bump allocator: a compiled policy lives in a few chunks and is
 * freed at once; a request context rewinds its chunks between requests. Used by: policy/. */
#include <stdlib.h>
#include <string.h>
#include "internal.h"

#define POOL_CHUNK 4096           /* default chunk payload; larger requests get their own */
#define POOL_ALIGN 16

struct pol_chunk {
    struct pol_chunk *next;
    size_t            used, cap;
    _Alignas(POOL_ALIGN) unsigned char data[];
};

static struct pol_chunk *
chunk_new(size_t need)
{
    size_t cap = need > POOL_CHUNK ? need : POOL_CHUNK;
    struct pol_chunk *c = malloc(sizeof(*c) + cap);

    if (!c)
        return NULL;
    c->next = NULL;
    c->used = 0;
    c->cap = cap;
    return c;
}

void *
pol_alloc(struct pol_pool *p, size_t n)
{
    struct pol_chunk *c = p->head;
    void *r;

    n = (n + POOL_ALIGN - 1) & ~(size_t) (POOL_ALIGN - 1);
    if (n == 0)
        n = POOL_ALIGN;
    if (!c || c->cap - c->used < n) {
        struct pol_chunk **sp = &p->spare;

        c = NULL;
        while (*sp) {                  /* a rewound chunk big enough? */
            if ((*sp)->cap >= n) {
                c = *sp;
                *sp = c->next;
                break;
            }
            sp = &(*sp)->next;
        }
        if (!c) {
            c = chunk_new(n);
            if (!c)
                return NULL;
        }
        c->used = 0;
        c->next = p->head;
        p->head = c;
    }
    r = c->data + c->used;
    c->used += n;
    memset(r, 0, n);
    return r;
}

char *
pol_strndup(struct pol_pool *p, const char *s, size_t n)
{
    char *r = pol_alloc(p, n + 1);

    if (!r)
        return NULL;
    memcpy(r, s, n);
    r[n] = '\0';
    return r;
}

static void
free_list(struct pol_chunk *c)
{
    while (c) {
        struct pol_chunk *next = c->next;

        free(c);
        c = next;
    }
}

void
pol_pool_release(struct pol_pool *p)
{
    free_list(p->head);
    free_list(p->spare);
    p->head = p->spare = NULL;
}

void
pol_pool_rewind(struct pol_pool *p)
{
    while (p->head) {
        struct pol_chunk *c = p->head;

        p->head = c->next;
        c->used = 0;
        c->next = p->spare;
        p->spare = c;
    }
}
