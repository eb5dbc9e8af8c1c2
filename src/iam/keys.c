/* src/iam/keys.c - credentials of users: access keys (rows of core's access_key table, owner_kind
 * 'user' and owner_id the user's AIDA id; 'root' for the account's own) and console passwords
 * (login profiles, PBKDF2-HMAC-SHA256 with a random salt; never stored or logged in clear).
 * Used by: iam.c, users.c. Uses: account/account.h, util.c, store/, OpenSSL (PBKDF2). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include "../account/account.h"
#include "../crypto/ids.h"
#include "internal.h"

#define SALT_LEN 16
#define HASH_LEN 32

/* The key owner an operation addresses: a user (by UserName or the calling user) or the root. */
struct owner {
    int  root;
    char id[IAM_ID_LEN + 11];      /* AIDA... for a user */
    char name[IAM_NAME_MAX + 1];
};

static int
find_owner(struct req *rq, struct owner *o, struct aerr *err)
{
    struct iam_entity e;
    const char *name;
    int r;

    memset(o, 0, sizeof(*o));
    r = iam_user_or_caller(rq, &name, &o->root, err);
    if (r < 0 || o->root)
        return r;
    r = iam_entity_find(rq, IAM_USER, name, &e, err);
    if (r < 0)
        return r;
    snprintf(o->id, sizeof(o->id), "%s", e.id);
    snprintf(o->name, sizeof(o->name), "%s", e.name);
    return 0;
}

int
iam_user_key_count(struct store_tx *tx, const char *account, const char *user_id)
{
    struct store_rows *q = NULL;
    int r = store_query(tx, &q, "SELECT count(*) FROM access_key WHERE account = ?1 AND owner_kind = 'user' "
                        "AND owner_id = ?2", "ss", account, user_id);

    if (r > 0)
        r = (int) store_col_int(q, 0);
    store_rows_done(q);
    return r;
}

static int
owner_key_count(struct store_tx *tx, const char *account, const struct owner *o)
{
    struct store_rows *q = NULL;
    int r;

    if (!o->root)
        return iam_user_key_count(tx, account, o->id);
    r = store_query(tx, &q, "SELECT count(*) FROM access_key WHERE account = ?1 AND owner_kind = 'root'",
                    "s", account);
    if (r > 0)
        r = (int) store_col_int(q, 0);
    store_rows_done(q);
    return r;
}

IAM_HANDLER(CreateAccessKey)
{
    struct owner o;
    char key[IDS_KEY_LEN + 1], secret[IDS_SECRET_LEN + 1];
    json_t *k;
    int r;

    if ((r = find_owner(rq, &o, err)) < 0)
        return r;
    r = owner_key_count(rq->tx, rq->caller->account, &o);
    if (r < 0)
        return iam_err_store(err, r);
    if (r >= IAM_MAX_KEYS)
        return iam_err_limit(err, "Cannot exceed quota for AccessKeysPerUser: %d", IAM_MAX_KEYS);
    r = access_key_create(rq->tx, rq->caller->account, o.root ? "root" : "user", o.root ? NULL : o.id,
                          rq->now, key, secret);
    if (r < 0) {
        OPENSSL_cleanse(secret, sizeof(secret));
        return iam_err_store(err, r);
    }
    k = json_pack("{s:s, s:s, s:s, s:I}", "AccessKeyId", key, "Status", "Active", "SecretAccessKey", secret,
                  "CreateDate", (json_int_t) rq->now);
    OPENSSL_cleanse(secret, sizeof(secret));
    if (!k)
        return aerr_internal(err, -ENOMEM);
    if (!o.root)
        json_object_set_new(k, "UserName", json_string(o.name));
    rq->out = json_pack("{s:o}", "AccessKey", k);
    return 0;
}

/* A key of ListAccessKeys (ud: its owner): columns id, status, created. */
static int
key_item(struct req *rq, struct store_rows *q, json_t *list, const void *ud)
{
    const struct owner *o = ud;
    json_t *k;

    (void) rq;
    k = json_pack("{s:s, s:s, s:I}", "AccessKeyId", store_col_text(q, 0), "Status", store_col_text(q, 1),
                  "CreateDate", (json_int_t) store_col_int(q, 2));
    if (k && !o->root)
        json_object_set_new(k, "UserName", json_string(o->name));
    json_array_append_new(list, k);
    return 0;
}

