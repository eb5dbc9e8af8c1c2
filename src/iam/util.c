/* src/iam/util.c - what the IAM handlers share: input members, AWS's errors, entity lookup,
 * ARNs, Marker/MaxItems paging, tags, policy document output.
 * Used by: every src/iam/ file. Uses: store/, crypto/ids.h, jansson. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "../crypto/ids.h"
#include "../policy/policy.h"
#include "internal.h"

/* ---- requests ---- */

const char *
iam_in_str(const struct req *rq, const char *member)
{
    json_t *v = rq->in ? json_object_get(rq->in, member) : NULL;

    return json_is_string(v) ? json_string_value(v) : NULL;
}

int64_t
iam_in_int(const struct req *rq, const char *member, int64_t def)
{
    json_t *v = rq->in ? json_object_get(rq->in, member) : NULL;

    return json_is_integer(v) ? (int64_t) json_integer_value(v) : def;
}

int
iam_in_bool(const struct req *rq, const char *member, int def)
{
    json_t *v = rq->in ? json_object_get(rq->in, member) : NULL;

    return json_is_boolean(v) ? json_is_true(v) : def;
}

/* ---- errors ---- */

static int
verr(struct aerr *err, int r, int status, const char *code, const char *fmt, va_list ap)
{
    char msg[AERR_MAX_MSG];

    vsnprintf(msg, sizeof(msg), fmt, ap);
    return aerr_set(err, r, status, code, "%s", msg);
}

#define ERR_FN(fn, r, status, code)                                  \
    int fn(struct aerr *err, const char *fmt, ...)                   \
    {                                                                \
        va_list ap;                                                  \
        int rc;                                                      \
        va_start(ap, fmt);                                           \
        rc = verr(err, r, status, code, fmt, ap);                    \
        va_end(ap);                                                  \
        return rc;                                                   \
    }

ERR_FN(iam_err_nosuch, -ENOENT, 404, "NoSuchEntity")
ERR_FN(iam_err_exists, -EEXIST, 409, "EntityAlreadyExists")
ERR_FN(iam_err_conflict, -EBUSY, 409, "DeleteConflict")
ERR_FN(iam_err_limit, -EDQUOT, 409, "LimitExceeded")
ERR_FN(iam_err_invalid, -EINVAL, 400, "InvalidInput")
ERR_FN(iam_err_malformed, -EINVAL, 400, "MalformedPolicyDocument")
ERR_FN(iam_err_unmodifiable, -EPERM, 400, "UnmodifiableEntity")

int
iam_err_store(struct aerr *err, int r)
{
    return aerr_internal(err, r < 0 ? r : -EIO);
}

/* ---- entities ---- */

static const struct iam_kind_info kinds[] = {
    [IAM_USER] = { "user", "user", "AIDA", "UserName",
        "The user with name %s cannot be found.", "User with name %s already exists.",
        "UsersPerAccount", IAM_USERS_QUOTA, "PoliciesPerUser", IAM_USER_INLINE_QUOTA },
    [IAM_GROUP] = { "group", "group", "AGPA", "GroupName",
        "The group with name %s cannot be found.", "Group with name %s already exists.",
        "GroupsPerAccount", IAM_GROUPS_QUOTA, "PoliciesPerGroup", IAM_GROUP_INLINE_QUOTA },
    [IAM_ROLE] = { "role", "role", "AROA", "RoleName",
        "The role with name %s cannot be found.", "Role with name %s already exists.",
        "RolesPerAccount", IAM_ROLES_QUOTA, "PoliciesPerRole", IAM_ROLE_INLINE_QUOTA },
    [IAM_PROFILE] = { "instance-profile", "instance profile", "AIPA",
        "InstanceProfileName", "Instance Profile %s cannot be found.", "Instance Profile %s already exists.",
        "InstanceProfilesPerAccount", IAM_PROFILES_QUOTA, NULL, 0 },
    [IAM_POLICY] = { "policy", "policy", "ANPA", NULL,
        "Policy %s was not found.", "A policy called %s already exists. Duplicate names are not allowed.",
        "PoliciesPerAccount", IAM_POLICIES_QUOTA, NULL, 0 },
};

const struct iam_kind_info *
iam_kind_info(enum iam_kind kind)
{
    return &kinds[kind];
}

