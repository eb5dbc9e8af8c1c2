/* src/core/auth.h - who signed a request: the access key's owner, checked by SigV4.
 * Used by: core/dispatch.c. Uses: store/ (access_key), crypto/sigv4, iam/ (users). */
#ifndef CORE_AUTH_H
#define CORE_AUTH_H

#include "../crypto/sigv4.h"
#include "cfg.h"
#include "req.h"

struct auth_cache;

/* A cache of access keys (owner, sealed secret opened, status) in front of the store, valid
 * while store_generation() stays the same: the hot path of every call reads no table. */
int  auth_cache_new(struct auth_cache **ret);
void auth_cache_free(struct auth_cache *ac);             /* NULL-safe; wipes the secrets */

/* Look up auth->access_key (through ac) in the store, check its session token, status and expiry, and
 * verify the signature over srq (the clock window too, unless cfg->dev). In dev mode an
 * unknown key acts as the root of dev_account, unverified. Fills *ret on success and
 * returns 0; else returns <0 with err filled (InvalidClientTokenId, ExpiredToken,
 * SignatureDoesNotMatch...). */
int auth_principal(struct auth_cache *ac, struct store_tx *tx, const struct cfg *cfg,
                   const char *dev_account,
                   const struct sigv4_request *srq, const struct sigv4_auth *auth, time_t now,
                   struct principal *ret, struct aerr *err);

#define AUTH_LAST_USED_STEP 60        /* seconds: key use is recorded at most this often */

/* Record that key was just used (for GetAccessKeyLastUsed), at most once per
 * AUTH_LAST_USED_STEP: one small write transaction of its own, after the call's. Best
 * effort: returns 0 or <0, which callers may ignore. */
int auth_touch_key(struct auth_cache *ac, struct store *st, const char *key, const char *service,
                   const char *region, time_t now);

/* The root principal of account. */
void auth_root(const char *account, struct principal *ret);

#endif
