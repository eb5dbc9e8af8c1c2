/* src/core/auth.c - see auth.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include "../iam/iam.h"
#include "auth.h"

#define MSG_BAD_TOKEN "The security token included in the request is invalid."

void
auth_root(const char *account, struct principal *ret)
{
    memset(ret, 0, sizeof(*ret));
    ret->kind = PRINCIPAL_ROOT;
    snprintf(ret->account, sizeof(ret->account), "%s", account);
    snprintf(ret->arn, sizeof(ret->arn), "arn:aws:iam::%s:root", account);
    snprintf(ret->user_id, sizeof(ret->user_id), "%s", account);
}

static int
token_matches(const char *token, const char *want_hex)
{
    unsigned char md[32];
    char hex[65];
    unsigned int n, i;

    if (!want_hex || strlen(want_hex) != 64)
        return 0;
    if (EVP_Digest(token, strlen(token), md, &n, EVP_sha256(), NULL) != 1)
        return 0;
    for (i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    return CRYPTO_memcmp(hex, want_hex, 64) == 0;
}

/* Session JSON (written by sts): {"arn","user_id","name","entity_id"} of the role session. */
static int
session_principal(const char *account, const char *session, struct principal *ret)
{
    json_t *j = json_loads(session ? session : "", 0, NULL);
    int r = -EINVAL;

    if (json_is_object(j)) {
        memset(ret, 0, sizeof(*ret));
        ret->kind = PRINCIPAL_ASSUMED_ROLE;
        snprintf(ret->account, sizeof(ret->account), "%s", account);
        snprintf(ret->arn, sizeof(ret->arn), "%s", json_string_value(json_object_get(j, "arn")) ?: "");
        snprintf(ret->user_id, sizeof(ret->user_id), "%s", json_string_value(json_object_get(j, "user_id")) ?: "");
        snprintf(ret->name, sizeof(ret->name), "%s", json_string_value(json_object_get(j, "name")) ?: "");
        snprintf(ret->entity_id, sizeof(ret->entity_id), "%s",
                 json_string_value(json_object_get(j, "entity_id")) ?: "");
        r = 0;
    }
    json_decref(j);
    return r;
}

int
auth_principal(struct store_tx *tx, const struct cfg *cfg, const char *dev_account,
               const struct sigv4_request *srq, const struct sigv4_auth *auth, time_t now,
               struct principal *ret, struct aerr *err)
{
    struct store_rows *q = NULL;
    struct principal p;
    const char *kind, *status;
    const void *sealed;
    size_t sealed_len;
    char *secret = NULL;
    int r;

    r = store_query(tx, &q, "SELECT account, owner_kind, owner_id, secret, status, expires,"
                            " token_hash, session FROM access_key WHERE id = ?1", "s", auth->access_key);
    if (r < 0)
        goto out;
    if (r == 0) {
        if (cfg->dev) {                       /* emulator mode: any well-formed key is root */
            auth_root(dev_account, ret);
            snprintf(ret->access_key, sizeof(ret->access_key), "%s", auth->access_key);
            r = 0;
            goto out;
        }
        r = aerr_set(err, -EACCES, 403, "InvalidClientTokenId", MSG_BAD_TOKEN);
        goto out;
    }
    kind = store_col_text(q, 1);
    status = store_col_text(q, 4);
    if (strcmp(status, "Active") != 0) {
        r = aerr_set(err, -EACCES, 403, "InvalidClientTokenId", MSG_BAD_TOKEN);
        goto out;
    }
    if (!strcmp(kind, "session")) {
        if (!auth->token[0] || !token_matches(auth->token, store_col_text(q, 6))) {
            r = aerr_set(err, -EACCES, 403, "InvalidClientTokenId", MSG_BAD_TOKEN);
            goto out;
        }
        if (!store_col_is_null(q, 5) && store_col_int(q, 5) <= now) {
            r = aerr_set(err, -EACCES, 400, "ExpiredToken",
                         "The security token included in the request is expired");
            goto out;
        }
        r = session_principal(store_col_text(q, 0), store_col_text(q, 7), &p);
    } else if (auth->token[0]) {              /* a long-term key never comes with a token */
        r = aerr_set(err, -EACCES, 403, "InvalidClientTokenId", MSG_BAD_TOKEN);
        goto out;
    } else if (!strcmp(kind, "user")) {
        r = iam_user_principal(tx, store_col_text(q, 0), store_col_text(q, 2), &p);
        if (r == -ENOENT)
            r = aerr_set(err, -EACCES, 403, "InvalidClientTokenId", MSG_BAD_TOKEN);
    } else {
        auth_root(store_col_text(q, 0), &p);
        r = 0;
    }
    if (r < 0)
        goto out;
    sealed = store_col_blob(q, 3, &sealed_len);
    r = store_unseal(store_of(tx), sealed, sealed_len, auth->access_key, &secret, NULL);
    if (r < 0) {
        r = aerr_internal(err, r);
        goto out;
    }
    r = sigv4_verify(srq, auth, secret, now, !cfg->dev, err);
    if (r < 0)
        goto out;
    snprintf(p.access_key, sizeof(p.access_key), "%s", auth->access_key);
    *ret = p;
out:
    if (secret) {
        OPENSSL_cleanse(secret, strlen(secret));
        free(secret);
    }
    store_rows_done(q);
    return r;
}
