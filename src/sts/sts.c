/* src/sts/sts.c - STS: GetCallerIdentity, AssumeRole, GetSessionToken, GetAccessKeyInfo,
 * DecodeAuthorizationMessage (see sts.h for the session record).
 * Used by: core/dispatch.c. Uses: core/req.h, store/, crypto/, policy/, iam/iam.h (roles).
 * Authorization (trust policies, the caller's permissions, what session credentials may
 * call) is core/authz.c's, before these handlers run. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "../core/authz.h"
#include "../crypto/digest.h"
#include "../crypto/ids.h"
#include "../iam/iam.h"
#include "../policy/policy.h"
#include "sts.h"

static const char *
in_str(const struct req *rq, const char *member)
{
    return json_string_value(json_object_get(rq->in, member));
}

static int
invalid(struct aerr *err, const char *fmt, const char *arg)
{
    return aerr_set(err, -EINVAL, 400, "ValidationError", fmt, arg);
}

/* ---- credentials ---- */

/* Create an ASIA... key for session (taken), valid until expires; put the Credentials
 * structure in *ret. owner_id may be NULL (the root). Returns 0 or <0 with err. */
static int
issue(struct req *rq, const char *owner_id, json_t *session, int64_t expires, json_t **ret,
      struct aerr *err)
{
    char key[IDS_KEY_LEN + 1], secret[IDS_SECRET_LEN + 1], hex[DIGEST_SHA256_HEX + 1];
    char token[DIGEST_BASE64_SIZE(STS_TOKEN_BYTES)];
    unsigned char raw[STS_TOKEN_BYTES], md[DIGEST_SHA256_LEN], *sealed = NULL;
    size_t sealed_len;
    char *text = NULL;
    int r;

    if (!session)
        return aerr_internal(err, -ENOMEM);
    if (ids_random(key, IDS_KEY_LEN, "ASIA") < 0 || ids_secret(secret) < 0 ||
        ids_bytes(raw, sizeof(raw)) < 0 ||
        digest_base64_encode(raw, sizeof(raw), token, sizeof(token)) < 0 ||
        digest_sha256(token, strlen(token), md) < 0) {
        r = aerr_internal(err, -EIO);
        goto out;
    }
    digest_hex(md, sizeof(md), hex);
    text = json_dumps(session, JSON_COMPACT);
    r = text ? store_seal(store_of(rq->tx), secret, strlen(secret), key, &sealed, &sealed_len) : -ENOMEM;
    if (r < 0) {
        r = aerr_internal(err, r);
        goto out;
    }
    (void) store_exec(rq->tx, "DELETE FROM access_key WHERE owner_kind = 'session' AND expires < ?1",
                      "i", (int64_t) rq->now - STS_PURGE_AFTER);
    r = store_exec(rq->tx, "INSERT INTO access_key (id, account, owner_kind, owner_id, secret, created,"
                           " expires, token_hash, session) VALUES (?1, ?2, 'session', ?3, ?4, ?5, ?6, ?7, ?8)",
                   "sssbiiss", key, rq->caller->account, owner_id, sealed, sealed_len,
                   (int64_t) rq->now, expires, hex, text);
    if (r < 0) {
        r = aerr_internal(err, r);
        goto out;
    }
    *ret = json_pack("{s:s, s:s, s:s, s:I}", "AccessKeyId", key, "SecretAccessKey", secret,
                     "SessionToken", token, "Expiration", (json_int_t) expires);
    r = *ret ? 0 : aerr_internal(err, -ENOMEM);
out:
    digest_cleanse(secret, sizeof(secret));
    json_decref(session);
    free(text);
    free(sealed);
    return r;
}

/* ---- GetCallerIdentity ---- */

static int
get_caller_identity(struct req *rq, struct aerr *err)
{
    rq->out = json_pack("{s:s, s:s, s:s}", "UserId", rq->caller->user_id,
                        "Account", rq->caller->account, "Arn", rq->caller->arn);
    return rq->out ? 0 : aerr_internal(err, -ENOMEM);
}

/* ---- AssumeRole ---- */

static int
res_role_arn(const struct req *rq, char *buf, size_t cap, struct aerr *err)
{
    const char *arn = in_str(rq, "RoleArn");
    int n = snprintf(buf, cap, "%s", arn ? arn : "*");

    return n < 0 || (size_t) n >= cap ? invalid(err, "%s", "RoleArn is too long") : 0;
}

