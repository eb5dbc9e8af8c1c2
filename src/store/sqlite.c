/* src/store/sqlite.c - the store on SQLite: WAL, synchronous commits, a connection per
 * thread with its prepared statements cached, versioned migrations per module.
 * Used by: everyone through store.h. Uses: sqlite3, base/. */
#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include "../base/err.h"
#include "../base/log.h"
#include "internal.h"

#define STMT_CACHE_SIZE   512       /* prepared statements kept per connection (power of 2) */
#define BUSY_TIMEOUT_MS   30000     /* writers queue on the lock this long before -EBUSY */

struct store_tx {
    struct conn *conn;
    int          open;
    int64_t      changes_at_begin;  /* sqlite3_total_changes64 when it began */
};

struct conn {
    struct store   *st;
    sqlite3        *db;
    struct store_tx tx;
    struct {
        const char   *sql;          /* key: the SQL text's address (callers pass literals) */
        sqlite3_stmt *stmt;
    } cache[STMT_CACHE_SIZE];
    struct conn    *next;           /* the store's list, for closing */
};

struct store_rows {
    sqlite3_stmt *stmt;
    int           owned;            /* not from the cache: finalize when done */
};

/* Each store gets a generation so a thread's cached connection is never reused across
 * a close and a new open (tests and dev resets do that). */
static unsigned long next_gen = 1;
static pthread_mutex_t gen_lock = PTHREAD_MUTEX_INITIALIZER;
static __thread struct { unsigned long gen; struct conn *conn; } tl;

static int
sql_errno(sqlite3 *db, int rc)
{
    switch (rc & 0xff) {
    case SQLITE_BUSY: case SQLITE_LOCKED: return -EBUSY;
    case SQLITE_CONSTRAINT:
        if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
            return -EEXIST;
        return -EINVAL;
    case SQLITE_NOMEM: return -ENOMEM;
    case SQLITE_FULL: return -ENOSPC;
    case SQLITE_TOOBIG: return -E2BIG;
    default:
        log_debug("sqlite error %d: %s", rc, db ? sqlite3_errmsg(db) : "?");
        return -EIO;
    }
}

static int
conn_open(struct store *st, struct conn **ret)
{
    struct conn *c = calloc(1, sizeof(*c));
    char *errmsg = NULL;
    int rc;

    if (!c)
        return -ENOMEM;
    c->st = st;
    rc = sqlite3_open_v2(st->path, &c->db,
                         SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        log_error("cannot open store '%s': %s", st->path, c->db ? sqlite3_errmsg(c->db) : "out of memory");
        sqlite3_close(c->db);
        free(c);
        return -EIO;
    }
    sqlite3_busy_timeout(c->db, BUSY_TIMEOUT_MS);
    /* WAL lets readers run beside the writer; synchronous=FULL makes each commit durable
     * on return, so a kill -9 right after an answer loses nothing. */
    rc = sqlite3_exec(c->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
                             "PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;", NULL, NULL, &errmsg);
    if (rc != SQLITE_OK) {
        log_error("cannot configure store '%s': %s", st->path, errmsg ? errmsg : "?");
        sqlite3_free(errmsg);
        sqlite3_close(c->db);
        free(c);
        return -EIO;
    }
    pthread_mutex_lock(&st->lock);
    c->next = st->conns;
    st->conns = c;
    pthread_mutex_unlock(&st->lock);
    *ret = c;
    return 0;
}

static void
conn_close(struct conn *c)
{
    size_t i;

    for (i = 0; i < STMT_CACHE_SIZE; i++)
        sqlite3_finalize(c->cache[i].stmt);
    sqlite3_close(c->db);
    free(c);
}

static int
this_conn(struct store *st, struct conn **ret)
{
    int r;

    if (tl.gen == st->gen && tl.conn) {
        *ret = tl.conn;
        return 0;
    }
    r = conn_open(st, &tl.conn);
    if (r < 0)
        return r;
    tl.gen = st->gen;
    *ret = tl.conn;
    return 0;
}