const char *
iam_kind_word(enum iam_kind kind)
{
    return kinds[kind].word;
}

/* The statements on each kind's table. The store caches statements by SQL text pointer, so
 * these are literals, one per kind, never composed. NULL where no operation needs one. */
struct kind_sql {
    const char *find;            /* ?1 account, ?2 name: id, name, path, created */
    const char *count;           /* ?1 account */
    const char *insert;          /* ?1 id, ?2 account, ?3 name, ?4 path, ?5 created */
    const char *update;          /* ?1 id, ?2 new name or NULL, ?3 new path or NULL */
    const char *delete;          /* ?1 id */
};

#define FIND(t)   "SELECT id, name, path, created FROM " t " WHERE account = ?1 AND name_lc = lower(?2)"
#define COUNT(t)  "SELECT count(*) FROM " t " WHERE account = ?1"
#define INSERT(t) "INSERT INTO " t " (id, account, name, name_lc, path, created) " \
                  "VALUES (?1, ?2, ?3, lower(?3), ?4, ?5)"
#define UPDATE(t) "UPDATE " t " SET name = coalesce(?2, name), name_lc = lower(coalesce(?2, name)), " \
                  "path = coalesce(?3, path) WHERE id = ?1"
#define DELETE(t) "DELETE FROM " t " WHERE id = ?1"

static const struct kind_sql sqls[] = {
    [IAM_USER]    = { FIND("iam_user"), COUNT("iam_user"), NULL, UPDATE("iam_user"), DELETE("iam_user") },
    [IAM_GROUP]   = { FIND("iam_group"), COUNT("iam_group"), INSERT("iam_group"), UPDATE("iam_group"),
                      DELETE("iam_group") },
    [IAM_ROLE]    = { FIND("iam_role"), COUNT("iam_role"), NULL, NULL, DELETE("iam_role") },
    [IAM_PROFILE] = { FIND("iam_instance_profile"), COUNT("iam_instance_profile"),
                      INSERT("iam_instance_profile"), NULL, DELETE("iam_instance_profile") },
    [IAM_POLICY]  = { FIND("iam_policy"), COUNT("iam_policy"), NULL, NULL, NULL },
};

#undef FIND
#undef COUNT
#undef INSERT
#undef UPDATE
#undef DELETE

int
iam_arn(char *buf, size_t cap, const char *account, enum iam_kind kind, const char *path,
        const char *name)
{
    int n = snprintf(buf, cap, "arn:aws:iam::%s:%s%s%s", account, kinds[kind].arn_type,
                     path && *path ? path : "/", name);

    return n < 0 || (size_t) n >= cap ? -ENAMETOOLONG : 0;
}

static void
copy(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "");
}

int
iam_entity_from_row(struct store_rows *q, const char *account, enum iam_kind kind,
                    struct iam_entity *ret)
{
    memset(ret, 0, sizeof(*ret));
    ret->kind = kind;
    copy(ret->id, sizeof(ret->id), store_col_text(q, 0));
    copy(ret->name, sizeof(ret->name), store_col_text(q, 1));
    copy(ret->path, sizeof(ret->path), store_col_text(q, 2));
    ret->created = store_col_int(q, 3);
    return iam_arn(ret->arn, sizeof(ret->arn), account, kind, ret->path, ret->name);
}

void
iam_entity_from_json(json_t *row, const char *account, enum iam_kind kind, struct iam_entity *ret)
{
    memset(ret, 0, sizeof(*ret));
    ret->kind = kind;
    copy(ret->id, sizeof(ret->id), json_string_value(json_object_get(row, "id")));
    copy(ret->name, sizeof(ret->name), json_string_value(json_object_get(row, "name")));
    copy(ret->path, sizeof(ret->path), json_string_value(json_object_get(row, "path")));
    ret->created = json_integer_value(json_object_get(row, "created"));
    iam_arn(ret->arn, sizeof(ret->arn), account, kind, ret->path, ret->name);
}

int
iam_entity_lookup(struct store_tx *tx, const char *account, enum iam_kind kind, const char *name,
                  struct iam_entity *ret)
{
    struct store_rows *q = NULL;
    int r;