IAM_HANDLER(ListAccessKeys)
{
    struct owner o;
    int r;

    if ((r = find_owner(rq, &o, err)) < 0)
        return r;
    return iam_list_rows(rq, &(struct iam_rows){ "AccessKeyMetadata",
                         "SELECT id, status, created FROM access_key WHERE account = ?1 AND owner_kind = ?2 AND "
                         "coalesce(owner_id, '') = ?3 ORDER BY created, id LIMIT ?6 OFFSET ?5",
                         { rq->caller->account, o.root ? "root" : "user", o.root ? "" : o.id }, -1, key_item, &o },
                         err);
}

/* Find the owner the operation addresses and check that key belongs to it in the caller's
 * account. */
static int
owned_key(struct req *rq, const char *key, struct aerr *err)
{
    struct store_rows *q = NULL;
    struct owner o;
    int r;

    if ((r = find_owner(rq, &o, err)) < 0)
        return r;
    r = store_query(rq->tx, &q, "SELECT 1 FROM access_key WHERE id = ?1 AND account = ?2 AND owner_kind = ?3 "
                    "AND coalesce(owner_id, '') = ?4", "ssss", key, rq->caller->account,
                    o.root ? "root" : "user", o.root ? "" : o.id);
    store_rows_done(q);
    if (r < 0)
        return iam_err_store(err, r);
    if (r == 0)
        return iam_err_nosuch(err, "The Access Key with id %s cannot be found.", key);
    return 0;
}

IAM_HANDLER(UpdateAccessKey)
{
    const char *key = iam_in_str(rq, "AccessKeyId");
    const char *status = iam_in_str(rq, "Status");
    int r;

    if ((r = owned_key(rq, key, err)) < 0)
        return r;
    if (strcmp(status, "Active") != 0 && strcmp(status, "Inactive") != 0)
        return aerr_set(err, -EINVAL, 400, "ValidationError",
                        "1 validation error detected: Value '%s' at 'status' failed to satisfy constraint: "
                        "Member must satisfy enum value set: [Active, Inactive]", status);
    r = store_exec(rq->tx, "UPDATE access_key SET status = ?2 WHERE id = ?1", "ss", key, status);
    return r < 0 ? iam_err_store(err, r) : 0;
}

IAM_HANDLER(DeleteAccessKey)
{
    const char *key = iam_in_str(rq, "AccessKeyId");
    int r;

    if ((r = owned_key(rq, key, err)) < 0)
        return r;
    r = store_exec(rq->tx, "DELETE FROM access_key WHERE id = ?1", "s", key);
    return r < 0 ? iam_err_store(err, r) : 0;
}

IAM_HANDLER(GetAccessKeyLastUsed)
{
    const char *key = iam_in_str(rq, "AccessKeyId");
    struct store_rows *q = NULL;
    json_t *lu = NULL;
    char user[IAM_NAME_MAX + 1] = "";
    int r, root = 0;

    r = store_query(rq->tx, &q, "SELECT k.owner_kind, u.name, k.last_used, k.last_used_service, k.last_used_region "
                    "FROM access_key k LEFT JOIN iam_user u ON u.id = k.owner_id "
                    "WHERE k.id = ?1 AND k.account = ?2 AND k.owner_kind IN ('user', 'root')",
                    "ss", key, rq->caller->account);
    if (r > 0) {
        root = strcmp(store_col_text(q, 0), "root") == 0;
        snprintf(user, sizeof(user), "%s", store_col_text(q, 1) ? store_col_text(q, 1) : "");
        if (store_col_is_null(q, 2)) {
            lu = json_pack("{s:s, s:s}", "ServiceName", "N/A", "Region", "N/A");
        } else {
            const char *svc = store_col_text(q, 3), *region = store_col_text(q, 4);
            lu = json_pack("{s:I, s:s, s:s}", "LastUsedDate", (json_int_t) store_col_int(q, 2),
                           "ServiceName", svc && *svc ? svc : "N/A", "Region", region && *region ? region : "N/A");
        }
    }
    store_rows_done(q);
    if (r < 0)
        return iam_err_store(err, r);
    if (r == 0)
        return iam_err_nosuch(err, "The Access Key with id %s cannot be found.", key);
    rq->out = json_pack("{s:o}", "AccessKeyLastUsed", lu);
    if (!root && user[0])
        json_object_set_new(rq->out, "UserName", json_string(user));
    return 0;
}

