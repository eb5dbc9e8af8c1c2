/* tests/unit/test_store.c - the SQLite store: transactions, binding, migrations, sealing. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "store/store.h"

static const char *const migrations[] = {
    "CREATE TABLE thing (id TEXT PRIMARY KEY, n INTEGER, d REAL, b BLOB);",
    "ALTER TABLE thing ADD COLUMN note TEXT;",
    NULL,
};

struct fixture {
    char dir[64];
    struct store *st;
};

static int
setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));

    strcpy(f->dir, "/tmp/cairn-test-store-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    assert_int_equal(store_open(f->dir, &f->st), 0);
    assert_int_equal(store_migrate(f->st, "test", migrations), 0);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;
    char cmd[128];

    store_close(f->st);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

static void
exec_and_query(void **state)
{
    struct fixture *f = *state;
    struct store_tx *tx;
    struct store_rows *q;
    size_t len;
    int r, n = 0;

    assert_int_equal(store_begin(f->st, 1, &tx), 0);
    assert_int_equal(store_exec(tx, "INSERT INTO thing (id, n, d, b, note) VALUES (?1, ?2, ?3, ?4, ?5)",
                                "sidbn", "a", (int64_t) 1 << 40, 2.5, "xy", (size_t) 2), 1);
    assert_int_equal(store_exec(tx, "INSERT INTO thing (id, n) VALUES (?1, ?2)", "si", "b", (int64_t) 2), 1);
    assert_int_equal(store_exec(tx, "INSERT INTO thing (id, n) VALUES (?1, ?2)", "si", "b", (int64_t) 3), -EEXIST);
    assert_int_equal(store_commit(tx), 0);

    assert_int_equal(store_begin(f->st, 0, &tx), 0);
    for (r = store_query(tx, &q, "SELECT id, n, d, b, note FROM thing ORDER BY id", NULL); r > 0; r = store_next(q)) {
        if (n++ == 0) {
            assert_string_equal(store_col_text(q, 0), "a");
            assert_true(store_col_int(q, 1) == (int64_t) 1 << 40);
            assert_true(store_col_double(q, 2) == 2.5);
            assert_memory_equal(store_col_blob(q, 3, &len), "xy", 2);
            assert_int_equal(len, 2);
            assert_true(store_col_is_null(q, 4));
        }
    }
    assert_int_equal(r, 0);
    assert_int_equal(n, 2);
    store_rows_done(q);
    store_rollback(tx);
}

static void
rollback_discards(void **state)
{
    struct fixture *f = *state;
    struct store_tx *tx;
    json_t *rows;

    assert_int_equal(store_begin(f->st, 1, &tx), 0);
    assert_int_equal(store_exec(tx, "INSERT INTO thing (id) VALUES (?1)", "s", "gone"), 1);
    store_rollback(tx);
    assert_int_equal(store_begin(f->st, 0, &tx), 0);
    assert_int_equal(store_query_json(tx, &rows, 10, "SELECT id FROM thing WHERE id = ?1", "s", "gone"), 0);
    assert_int_equal(json_array_size(rows), 0);
    json_decref(rows);
    store_rollback(tx);
}

static void
query_json_rows(void **state)
{
    struct fixture *f = *state;
    struct store_tx *tx;
    json_t *rows;
    int i;

    assert_int_equal(store_begin(f->st, 1, &tx), 0);
    for (i = 0; i < 5; i++) {
        char id[8];
        snprintf(id, sizeof(id), "j%d", i);
        assert_int_equal(store_exec(tx, "INSERT INTO thing (id, n, note) VALUES (?1, ?2, ?3)", "sis", id, (int64_t) i, "t"), 1);
    }
    assert_int_equal(store_query_json(tx, &rows, 3, "SELECT id, n, note, d FROM thing WHERE id LIKE 'j%' ORDER BY id", NULL), 0);
    assert_int_equal(json_array_size(rows), 3);             /* capped by max_rows */
    assert_string_equal(json_string_value(json_object_get(json_array_get(rows, 1), "id")), "j1");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(rows, 2), "n")), 2);
    assert_true(json_is_null(json_object_get(json_array_get(rows, 0), "d")));
    json_decref(rows);
    store_rollback(tx);
}

static void
nested_query_on_same_sql(void **state)
{
    static const char *const sql = "SELECT id FROM thing WHERE id = ?1";
    struct fixture *f = *state;
    struct store_tx *tx;
    struct store_rows *q1, *q2;

    assert_int_equal(store_begin(f->st, 1, &tx), 0);
    assert_int_equal(store_exec(tx, "INSERT INTO thing (id) VALUES (?1)", "s", "n1"), 1);
    assert_int_equal(store_query(tx, &q1, sql, "s", "n1"), 1);
    assert_int_equal(store_query(tx, &q2, sql, "s", "n1"), 1);  /* the cached one is busy */
    assert_string_equal(store_col_text(q2, 0), "n1");
    assert_string_equal(store_col_text(q1, 0), "n1");
    store_rows_done(q2);
    store_rows_done(q1);
    store_rollback(tx);
}