    if (!tx || !name)
        return -ENOENT;
    r = store_query(tx, &q, sqls[kind].find, "ss", account, name);
    if (r > 0)
        r = iam_entity_from_row(q, account, kind, ret);
    else if (r == 0)
        r = -ENOENT;
    store_rows_done(q);
    return r;
}

int
iam_entity_find(const struct req *rq, enum iam_kind kind, const char *name,
                struct iam_entity *ret, struct aerr *err)
{
    int r = iam_entity_lookup(rq->tx, rq->caller->account, kind, name, ret);

    if (r == -ENOENT)
        return iam_err_nosuch(err, kinds[kind].nosuch, name ? name : "");
    if (r < 0)
        return iam_err_store(err, r);
    return 0;
}

int
iam_entity_find_in(const struct req *rq, enum iam_kind kind, struct iam_entity *ret, struct aerr *err)
{
    return iam_entity_find(rq, kind, iam_in_str(rq, kinds[kind].member), ret, err);
}

int
iam_entity_count(struct store_tx *tx, const char *account, enum iam_kind kind)
{
    struct store_rows *q = NULL;
    int r = store_query(tx, &q, sqls[kind].count, "s", account);

    if (r > 0)
        r = (int) store_col_int(q, 0);
    store_rows_done(q);
    return r;
}

int
iam_entity_name_free(const struct req *rq, enum iam_kind kind, const char *name, struct aerr *err)
{
    struct iam_entity e;
    int r = iam_entity_lookup(rq->tx, rq->caller->account, kind, name, &e);

    if (r == 0)
        return iam_err_exists(err, kinds[kind].exists, name);
    return r == -ENOENT ? 0 : iam_err_store(err, r);
}

int
iam_entity_quota(const struct req *rq, enum iam_kind kind, struct aerr *err)
{
    int r = iam_entity_count(rq->tx, rq->caller->account, kind);

    if (r < 0)
        return iam_err_store(err, r);
    if (r >= kinds[kind].quota)
        return iam_err_limit(err, "Cannot exceed quota for %s: %d", kinds[kind].quota_name, kinds[kind].quota);
    return 0;
}

int
iam_entity_init(const struct req *rq, enum iam_kind kind, const char *name, const char *path,
                struct iam_entity *ret, struct aerr *err)
{
    int r;

    memset(ret, 0, sizeof(*ret));
    ret->kind = kind;
    copy(ret->name, sizeof(ret->name), name);
    copy(ret->path, sizeof(ret->path), path);
    ret->created = rq->now;
    if (iam_arn(ret->arn, sizeof(ret->arn), rq->caller->account, kind, path, name) < 0)
        return iam_err_invalid(err, "The specified value for path is invalid.");
    if ((r = iam_new_id(rq->tx, kinds[kind].id_prefix, ret->id)) < 0)
        return iam_err_store(err, r);
    return 0;
}

int
iam_entity_create(const struct req *rq, enum iam_kind kind, const char *name, const char *path,
                  struct iam_entity *ret, struct aerr *err)
{
    int r;

    if ((r = iam_entity_name_free(rq, kind, name, err)) < 0 || (r = iam_entity_quota(rq, kind, err)) < 0)
        return r;
    if ((r = iam_entity_init(rq, kind, name, path, ret, err)) < 0)
        return r;
    r = store_exec(rq->tx, sqls[kind].insert, "ssssi", ret->id, rq->caller->account, name, path, (int64_t) ret->created);
    return iam_entity_stored(r, kind, name, err);
}

int
iam_entity_stored(int r, enum iam_kind kind, const char *name, struct aerr *err)
{
    if (r == -EEXIST)
        return iam_err_exists(err, kinds[kind].exists, name);
    return r < 0 ? iam_err_store(err, r) : 0;
}

