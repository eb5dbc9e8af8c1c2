/* src/store/store.h - the durable store: one interface, SQLite behind it (WAL, synchronous
 * commits, versioned migrations), and the sealing of secrets at rest (AES-256-GCM with a key
 * file in the data folder). Used by: core/, services. Uses: sqlite3, crypto/, base/.
 *
 * One API call = one transaction. Each thread gets its own connection (lazily opened);
 * statements are prepared once per connection and cached by SQL text pointer, so pass
 * string literals. SQL is plain SQL with ?N parameters.
 *
 * Binding: a type string names each argument after it:
 *   's' const char * (NULL binds NULL)   'i' int64_t   'd' double
 *   'b' const void *, size_t (blob)       'n' (no argument: binds NULL)
 * Example:
 *   store_exec(tx, "UPDATE iam_user SET path = ?1 WHERE id = ?2", "ss", path, id);
 *   for (r = store_query(tx, &q, "SELECT name FROM iam_user WHERE account = ?1", "s", acct);
 *        r > 0; r = store_next(q))
 *       puts(store_col_text(q, 0));
 *   store_rows_done(q);
 */
#ifndef STORE_STORE_H
#define STORE_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

struct store;
struct store_tx;
struct store_rows;

#define STORE_MAX_SECRET (64 * 1024)   /* largest plaintext store_seal takes */

/* Open (creating if needed) the store in dir: dir/cairn.db and dir/master.key (0600).
 * Runs pending migrations. Returns 0 and *ret, or a negative errno (logged at error). */
int  store_open(const char *dir, struct store **ret);
void store_close(struct store *st);              /* NULL-safe; closes every thread's connection */

/* Begin a transaction on this thread's connection. write != 0 takes the write lock now
 * (BEGIN IMMEDIATE), so a handler that writes never fails mid-way on SQLITE_BUSY.
 * Returns 0 and *ret, or -EIO/-EBUSY. */
int  store_begin(struct store *st, int write, struct store_tx **ret);
/* Commit (durable on return) and release tx. On failure the transaction is rolled back. */
int  store_commit(struct store_tx *tx);
/* Roll back and release tx; NULL-safe. */
void store_rollback(struct store_tx *tx);

/* Run a statement that returns no rows. Returns the number of rows changed (>= 0),
 * -EEXIST for a UNIQUE/PRIMARY KEY violation, other negative errno on failure. */
int  store_exec(struct store_tx *tx, const char *sql, const char *types, ...);

/* Start a query: returns 1 with a current row, 0 when there are none, <0 on error.
 * *ret is set in every case; release it with store_rows_done (NULL-safe). */
int  store_query(struct store_tx *tx, struct store_rows **ret, const char *sql, const char *types, ...);
int  store_next(struct store_rows *q);          /* 1 row, 0 done, <0 error */
void store_rows_done(struct store_rows *q);
/* Columns of the current row; text is valid until the next store_next/store_rows_done.
 * A NULL column reads as NULL text, 0, or an empty blob. */
const char *store_col_text(struct store_rows *q, int col);
int64_t     store_col_int(struct store_rows *q, int col);
double      store_col_double(struct store_rows *q, int col);
const void *store_col_blob(struct store_rows *q, int col, size_t *ret_len);
int         store_col_is_null(struct store_rows *q, int col);

/* Convenience: run a query and return all rows as a JSON array of objects keyed by column
 * name (text -> string, integer -> integer, real -> real, NULL -> null, blob -> omitted).
 * max_rows caps the rows read (paging helpers ask for limit+1). Returns 0 or <0. */
int  store_query_json(struct store_tx *tx, json_t **ret, size_t max_rows, const char *sql,
                      const char *types, ...);

/* Secrets at rest: seal plaintext with the store's key (AES-256-GCM, random 96-bit nonce,
 * aad binds the ciphertext to its purpose, e.g. the access key id). *ret is malloc'd
 * nonce|ciphertext|tag; the caller frees it. unseal checks the tag (-EBADMSG on tamper) and
 * returns a malloc'd NUL-terminated plaintext. Both return 0 or a negative errno. */
int  store_seal(struct store *st, const void *plain, size_t len, const char *aad,
                unsigned char **ret, size_t *ret_len);
int  store_unseal(struct store *st, const void *sealed, size_t len, const char *aad,
                  char **ret, size_t *ret_len);

/* Apply the scripts of module's NULL-terminated list that have not run yet, each in its own
 * transaction, recording the version (index + 1) in store_schema. Returns 0 or <0 (logged). */
int  store_migrate(struct store *st, const char *module, const char *const *scripts);

/* Wipe every table back to an empty store (dev mode reset). Returns 0 or <0. */
int  store_wipe(struct store *st);

/* A counter that changes after every commit that changed rows (any table). Caches of
 * stored data (core's authentication cache) stay valid while it stays the same. */
uint64_t store_generation(struct store *st);

/* The store a transaction belongs to. */
struct store *store_of(struct store_tx *tx);

#endif
