/* src/core/auth.h - who signed a request: the access key's owner, checked by SigV4.
 * Used by: core/dispatch.c. Uses: store/ (access_key), crypto/sigv4, iam/ (users). */
#ifndef CORE_AUTH_H
#define CORE_AUTH_H

#include "../crypto/sigv4.h"
#include "cfg.h"
#include "req.h"

/* Look up auth->access_key in the store, check its session token, status and expiry, and
 * verify the signature over srq (the clock window too, unless cfg->dev). In dev mode an
 * unknown key acts as the root of dev_account, unverified. Fills *ret on success and
 * returns 0; else returns <0 with err filled (InvalidClientTokenId, ExpiredToken,
 * SignatureDoesNotMatch...). */
int auth_principal(struct store_tx *tx, const struct cfg *cfg, const char *dev_account,
                   const struct sigv4_request *srq, const struct sigv4_auth *auth, time_t now,
                   struct principal *ret, struct aerr *err);

/* The root principal of account. */
void auth_root(const char *account, struct principal *ret);

#endif