static void
migrations_run_once(void **state)
{
    struct fixture *f = *state;
    struct store_tx *tx;
    struct store_rows *q;

    assert_int_equal(store_migrate(f->st, "test", migrations), 0);   /* again: no-op */
    assert_int_equal(store_begin(f->st, 0, &tx), 0);
    assert_int_equal(store_query(tx, &q, "SELECT version FROM store_schema WHERE module = 'test'", NULL), 1);
    assert_int_equal(store_col_int(q, 0), 2);
    store_rows_done(q);
    store_rollback(tx);
    static const char *const bad[] = { "CREATE TABLE thing (x);", NULL };
    assert_true(store_migrate(f->st, "other", bad) < 0);   /* thing exists: the script fails */
}

static void
seal_round_trip_and_tamper(void **state)
{
    struct fixture *f = *state;
    unsigned char *sealed;
    size_t len, plen;
    char *plain, path[128];
    struct stat sb;

    assert_int_equal(store_seal(f->st, "s3cret", 6, "AKIAEXAMPLE", &sealed, &len), 0);
    assert_int_equal(len, 12 + 6 + 16);
    assert_null(memmem(sealed, len, "s3cret", 6));
    assert_int_equal(store_unseal(f->st, sealed, len, "AKIAEXAMPLE", &plain, &plen), 0);
    assert_string_equal(plain, "s3cret");
    assert_int_equal(plen, 6);
    free(plain);
    assert_int_equal(store_unseal(f->st, sealed, len, "AKIAOTHER", &plain, &plen), -EBADMSG);
    sealed[14] ^= 1;
    assert_int_equal(store_unseal(f->st, sealed, len, "AKIAEXAMPLE", &plain, &plen), -EBADMSG);
    assert_int_equal(store_unseal(f->st, sealed, 10, "AKIAEXAMPLE", &plain, &plen), -EBADMSG);
    free(sealed);
    assert_int_equal(store_seal(f->st, "x", STORE_MAX_SECRET + 1, "a", &sealed, &len), -E2BIG);
    snprintf(path, sizeof(path), "%s/master.key", f->dir);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(sb.st_size, 32);
}

static void
reopen_keeps_data_and_key(void **state)
{
    struct fixture *f = *state;
    struct store_tx *tx;
    struct store_rows *q;
    unsigned char *sealed;
    size_t len;
    char *plain;

    assert_int_equal(store_seal(f->st, "kept", 4, "k", &sealed, &len), 0);
    assert_int_equal(store_begin(f->st, 1, &tx), 0);
    assert_int_equal(store_exec(tx, "INSERT INTO thing (id, b) VALUES (?1, ?2)", "sb", "kept", sealed, len), 1);
    assert_int_equal(store_commit(tx), 0);
    free(sealed);
    store_close(f->st);
    assert_int_equal(store_open(f->dir, &f->st), 0);
    assert_int_equal(store_begin(f->st, 0, &tx), 0);
    assert_int_equal(store_query(tx, &q, "SELECT b FROM thing WHERE id = 'kept'", NULL), 1);
    const void *b = store_col_blob(q, 0, &len);
    assert_int_equal(store_unseal(f->st, b, len, "k", &plain, NULL), 0);
    assert_string_equal(plain, "kept");
    free(plain);
    store_rows_done(q);
    store_rollback(tx);
}

static void
wipe_empties_tables(void **state)
{
    struct fixture *f = *state;
    struct store_tx *tx;
    json_t *rows;

    assert_int_equal(store_begin(f->st, 1, &tx), 0);
    assert_int_equal(store_exec(tx, "INSERT INTO thing (id) VALUES ('w')", NULL), 1);
    assert_int_equal(store_commit(tx), 0);
    assert_int_equal(store_wipe(f->st), 0);
    assert_int_equal(store_begin(f->st, 0, &tx), 0);
    assert_int_equal(store_query_json(tx, &rows, 10, "SELECT id FROM thing", NULL), 0);
    assert_int_equal(json_array_size(rows), 0);
    json_decref(rows);
    assert_int_equal(store_query_json(tx, &rows, 10, "SELECT module FROM store_schema", NULL), 0);
    assert_int_equal(json_array_size(rows), 1);              /* the schema record stays */
    json_decref(rows);
    store_rollback(tx);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(exec_and_query, setup, teardown),
        cmocka_unit_test_setup_teardown(rollback_discards, setup, teardown),
        cmocka_unit_test_setup_teardown(query_json_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(nested_query_on_same_sql, setup, teardown),
        cmocka_unit_test_setup_teardown(migrations_run_once, setup, teardown),
        cmocka_unit_test_setup_teardown(seal_round_trip_and_tamper, setup, teardown),
        cmocka_unit_test_setup_teardown(reopen_keeps_data_and_key, setup, teardown),
        cmocka_unit_test_setup_teardown(wipe_empties_tables, setup, teardown),
    };
    return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
