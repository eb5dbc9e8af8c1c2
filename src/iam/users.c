/* src/iam/users.c - IAM users: Create/Get/List/Update/Delete, tags, permissions boundaries,
 * and the principal lookup core's authentication uses. Used by: iam.c. Uses: util.c, store/. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "internal.h"

/* The extra members GetUser answers: PasswordLastUsed, PermissionsBoundary, Tags. */
static int
user_extras(struct store_tx *tx, const char *id, json_t *u)
{
    struct store_rows *q = NULL;
    json_t *tags;
    int r;

    r = store_query(tx, &q, "SELECT boundary, password_last_used FROM iam_user WHERE id = ?1", "s", id);
    if (r > 0) {
        if (!store_col_is_null(q, 0))
            json_object_set_new(u, "PermissionsBoundary",
                                json_pack("{s:s, s:s}", "PermissionsBoundaryType", "PermissionsBoundaryPolicy",
                                          "PermissionsBoundaryArn", store_col_text(q, 0)));
        if (!store_col_is_null(q, 1))
            json_object_set_new(u, "PasswordLastUsed", json_integer(store_col_int(q, 1)));
    }
    store_rows_done(q);
    if (r < 0)
        return r;
    tags = iam_tags_json(tx, id);
    if (!tags)
        return -EIO;
    if (json_array_size(tags))
        json_object_set_new(u, "Tags", tags);
    else
        json_decref(tags);
    return 0;
}

IAM_HANDLER(CreateUser)
{
    const char *name = iam_in_str(rq, "UserName");
    const char *path = iam_in_str(rq, "Path");
    const char *boundary = iam_in_str(rq, "PermissionsBoundary");
    struct iam_entity e;
    json_t *u;
    int r;

    if (!path)
        path = "/";
    r = iam_entity_lookup(rq->tx, rq->caller->account, IAM_USER, name, &e);
    if (r == 0)
        return iam_err_exists(err, "User with name %s already exists.", name);
    if (r != -ENOENT)
        return iam_err_store(err, r);
    r = iam_entity_count(rq->tx, rq->caller->account, IAM_USER);
    if (r < 0)
        return iam_err_store(err, r);
    if (r >= IAM_USERS_QUOTA)
        return iam_err_limit(err, "Cannot exceed quota for UsersPerAccount: %d", IAM_USERS_QUOTA);
    if (boundary && (r = iam_boundary_check(rq, boundary, err)) < 0)
        return r;
    memset(&e, 0, sizeof(e));
    e.kind = IAM_USER;
    snprintf(e.name, sizeof(e.name), "%s", name);
    snprintf(e.path, sizeof(e.path), "%s", path);
    e.created = rq->now;
    if (iam_arn(e.arn, sizeof(e.arn), rq->caller->account, IAM_USER, path, name) < 0)
        return iam_err_invalid(err, "The specified value for path is invalid.");
    r = iam_new_id(rq->tx, "AIDA", e.id);
    if (r < 0)
        return iam_err_store(err, r);
    r = store_exec(rq->tx, "INSERT INTO iam_user (id, account, name, name_lc, path, created, boundary) "
                   "VALUES (?1, ?2, ?3, lower(?3), ?4, ?5, ?6)",
                   "ssssis", e.id, rq->caller->account, name, path, (int64_t) e.created, boundary);
    if (r == -EEXIST)
        return iam_err_exists(err, "User with name %s already exists.", name);
    if (r < 0)
        return iam_err_store(err, r);
    if ((r = iam_tags_put(rq->tx, e.id, json_object_get(rq->in, "Tags"), err)) < 0)
        return r;
    u = iam_user_json(&e);
    if (user_extras(rq->tx, e.id, u) < 0) {
        json_decref(u);
        return iam_err_store(err, -EIO);
    }
    rq->out = json_pack("{s:o}", "User", u);
    return 0;
}

static int
root_user(struct req *rq, struct aerr *err)
{
    struct store_rows *q = NULL;
    int64_t created = rq->now;
    char arn[64];
    int r;

    r = store_query(rq->tx, &q, "SELECT created FROM account WHERE id = ?1", "s", rq->caller->account);
    if (r > 0)
        created = store_col_int(q, 0);
    store_rows_done(q);
    snprintf(arn, sizeof(arn), "arn:aws:iam::%s:root", rq->caller->account);
    rq->out = json_pack("{s:{s:s, s:s, s:I}}", "User", "UserId", rq->caller->account, "Arn", arn,
                        "CreateDate", (json_int_t) created);
    return rq->out ? 0 : aerr_internal(err, -ENOMEM);
}

