/* src/iam/groups.c - IAM groups and their members. Used by: iam.c. Uses: util.c, store/. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "internal.h"

IAM_HANDLER(CreateGroup)
{
    const char *name = iam_in_str(rq, "GroupName");
    const char *path = iam_in_str(rq, "Path");
    struct iam_entity e;
    int r;

    if (!path)
        path = "/";
    r = iam_entity_lookup(rq->tx, rq->caller->account, IAM_GROUP, name, &e);
    if (r == 0)
        return iam_err_exists(err, "Group with name %s already exists.", name);
    if (r != -ENOENT)
        return iam_err_store(err, r);
    r = iam_entity_count(rq->tx, rq->caller->account, IAM_GROUP);
    if (r < 0)
        return iam_err_store(err, r);
    if (r >= IAM_GROUPS_QUOTA)
        return iam_err_limit(err, "Cannot exceed quota for GroupsPerAccount: %d", IAM_GROUPS_QUOTA);
    memset(&e, 0, sizeof(e));
    e.kind = IAM_GROUP;
    snprintf(e.name, sizeof(e.name), "%s", name);
    snprintf(e.path, sizeof(e.path), "%s", path);
    e.created = rq->now;
    if (iam_arn(e.arn, sizeof(e.arn), rq->caller->account, IAM_GROUP, path, name) < 0)
        return iam_err_invalid(err, "The specified value for path is invalid.");
    if ((r = iam_new_id(rq->tx, "AGPA", e.id)) < 0)
        return iam_err_store(err, r);
    r = store_exec(rq->tx, "INSERT INTO iam_group (id, account, name, name_lc, path, created) "
                   "VALUES (?1, ?2, ?3, lower(?3), ?4, ?5)",
                   "ssssi", e.id, rq->caller->account, name, path, (int64_t) e.created);
    if (r == -EEXIST)
        return iam_err_exists(err, "Group with name %s already exists.", name);
    if (r < 0)
        return iam_err_store(err, r);
    rq->out = json_pack("{s:o}", "Group", iam_group_json(&e));
    return 0;
}

/* A page of users from a query whose columns are id, name, path, created, sort key. */
static int
user_page(struct req *rq, json_t *out, const char *member, const char *sql,
          const char *a1, const char *a2, struct iam_page *pg, struct aerr *err)
{
    struct store_rows *q = NULL;
    json_t *list = json_array();
    int64_t n = 0;
    int r, truncated = 0;
    char last[IAM_NAME_MAX + 1] = "";

    json_object_set_new(out, member, list);
    for (r = store_query(rq->tx, &q, sql, "sssi", a1, a2, pg->after, pg->max + 1); r > 0; r = store_next(q)) {
        struct iam_entity e = { .kind = IAM_USER };
        if (n == pg->max) {
            truncated = 1;
            break;
        }
        snprintf(e.id, sizeof(e.id), "%s", store_col_text(q, 0));
        snprintf(e.name, sizeof(e.name), "%s", store_col_text(q, 1));
        snprintf(e.path, sizeof(e.path), "%s", store_col_text(q, 2));
        e.created = store_col_int(q, 3);
        iam_arn(e.arn, sizeof(e.arn), rq->caller->account, IAM_USER, e.path, e.name);
        json_array_append_new(list, iam_user_json(&e));
        snprintf(last, sizeof(last), "%s", store_col_text(q, 4));
        n++;
    }
    store_rows_done(q);
    if (r < 0)
        return iam_err_store(err, r);
    iam_page_end(out, truncated, last);
    return 0;
}

IAM_HANDLER(GetGroup)
{
    struct iam_entity g;
    struct iam_page pg;
    json_t *out;
    int r;

    r = iam_entity_find(rq, IAM_GROUP, iam_in_str(rq, "GroupName"), &g, err);
    if (r < 0)
        return r;
    if ((r = iam_page_begin(rq, IAM_DEFAULT_MAX_ITEMS, &pg, err)) < 0)
        return r;
    out = json_pack("{s:o}", "Group", iam_group_json(&g));
    r = user_page(rq, out, "Users",
                  "SELECT u.id, u.name, u.path, u.created, u.name_lc FROM iam_group_member m "
                  "JOIN iam_user u ON u.id = m.user_id WHERE m.group_id = ?1 AND ?2 IS NULL AND u.name_lc > ?3 "
                  "ORDER BY u.name_lc LIMIT ?4", g.id, NULL, &pg, err);
    iam_page_done(&pg);
    if (r < 0) {
        json_decref(out);
        return r;
    }
    rq->out = out;
    return 0;
}

/* A page of groups from a query whose columns are id, name, path, created, sort key, with
 * ?1 and ?2 bound to a1, a2, ?3 the marker and ?4 the limit. */
