/* src/account/account.h - accounts and the access keys that authenticate requests.
 * Used by: core/ (first start, authentication), iam/ (user keys), sts/ (session keys).
 * Uses: store/, crypto/ids.h.
 *
 * Tables (migrations "core", in account.c):
 *   account(id TEXT PRIMARY KEY, created INTEGER, region TEXT)
 *   access_key(
 *     id TEXT PRIMARY KEY,        -- AKIA... (long-term) or ASIA... (session)
 *     account TEXT NOT NULL,
 *     owner_kind TEXT NOT NULL,   -- 'root' | 'user' | 'session'
 *     owner_id TEXT,              -- IAM user id (AIDA...) for 'user'; NULL for root
 *     secret BLOB NOT NULL,       -- store_seal(secret, aad = key id): never in clear text
 *     status TEXT NOT NULL,       -- 'Active' | 'Inactive'
 *     created INTEGER NOT NULL,   -- unix seconds
 *     expires INTEGER,            -- sessions: unix seconds; NULL for long-term keys
 *     token_hash TEXT,            -- sessions: hex SHA-256 of the session token
 *     session TEXT,               -- sessions: JSON (role arn/id, session name, policies...)
 *     last_used INTEGER, last_used_service TEXT, last_used_region TEXT)
 */
#ifndef CORE_ACCOUNT_H
#define CORE_ACCOUNT_H

#include "../core/req.h"

extern const char *const account_migrations[];

/* Create account id (12 digits) with region, and its root access key; write the key id and
 * secret to ret_key/ret_secret. Returns 0, -EEXIST when the account exists, or <0. */
int account_create(struct store_tx *tx, const char *id, const char *region,
                   char ret_key[21], char ret_secret[41]);

/* The first account's id, or -ENOENT when the store is empty. */
int account_first(struct store_tx *tx, char ret[ACCOUNT_ID_LEN + 1]);

/* Create a long-term access key (AKIA...) for owner ('root' or 'user' with owner_id);
 * the secret is sealed in the store. Returns 0 or <0. */
int access_key_create(struct store_tx *tx, const char *account, const char *owner_kind,
                      const char *owner_id, time_t now, char ret_key[21], char ret_secret[41]);

#endif