IAM_HANDLER(GetUser)
{
    struct iam_entity e;
    const char *name;
    json_t *u;
    int r, root;

    r = iam_user_or_caller(rq, &name, &root, err);
    if (r < 0)
        return r;
    if (root)
        return root_user(rq, err);
    r = iam_entity_find(rq, IAM_USER, name, &e, err);
    if (r < 0)
        return r;
    u = iam_user_json(&e);
    if (user_extras(rq->tx, e.id, u) < 0) {
        json_decref(u);
        return iam_err_store(err, -EIO);
    }
    rq->out = json_pack("{s:o}", "User", u);
    return 0;
}

IAM_HANDLER(ListUsers)
{
    const char *prefix = iam_in_str(rq, "PathPrefix");
    struct store_rows *q = NULL;
    struct iam_page pg;
    json_t *out, *list;
    int64_t n = 0;
    int r, truncated = 0;
    char last[IAM_NAME_MAX + 1] = "";

    r = iam_page_begin(rq, IAM_DEFAULT_MAX_ITEMS, &pg, err);
    if (r < 0)
        return r;
    out = json_object();
    list = json_array();
    json_object_set_new(out, "Users", list);
    for (r = store_query(rq->tx, &q,
                         "SELECT id, name, path, created, password_last_used, name_lc FROM iam_user "
                         "WHERE account = ?1 AND substr(path, 1, length(?2)) = ?2 AND name_lc > ?3 "
                         "ORDER BY name_lc LIMIT ?4",
                         "sssi", rq->caller->account, prefix ? prefix : "/", pg.after, pg.max + 1);
         r > 0; r = store_next(q)) {
        struct iam_entity e = { .kind = IAM_USER };
        json_t *u;
        if (n == pg.max) {
            truncated = 1;
            break;
        }
        snprintf(e.id, sizeof(e.id), "%s", store_col_text(q, 0));
        snprintf(e.name, sizeof(e.name), "%s", store_col_text(q, 1));
        snprintf(e.path, sizeof(e.path), "%s", store_col_text(q, 2));
        e.created = store_col_int(q, 3);
        iam_arn(e.arn, sizeof(e.arn), rq->caller->account, IAM_USER, e.path, e.name);
        u = iam_user_json(&e);
        if (!store_col_is_null(q, 4))
            json_object_set_new(u, "PasswordLastUsed", json_integer(store_col_int(q, 4)));
        json_array_append_new(list, u);
        snprintf(last, sizeof(last), "%s", store_col_text(q, 5));
        n++;
    }
    store_rows_done(q);
    iam_page_done(&pg);
    if (r < 0) {
        json_decref(out);
        return iam_err_store(err, r);
    }
    iam_page_end(out, truncated, last);
    rq->out = out;
    return 0;
}

IAM_HANDLER(UpdateUser)
{
    const char *name = iam_in_str(rq, "UserName");
    const char *new_name = iam_in_str(rq, "NewUserName");
    const char *new_path = iam_in_str(rq, "NewPath");
    struct iam_entity e, other;
    char arn[IAM_ARN_MAX + 1];
    int r;

    r = iam_entity_find(rq, IAM_USER, name, &e, err);
    if (r < 0)
        return r;
    if (new_name && strcasecmp(new_name, e.name) != 0) {
        r = iam_entity_lookup(rq->tx, rq->caller->account, IAM_USER, new_name, &other);
        if (r == 0)
            return iam_err_exists(err, "User with name %s already exists.", new_name);
        if (r != -ENOENT)
            return iam_err_store(err, r);
    }
    if (iam_arn(arn, sizeof(arn), rq->caller->account, IAM_USER, new_path ? new_path : e.path,
                new_name ? new_name : e.name) < 0)
        return iam_err_invalid(err, "The specified value for path is invalid.");
    r = store_exec(rq->tx, "UPDATE iam_user SET name = coalesce(?2, name), name_lc = lower(coalesce(?2, name)), "
                   "path = coalesce(?3, path) WHERE id = ?1", "sss", e.id, new_name, new_path);
    if (r == -EEXIST)
        return iam_err_exists(err, "User with name %s already exists.", new_name);
    return r < 0 ? iam_err_store(err, r) : 0;
}

