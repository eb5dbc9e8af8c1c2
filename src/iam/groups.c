/* src/iam/groups.c - IAM groups and their members. Used by: iam.c. Uses: util.c, store/. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "internal.h"

IAM_HANDLER(CreateGroup)
{
    const char *path = iam_in_str(rq, "Path");
    struct iam_entity e;
    int r;

    r = iam_entity_create(rq, IAM_GROUP, iam_in_str(rq, "GroupName"), path ? path : "/", &e, err);
    if (r < 0)
        return r;
    rq->out = json_pack("{s:o}", "Group", iam_group_json(&e));
    return 0;
}

static const enum iam_kind user_kind = IAM_USER, group_kind = IAM_GROUP;

/* A user (GetGroup) or group (ListGroups...) of a list, as ud says: columns id, name, path,
 * created. */
static int
entity_item(struct req *rq, struct store_rows *q, json_t *list, const void *ud)
{
    enum iam_kind kind = *(const enum iam_kind *) ud;
    struct iam_entity e;

    iam_entity_from_row(q, rq->caller->account, kind, &e);
    json_array_append_new(list, kind == IAM_USER ? iam_user_json(&e) : iam_group_json(&e));
    return 0;
}

IAM_HANDLER(GetGroup)
{
    struct iam_entity g;
    json_t *out;
    int r;

    r = iam_entity_find_in(rq, IAM_GROUP, &g, err);
    if (r < 0)
        return r;
    out = json_pack("{s:o}", "Group", iam_group_json(&g));
    r = iam_page_rows(rq, out, &(struct iam_rows){ "Users",
                      "SELECT u.id, u.name, u.path, u.created, u.name_lc FROM iam_group_member m "
                      "JOIN iam_user u ON u.id = m.user_id WHERE m.group_id = ?1 AND u.name_lc > ?4 "
                      "ORDER BY u.name_lc LIMIT ?6", { g.id }, 4, entity_item, &user_kind }, err);
    if (r < 0) {
        json_decref(out);
        return r;
    }
    rq->out = out;
    return 0;
}

IAM_HANDLER(ListGroups)
{
    const char *prefix = iam_in_str(rq, "PathPrefix");

    return iam_list_rows(rq, &(struct iam_rows){ "Groups",
                         "SELECT id, name, path, created, name_lc FROM iam_group WHERE account = ?1 "
                         "AND substr(path, 1, length(?2)) = ?2 AND name_lc > ?4 ORDER BY name_lc LIMIT ?6",
                         { rq->caller->account, prefix ? prefix : "/" }, 4, entity_item, &group_kind }, err);
}

IAM_HANDLER(ListGroupsForUser)
{
    struct iam_entity u;
    int r = iam_entity_find_in(rq, IAM_USER, &u, err);

    if (r < 0)
        return r;
    return iam_list_rows(rq, &(struct iam_rows){ "Groups",
                         "SELECT g.id, g.name, g.path, g.created, g.name_lc FROM iam_group_member m "
                         "JOIN iam_group g ON g.id = m.group_id WHERE m.user_id = ?1 "
                         "AND g.name_lc > ?4 ORDER BY g.name_lc LIMIT ?6", { u.id }, 4, entity_item, &group_kind }, err);
}

IAM_HANDLER(UpdateGroup)
{
    return iam_entity_update(rq, IAM_GROUP, "NewGroupName", err);
}

IAM_HANDLER(DeleteGroup)
{
    struct iam_entity g;
    int r;

    r = iam_entity_find_in(rq, IAM_GROUP, &g, err);
    if (r < 0)
        return r;
    if ((r = iam_entity_unused(rq->tx, "SELECT 1 FROM iam_group_member WHERE group_id = ?1", g.id,
                               "remove users from group", err)) < 0 ||
        (r = iam_entity_policies_gone(rq->tx, g.id, err)) < 0)
        return r;
    return iam_entity_drop(rq->tx, &g, err);
}

IAM_HANDLER(AddUserToGroup)
{
    struct store_rows *q = NULL;
    struct iam_entity g, u;
    int r;

    r = iam_entity_find_in(rq, IAM_GROUP, &g, err);
    if (r < 0)
        return r;
    r = iam_entity_find_in(rq, IAM_USER, &u, err);
    if (r < 0)
        return r;
    r = store_query(rq->tx, &q, "SELECT count(*), sum(group_id = ?2) FROM iam_group_member WHERE user_id = ?1",
                    "ss", u.id, g.id);
    if (r > 0) {
        int64_t n = store_col_int(q, 0), here = store_col_int(q, 1);
        store_rows_done(q);
        if (here)
            return 0;
        if (n >= IAM_MAX_GROUPS_PER_USER)
            return iam_err_limit(err, "Cannot exceed quota for GroupsPerUser: %d", IAM_MAX_GROUPS_PER_USER);
    } else {
        store_rows_done(q);
        if (r < 0)
            return iam_err_store(err, r);
    }
    r = store_exec(rq->tx, "INSERT OR IGNORE INTO iam_group_member (group_id, user_id) VALUES (?1, ?2)",
                   "ss", g.id, u.id);
    return r < 0 ? iam_err_store(err, r) : 0;
}

IAM_HANDLER(RemoveUserFromGroup)
{
    struct iam_entity g, u;
    int r;

    r = iam_entity_find_in(rq, IAM_GROUP, &g, err);
    if (r < 0)
        return r;
    r = iam_entity_find_in(rq, IAM_USER, &u, err);
    if (r < 0)
        return r;
    r = store_exec(rq->tx, "DELETE FROM iam_group_member WHERE group_id = ?1 AND user_id = ?2", "ss", g.id, u.id);
    if (r < 0)
        return iam_err_store(err, r);
    if (r == 0)
        return iam_err_nosuch(err, "The user with name %s cannot be found.", iam_in_str(rq, "UserName"));
    return 0;
}
