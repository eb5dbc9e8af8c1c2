/* src/automation/mctx.c - see mctx.h: memory contexts with children and reset hooks. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mctx.h"

#define ALIGN 16u

struct block {
    struct block *next;
    size_t        size, used;                  /* bytes of data[] */
    _Alignas(16) unsigned char data[];
};

struct hook {
    struct hook *next;
    void       (*fn)(void *);
    void        *arg;
};

struct mctx {
    struct mctx  *parent, *first_child, *next_sibling, *prev_sibling;
    const char   *name;
    struct block *blocks;                      /* the current (partly free) block first */
    struct hook  *hooks;                       /* last registered first */
};

static size_t
round_up(size_t n)
{
    return (n + ALIGN - 1) & ~(size_t) (ALIGN - 1);
}

struct mctx *
mctx_new(struct mctx *parent, const char *name)
{
    struct mctx *c = calloc(1, sizeof(*c));

    if (!c)
        return NULL;
    c->name = name;
    if (parent) {
        c->parent = parent;
        c->next_sibling = parent->first_child;
        if (parent->first_child)
            parent->first_child->prev_sibling = c;
        parent->first_child = c;
    }
    return c;
}

static void
release(struct mctx *c)
{
    struct block *b, *nb;
    struct hook *h;

    /* Hooks first: they may still read memory of c. A hook registered by a hook runs too. */
    while ((h = c->hooks)) {
        c->hooks = h->next;
        h->fn(h->arg);
    }
    while (c->first_child)
        mctx_delete(c->first_child);
    for (b = c->blocks; b; b = nb) {
        nb = b->next;
        free(b);
    }
    c->blocks = NULL;
}

void
mctx_reset(struct mctx *c)
{
    if (c)
        release(c);
}

void
mctx_delete(struct mctx *c)
{
    if (!c)
        return;
    release(c);
    if (c->parent) {
        if (c->prev_sibling)
            c->prev_sibling->next_sibling = c->next_sibling;
        else
            c->parent->first_child = c->next_sibling;
        if (c->next_sibling)
            c->next_sibling->prev_sibling = c->prev_sibling;
    }
    free(c);
}

void *
mctx_alloc(struct mctx *c, size_t n)
{
    struct block *b = c->blocks, *nb;
    size_t need = round_up(n ? n : 1), size;
    void *p;

    if (need < n)
        return NULL;                           /* overflow */
    if (b && b->size - b->used >= need) {
        p = b->data + b->used;
        b->used += need;
        return memset(p, 0, need);
    }
    /* Blocks grow from MCTX_FIRST_BLOCK to MCTX_BLOCK_SIZE: tens of thousands of small
     * execution contexts stay small. */
    if (need > MCTX_BLOCK_SIZE / 4) {
        size = need;
    } else {
        size = b ? (b->size + sizeof(struct block)) * 2 : MCTX_FIRST_BLOCK;
        if (size > MCTX_BLOCK_SIZE)
            size = MCTX_BLOCK_SIZE;
        size -= sizeof(struct block);
        if (size < need)
            size = need;
    }
    nb = malloc(sizeof(*nb) + size);
    if (!nb)
        return NULL;
    nb->size = size;
    nb->used = need;
    if (size == need && b) {
        /* A big request: keep the current block first, where small requests still fit. */
        nb->next = b->next;
        b->next = nb;
    } else {
        nb->next = b;
        c->blocks = nb;
    }
    return memset(nb->data, 0, need);
}

char *
mctx_strndup(struct mctx *c, const char *s, size_t n)
{
    char *p;

    if (!s)
        return NULL;
    p = mctx_alloc(c, n + 1);
    if (!p)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *
mctx_strdup(struct mctx *c, const char *s)
{
    return s ? mctx_strndup(c, s, strlen(s)) : NULL;
}

char *
mctx_printf(struct mctx *c, const char *fmt, ...)
{
    va_list ap;
    char *p;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    p = mctx_alloc(c, (size_t) n + 1);
    if (!p)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(p, (size_t) n + 1, fmt, ap);
    va_end(ap);
    return p;
}

int
mctx_on_reset(struct mctx *c, void (*fn)(void *), void *arg)
{
    struct hook *h = mctx_alloc(c, sizeof(*h));

    if (!h)
        return -ENOMEM;
    h->fn = fn;
    h->arg = arg;
    h->next = c->hooks;
    c->hooks = h;
    return 0;
}

static void
decref(void *v)
{
    json_decref(v);
}

json_t *
mctx_json(struct mctx *c, json_t *v)
{
    if (!v)
        return NULL;
    if (mctx_on_reset(c, decref, v) < 0) {
        json_decref(v);
        return NULL;
    }
    return v;
}

size_t
mctx_size(const struct mctx *c)
{
    const struct block *b;
    const struct mctx *k;
    size_t n = sizeof(*c);

    for (b = c->blocks; b; b = b->next)
        n += sizeof(*b) + b->size;
    for (k = c->first_child; k; k = k->next_sibling)
        n += mctx_size(k);
    return n;
}
