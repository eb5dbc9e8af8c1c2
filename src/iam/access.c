/* src/iam/access.c - what other modules read from IAM: the policies that apply to a user or a
 * role (for the authorization engine), roles by ARN with their trust policy (for STS and the
 * automation engine), and a role's last use. Used by: core/ (authorization), sts/.
 * Uses: store/, crypto/digest.h, attach.c (AWS managed policies). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../crypto/digest.h"
#include "internal.h"

/* Call fn for each inline policy of entity_id. */
static int
inline_policies(struct store_tx *tx, const char *entity_id, iam_policy_fn *fn, void *ud)
{
    json_t *rows = NULL, *row;
    size_t i;
    int r;

    r = store_query_json(tx, &rows, 10000, "SELECT name, document FROM iam_inline WHERE entity_id = ?1 ORDER BY name",
                         "s", entity_id);
    if (r < 0)
        return r;
    json_array_foreach(rows, i, row) {
        const char *name = json_string_value(json_object_get(row, "name"));
        const char *doc = json_string_value(json_object_get(row, "document"));
        unsigned char h[DIGEST_SHA256_LEN];
        char hex[2 * DIGEST_SHA256_LEN + 1], key[IAM_NAME_MAX + 128];
        if (!name || !doc || (r = digest_sha256(doc, strlen(doc), h)) < 0)
            break;
        digest_hex(h, 8, hex);
        snprintf(key, sizeof(key), "inline:%s/%s#%s", entity_id, name, hex);
        r = fn(ud, IAM_USE_IDENTITY, key, doc, 0);
        if (r < 0)
            break;
    }
    json_decref(rows);
    return r < 0 ? r : 0;
}

/* Call fn for the default version of a managed policy (customer or AWS). */
static int
managed_policy(struct store_tx *tx, enum iam_policy_use use, const char *arn, iam_policy_fn *fn, void *ud)
{
    const struct iam_aws_policy *a = iam_aws_policy_find(arn);
    struct store_rows *q = NULL;
    char key[IAM_ARN_MAX + 32];
    int r;

    if (a) {
        snprintf(key, sizeof(key), "%s#%s", arn, a->version);
        return fn(ud, use, key, a->document, IAM_POLICY_AWS_MANAGED);
    }
    r = store_query(tx, &q, "SELECT v.version, v.document FROM iam_policy p JOIN iam_policy_version v "
                    "ON v.policy_id = p.id AND v.version = p.default_version WHERE p.arn = ?1", "s", arn);
    if (r > 0) {
        snprintf(key, sizeof(key), "%s#v%lld", arn, (long long) store_col_int(q, 0));
        r = fn(ud, use, key, store_col_text(q, 1), 0);
    }
    store_rows_done(q);
    return r < 0 ? r : 0;
}

static int
attached_policies(struct store_tx *tx, const char *entity_id, iam_policy_fn *fn, void *ud)
{
    json_t *rows = NULL, *row;
    size_t i;
    int r;

    r = store_query_json(tx, &rows, 1000, "SELECT policy_arn FROM iam_attachment WHERE entity_id = ?1 ORDER BY seq",
                         "s", entity_id);
    if (r < 0)
        return r;
    json_array_foreach(rows, i, row) {
        r = managed_policy(tx, IAM_USE_IDENTITY, json_string_value(json_object_get(row, "policy_arn")), fn, ud);
        if (r < 0)
            break;
    }
    json_decref(rows);
    return r < 0 ? r : 0;
}