static int
group_page(struct req *rq, const char *sql, const char *a1, const char *a2, struct aerr *err)
{
    struct store_rows *q = NULL;
    struct iam_page pg;
    json_t *out, *list;
    int64_t n = 0;
    int r, truncated = 0;
    char last[IAM_NAME_MAX + 1] = "";

    if ((r = iam_page_begin(rq, IAM_DEFAULT_MAX_ITEMS, &pg, err)) < 0)
        return r;
    out = json_object();
    list = json_array();
    json_object_set_new(out, "Groups", list);
    for (r = store_query(rq->tx, &q, sql, "sssi", a1, a2, pg.after, pg.max + 1); r > 0; r = store_next(q)) {
        struct iam_entity e = { .kind = IAM_GROUP };
        if (n == pg.max) {
            truncated = 1;
            break;
        }
        snprintf(e.id, sizeof(e.id), "%s", store_col_text(q, 0));
        snprintf(e.name, sizeof(e.name), "%s", store_col_text(q, 1));
        snprintf(e.path, sizeof(e.path), "%s", store_col_text(q, 2));
        e.created = store_col_int(q, 3);
        iam_arn(e.arn, sizeof(e.arn), rq->caller->account, IAM_GROUP, e.path, e.name);
        json_array_append_new(list, iam_group_json(&e));
        snprintf(last, sizeof(last), "%s", store_col_text(q, 4));
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

IAM_HANDLER(ListGroups)
{
    const char *prefix = iam_in_str(rq, "PathPrefix");

    return group_page(rq, "SELECT id, name, path, created, name_lc FROM iam_group WHERE account = ?1 "
                      "AND substr(path, 1, length(?2)) = ?2 AND name_lc > ?3 ORDER BY name_lc LIMIT ?4",
                      rq->caller->account, prefix ? prefix : "/", err);
}

IAM_HANDLER(ListGroupsForUser)
{
    struct iam_entity u;
    int r = iam_entity_find(rq, IAM_USER, iam_in_str(rq, "UserName"), &u, err);

    if (r < 0)
        return r;
    return group_page(rq, "SELECT g.id, g.name, g.path, g.created, g.name_lc FROM iam_group_member m "
                      "JOIN iam_group g ON g.id = m.group_id WHERE m.user_id = ?1 AND ?2 IS NULL "
                      "AND g.name_lc > ?3 ORDER BY g.name_lc LIMIT ?4", u.id, NULL, err);
}

IAM_HANDLER(UpdateGroup)
{
    const char *new_name = iam_in_str(rq, "NewGroupName");
    const char *new_path = iam_in_str(rq, "NewPath");
    struct iam_entity g, other;
    char arn[IAM_ARN_MAX + 1];
    int r;

    r = iam_entity_find(rq, IAM_GROUP, iam_in_str(rq, "GroupName"), &g, err);
    if (r < 0)
        return r;
    if (new_name && strcasecmp(new_name, g.name) != 0) {
        r = iam_entity_lookup(rq->tx, rq->caller->account, IAM_GROUP, new_name, &other);
        if (r == 0)
            return iam_err_exists(err, "Group with name %s already exists.", new_name);
        if (r != -ENOENT)
            return iam_err_store(err, r);
    }
    if (iam_arn(arn, sizeof(arn), rq->caller->account, IAM_GROUP, new_path ? new_path : g.path,
                new_name ? new_name : g.name) < 0)
        return iam_err_invalid(err, "The specified value for path is invalid.");
    r = store_exec(rq->tx, "UPDATE iam_group SET name = coalesce(?2, name), name_lc = lower(coalesce(?2, name)), "
                   "path = coalesce(?3, path) WHERE id = ?1", "sss", g.id, new_name, new_path);
    if (r == -EEXIST)
        return iam_err_exists(err, "Group with name %s already exists.", new_name);
    return r < 0 ? iam_err_store(err, r) : 0;
}

IAM_HANDLER(DeleteGroup)
{
    struct store_rows *q = NULL;
    struct iam_entity g;
    int r;

    r = iam_entity_find(rq, IAM_GROUP, iam_in_str(rq, "GroupName"), &g, err);
    if (r < 0)
        return r;
    r = store_query(rq->tx, &q, "SELECT 1 FROM iam_group_member WHERE group_id = ?1", "s", g.id);
    store_rows_done(q);
    if (r != 0)
        return r < 0 ? iam_err_store(err, r)
                     : iam_err_conflict(err, "Cannot delete entity, must remove users from group first.");
    if ((r = iam_attached_count(rq->tx, g.id)) != 0)
        return r < 0 ? iam_err_store(err, r)
                     : iam_err_conflict(err, "Cannot delete entity, must detach all policies first.");
    if ((r = iam_inline_count(rq->tx, g.id)) != 0)
        return r < 0 ? iam_err_store(err, r)
                     : iam_err_conflict(err, "Cannot delete entity, must delete policies first.");
    r = store_exec(rq->tx, "DELETE FROM iam_group WHERE id = ?1", "s", g.id);
    return r < 0 ? iam_err_store(err, r) : 0;
}

IAM_HANDLER(AddUserToGroup)
{
    struct store_rows *q = NULL;
    struct iam_entity g, u;
    int r;

    r = iam_entity_find(rq, IAM_GROUP, iam_in_str(rq, "GroupName"), &g, err);
    if (r < 0)
        return r;
    r = iam_entity_find(rq, IAM_USER, iam_in_str(rq, "UserName"), &u, err);
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

    r = iam_entity_find(rq, IAM_GROUP, iam_in_str(rq, "GroupName"), &g, err);
    if (r < 0)
        return r;
    r = iam_entity_find(rq, IAM_USER, iam_in_str(rq, "UserName"), &u, err);
    if (r < 0)
        return r;
    r = store_exec(rq->tx, "DELETE FROM iam_group_member WHERE group_id = ?1 AND user_id = ?2", "ss", g.id, u.id);
    if (r < 0)
        return iam_err_store(err, r);
    if (r == 0)
        return iam_err_nosuch(err, "The user with name %s cannot be found.", iam_in_str(rq, "UserName"));
    return 0;
}
