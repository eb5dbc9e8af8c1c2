/* src/iam/profiles.c - instance profiles (containers for one role, passed to instances).
 * Used by: iam.c, summary.c. Uses: roles.c (role trees), util.c, store/. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "internal.h"

json_t *
iam_profile_json(struct store_tx *tx, const struct iam_entity *e, int with_tags)
{
    struct store_rows *q = NULL;
    json_t *o, *roles = json_array();
    int r;

    o = json_pack("{s:s, s:s, s:s, s:s, s:I, s:o}", "Path", e->path, "InstanceProfileName", e->name,
                  "InstanceProfileId", e->id, "Arn", e->arn, "CreateDate", (json_int_t) e->created,
                  "Roles", roles);
    if (!o)
        return NULL;
    for (r = store_query(tx, &q, "SELECT r.id, r.name, r.path, r.created, a.account FROM iam_profile_role p "
                         "JOIN iam_role r ON r.id = p.role_id JOIN iam_instance_profile a ON a.id = p.profile_id "
                         "WHERE p.profile_id = ?1 ORDER BY r.name_lc", "s", e->id);
         r > 0; r = store_next(q)) {
        struct iam_entity re;
        json_t *ro;
        iam_entity_from_row(q, store_col_text(q, 4), IAM_ROLE, &re);
        ro = iam_role_json(tx, &re, 0);
        if (!ro) {
            r = -EIO;
            break;
        }
        json_object_del(ro, "Tags");
        json_array_append_new(roles, ro);
    }
    store_rows_done(q);
    if (r < 0) {
        json_decref(o);
        return NULL;
    }
    if (with_tags)
        (void) iam_tags_member(tx, e->id, o);
    return o;
}

/* {"InstanceProfile": ...} of e with its roles and tags as rq->out. */
static int
answer_profile(struct req *rq, const struct iam_entity *e, struct aerr *err)
{
    rq->out = json_pack("{s:o}", "InstanceProfile", iam_profile_json(rq->tx, e, 1));
    return rq->out ? 0 : iam_err_store(err, -EIO);
}

IAM_HANDLER(CreateInstanceProfile)
{
    const char *path = iam_in_str(rq, "Path");
    struct iam_entity e;
    int r;

    r = iam_entity_create(rq, IAM_PROFILE, iam_in_str(rq, "InstanceProfileName"), path ? path : "/", &e, err);
    if (r < 0)
        return r;
    if ((r = iam_tags_put(rq->tx, e.id, json_object_get(rq->in, "Tags"), err)) < 0)
        return r;
    return answer_profile(rq, &e, err);
}

IAM_HANDLER(GetInstanceProfile)
{
    struct iam_entity e;
    int r = iam_entity_find_in(rq, IAM_PROFILE, &e, err);

    return r < 0 ? r : answer_profile(rq, &e, err);
}

/* A profile of a list (with its roles, without tags): columns id, name, path, created. */
static int
profile_item(struct req *rq, struct store_rows *q, json_t *list, const void *ud)
{
    struct iam_entity e;
    json_t *p;

    (void) ud;
    iam_entity_from_row(q, rq->caller->account, IAM_PROFILE, &e);
    p = iam_profile_json(rq->tx, &e, 0);
    if (!p)
        return -EIO;
    json_array_append_new(list, p);
    return 0;
}

IAM_HANDLER(ListInstanceProfiles)
{
    const char *prefix = iam_in_str(rq, "PathPrefix");

    return iam_list_rows(rq, &(struct iam_rows){ "InstanceProfiles",
                         "SELECT id, name, path, created, name_lc FROM iam_instance_profile WHERE account = ?1 "
                         "AND substr(path, 1, length(?2)) = ?2 AND name_lc > ?4 ORDER BY name_lc LIMIT ?6",
                         { rq->caller->account, prefix ? prefix : "/" }, 4, profile_item, NULL }, err);
}

IAM_HANDLER(ListInstanceProfilesForRole)
{
    struct iam_entity role;
    int r = iam_entity_find_in(rq, IAM_ROLE, &role, err);

    if (r < 0)
        return r;
    return iam_list_rows(rq, &(struct iam_rows){ "InstanceProfiles",
                         "SELECT i.id, i.name, i.path, i.created, i.name_lc FROM iam_profile_role p "
                         "JOIN iam_instance_profile i ON i.id = p.profile_id "
                         "WHERE p.role_id = ?1 AND i.name_lc > ?4 ORDER BY i.name_lc LIMIT ?6",
                         { role.id }, 4, profile_item, NULL }, err);
}

IAM_HANDLER(DeleteInstanceProfile)
{
    struct iam_entity e;
    int r = iam_entity_find_in(rq, IAM_PROFILE, &e, err);

    if (r < 0)
        return r;
    if ((r = iam_entity_unused(rq->tx, "SELECT 1 FROM iam_profile_role WHERE profile_id = ?1", e.id,
                               "remove roles from instance profile", err)) < 0)
        return r;
    return iam_entity_drop(rq->tx, &e, err);
}

IAM_HANDLER(AddRoleToInstanceProfile)
{
    struct store_rows *q = NULL;
    struct iam_entity p, role;
    int64_t n = 0;
    int r;

    r = iam_entity_find_in(rq, IAM_PROFILE, &p, err);
    if (r < 0)
        return r;
    r = iam_entity_find_in(rq, IAM_ROLE, &role, err);
    if (r < 0)
        return r;
    r = store_query(rq->tx, &q, "SELECT count(*) FROM iam_profile_role WHERE profile_id = ?1", "s", p.id);
    if (r > 0)
        n = store_col_int(q, 0);
    store_rows_done(q);
    if (r < 0)
        return iam_err_store(err, r);
    if (n >= IAM_MAX_PROFILE_ROLES)
        return iam_err_limit(err, "Cannot exceed quota for InstanceSessionsPerInstanceProfile: %d",
                             IAM_MAX_PROFILE_ROLES);
    r = store_exec(rq->tx, "INSERT INTO iam_profile_role (profile_id, role_id) VALUES (?1, ?2)", "ss", p.id, role.id);
    return r < 0 ? iam_err_store(err, r) : 0;
}

IAM_HANDLER(RemoveRoleFromInstanceProfile)
{
    const char *rname = iam_in_str(rq, "RoleName");
    struct iam_entity p, role;
    int r;

    r = iam_entity_find_in(rq, IAM_PROFILE, &p, err);
    if (r < 0)
        return r;
    r = iam_entity_find(rq, IAM_ROLE, rname, &role, err);
    if (r < 0)
        return r;
    r = store_exec(rq->tx, "DELETE FROM iam_profile_role WHERE profile_id = ?1 AND role_id = ?2", "ss", p.id, role.id);
    if (r < 0)
        return iam_err_store(err, r);
    if (r == 0)
        return iam_err_nosuch(err, "The role with name %s cannot be found.", rname);
    return 0;
}

IAM_HANDLER(TagInstanceProfile)
{
    return iam_entity_tag(rq, IAM_PROFILE, err);
}

IAM_HANDLER(UntagInstanceProfile)
{
    return iam_entity_untag(rq, IAM_PROFILE, err);
}

IAM_HANDLER(ListInstanceProfileTags)
{
    return iam_entity_list_tags(rq, IAM_PROFILE, err);
}