int
store_open(const char *dir, struct store **ret)
{
    struct store *st = calloc(1, sizeof(*st));
    struct conn *c;
    int r;

    if (!st)
        return -ENOMEM;
    pthread_mutex_init(&st->lock, NULL);
    snprintf(st->path, sizeof(st->path), "%s/cairn.db", dir);
    snprintf(st->dir, sizeof(st->dir), "%s", dir);
    pthread_mutex_lock(&gen_lock);
    st->gen = next_gen++;
    pthread_mutex_unlock(&gen_lock);
    r = seal_load_key(st);
    if (r < 0)
        goto fail;
    r = this_conn(st, &c);
    if (r < 0)
        goto fail;
    r = sqlite3_exec(c->db, "CREATE TABLE IF NOT EXISTS store_schema ("
                            " module TEXT PRIMARY KEY, version INTEGER NOT NULL)", NULL, NULL, NULL);
    if (r != SQLITE_OK) {
        r = sql_errno(c->db, r);
        log_error("cannot create the schema table in '%s'", st->path);
        goto fail;
    }
    *ret = st;
    return 0;
fail:
    store_close(st);
    return r;
}

void
store_close(struct store *st)
{
    struct conn *c, *n;

    if (!st)
        return;
    for (c = st->conns; c; c = n) {
        n = c->next;
        conn_close(c);
    }
    if (tl.gen == st->gen)
        tl.conn = NULL;
    seal_forget_key(st);
    pthread_mutex_destroy(&st->lock);
    free(st);
}

struct store *
store_of(struct store_tx *tx)
{
    return tx->conn->st;
}

static int prepare(struct conn *c, const char *sql, sqlite3_stmt **ret, int *ret_owned);
static void release(sqlite3_stmt *q, int owned);

/* BEGIN/COMMIT through the statement cache: they run on every API call. */
static int
run_simple(struct conn *c, const char *sql)
{
    sqlite3_stmt *q;
    int owned, rc;

    if (prepare(c, sql, &q, &owned) < 0)
        return sqlite3_exec(c->db, sql, NULL, NULL, NULL);
    rc = sqlite3_step(q);
    release(q, owned);
    return rc == SQLITE_DONE ? SQLITE_OK : sqlite3_extended_errcode(c->db);
}

int
store_begin(struct store *st, int write, struct store_tx **ret)
{
    struct conn *c;
    int r, rc;

    r = this_conn(st, &c);
    if (r < 0)
        return r;
    if (NEVER(c->tx.open))
        return -EBUSY;
    rc = run_simple(c, write ? "BEGIN IMMEDIATE" : "BEGIN");
    if (rc != SQLITE_OK)
        return sql_errno(c->db, rc);
    c->tx.conn = c;
    c->tx.open = 1;
    c->tx.changes_at_begin = sqlite3_total_changes64(c->db);
    *ret = &c->tx;
    return 0;
}

int
store_commit(struct store_tx *tx)
{
    int rc;

    rc = run_simple(tx->conn, "COMMIT");
    if (rc != SQLITE_OK) {
        int r = sql_errno(tx->conn->db, rc);
        (void) sqlite3_exec(tx->conn->db, "ROLLBACK", NULL, NULL, NULL);
        tx->open = 0;
        return r;
    }
    tx->open = 0;
    if (sqlite3_total_changes64(tx->conn->db) != tx->changes_at_begin)
        __atomic_add_fetch(&tx->conn->st->generation, 1, __ATOMIC_RELEASE);
    return 0;
}

uint64_t
store_generation(struct store *st)
{
    return __atomic_load_n(&st->generation, __ATOMIC_ACQUIRE);
}

void
store_rollback(struct store_tx *tx)
{
    if (!tx || !tx->open)
        return;
    (void) sqlite3_exec(tx->conn->db, "ROLLBACK", NULL, NULL, NULL);
    tx->open = 0;
}

/* A cached statement for sql, or a fresh one when the cached one is in use (a query still
 * open on the same SQL) or the cache slot is taken. */
static int
prepare(struct conn *c, const char *sql, sqlite3_stmt **ret, int *ret_owned)
{
    size_t h = ((uintptr_t) sql >> 3) & (STMT_CACHE_SIZE - 1), i;
    int rc;

    for (i = 0; i < 8; i++) {
        size_t k = (h + i) & (STMT_CACHE_SIZE - 1);
        if (c->cache[k].sql == sql) {
            if (sqlite3_stmt_busy(c->cache[k].stmt))
                break;
            *ret = c->cache[k].stmt;
            *ret_owned = 0;
            return 0;
        }
        if (!c->cache[k].sql) {
            rc = sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &c->cache[k].stmt, NULL);
            if (rc != SQLITE_OK)
                return sql_errno(c->db, rc);
            c->cache[k].sql = sql;
            *ret = c->cache[k].stmt;
            *ret_owned = 0;
            return 0;
        }
    }
    rc = sqlite3_prepare_v2(c->db, sql, -1, ret, NULL);
    if (rc != SQLITE_OK)
        return sql_errno(c->db, rc);
    *ret_owned = 1;
    return 0;
}

