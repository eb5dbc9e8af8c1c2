/* src/store/internal.h - private to src/store/: the store object shared by sqlite.c and
 * seal.c. */
#ifndef STORE_INTERNAL_H
#define STORE_INTERNAL_H

#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include "store.h"

#define SEAL_KEY_LEN   32            /* AES-256 */
#define SEAL_NONCE_LEN 12            /* GCM's 96-bit nonce */
#define SEAL_TAG_LEN   16

struct conn;

struct store {
    char             dir[PATH_MAX];
    char             path[PATH_MAX];    /* dir/cairn.db */
    unsigned long    gen;               /* tells this store's thread connections apart */
    pthread_mutex_t  lock;              /* guards conns */
    struct conn     *conns;             /* every thread's connection, closed by store_close */
    unsigned char    key[SEAL_KEY_LEN]; /* from dir/master.key; wiped at close */
    uint64_t         generation;        /* see store_generation; atomic */
};

/* Load dir/master.key, creating it (0600, random) when absent. Returns 0 or <0 (logged). */
int  seal_load_key(struct store *st);
void seal_forget_key(struct store *st);

#endif
