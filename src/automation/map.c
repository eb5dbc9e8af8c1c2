/* src/automation/map.c - a string-keyed hash map with chaining (internal.h): executions by id,
 * runbooks by hash, accounts. Keys are copied; values are the caller's. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

struct auto_map_ent {
    struct auto_map_ent *next;
    uint64_t             h;
    void                *val;
    char                 key[];
};

static uint64_t
hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;             /* FNV-1a */

    while (*s)
        h = (h ^ (unsigned char) *s++) * 1099511628211ULL;
    return h;
}

static int
grow(struct auto_map *m)
{
    size_t nb = m->nb ? m->nb * 2 : 64, i;
    struct auto_map_ent **b = calloc(nb, sizeof(*b)), *e, *next;

    if (!b)
        return -ENOMEM;
    for (i = 0; i < m->nb; i++)
        for (e = m->b[i]; e; e = next) {
            next = e->next;
            e->next = b[e->h & (nb - 1)];
            b[e->h & (nb - 1)] = e;
        }
    free(m->b);
    m->b = b;
    m->nb = nb;
    return 0;
}

int
auto_map_put(struct auto_map *m, const char *key, void *val)
{
    uint64_t h = hash(key);
    struct auto_map_ent *e;
    size_t n = strlen(key);

    if (auto_map_get(m, key))
        return -EEXIST;
    if ((m->n + 1) * 4 > m->nb * 3 && grow(m) < 0)
        return -ENOMEM;
    e = malloc(sizeof(*e) + n + 1);
    if (!e)
        return -ENOMEM;
    e->h = h;
    e->val = val;
    memcpy(e->key, key, n + 1);
    e->next = m->b[h & (m->nb - 1)];
    m->b[h & (m->nb - 1)] = e;
    m->n++;
    return 0;
}

void *
auto_map_get(const struct auto_map *m, const char *key)
{
    uint64_t h;
    struct auto_map_ent *e;

    if (!m->nb)
        return NULL;
    h = hash(key);
    for (e = m->b[h & (m->nb - 1)]; e; e = e->next)
        if (e->h == h && !strcmp(e->key, key))
            return e->val;
    return NULL;
}

void *
auto_map_del(struct auto_map *m, const char *key)
{
    struct auto_map_ent **p, *e;
    uint64_t h;
    void *v;

    if (!m->nb)
        return NULL;
    h = hash(key);
    for (p = &m->b[h & (m->nb - 1)]; (e = *p); p = &e->next)
        if (e->h == h && !strcmp(e->key, key)) {
            *p = e->next;
            v = e->val;
            free(e);
            m->n--;
            return v;
        }
    return NULL;
}

void
auto_map_each(const struct auto_map *m, void (*fn)(void *arg, void *val), void *arg)
{
    struct auto_map_ent *e, *next;
    size_t i;

    for (i = 0; i < m->nb; i++)
        for (e = m->b[i]; e; e = next) {
            next = e->next;
            fn(arg, e->val);
        }
}

void
auto_map_done(struct auto_map *m)
{
    struct auto_map_ent *e, *next;
    size_t i;

    for (i = 0; i < m->nb; i++)
        for (e = m->b[i]; e; e = next) {
            next = e->next;
            free(e);
        }
    free(m->b);
    m->b = NULL;
    m->nb = m->n = 0;
}