/* ---- login profiles ---- */

int
iam_login_exists(struct store_tx *tx, const char *user_id)
{
    struct store_rows *q = NULL;
    int r = store_query(tx, &q, "SELECT 1 FROM iam_login_profile WHERE user_id = ?1", "s", user_id);

    store_rows_done(q);
    return r;
}

/* AWS's default password policy: at least 8 characters, of at least three kinds among
 * uppercase, lowercase, digits and symbols, and not the user's name. */
static int
password_ok(const char *pw, const char *user)
{
    int up = 0, low = 0, dig = 0, sym = 0;
    const char *p;

    if (strlen(pw) < 8 || strcasecmp(pw, user) == 0)
        return 0;
    for (p = pw; *p; p++) {
        unsigned char c = (unsigned char) *p;
        if (c >= 'A' && c <= 'Z')
            up = 1;
        else if (c >= 'a' && c <= 'z')
            low = 1;
        else if (c >= '0' && c <= '9')
            dig = 1;
        else
            sym = 1;
    }
    return up + low + dig + sym >= 3;
}

static int
hash_password(const char *pw, const unsigned char *salt, int iterations, unsigned char out[HASH_LEN])
{
    return PKCS5_PBKDF2_HMAC(pw, (int) strlen(pw), salt, SALT_LEN, iterations, EVP_sha256(), HASH_LEN, out) == 1
           ? 0 : -EIO;
}

static int
set_password(struct req *rq, const char *user_id, const char *user, const char *pw, int create, int reset,
             struct aerr *err)
{
    unsigned char salt[SALT_LEN], hash[HASH_LEN];
    int r;

    if (!password_ok(pw, user))
        return aerr_set(err, -EINVAL, 400, "PasswordPolicyViolation",
                        "Password does not conform to the account password policy.");
    if ((r = ids_bytes(salt, sizeof(salt))) < 0 || (r = hash_password(pw, salt, IAM_PASSWORD_ITERATIONS, hash)) < 0)
        return aerr_internal(err, r);
    if (create)
        r = store_exec(rq->tx, "INSERT INTO iam_login_profile (user_id, account, created, salt, hash, iterations, "
                       "reset_required) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", "ssibbii", user_id,
                       rq->caller->account, (int64_t) rq->now, salt, sizeof(salt), hash, sizeof(hash),
                       (int64_t) IAM_PASSWORD_ITERATIONS, (int64_t) reset);
    else
        r = store_exec(rq->tx, "UPDATE iam_login_profile SET salt = ?2, hash = ?3, iterations = ?4 WHERE user_id = ?1",
                       "sbbi", user_id, salt, sizeof(salt), hash, sizeof(hash), (int64_t) IAM_PASSWORD_ITERATIONS);
    OPENSSL_cleanse(hash, sizeof(hash));
    if (r == -EEXIST)
        return iam_err_exists(err, "Login Profile for user %s already exists.", user);
    return r < 0 ? iam_err_store(err, r) : 0;
}

static json_t *
login_json(struct store_tx *tx, const struct owner *o)
{
    struct store_rows *q = NULL;
    json_t *lp = NULL;
    int r = store_query(tx, &q, "SELECT created, reset_required FROM iam_login_profile WHERE user_id = ?1", "s", o->id);

    if (r > 0)
        lp = json_pack("{s:s, s:I, s:b}", "UserName", o->name, "CreateDate", (json_int_t) store_col_int(q, 0),
                       "PasswordResetRequired", (int) store_col_int(q, 1));
    store_rows_done(q);
    return lp;
}

static int
login_owner(struct req *rq, struct owner *o, struct aerr *err)
{
    int r = find_owner(rq, o, err);

    if (r == 0 && o->root)
        return aerr_set(err, -EINVAL, 400, "ValidationError",
                        "Must specify userName when calling with non-User credentials");
    return r;
}

