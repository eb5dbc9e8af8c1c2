/* src/core/auth.c - see auth.h. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include "../iam/iam.h"
#include "auth.h"

#define AUTH_CACHE_SLOTS 4096        /* direct-mapped by key id hash (power of 2) */
#define AUTH_CACHE_LOCKS 64          /* lock stripes */
#define MSG_BAD_TOKEN "The security token included in the request is invalid."

/* What authenticating with one access key needs, read from the store once. */
struct key_info {
    char             id[129];
    uint64_t         generation;      /* store_generation() when read */
    int              active;          /* status = 'Active' */
    int              session;         /* owner_kind = 'session' */
    int64_t          expires;         /* sessions; 0 = never */
    int64_t          last_used;       /* unix seconds; 0 = never */
    char             token_hash[65];  /* sessions: hex SHA-256 of the token */
    char             secret[128];
    struct principal who;
};

struct auth_cache {
    pthread_mutex_t  locks[AUTH_CACHE_LOCKS];
    struct key_info  slots[AUTH_CACHE_SLOTS];
};

int
auth_cache_new(struct auth_cache **ret)
{
    struct auth_cache *ac = calloc(1, sizeof(*ac));
    int i;

    if (!ac)
        return -ENOMEM;
    for (i = 0; i < AUTH_CACHE_LOCKS; i++)
        pthread_mutex_init(&ac->locks[i], NULL);
    *ret = ac;
    return 0;
}

void
auth_cache_free(struct auth_cache *ac)
{
    int i;

    if (!ac)
        return;
    for (i = 0; i < AUTH_CACHE_LOCKS; i++)
        pthread_mutex_destroy(&ac->locks[i]);
    OPENSSL_cleanse(ac, sizeof(*ac));
    free(ac);
}

static size_t
slot_of(const char *key)
{
    size_t h = 5381;

    while (*key)
        h = h * 33 + (unsigned char) *key++;
    return h & (AUTH_CACHE_SLOTS - 1);
}

static int
cache_get(struct auth_cache *ac, const char *key, uint64_t gen, struct key_info *ret)
{
    size_t s = slot_of(key);
    int hit;

    pthread_mutex_lock(&ac->locks[s % AUTH_CACHE_LOCKS]);
    hit = ac->slots[s].generation == gen && !strcmp(ac->slots[s].id, key);
    if (hit)
        *ret = ac->slots[s];
    pthread_mutex_unlock(&ac->locks[s % AUTH_CACHE_LOCKS]);
    return hit;
}

static void
cache_put(struct auth_cache *ac, const struct key_info *ki)
{
    size_t s = slot_of(ki->id);

    pthread_mutex_lock(&ac->locks[s % AUTH_CACHE_LOCKS]);
    ac->slots[s] = *ki;
    pthread_mutex_unlock(&ac->locks[s % AUTH_CACHE_LOCKS]);
}

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

    if (strlen(want_hex) != 64)
        return 0;
    if (EVP_Digest(token, strlen(token), md, &n, EVP_sha256(), NULL) != 1)
        return 0;
    for (i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    return CRYPTO_memcmp(hex, want_hex, 64) == 0;
}

/* Session JSON (written by sts, described in sts/sts.h): "kind" ("assumed-role" when absent,
 * "user" or "root" for GetSessionToken), "arn", "user_id", "name", "entity_id" of the caller
 * it stands for, "issued" (unix seconds) and "mfa". */
