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
    return iam_tags_member(tx, id, u);
}

/* {"User": ...} of e with GetUser's extra members as rq->out. */
static int
answer_user(struct req *rq, const struct iam_entity *e, struct aerr *err)
{
    json_t *u = iam_user_json(e);

    if (user_extras(rq->tx, e->id, u) < 0) {
        json_decref(u);
        return iam_err_store(err, -EIO);
    }
    rq->out = json_pack("{s:o}", "User", u);
    return 0;
}

IAM_HANDLER(CreateUser)
{
    const char *name = iam_in_str(rq, "UserName");
    const char *path = iam_in_str(rq, "Path");
    const char *boundary = iam_in_str(rq, "PermissionsBoundary");
    struct iam_entity e;
    int r;

    if (!path)
        path = "/";
    if ((r = iam_entity_name_free(rq, IAM_USER, name, err)) < 0 || (r = iam_entity_quota(rq, IAM_USER, err)) < 0)
        return r;
    if (boundary && (r = iam_boundary_check(rq, boundary, err)) < 0)
        return r;
    if ((r = iam_entity_init(rq, IAM_USER, name, path, &e, err)) < 0)
        return r;
    r = store_exec(rq->tx, "INSERT INTO iam_user (id, account, name, name_lc, path, created, boundary) "
                   "VALUES (?1, ?2, ?3, lower(?3), ?4, ?5, ?6)",
                   "ssssis", e.id, rq->caller->account, name, path, (int64_t) e.created, boundary);
    if ((r = iam_entity_stored(r, IAM_USER, name, err)) < 0)
        return r;
    if ((r = iam_tags_put(rq->tx, e.id, json_object_get(rq->in, "Tags"), err)) < 0)
        return r;
    return answer_user(rq, &e, err);
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
    int r, root;

    r = iam_user_or_caller(rq, &name, &root, err);
    if (r < 0)
        return r;
    if (root)
        return root_user(rq, err);
    r = iam_entity_find(rq, IAM_USER, name, &e, err);
    if (r < 0)
        return r;
    return answer_user(rq, &e, err);
}

/* ListUsers' columns: id, name, path, created, password_last_used. */
static int
user_item(struct req *rq, struct store_rows *q, json_t *list, const void *ud)
{
    struct iam_entity e;
    json_t *u;

    (void) ud;
    iam_entity_from_row(q, rq->caller->account, IAM_USER, &e);
    u = iam_user_json(&e);
    if (!store_col_is_null(q, 4))
        json_object_set_new(u, "PasswordLastUsed", json_integer(store_col_int(q, 4)));
    json_array_append_new(list, u);
    return 0;
}

IAM_HANDLER(ListUsers)
{
    const char *prefix = iam_in_str(rq, "PathPrefix");

    return iam_list_rows(rq, &(struct iam_rows){ "Users",
                         "SELECT id, name, path, created, password_last_used, name_lc FROM iam_user "
                         "WHERE account = ?1 AND substr(path, 1, length(?2)) = ?2 AND name_lc > ?4 "
                         "ORDER BY name_lc LIMIT ?6", { rq->caller->account, prefix ? prefix : "/" }, 5, user_item, NULL },
                         err);
}

IAM_HANDLER(UpdateUser)
{
    return iam_entity_update(rq, IAM_USER, "NewUserName", err);
}

IAM_HANDLER(DeleteUser)
{
    struct iam_entity e;
    int r;

    r = iam_entity_find_in(rq, IAM_USER, &e, err);
    if (r < 0)
        return r;
    if ((r = iam_entity_in_use(iam_login_exists(rq->tx, e.id), "delete login profile", err)) < 0 ||
        (r = iam_entity_in_use(iam_user_key_count(rq->tx, rq->caller->account, e.id), "delete access keys",
                               err)) < 0 ||
        (r = iam_entity_unused(rq->tx, "SELECT 1 FROM iam_group_member WHERE user_id = ?1", e.id,
                               "remove users from group", err)) < 0 ||
        (r = iam_entity_policies_gone(rq->tx, e.id, err)) < 0)
        return r;
    return iam_entity_drop(rq->tx, &e, err);
}

IAM_HANDLER(TagUser)
{
    return iam_entity_tag(rq, IAM_USER, err);
}

IAM_HANDLER(UntagUser)
{
    return iam_entity_untag(rq, IAM_USER, err);
}

IAM_HANDLER(ListUserTags)
{
    return iam_entity_list_tags(rq, IAM_USER, err);
}

IAM_HANDLER(PutUserPermissionsBoundary)
{
    const char *arn = iam_in_str(rq, "PermissionsBoundary");
    struct iam_entity e;
    int r;

    r = iam_entity_find_in(rq, IAM_USER, &e, err);
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

    r = iam_entity_find_in(rq, IAM_USER, &e, err);
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
