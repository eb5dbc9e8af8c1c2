/* src/account/account.c - accounts and access keys (the tables core owns; see account.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "../crypto/ids.h"
#include "account.h"

const char *const account_migrations[] = {
    "CREATE TABLE account ("
    "  id TEXT PRIMARY KEY,"
    "  created INTEGER NOT NULL,"
    "  region TEXT NOT NULL);"
    "CREATE TABLE access_key ("
    "  id TEXT PRIMARY KEY,"
    "  account TEXT NOT NULL REFERENCES account (id),"
    "  owner_kind TEXT NOT NULL CHECK (owner_kind IN ('root', 'user', 'session')),"
    "  owner_id TEXT,"
    "  secret BLOB NOT NULL,"
    "  status TEXT NOT NULL DEFAULT 'Active',"
    "  created INTEGER NOT NULL,"
    "  expires INTEGER,"
    "  token_hash TEXT,"
    "  session TEXT,"
    "  last_used INTEGER, last_used_service TEXT, last_used_region TEXT);"
    "CREATE INDEX access_key_owner ON access_key (account, owner_kind, owner_id);",
    NULL,
};

int
access_key_create(struct store_tx *tx, const char *account, const char *owner_kind,
                  const char *owner_id, time_t now, char ret_key[21], char ret_secret[41])
{
    char key[IDS_KEY_LEN + 1], secret[IDS_SECRET_LEN + 1];
    unsigned char *sealed = NULL;
    size_t sealed_len;
    int r;

    if (ids_random(key, IDS_KEY_LEN, "AKIA") < 0 || ids_secret(secret) < 0)
        return -EIO;
    r = store_seal(store_of(tx), secret, strlen(secret), key, &sealed, &sealed_len);
    if (r < 0)
        return r;
    r = store_exec(tx, "INSERT INTO access_key (id, account, owner_kind, owner_id, secret, created)"
                       " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                   "ssssbi", key, account, owner_kind, owner_id, sealed, sealed_len, (int64_t) now);
    free(sealed);
    if (r < 0)
        return r;
    memcpy(ret_key, key, sizeof(key));
    memcpy(ret_secret, secret, sizeof(secret));
    return 0;
}

int
account_create(struct store_tx *tx, const char *id, const char *region,
               char ret_key[21], char ret_secret[41])
{
    time_t now = time(NULL);
    int r;

    r = store_exec(tx, "INSERT INTO account (id, created, region) VALUES (?1, ?2, ?3)",
                   "sis", id, (int64_t) now, region);
    if (r < 0)
        return r;
    return access_key_create(tx, id, "root", NULL, now, ret_key, ret_secret);
}

int
account_first(struct store_tx *tx, char ret[ACCOUNT_ID_LEN + 1])
{
    struct store_rows *q;
    int r;

    r = store_query(tx, &q, "SELECT id FROM account ORDER BY created, id LIMIT 1", NULL);
    if (r > 0) {
        strncpy(ret, store_col_text(q, 0), ACCOUNT_ID_LEN);
        ret[ACCOUNT_ID_LEN] = '\0';
    }
    store_rows_done(q);
    return r < 0 ? r : r == 0 ? -ENOENT : 0;
}