int
iam_entity_update(struct req *rq, enum iam_kind kind, const char *new_member, struct aerr *err)
{
    const char *new_name = iam_in_str(rq, new_member);
    const char *new_path = iam_in_str(rq, "NewPath");
    struct iam_entity e, other;
    char arn[IAM_ARN_MAX + 1];
    int r;

    r = iam_entity_find_in(rq, kind, &e, err);
    if (r < 0)
        return r;
    if (new_name && strcasecmp(new_name, e.name) != 0) {
        r = iam_entity_lookup(rq->tx, rq->caller->account, kind, new_name, &other);
        if (r == 0)
            return iam_err_exists(err, kinds[kind].exists, new_name);
        if (r != -ENOENT)
            return iam_err_store(err, r);
    }
    if (iam_arn(arn, sizeof(arn), rq->caller->account, kind, new_path ? new_path : e.path,
                new_name ? new_name : e.name) < 0)
        return iam_err_invalid(err, "The specified value for path is invalid.");
    r = store_exec(rq->tx, sqls[kind].update, "sss", e.id, new_name, new_path);
    return iam_entity_stored(r, kind, new_name, err);
}

int
iam_entity_in_use(int r, const char *what, struct aerr *err)
{
    if (r == 0)
        return 0;
    return r < 0 ? iam_err_store(err, r) : iam_err_conflict(err, "Cannot delete entity, must %s first.", what);
}

int
iam_entity_unused(struct store_tx *tx, const char *sql, const char *id, const char *what, struct aerr *err)
{
    struct store_rows *q = NULL;
    int r = store_query(tx, &q, sql, "s", id);

    store_rows_done(q);
    return iam_entity_in_use(r, what, err);
}

int
iam_entity_policies_gone(struct store_tx *tx, const char *id, struct aerr *err)
{
    int r;

    if ((r = iam_entity_in_use(iam_attached_count(tx, id), "detach all policies", err)) < 0)
        return r;
    return iam_entity_in_use(iam_inline_count(tx, id), "delete policies", err);
}

int
iam_entity_drop(struct store_tx *tx, const struct iam_entity *e, struct aerr *err)
{
    int r;

    if ((r = iam_tags_drop(tx, e->id)) < 0 || (r = store_exec(tx, sqls[e->kind].delete, "s", e->id)) < 0)
        return iam_err_store(err, r);
    return 0;
}

int
iam_entity_tag(struct req *rq, enum iam_kind kind, struct aerr *err)
{
    struct iam_entity e;
    int r = iam_entity_find_in(rq, kind, &e, err);

    return r < 0 ? r : iam_tags_put(rq->tx, e.id, json_object_get(rq->in, "Tags"), err);
}

int
iam_entity_untag(struct req *rq, enum iam_kind kind, struct aerr *err)
{
    struct iam_entity e;
    int r = iam_entity_find_in(rq, kind, &e, err);

    return r < 0 ? r : iam_tags_remove(rq->tx, e.id, json_object_get(rq->in, "TagKeys"), err);
}

int
iam_entity_list_tags(struct req *rq, enum iam_kind kind, struct aerr *err)
{
    struct iam_entity e;
    int r = iam_entity_find_in(rq, kind, &e, err);

    return r < 0 ? r : iam_tags_list(rq, e.id, err);
}

int
iam_new_id(struct store_tx *tx, const char *prefix, char ret[IAM_ID_LEN + 1])
{
    struct store_rows *q = NULL;
    int tries, r;

    for (tries = 0; tries < 8; tries++) {
        r = ids_random(ret, IAM_ID_LEN, prefix);
        if (r < 0)
            return r;
        r = store_query(tx, &q,
            "SELECT 1 FROM iam_user WHERE id = ?1 UNION ALL SELECT 1 FROM iam_group WHERE id = ?1 "
            "UNION ALL SELECT 1 FROM iam_role WHERE id = ?1 UNION ALL SELECT 1 FROM iam_policy WHERE id = ?1 "
            "UNION ALL SELECT 1 FROM iam_instance_profile WHERE id = ?1", "s", ret);
        store_rows_done(q);
        q = NULL;
        if (r < 0)
            return r;
        if (r == 0)
            return 0;
    }
    return -EEXIST;
}

json_t *
iam_user_json(const struct iam_entity *e)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:I}", "Path", e->path, "UserName", e->name,
                     "UserId", e->id, "Arn", e->arn, "CreateDate", (json_int_t) e->created);
}

json_t *
iam_group_json(const struct iam_entity *e)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:I}", "Path", e->path, "GroupName", e->name,
                     "GroupId", e->id, "Arn", e->arn, "CreateDate", (json_int_t) e->created);
}