static int
bind(sqlite3_stmt *q, const char *types, va_list ap)
{
    int i, rc = SQLITE_OK;

    for (i = 1; types && *types && rc == SQLITE_OK; types++, i++) {
        switch (*types) {
        case 's': {
            const char *s = va_arg(ap, const char *);
            rc = s ? sqlite3_bind_text(q, i, s, -1, SQLITE_STATIC) : sqlite3_bind_null(q, i);
            break;
        }
        case 'i':
            rc = sqlite3_bind_int64(q, i, va_arg(ap, int64_t));
            break;
        case 'd':
            rc = sqlite3_bind_double(q, i, va_arg(ap, double));
            break;
        case 'b': {
            const void *p = va_arg(ap, const void *);
            size_t n = va_arg(ap, size_t);
            if (n > INT_MAX)
                return -E2BIG;
            rc = sqlite3_bind_blob(q, i, p ? p : "", (int) n, SQLITE_STATIC);
            break;
        }
        case 'n':
            rc = sqlite3_bind_null(q, i);
            break;
        default:
            assert(0 && "unknown bind type");
            return -EINVAL;
        }
    }
    return rc == SQLITE_OK ? 0 : -EINVAL;
}

static void
release(sqlite3_stmt *q, int owned)
{
    if (owned) {
        sqlite3_finalize(q);
    } else {
        sqlite3_reset(q);
        sqlite3_clear_bindings(q);
    }
}

static int
vexec(struct store_tx *tx, const char *sql, const char *types, va_list ap)
{
    sqlite3_stmt *q;
    int owned, r, rc;

    r = prepare(tx->conn, sql, &q, &owned);
    if (r < 0)
        return r;
    r = bind(q, types, ap);
    if (r < 0)
        goto out;
    do
        rc = sqlite3_step(q);
    while (rc == SQLITE_ROW);
    r = rc == SQLITE_DONE ? sqlite3_changes(tx->conn->db) : sql_errno(tx->conn->db, sqlite3_extended_errcode(tx->conn->db));
out:
    release(q, owned);
    return r;
}

int
store_exec(struct store_tx *tx, const char *sql, const char *types, ...)
{
    va_list ap;
    int r;

    va_start(ap, types);
    r = vexec(tx, sql, types, ap);
    va_end(ap);
    return r;
}

static int
vquery(struct store_tx *tx, struct store_rows *q, const char *sql, const char *types, va_list ap)
{
    int r;

    r = prepare(tx->conn, sql, &q->stmt, &q->owned);
    if (r < 0) {
        q->stmt = NULL;
        return r;
    }
    r = bind(q->stmt, types, ap);
    if (r < 0)
        return r;
    return store_next(q);
}

int
store_query(struct store_tx *tx, struct store_rows **ret, const char *sql, const char *types, ...)
{
    struct store_rows *q = calloc(1, sizeof(*q));
    va_list ap;
    int r;

    *ret = q;
    if (!q)
        return -ENOMEM;
    va_start(ap, types);
    r = vquery(tx, q, sql, types, ap);
    va_end(ap);
    return r;
}

int
store_next(struct store_rows *q)
{
    int rc;

    if (!q->stmt)
        return 0;
    rc = sqlite3_step(q->stmt);
    if (rc == SQLITE_ROW)
        return 1;
    if (rc == SQLITE_DONE)
        return 0;
    return sql_errno(sqlite3_db_handle(q->stmt), sqlite3_extended_errcode(sqlite3_db_handle(q->stmt)));
}

void
store_rows_done(struct store_rows *q)
{
    if (!q)
        return;
    if (q->stmt)
        release(q->stmt, q->owned);
    free(q);
}

const char *
store_col_text(struct store_rows *q, int col)
{
    return (const char *) sqlite3_column_text(q->stmt, col);
}

int64_t
store_col_int(struct store_rows *q, int col)
{
    return sqlite3_column_int64(q->stmt, col);
}

double
store_col_double(struct store_rows *q, int col)
{
    return sqlite3_column_double(q->stmt, col);
}

const void *
store_col_blob(struct store_rows *q, int col, size_t *ret_len)
{
    const void *p = sqlite3_column_blob(q->stmt, col);

    *ret_len = (size_t) sqlite3_column_bytes(q->stmt, col);
    return p;
}

int
store_col_is_null(struct store_rows *q, int col)
{
    return sqlite3_column_type(q->stmt, col) == SQLITE_NULL;
}