int
iam_policies_for(struct store_tx *tx, const char *account, const char *entity_id, iam_policy_fn *fn, void *ud)
{
    json_t *groups = NULL, *g;
    struct store_rows *q = NULL;
    char boundary[IAM_ARN_MAX + 1] = "";
    int r, is_user = 0;
    size_t i;

    r = store_query(tx, &q, "SELECT 1, boundary FROM iam_user WHERE account = ?1 AND id = ?2 "
                    "UNION ALL SELECT 0, boundary FROM iam_role WHERE account = ?1 AND id = ?2", "ss", account, entity_id);
    if (r > 0) {
        is_user = store_col_int(q, 0) != 0;
        snprintf(boundary, sizeof(boundary), "%s", store_col_text(q, 1) ? store_col_text(q, 1) : "");
    }
    store_rows_done(q);
    if (r <= 0)
        return r < 0 ? r : -ENOENT;
    if ((r = inline_policies(tx, entity_id, fn, ud)) < 0 || (r = attached_policies(tx, entity_id, fn, ud)) < 0)
        return r;
    if (is_user) {
        r = store_query_json(tx, &groups, 1000, "SELECT group_id FROM iam_group_member WHERE user_id = ?1 ORDER BY group_id",
                             "s", entity_id);
        if (r < 0)
            return r;
        json_array_foreach(groups, i, g) {
            const char *gid = json_string_value(json_object_get(g, "group_id"));
            if ((r = inline_policies(tx, gid, fn, ud)) < 0 || (r = attached_policies(tx, gid, fn, ud)) < 0)
                break;
        }
        json_decref(groups);
        if (r < 0)
            return r;
    }
    if (boundary[0])
        return managed_policy(tx, IAM_USE_BOUNDARY, boundary, fn, ud);
    return 0;
}

int
iam_managed_policy_document(struct store_tx *tx, const char *account, const char *arn, iam_policy_fn *fn, void *ud)
{
    struct store_rows *q = NULL;
    int r;

    if (iam_aws_policy_find(arn))
        return managed_policy(tx, IAM_USE_IDENTITY, arn, fn, ud);
    r = store_query(tx, &q, "SELECT 1 FROM iam_policy WHERE account = ?1 AND arn = ?2", "ss", account, arn);
    store_rows_done(q);
    if (r <= 0)
        return r < 0 ? r : -ENOENT;
    return managed_policy(tx, IAM_USE_IDENTITY, arn, fn, ud);
}

int
iam_role_by_arn(struct store_tx *tx, const char *arn, struct iam_role_info *ret)
{
    struct store_rows *q = NULL;
    char account[16];
    const char *name;
    int r;

    if (sscanf(arn, "arn:aws:iam::%12[0-9]:role/", account) != 1 || strlen(account) != 12 ||
        !(name = strrchr(arn, '/')) || !name[1])
        return -ENOENT;
    name++;
    r = store_query(tx, &q, "SELECT id, name, path, trust, max_session, boundary FROM iam_role "
                    "WHERE account = ?1 AND name_lc = lower(?2)", "ss", account, name);
    if (r > 0) {
        memset(ret, 0, sizeof(*ret));
        snprintf(ret->account, sizeof(ret->account), "%s", account);
        snprintf(ret->id, sizeof(ret->id), "%s", store_col_text(q, 0));
        snprintf(ret->name, sizeof(ret->name), "%s", store_col_text(q, 1));
        iam_arn(ret->arn, sizeof(ret->arn), account, IAM_ROLE, store_col_text(q, 2), ret->name);
        ret->max_session = store_col_int(q, 4);
        snprintf(ret->boundary, sizeof(ret->boundary), "%s", store_col_text(q, 5) ? store_col_text(q, 5) : "");
        ret->trust = strdup(store_col_text(q, 3));
        r = ret->trust ? 0 : -ENOMEM;
        /* the path must match too: arn:...:role/a/b/Name names Name at /a/b/ only */
        if (r == 0 && strcasecmp(ret->arn, arn) != 0) {
            iam_role_info_done(ret);
            r = -ENOENT;
        }
    } else if (r == 0) {
        r = -ENOENT;
    }
    store_rows_done(q);
    return r;
}

void
iam_role_info_done(struct iam_role_info *ri)
{
    if (!ri)
        return;
    free(ri->trust);
    ri->trust = NULL;
}

int
iam_role_mark_used(struct store_tx *tx, const char *role_id, time_t now, const char *region)
{
    int r = store_exec(tx, "UPDATE iam_role SET last_used = ?2, last_used_region = ?3 WHERE id = ?1",
                       "sis", role_id, (int64_t) now, region);

    return r < 0 ? r : r == 0 ? -ENOENT : 0;
}