IAM_HANDLER(DeleteUser)
{
    struct iam_entity e;
    struct store_rows *q = NULL;
    int r;

    r = iam_entity_find(rq, IAM_USER, iam_in_str(rq, "UserName"), &e, err);
    if (r < 0)
        return r;
    if ((r = iam_login_exists(rq->tx, e.id)) != 0)
        return r < 0 ? iam_err_store(err, r)
                     : iam_err_conflict(err, "Cannot delete entity, must delete login profile first.");
    if ((r = iam_user_key_count(rq->tx, rq->caller->account, e.id)) != 0)
        return r < 0 ? iam_err_store(err, r)
                     : iam_err_conflict(err, "Cannot delete entity, must delete access keys first.");
    r = store_query(rq->tx, &q, "SELECT 1 FROM iam_group_member WHERE user_id = ?1", "s", e.id);
    store_rows_done(q);
    if (r != 0)
        return r < 0 ? iam_err_store(err, r)
                     : iam_err_conflict(err, "Cannot delete entity, must remove users from group first.");
    if ((r = iam_attached_count(rq->tx, e.id)) != 0)
        return r < 0 ? iam_err_store(err, r)
                     : iam_err_conflict(err, "Cannot delete entity, must detach all policies first.");
    if ((r = iam_inline_count(rq->tx, e.id)) != 0)
        return r < 0 ? iam_err_store(err, r)
                     : iam_err_conflict(err, "Cannot delete entity, must delete policies first.");
    if ((r = iam_tags_drop(rq->tx, e.id)) < 0 ||
        (r = store_exec(rq->tx, "DELETE FROM iam_user WHERE id = ?1", "s", e.id)) < 0)
        return iam_err_store(err, r);
    return 0;
}

IAM_HANDLER(TagUser)
{
    struct iam_entity e;
    int r = iam_entity_find(rq, IAM_USER, iam_in_str(rq, "UserName"), &e, err);

    return r < 0 ? r : iam_tags_put(rq->tx, e.id, json_object_get(rq->in, "Tags"), err);
}

IAM_HANDLER(UntagUser)
{
    struct iam_entity e;
    int r = iam_entity_find(rq, IAM_USER, iam_in_str(rq, "UserName"), &e, err);

    return r < 0 ? r : iam_tags_remove(rq->tx, e.id, json_object_get(rq->in, "TagKeys"), err);
}

IAM_HANDLER(ListUserTags)
{
    struct iam_entity e;
    int r = iam_entity_find(rq, IAM_USER, iam_in_str(rq, "UserName"), &e, err);

    return r < 0 ? r : iam_tags_list(rq, e.id, err);
}

IAM_HANDLER(PutUserPermissionsBoundary)
{
    const char *arn = iam_in_str(rq, "PermissionsBoundary");
    struct iam_entity e;
    int r;

    r = iam_entity_find(rq, IAM_USER, iam_in_str(rq, "UserName"), &e, err);
    if (r < 0)
        return r;
    if ((r = iam_boundary_check(rq, arn, err)) < 0)
        return r;
    r = store_exec(rq->tx, "UPDATE iam_user SET boundary = ?2 WHERE id = ?1", "ss", e.id, arn);
    return r < 0 ? iam_err_store(err, r) : 0;
}

IAM_HANDLER(DeleteUserPermissionsBoundary)
{
    struct iam_entity e;
    int r;

    r = iam_entity_find(rq, IAM_USER, iam_in_str(rq, "UserName"), &e, err);
    if (r < 0)
        return r;
    r = store_exec(rq->tx, "UPDATE iam_user SET boundary = NULL WHERE id = ?1", "s", e.id);
    return r < 0 ? iam_err_store(err, r) : 0;
}

int
iam_user_principal(struct store_tx *tx, const char *account, const char *user_id,
                   struct principal *ret)
{
    struct store_rows *q = NULL;
    int r;

    r = store_query(tx, &q, "SELECT name, path FROM iam_user WHERE account = ?1 AND id = ?2",
                    "ss", account, user_id);
    if (r > 0) {
        memset(ret, 0, sizeof(*ret));
        ret->kind = PRINCIPAL_USER;
        snprintf(ret->account, sizeof(ret->account), "%s", account);
        snprintf(ret->name, sizeof(ret->name), "%s", store_col_text(q, 0));
        snprintf(ret->user_id, sizeof(ret->user_id), "%s", user_id);
        snprintf(ret->entity_id, sizeof(ret->entity_id), "%s", user_id);
        r = iam_arn(ret->arn, sizeof(ret->arn), account, IAM_USER, store_col_text(q, 1), ret->name);
    } else if (r == 0) {
        r = -ENOENT;
    }
    store_rows_done(q);
    return r;
}