int
store_query_json(struct store_tx *tx, json_t **ret, size_t max_rows, const char *sql,
                 const char *types, ...)
{
    struct store_rows q = {0};
    json_t *rows = json_array();
    va_list ap;
    size_t n = 0;
    int r, i, ncol;

    if (!rows)
        return -ENOMEM;
    va_start(ap, types);
    r = vquery(tx, &q, sql, types, ap);
    va_end(ap);
    ncol = q.stmt ? sqlite3_column_count(q.stmt) : 0;
    for (; r > 0 && n < max_rows; r = store_next(&q), n++) {
        json_t *row = json_object(), *v;
        if (!row) {
            r = -ENOMEM;
            break;
        }
        for (i = 0; i < ncol; i++) {
            switch (sqlite3_column_type(q.stmt, i)) {
            case SQLITE_INTEGER: v = json_integer(sqlite3_column_int64(q.stmt, i)); break;
            case SQLITE_FLOAT:   v = json_real(sqlite3_column_double(q.stmt, i)); break;
            case SQLITE_TEXT:    v = json_stringn((const char *) sqlite3_column_text(q.stmt, i),
                                                  (size_t) sqlite3_column_bytes(q.stmt, i)); break;
            case SQLITE_NULL:    v = json_null(); break;
            default:             v = NULL; continue;
            }
            json_object_set_new(row, sqlite3_column_name(q.stmt, i), v);
        }
        json_array_append_new(rows, row);
    }
    if (q.stmt)
        release(q.stmt, q.owned);
    if (r < 0) {
        json_decref(rows);
        return r;
    }
    *ret = rows;
    return 0;
}

int
store_migrate(struct store *st, const char *module, const char *const *scripts)
{
    struct store_tx *tx;
    struct store_rows *q;
    int64_t have = 0;
    char *errmsg = NULL;
    int r, v;

    for (v = 1; scripts && scripts[v - 1]; v++) {
        r = store_begin(st, 1, &tx);
        if (r < 0)
            return log_error("cannot begin migration of '%s': %s", module, strerror(-r)), r;
        r = store_query(tx, &q, "SELECT version FROM store_schema WHERE module = ?1", "s", module);
        have = r > 0 ? store_col_int(q, 0) : 0;
        store_rows_done(q);
        if (r < 0 || have >= v) {
            store_rollback(tx);
            if (r < 0)
                return r;
            continue;
        }
        if (sqlite3_exec(tx->conn->db, scripts[v - 1], NULL, NULL, &errmsg) != SQLITE_OK) {
            log_error("migration %d of '%s' failed: %s", v, module, errmsg ? errmsg : "?");
            sqlite3_free(errmsg);
            store_rollback(tx);
            return -EIO;
        }
        r = store_exec(tx, "INSERT INTO store_schema (module, version) VALUES (?1, ?2)"
                           " ON CONFLICT (module) DO UPDATE SET version = excluded.version",
                       "si", module, (int64_t) v);
        if (r >= 0)
            r = store_commit(tx);
        else
            store_rollback(tx);
        if (r < 0)
            return log_error("cannot record migration %d of '%s'", v, module), r;
        log_debug("store: applied migration %d of '%s'", v, module);
    }
    return 0;
}

int
store_wipe(struct store *st)
{
    struct store_tx *tx;
    json_t *tables;
    size_t i;
    int r;

    r = store_begin(st, 1, &tx);
    if (r < 0)
        return r;
    r = store_query_json(tx, &tables, 10000,
                         "SELECT name FROM sqlite_master WHERE type = 'table'"
                         " AND name NOT LIKE 'sqlite_%' AND name <> 'store_schema'", NULL);
    if (r < 0) {
        store_rollback(tx);
        return r;
    }
    (void) sqlite3_exec(tx->conn->db, "PRAGMA defer_foreign_keys = ON", NULL, NULL, NULL);
    for (i = 0; i < json_array_size(tables) && r >= 0; i++) {
        char *sql = sqlite3_mprintf("DELETE FROM \"%w\"",
                                    json_string_value(json_object_get(json_array_get(tables, i), "name")));
        if (!sql) {
            r = -ENOMEM;
            break;
        }
        if (sqlite3_exec(tx->conn->db, sql, NULL, NULL, NULL) != SQLITE_OK)
            r = -EIO;
        sqlite3_free(sql);
    }
    json_decref(tables);
    if (r < 0) {
        store_rollback(tx);
        return r;
    }
    return store_commit(tx);
}