/* The caller's own session record (role chaining: its transitive tags, source identity). */
static json_t *
caller_session(const struct req *rq)
{
    struct store_rows *q = NULL;
    json_t *j = NULL;

    if (!rq->caller->access_key[0] || !(rq->caller->flags & PRINCIPAL_F_TEMPORARY))
        return NULL;
    if (store_query(rq->tx, &q, "SELECT session FROM access_key WHERE id = ?1 AND owner_kind = 'session'",
                    "s", rq->caller->access_key) > 0)
        j = json_loads(store_col_text(q, 0) ? store_col_text(q, 0) : "", 0, NULL);
    store_rows_done(q);
    return j;
}

static int
has_key(json_t *keys, const char *k)
{
    json_t *v;
    size_t i;

    json_array_foreach(keys, i, v)
        if (json_string_value(v) && !strcasecmp(json_string_value(v), k))
            return 1;
    return 0;
}

/* Session tags: the request's (unique keys, case-insensitively), then the caller's transitive
 * ones, which a chained session may not override. Fills *ret_tags / *ret_keys. */
static int
session_tags(const struct req *rq, json_t *prev, json_t *tags, json_t *keys, size_t *ret_chars,
             json_t *ret_tags, json_t *ret_keys, struct aerr *err)
{
    json_t *t, *names = json_array();
    size_t i;
    int r = 0;

    if (!names)
        return aerr_internal(err, -ENOMEM);
    json_array_foreach(tags, i, t) {
        const char *k = json_string_value(json_object_get(t, "Key"));
        const char *v = json_string_value(json_object_get(t, "Value"));
        if (!k || !v)
            continue;
        if (has_key(names, k)) {
            r = invalid(err, "%s", "Duplicate tag keys found. Please note that Tag keys are case insensitive.");
            goto out;
        }
        json_array_append_new(names, json_string(k));
        json_array_append_new(ret_tags, json_pack("{s:s, s:s}", "Key", k, "Value", v));
        *ret_chars += strlen(k) + strlen(v);
    }
    json_array_foreach(keys, i, t) {
        if (!json_string_value(t) || !has_key(names, json_string_value(t))) {
            r = invalid(err, "%s", "The specified transitive tag key must be included in the requested tags.");
            goto out;
        }
        json_array_append(ret_keys, t);
    }
    json_array_foreach(json_object_get(prev, "tags"), i, t) {
        const char *k = json_string_value(json_object_get(t, "Key"));
        if (!k || !has_key(json_object_get(prev, "transitive_tag_keys"), k))
            continue;
        if (has_key(names, k)) {
            r = invalid(err, "%s", "One of the specified transitive tag keys can't be set because it conflicts "
                                   "with a transitive tag key from the calling session.");
            goto out;
        }
        json_array_append(ret_tags, t);
        json_array_append_new(ret_keys, json_string(k));
    }
out:
    json_decref(names);
    return r;
}

static int
no_op_policy(void *ud, enum iam_policy_use use, const char *key, const char *document, unsigned flags)
{
    return 0;
}