IAM_HANDLER(CreateLoginProfile)
{
    const char *pw = iam_in_str(rq, "Password");
    struct owner o;
    int r;

    if ((r = login_owner(rq, &o, err)) < 0)
        return r;
    r = iam_login_exists(rq->tx, o.id);
    if (r < 0)
        return iam_err_store(err, r);
    if (r > 0)
        return iam_err_exists(err, "Login Profile for user %s already exists.", o.name);
    if (!pw)
        return aerr_set(err, -EINVAL, 400, "ValidationError",
                        "1 validation error detected: Value null at 'password' failed to satisfy constraint: "
                        "Member must not be null");
    r = set_password(rq, o.id, o.name, pw, 1, iam_in_bool(rq, "PasswordResetRequired", 0), err);
    if (r < 0)
        return r;
    rq->out = json_pack("{s:o}", "LoginProfile", login_json(rq->tx, &o));
    return rq->out ? 0 : iam_err_store(err, -EIO);
}

IAM_HANDLER(GetLoginProfile)
{
    struct owner o;
    json_t *lp;
    int r;

    if ((r = login_owner(rq, &o, err)) < 0)
        return r;
    lp = login_json(rq->tx, &o);
    if (!lp)
        return iam_err_nosuch(err, "Login Profile for User %s cannot be found.", o.name);
    rq->out = json_pack("{s:o}", "LoginProfile", lp);
    return 0;
}

IAM_HANDLER(UpdateLoginProfile)
{
    const char *pw = iam_in_str(rq, "Password");
    json_t *reset = json_object_get(rq->in, "PasswordResetRequired");
    struct owner o;
    int r;

    if ((r = login_owner(rq, &o, err)) < 0)
        return r;
    r = iam_login_exists(rq->tx, o.id);
    if (r < 0)
        return iam_err_store(err, r);
    if (r == 0)
        return iam_err_nosuch(err, "Login Profile for User %s cannot be found.", o.name);
    if (pw && (r = set_password(rq, o.id, o.name, pw, 0, 0, err)) < 0)
        return r;
    if (json_is_boolean(reset) &&
        (r = store_exec(rq->tx, "UPDATE iam_login_profile SET reset_required = ?2 WHERE user_id = ?1", "si",
                        o.id, (int64_t) json_is_true(reset))) < 0)
        return iam_err_store(err, r);
    return 0;
}

IAM_HANDLER(DeleteLoginProfile)
{
    struct owner o;
    int r;

    if ((r = login_owner(rq, &o, err)) < 0)
        return r;
    r = store_exec(rq->tx, "DELETE FROM iam_login_profile WHERE user_id = ?1", "s", o.id);
    if (r < 0)
        return iam_err_store(err, r);
    if (r == 0)
        return iam_err_nosuch(err, "Login Profile for User %s cannot be found.", o.name);
    return 0;
}

int
iam_login_verify(struct store_tx *tx, const char *account, const char *user_name, const char *password)
{
    struct iam_entity e;
    struct store_rows *q = NULL;
    unsigned char salt[SALT_LEN], want[HASH_LEN], got[HASH_LEN];
    int64_t iterations = 0;
    size_t sl = 0, hl = 0;
    int r;

    r = iam_entity_lookup(tx, account, IAM_USER, user_name, &e);
    if (r < 0)
        return r;
    r = store_query(tx, &q, "SELECT salt, hash, iterations FROM iam_login_profile WHERE user_id = ?1", "s", e.id);
    if (r > 0) {
        const void *s = store_col_blob(q, 0, &sl), *h = store_col_blob(q, 1, &hl);
        if (sl == SALT_LEN && hl == HASH_LEN) {
            memcpy(salt, s, SALT_LEN);
            memcpy(want, h, HASH_LEN);
        }
        iterations = store_col_int(q, 2);
    }
    store_rows_done(q);
    if (r <= 0)
        return r < 0 ? r : -ENOENT;
    if (sl != SALT_LEN || hl != HASH_LEN || iterations < 1 || iterations > 10000000)
        return -EIO;
    if (hash_password(password, salt, (int) iterations, got) < 0)
        return -EIO;
    r = CRYPTO_memcmp(got, want, HASH_LEN) == 0 ? 0 : -EACCES;
    OPENSSL_cleanse(got, sizeof(got));
    return r;
}