static int
session_principal(const char *account, const char *session, struct principal *ret)
{
    json_t *j = json_loads(session ? session : "", 0, NULL);
    const char *kind;
    int r = -EINVAL;

    if (json_is_object(j)) {
        memset(ret, 0, sizeof(*ret));
        kind = json_string_value(json_object_get(j, "kind"));
        ret->kind = !kind || !strcmp(kind, "assumed-role") ? PRINCIPAL_ASSUMED_ROLE :
                    !strcmp(kind, "user") ? PRINCIPAL_USER : PRINCIPAL_ROOT;
        ret->flags = PRINCIPAL_F_TEMPORARY | (json_is_true(json_object_get(j, "mfa")) ? PRINCIPAL_F_MFA : 0);
        ret->issued = json_integer_value(json_object_get(j, "issued"));
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

/* Read one key from the store. -ENOENT when there is no such key or owner. */
static int
load_key(struct store_tx *tx, const char *key, struct key_info *ki)
{
    struct store_rows *q = NULL;
    const char *kind;
    const void *sealed;
    size_t sealed_len, n;
    char *secret = NULL;
    int r;

    memset(ki, 0, sizeof(*ki));
    r = store_query(tx, &q, "SELECT account, owner_kind, owner_id, secret, status, expires,"
                            " token_hash, session, last_used FROM access_key WHERE id = ?1", "s", key);
    if (r <= 0) {
        r = r == 0 ? -ENOENT : r;
        goto out;
    }
    snprintf(ki->id, sizeof(ki->id), "%s", key);
    kind = store_col_text(q, 1);
    ki->active = !strcmp(store_col_text(q, 4), "Active");
    ki->session = !strcmp(kind, "session");
    ki->expires = store_col_int(q, 5);
    ki->last_used = store_col_int(q, 8);
    snprintf(ki->token_hash, sizeof(ki->token_hash), "%s", store_col_text(q, 6) ?: "");
    if (ki->session)
        r = session_principal(store_col_text(q, 0), store_col_text(q, 7), &ki->who);
    else if (!strcmp(kind, "user"))
        r = iam_user_principal(tx, store_col_text(q, 0), store_col_text(q, 2), &ki->who);
    else
        auth_root(store_col_text(q, 0), &ki->who);
    if (r < 0)
        goto out;
    sealed = store_col_blob(q, 3, &sealed_len);
    r = store_unseal(store_of(tx), sealed, sealed_len, key, &secret, &n);
    if (r < 0)
        goto out;
    if (n >= sizeof(ki->secret)) {
        r = -EINVAL;
        goto out;
    }
    memcpy(ki->secret, secret, n + 1);
    snprintf(ki->who.access_key, sizeof(ki->who.access_key), "%s", key);
out:
    if (secret) {
        OPENSSL_cleanse(secret, strlen(secret));
        free(secret);
    }
    store_rows_done(q);
    return r;
}

int
auth_principal(struct auth_cache *ac, struct store_tx *tx, const struct cfg *cfg,
               const char *dev_account, const struct sigv4_request *srq,
               const struct sigv4_auth *auth, time_t now, struct principal *ret, struct aerr *err)
{
    uint64_t gen = store_generation(store_of(tx));
    struct key_info ki;
    int r = 0;

    if (!cache_get(ac, auth->access_key, gen, &ki)) {
        r = load_key(tx, auth->access_key, &ki);
        if (r == 0) {
            ki.generation = gen;
            cache_put(ac, &ki);
        }
    }
    if (r == -ENOENT && cfg->dev) {            /* emulator mode: any well-formed key is root */
        auth_root(dev_account, ret);
        snprintf(ret->access_key, sizeof(ret->access_key), "%s", auth->access_key);
        r = 0;
        goto out;
    }
    if (r == -ENOENT || (r == 0 && !ki.active)) {
        r = aerr_set(err, -EACCES, 403, "InvalidClientTokenId", MSG_BAD_TOKEN);
        goto out;
    }
    if (r < 0) {
        r = aerr_internal(err, r);
        goto out;
    }
    if (ki.session) {
        if (!auth->token[0] || !token_matches(auth->token, ki.token_hash)) {
            r = aerr_set(err, -EACCES, 403, "InvalidClientTokenId", MSG_BAD_TOKEN);
            goto out;
        }
        if (ki.expires && ki.expires <= now) {
            r = aerr_set(err, -EACCES, 403, "ExpiredToken",
                         "The security token included in the request is expired");
            goto out;
        }
    } else if (auth->token[0]) {              /* a long-term key never comes with a token */
        r = aerr_set(err, -EACCES, 403, "InvalidClientTokenId", MSG_BAD_TOKEN);
        goto out;
    }
    r = sigv4_verify(srq, auth, ki.secret, now, !cfg->dev, err);
    if (r < 0)
        goto out;
    *ret = ki.who;
out:
    OPENSSL_cleanse(ki.secret, sizeof(ki.secret));
    return r;
}

int
auth_touch_key(struct auth_cache *ac, struct store *st, const char *key, const char *service,
               const char *region, time_t now)
{
    struct store_tx *tx;
    struct key_info ki;
    int r, recent;

    if (!key[0])
        return 0;
    recent = cache_get(ac, key, store_generation(st), &ki) && ki.last_used + AUTH_LAST_USED_STEP > now;
    OPENSSL_cleanse(ki.secret, sizeof(ki.secret));
    if (recent)
        return 0;
    r = store_begin(st, 1, &tx);
    if (r < 0)
        return r;
    r = store_exec(tx, "UPDATE access_key SET last_used = ?2, last_used_service = ?3, last_used_region = ?4"
                       " WHERE id = ?1 AND (last_used IS NULL OR last_used <= ?5)",
                   "sissi", key, (int64_t) now, service, region, (int64_t) (now - AUTH_LAST_USED_STEP));
    if (r < 0) {
        store_rollback(tx);
        return r;
    }
    return store_commit(tx);
}