static int
assume_role(struct req *rq, struct aerr *err)
{
    const struct principal *who = rq->caller;
    const char *arn = in_str(rq, "RoleArn"), *name = in_str(rq, "RoleSessionName");
    const char *policy = in_str(rq, "Policy"), *source = in_str(rq, "SourceIdentity");
    json_t *arns = json_object_get(rq->in, "PolicyArns"), *v;
    json_t *prev = NULL, *tags = json_array(), *tkeys = json_array(), *parns = json_array();
    json_t *session = NULL, *creds = NULL;
    json_int_t duration = json_integer_value(json_object_get(rq->in, "DurationSeconds"));
    struct iam_role_info role = {0};
    int chained = who->kind == PRINCIPAL_ASSUMED_ROLE;
    char sarn[2400], user_id[128];
    size_t chars = 0, i;
    int r, percent = 0, packed;

    if (!tags || !tkeys || !parns) {
        r = aerr_internal(err, -ENOMEM);
        goto out;
    }
    if (!duration)
        duration = STS_DEFAULT_ROLE_SESSION;
    r = iam_role_by_arn(rq->tx, arn, &role);
    if (r == -ENOENT) {
        r = aerr_set(err, -EACCES, 403, "AccessDenied", "User: %s is not authorized to perform: "
                     "sts:AssumeRole on resource: %s", who->arn, arn);
        goto out;
    }
    if (r < 0) {
        r = aerr_internal(err, r);
        goto out;
    }
    if (chained && duration > STS_CHAINED_MAX) {
        r = invalid(err, "%s", "The requested DurationSeconds exceeds the 1 hour session limit for roles "
                               "assumed by role chaining.");
        goto out;
    }
    if (duration > role.max_session) {
        r = invalid(err, "%s", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.");
        goto out;
    }
    if (policy) {
        struct policy_parse_opts o = { .kind = POLICY_KIND_IDENTITY };
        struct policy *p = NULL;
        r = policy_parse(policy, strlen(policy), &o, &p, err);
        policy_unref(p);
        if (r < 0)
            goto out;
        chars += policy_size(policy, strlen(policy));
    }
    if (json_array_size(arns) > STS_MAX_POLICY_ARNS) {
        r = invalid(err, "%s", "1 validation error detected: Value at 'policyArns' failed to satisfy "
                               "constraint: Member must have length less than or equal to 10");
        goto out;
    }
    json_array_foreach(arns, i, v) {
        const char *parn = json_string_value(json_object_get(v, "arn"));
        if (!parn)
            continue;
        r = iam_managed_policy_document(rq->tx, role.account, parn, no_op_policy, NULL);
        if (r == -ENOENT) {
            r = invalid(err, "The policy %s does not exist or is not attachable.", parn);
            goto out;
        }
        if (r < 0) {
            r = aerr_internal(err, r);
            goto out;
        }
        json_array_append_new(parns, json_string(parn));
        chars += strlen(parn);
    }
    prev = chained ? caller_session(rq) : NULL;
    r = session_tags(rq, prev, json_object_get(rq->in, "Tags"), json_object_get(rq->in, "TransitiveTagKeys"),
                     &chars, tags, tkeys, err);
    if (r < 0)
        goto out;
    if (!source && prev)                 /* a source identity stays with chained sessions */
        source = json_string_value(json_object_get(prev, "source_identity"));
    packed = policy || json_array_size(parns) || json_array_size(tags);
    percent = (int) ((chars * 100 + STS_PACKED_MAX - 1) / STS_PACKED_MAX);
    if (percent > 100) {
        r = aerr_set(err, -EINVAL, 400, "PackedPolicyTooLarge",
                     "Packed policy consumes %d%% of allotted space, please use smaller policy.", percent);
        goto out;
    }
    snprintf(sarn, sizeof(sarn), "arn:aws:sts::%s:assumed-role/%s/%s", role.account, role.name, name);
    snprintf(user_id, sizeof(user_id), "%s:%s", role.id, name);
    session = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:b, s:s, s:s, s:O, s:O, s:O, s:b}",
                        "kind", "assumed-role", "arn", sarn, "user_id", user_id, "name", role.name,
                        "entity_id", role.id, "issued", (json_int_t) rq->now, "mfa", 0,
                        "role_arn", role.arn, "session_name", name, "policy_arns", parns,
                        "tags", tags, "transitive_tag_keys", tkeys, "chained", chained);
    if (session && policy)
        json_object_set_new(session, "policy", json_string(policy));
    if (session && source)
        json_object_set_new(session, "source_identity", json_string(source));
    r = issue(rq, role.id, session, (int64_t) rq->now + duration, &creds, err);
    session = NULL;
    if (r < 0)
        goto out;
    (void) iam_role_mark_used(rq->tx, role.id, rq->now, rq->region);
    rq->out = json_pack("{s:o, s:{s:s, s:s}}", "Credentials", creds, "AssumedRoleUser",
                        "AssumedRoleId", user_id, "Arn", sarn);
    creds = NULL;
    if (rq->out && packed)
        json_object_set_new(rq->out, "PackedPolicySize", json_integer(percent));
    if (rq->out && source)
        json_object_set_new(rq->out, "SourceIdentity", json_string(source));
    r = rq->out ? 0 : aerr_internal(err, -ENOMEM);
