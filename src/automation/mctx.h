/* src/automation/mctx.h - memory contexts (PostgreSQL's MemoryContext, nginx pools): an
 * allocation arena with a lifespan, children that die with their parent, and reset hooks that
 * release what is not memory (jansson trees, file descriptors). The engine gives each execution
 * a context and each running step a child context; nothing in them is freed piece by piece.
 * Used by: the automation engine, its actions. Uses: libc, jansson.
 *
 * Invariants: a context's allocations are 16-byte aligned and zeroed; deleting a context runs
 * its hooks (last registered first), deletes its children, then frees its memory. Not
 * thread-safe: a context belongs to one thread at a time (the engine thread). */
#ifndef AUTOMATION_MCTX_H
#define AUTOMATION_MCTX_H

#include <stddef.h>
#include <jansson.h>

#define MCTX_FIRST_BLOCK 256         /* bytes of a context's first block; each next one doubles */
#define MCTX_BLOCK_SIZE  8192        /* largest arena block; requests over a quarter get their own */

struct mctx;

/* A new context, child of parent (NULL for a top context). name is kept by pointer (a
 * literal) for debugging. NULL on OOM. */
struct mctx *mctx_new(struct mctx *parent, const char *name);

/* Run the hooks, delete the children, free the memory and c itself. NULL-safe. */
void mctx_delete(struct mctx *c);

/* As mctx_delete, but keep c itself (empty) for reuse. */
void mctx_reset(struct mctx *c);

/* n zeroed bytes that live as long as c. NULL on OOM. */
void *mctx_alloc(struct mctx *c, size_t n);

/* Copies in c; NULL on OOM (mctx_strdup(c, NULL) returns NULL too). */
char *mctx_strdup(struct mctx *c, const char *s);
char *mctx_strndup(struct mctx *c, const char *s, size_t n);
char *mctx_printf(struct mctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Call fn(arg) when c is reset or deleted. Returns 0 or -ENOMEM (then fn was not registered). */
int mctx_on_reset(struct mctx *c, void (*fn)(void *), void *arg);

/* Hand a jansson reference to c: it is json_decref'd when c is reset or deleted. Returns v
 * (borrowed from now on), or NULL when v is NULL or on OOM (then v was released). */
json_t *mctx_json(struct mctx *c, json_t *v);

/* Bytes held by c and its children (blocks, not requests): for tests and metrics. */
size_t mctx_size(const struct mctx *c);

#endif