int
iam_user_or_caller(const struct req *rq, const char **ret_name, int *ret_root, struct aerr *err)
{
    const char *name = iam_in_str(rq, "UserName");

    *ret_root = 0;
    if (name) {
        *ret_name = name;
        return 0;
    }
    switch (rq->caller->kind) {
    case PRINCIPAL_USER:
        *ret_name = rq->caller->name;
        return 0;
    case PRINCIPAL_ROOT:
        *ret_name = NULL;
        *ret_root = 1;
        return 0;
    default:
        return aerr_set(err, -EINVAL, 400, "ValidationError",
                        "Must specify userName when calling with non-User credentials");
    }
}

/* ---- paging ---- */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static char *
b64_encode(const unsigned char *in, size_t n)
{
    char *out = malloc(4 * ((n + 2) / 3) + 1), *o = out;
    size_t i;

    if (!out)
        return NULL;
    for (i = 0; i + 2 < n; i += 3) {
        *o++ = b64[in[i] >> 2];
        *o++ = b64[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
        *o++ = b64[((in[i + 1] & 15) << 2) | (in[i + 2] >> 6)];
        *o++ = b64[in[i + 2] & 63];
    }
    if (i < n) {
        *o++ = b64[in[i] >> 2];
        if (i + 1 < n) {
            *o++ = b64[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
            *o++ = b64[(in[i + 1] & 15) << 2];
        } else {
            *o++ = b64[(in[i] & 3) << 4];
            *o++ = '=';
        }
        *o++ = '=';
    }
    *o = '\0';
    return out;
}

/* Decode strict base64; NULL for bad input or OOM. */
static char *
b64_decode(const char *in, size_t *ret_len)
{
    size_t n = strlen(in), i, o = 0;
    unsigned acc = 0;
    int bits = 0, pad = 0;
    char *out;

    if (n == 0 || n % 4)
        return NULL;
    out = malloc(n / 4 * 3 + 1);
    if (!out)
        return NULL;
    for (i = 0; i < n; i++) {
        const char *p;
        if (in[i] == '=') {
            if (i < n - 2)
                goto bad;
            pad++;
            continue;
        }
        if (pad)
            goto bad;
        p = strchr(b64, in[i]);
        if (!p || !*p)
            goto bad;
        acc = (acc << 6) | (unsigned) (p - b64);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (char) ((acc >> bits) & 0xff);
        }
    }
    out[o] = '\0';
    *ret_len = o;
    return out;
bad:
    free(out);
    return NULL;
}

#define MARKER_TAG "cairn1:"

int
iam_page_begin(const struct req *rq, int64_t def_max, struct iam_page *pg, struct aerr *err)
{
    const char *marker = iam_in_str(rq, "Marker");
    size_t n = 0;
    char *raw;

    pg->max = iam_in_int(rq, "MaxItems", def_max);
    if (pg->max < 1)
        pg->max = def_max;
    if (!marker) {
        pg->after = strdup("");
        return pg->after ? 0 : aerr_internal(err, -ENOMEM);
    }
    raw = b64_decode(marker, &n);
    if (!raw || n < strlen(MARKER_TAG) || memcmp(raw, MARKER_TAG, strlen(MARKER_TAG)) != 0 ||
        strlen(raw) != n) {
        free(raw);
        pg->after = NULL;
        return aerr_set(err, -EINVAL, 400, "ValidationError", "Invalid Marker.");
    }
    memmove(raw, raw + strlen(MARKER_TAG), n - strlen(MARKER_TAG) + 1);
    pg->after = raw;
    return 0;
}

void
iam_page_done(struct iam_page *pg)
{
    free(pg->after);
    pg->after = NULL;
}

int
iam_page_end(json_t *out, int truncated, const char *next_key)
{
    json_object_set_new(out, "IsTruncated", json_boolean(truncated));
    if (truncated) {
        size_t n = strlen(MARKER_TAG) + strlen(next_key);
        char *raw = malloc(n + 1), *m;
        if (!raw)
            return -ENOMEM;
        snprintf(raw, n + 1, "%s%s", MARKER_TAG, next_key);
        m = b64_encode((const unsigned char *) raw, n);
        free(raw);
        if (!m)
            return -ENOMEM;
        json_object_set_new(out, "Marker", json_string(m));
        free(m);
    }
    return 0;
}

int
iam_page_rows(struct req *rq, json_t *out, const struct iam_rows *spec, struct aerr *err)
{
    struct store_rows *q = NULL;
    struct iam_page pg;
    json_t *list = json_array();
    int64_t n = 0, off = 0;
    int r, truncated = 0;
    char last[IAM_NAME_MAX + 1] = "";

    json_object_set_new(out, spec->member, list);
    if ((r = iam_page_begin(rq, IAM_DEFAULT_MAX_ITEMS, &pg, err)) < 0)
        return r;
    if (spec->key_col < 0)
        off = iam_page_offset(&pg);
    for (r = store_query(rq->tx, &q, spec->sql, "ssssii", spec->args[0], spec->args[1], spec->args[2], pg.after,
                         off, pg.max + 1);
         r > 0; r = store_next(q)) {
        if (n == pg.max) {
            truncated = 1;
            break;
        }
        if ((r = spec->item(rq, q, list, spec->ud)) < 0)
            break;
        if (spec->key_col >= 0)
            snprintf(last, sizeof(last), "%s", store_col_text(q, spec->key_col));
        n++;
    }
    store_rows_done(q);
    iam_page_done(&pg);
    if (r < 0)
        return iam_err_store(err, r);
    if (spec->key_col < 0) {
        char key[24];
        iam_page_offset_key(off + n, key);
        iam_page_end(out, truncated, key);
    } else {
        iam_page_end(out, truncated, last);
    }
    return 0;
}

int
iam_list_rows(struct req *rq, const struct iam_rows *spec, struct aerr *err)
{
    json_t *out = json_object();
    int r = iam_page_rows(rq, out, spec, err);

    if (r < 0) {
        json_decref(out);
        return r;
    }
    rq->out = out;
    return 0;
}

int64_t
iam_page_offset(const struct iam_page *pg)
{
    char *end;
    long long v;

    if (!pg->after || !*pg->after)
        return 0;
    v = strtoll(pg->after, &end, 10);
    return *end || v < 0 ? 0 : (int64_t) v;
}

void
iam_page_offset_key(int64_t offset, char buf[24])
{
    snprintf(buf, 24, "%012" PRId64, offset);
}

/* ---- tags ---- */

static void
lower_ascii(char *dst, size_t cap, const char *src)
{
    size_t i;

    for (i = 0; src[i] && i + 1 < cap; i++)
        dst[i] = (char) tolower((unsigned char) src[i]);
    dst[i] = '\0';
}

json_t *
iam_tags_json(struct store_tx *tx, const char *entity_id)
{
    struct store_rows *q = NULL;
    json_t *arr = json_array();
    int r;

    if (!arr)
        return NULL;
    for (r = store_query(tx, &q, "SELECT key, value FROM iam_tag WHERE entity_id = ?1 ORDER BY seq",
                         "s", entity_id);
         r > 0; r = store_next(q))
        json_array_append_new(arr, json_pack("{s:s, s:s}", "Key", store_col_text(q, 0),
                                             "Value", store_col_text(q, 1)));
    store_rows_done(q);
    if (r < 0) {
        json_decref(arr);
        return NULL;
    }
    return arr;
}

int
iam_tags_member(struct store_tx *tx, const char *entity_id, json_t *o)
{
    json_t *tags = iam_tags_json(tx, entity_id);

    if (!tags)
        return -EIO;
    if (json_array_size(tags))
        json_object_set_new(o, "Tags", tags);
    else
        json_decref(tags);
    return 0;
}

int
iam_tags_put(struct store_tx *tx, const char *entity_id, json_t *tags, struct aerr *err)
{
    struct store_rows *q = NULL;
    int64_t have = 0, seq = 0, added = 0;
    size_t i, j;
    int r;

    if (!json_is_array(tags) || json_array_size(tags) == 0)
        return 0;
    /* duplicate keys within the request, compared case-insensitively */
    for (i = 0; i < json_array_size(tags); i++) {
        const char *ki = json_string_value(json_object_get(json_array_get(tags, i), "Key"));
        for (j = i + 1; ki && j < json_array_size(tags); j++) {
            const char *kj = json_string_value(json_object_get(json_array_get(tags, j), "Key"));
            if (kj && strcasecmp(ki, kj) == 0)
                return iam_err_invalid(err, "Duplicate tag keys found. Please note that Tag keys are case insensitive.");
        }
    }
    r = store_query(tx, &q, "SELECT count(*), coalesce(max(seq), 0) FROM iam_tag WHERE entity_id = ?1",
                    "s", entity_id);
    if (r > 0) {
        have = store_col_int(q, 0);
        seq = store_col_int(q, 1);
    }
    store_rows_done(q);
    q = NULL;
    if (r < 0)
        return iam_err_store(err, r);
    for (i = 0; i < json_array_size(tags); i++) {
        json_t *t = json_array_get(tags, i);
        const char *k = json_string_value(json_object_get(t, "Key"));
        const char *v = json_string_value(json_object_get(t, "Value"));
        char lc[512];
        if (!k)
            continue;
        lower_ascii(lc, sizeof(lc), k);
        r = store_query(tx, &q, "SELECT 1 FROM iam_tag WHERE entity_id = ?1 AND key_lc = ?2",
                        "ss", entity_id, lc);
        store_rows_done(q);
        q = NULL;
        if (r < 0)
            return iam_err_store(err, r);
        if (r == 0)
            added++;
        if (have + added > IAM_MAX_TAGS)
            return iam_err_limit(err, "The number of tags has reached the maximum limit.");
        if (r > 0)
            r = store_exec(tx, "UPDATE iam_tag SET key = ?3, value = ?4 WHERE entity_id = ?1 AND key_lc = ?2",
                           "ssss", entity_id, lc, k, v ? v : "");
        else
            r = store_exec(tx, "INSERT INTO iam_tag (entity_id, key, key_lc, value, seq) VALUES (?1, ?3, ?2, ?4, ?5)",
                           "ssssi", entity_id, lc, k, v ? v : "", ++seq);
        if (r < 0)
            return iam_err_store(err, r);
    }
    return 0;
}

int
iam_tags_remove(struct store_tx *tx, const char *entity_id, json_t *keys, struct aerr *err)
{
    size_t i;
    int r;

    for (i = 0; json_is_array(keys) && i < json_array_size(keys); i++) {
        const char *k = json_string_value(json_array_get(keys, i));
        char lc[512];
        if (!k)
            continue;
        lower_ascii(lc, sizeof(lc), k);
        r = store_exec(tx, "DELETE FROM iam_tag WHERE entity_id = ?1 AND key_lc = ?2", "ss", entity_id, lc);
        if (r < 0)
            return iam_err_store(err, r);
    }
    return 0;
}

int
iam_tags_drop(struct store_tx *tx, const char *entity_id)
{
    int r = store_exec(tx, "DELETE FROM iam_tag WHERE entity_id = ?1", "s", entity_id);

    return r < 0 ? r : 0;
}

static int
tag_item(struct req *rq, struct store_rows *q, json_t *list, const void *ud)
{
    (void) rq;
    (void) ud;
    json_array_append_new(list, json_pack("{s:s, s:s}", "Key", store_col_text(q, 0), "Value", store_col_text(q, 1)));
    return 0;
}

int
iam_tags_list(struct req *rq, const char *entity_id, struct aerr *err)
{
    return iam_list_rows(rq, &(struct iam_rows){ "Tags",
                         "SELECT key, value FROM iam_tag WHERE entity_id = ?1 ORDER BY seq LIMIT ?6 OFFSET ?5",
                         { entity_id }, -1, tag_item, NULL }, err);
}

/* ---- policy documents ---- */

size_t
iam_doc_size(const char *doc)
{
    return policy_size(doc, strlen(doc));
}

char *
iam_urlencode(const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(s), i, o = 0;
    char *out = malloc(3 * n + 1);

    if (!out)
        return NULL;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char) s[i];
        if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '*') {
            out[o++] = (char) c;
        } else {
            out[o++] = '%';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
    }
    out[o] = '\0';
    return out;
}

json_t *
iam_doc_out(const char *doc)
{
    char *enc = iam_urlencode(doc ? doc : "");
    json_t *v;

    if (!enc)
        return NULL;
    v = json_string(enc);
    free(enc);
    return v;
}