out:
    iam_role_info_done(&role);
    json_decref(prev);
    json_decref(tags);
    json_decref(tkeys);
    json_decref(parns);
    json_decref(creds);
    return r;
}

/* ---- GetSessionToken ---- */

static int
get_session_token(struct req *rq, struct aerr *err)
{
    const struct principal *who = rq->caller;
    json_int_t duration = json_integer_value(json_object_get(rq->in, "DurationSeconds"));
    int root = who->kind == PRINCIPAL_ROOT;
    json_t *session, *creds = NULL;
    int r;

    if (who->kind != PRINCIPAL_ROOT && who->kind != PRINCIPAL_USER)   /* authz refused the rest */
        return aerr_set(err, -EACCES, 403, "AccessDenied", "Cannot call GetSessionToken with session credentials");
    if (in_str(rq, "SerialNumber") || in_str(rq, "TokenCode"))
        return aerr_set(err, -EACCES, 403, "AccessDenied", "MultiFactorAuthentication failed, unable to "
                        "validate MFA code. Please verify your MFA serial number is valid and associated "
                        "with this user.");
    if (!duration)
        duration = root ? STS_ROOT_SESSION_MAX : STS_USER_SESSION_DEFAULT;
    if (root && duration > STS_ROOT_SESSION_MAX)       /* AWS shortens the root's, silently */
        duration = STS_ROOT_SESSION_MAX;
    session = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:b}", "kind", root ? "root" : "user",
                        "arn", who->arn, "user_id", who->user_id, "name", who->name,
                        "entity_id", who->entity_id, "issued", (json_int_t) rq->now, "mfa", 0);
    r = issue(rq, root ? NULL : who->entity_id, session, (int64_t) rq->now + duration, &creds, err);
    if (r < 0)
        return r;
    rq->out = json_pack("{s:o}", "Credentials", creds);
    return rq->out ? 0 : aerr_internal(err, -ENOMEM);
}

/* ---- GetAccessKeyInfo ---- */

static int
get_access_key_info(struct req *rq, struct aerr *err)
{
    const char *key = in_str(rq, "AccessKeyId");
    struct store_rows *q = NULL;
    int r;

    r = store_query(rq->tx, &q, "SELECT account FROM access_key WHERE id = ?1", "s", key);
    if (r > 0)
        rq->out = json_pack("{s:s}", "Account", store_col_text(q, 0));
    store_rows_done(q);
    if (r < 0)
        return aerr_internal(err, r);
    if (r == 0)
        return invalid(err, "The access key ID %.128s is not valid.", key);
    return rq->out ? 0 : aerr_internal(err, -ENOMEM);
}

/* ---- DecodeAuthorizationMessage ---- */

static int
decode_authorization_message(struct req *rq, struct aerr *err)
{
    const char *msg = in_str(rq, "EncodedMessage");
    size_t n = strlen(msg), plain_len = 0;
    unsigned char *raw = malloc(DIGEST_BASE64_DECODED_MAX(n));
    char *plain = NULL;
    long len;
    int r;

    if (!raw)
        return aerr_internal(err, -ENOMEM);
    len = digest_base64_decode(msg, n, raw, DIGEST_BASE64_DECODED_MAX(n));
    r = len < 0 ? -EINVAL : store_unseal(store_of(rq->tx), raw, (size_t) len, AUTHZ_MESSAGE_AAD,
                                         &plain, &plain_len);
    free(raw);
    if (r < 0)
        return aerr_set(err, -EINVAL, 400, "InvalidAuthorizationMessageException",
                        "The specified authorization message is not valid.");
    rq->out = json_pack("{s:s}", "DecodedMessage", plain);
    free(plain);
    return rq->out ? 0 : aerr_internal(err, -ENOMEM);
}

static const struct op_impl ops[] = {
    { "AssumeRole",                 assume_role,                  OP_WRITE, res_role_arn },
    { "DecodeAuthorizationMessage", decode_authorization_message, 0,        NULL },
    { "GetAccessKeyInfo",           get_access_key_info,          0,        NULL },
    { "GetCallerIdentity",          get_caller_identity,          0,        NULL },
    { "GetSessionToken",            get_session_token,            OP_WRITE, NULL },
    { NULL, NULL, 0, NULL },
};

const struct service_impl sts_service = { "sts", ops, NULL };
