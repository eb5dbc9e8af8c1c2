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
        struct iam_entity re = { .kind = IAM_ROLE };
        json_t *ro;
        snprintf(re.id, sizeof(re.id), "%s", store_col_text(q, 0));
        snprintf(re.name, sizeof(re.name), "%s", store_col_text(q, 1));
        snprintf(re.path, sizeof(re.path), "%s", store_col_text(q, 2));
        re.created = store_col_int(q, 3);
        iam_arn(re.arn, sizeof(re.arn), store_col_text(q, 4), IAM_ROLE, re.path, re.name);
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
    if (with_tags) {
        json_t *tags = iam_tags_json(tx, e->id);
        if (tags && json_array_size(tags))
            json_object_set_new(o, "Tags", tags);
        else
            json_decref(tags);
    }
    return o;
}

IAM_HANDLER(CreateInstanceProfile)
{
    const char *name = iam_in_str(rq, "InstanceProfileName");
    const char *path = iam_in_str(rq, "Path");
    struct iam_entity e;
    int r;

    if (!path)
        path = "/";
    r = iam_entity_lookup(rq->tx, rq->caller->account, IAM_PROFILE, name, &e);
    if (r == 0)
        return iam_err_exists(err, "Instance Profile %s already exists.", name);
    if (r != -ENOENT)
        return iam_err_store(err, r);
    r = iam_entity_count(rq->tx, rq->caller->account, IAM_PROFILE);
    if (r < 0)
        return iam_err_store(err, r);
    if (r >= IAM_PROFILES_QUOTA)
        return iam_err_limit(err, "Cannot exceed quota for InstanceProfilesPerAccount: %d", IAM_PROFILES_QUOTA);
    memset(&e, 0, sizeof(e));
    e.kind = IAM_PROFILE;
    snprintf(e.name, sizeof(e.name), "%s", name);
    snprintf(e.path, sizeof(e.path), "%s", path);
    e.created = rq->now;
    if (iam_arn(e.arn, sizeof(e.arn), rq->caller->account, IAM_PROFILE, path, name) < 0)
        return iam_err_invalid(err, "The specified value for path is invalid.");
    if ((r = iam_new_id(rq->tx, "AIPA", e.id)) < 0)
        return iam_err_store(err, r);
    r = store_exec(rq->tx, "INSERT INTO iam_instance_profile (id, account, name, name_lc, path, created) "
                   "VALUES (?1, ?2, ?3, lower(?3), ?4, ?5)",
                   "ssssi", e.id, rq->caller->account, name, path, (int64_t) e.created);
    if (r == -EEXIST)
        return iam_err_exists(err, "Instance Profile %s already exists.", name);
    if (r < 0)
        return iam_err_store(err, r);
    if ((r = iam_tags_put(rq->tx, e.id, json_object_get(rq->in, "Tags"), err)) < 0)
        return r;
    rq->out = json_pack("{s:o}", "InstanceProfile", iam_profile_json(rq->tx, &e, 1));
    return rq->out ? 0 : iam_err_store(err, -EIO);
}

IAM_HANDLER(GetInstanceProfile)
{
    struct iam_entity e;
    int r = iam_entity_find(rq, IAM_PROFILE, iam_in_str(rq, "InstanceProfileName"), &e, err);

    if (r < 0)
        return r;
    rq->out = json_pack("{s:o}", "InstanceProfile", iam_profile_json(rq->tx, &e, 1));
    return rq->out ? 0 : iam_err_store(err, -EIO);
}

/* A page of profiles: sql selects id, name, path, created, sort key with ?1 ?2 given,
 * ?3 the marker, ?4 the limit. */
static int
profile_page(struct req *rq, const char *sql, const char *a1, const char *a2, struct aerr *err)
{
    struct store_rows *q = NULL;
    struct iam_page pg;
    json_t *out, *list, *ents;
    int64_t n = 0;
    size_t i;
    int r, truncated = 0;
    char last[IAM_NAME_MAX + 1] = "";

    if ((r = iam_page_begin(rq, IAM_DEFAULT_MAX_ITEMS, &pg, err)) < 0)
        return r;
    out = json_object();
    list = json_array();
    ents = json_array();
    json_object_set_new(out, "InstanceProfiles", list);
    for (r = store_query(rq->tx, &q, sql, "sssi", a1, a2, pg.after, pg.max + 1); r > 0; r = store_next(q)) {
        json_t *e;
        if (n == pg.max) {
            truncated = 1;
            break;
        }
        e = json_pack("{s:s, s:s, s:s, s:I}", "id", store_col_text(q, 0), "name", store_col_text(q, 1),
                      "path", store_col_text(q, 2), "created", (json_int_t) store_col_int(q, 3));
        json_array_append_new(ents, e);
        snprintf(last, sizeof(last), "%s", store_col_text(q, 4));
        n++;
    }
    store_rows_done(q);
    iam_page_done(&pg);
    for (i = 0; r >= 0 && i < json_array_size(ents); i++) {
        json_t *o = json_array_get(ents, i), *p;
        struct iam_entity e = { .kind = IAM_PROFILE };
        snprintf(e.id, sizeof(e.id), "%s", json_string_value(json_object_get(o, "id")));
        snprintf(e.name, sizeof(e.name), "%s", json_string_value(json_object_get(o, "name")));
        snprintf(e.path, sizeof(e.path), "%s", json_string_value(json_object_get(o, "path")));
        e.created = json_integer_value(json_object_get(o, "created"));
        iam_arn(e.arn, sizeof(e.arn), rq->caller->account, IAM_PROFILE, e.path, e.name);
        p = iam_profile_json(rq->tx, &e, 0);
        if (!p)
            r = -EIO;
        else
            json_array_append_new(list, p);
    }
    json_decref(ents);
    if (r < 0) {
        json_decref(out);
        return iam_err_store(err, r);
    }
    iam_page_end(out, truncated, last);
    rq->out = out;
    return 0;
}

IAM_HANDLER(ListInstanceProfiles)
{
    const char *prefix = iam_in_str(rq, "PathPrefix");

    return profile_page(rq, "SELECT id, name, path, created, name_lc FROM iam_instance_profile WHERE account = ?1 "
                        "AND substr(path, 1, length(?2)) = ?2 AND name_lc > ?3 ORDER BY name_lc LIMIT ?4",
                        rq->caller->account, prefix ? prefix : "/", err);
}

IAM_HANDLER(ListInstanceProfilesForRole)
{
    struct iam_entity role;
    int r = iam_entity_find(rq, IAM_ROLE, iam_in_str(rq, "RoleName"), &role, err);

    if (r < 0)
        return r;
    return profile_page(rq, "SELECT i.id, i.name, i.path, i.created, i.name_lc FROM iam_profile_role p "
                        "JOIN iam_instance_profile i ON i.id = p.profile_id WHERE p.role_id = ?1 AND ?2 IS NULL "
                        "AND i.name_lc > ?3 ORDER BY i.name_lc LIMIT ?4", role.id, NULL, err);
}

IAM_HANDLER(DeleteInstanceProfile)
{
    struct store_rows *q = NULL;
    struct iam_entity e;
    int r = iam_entity_find(rq, IAM_PROFILE, iam_in_str(rq, "InstanceProfileName"), &e, err);

    if (r < 0)
        return r;
    r = store_query(rq->tx, &q, "SELECT 1 FROM iam_profile_role WHERE profile_id = ?1", "s", e.id);
    store_rows_done(q);
    if (r != 0)
        return r < 0 ? iam_err_store(err, r)
                     : iam_err_conflict(err, "Cannot delete entity, must remove roles from instance profile first.");
    if ((r = iam_tags_drop(rq->tx, e.id)) < 0 ||
        (r = store_exec(rq->tx, "DELETE FROM iam_instance_profile WHERE id = ?1", "s", e.id)) < 0)
        return iam_err_store(err, r);
    return 0;
}

IAM_HANDLER(AddRoleToInstanceProfile)
{
    struct store_rows *q = NULL;
    struct iam_entity p, role;
    int64_t n = 0;
    int r;

    r = iam_entity_find(rq, IAM_PROFILE, iam_in_str(rq, "InstanceProfileName"), &p, err);
    if (r < 0)
        return r;
    r = iam_entity_find(rq, IAM_ROLE, iam_in_str(rq, "RoleName"), &role, err);
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

    r = iam_entity_find(rq, IAM_PROFILE, iam_in_str(rq, "InstanceProfileName"), &p, err);
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
    struct iam_entity e;
    int r = iam_entity_find(rq, IAM_PROFILE, iam_in_str(rq, "InstanceProfileName"), &e, err);

    return r < 0 ? r : iam_tags_put(rq->tx, e.id, json_object_get(rq->in, "Tags"), err);
}

IAM_HANDLER(UntagInstanceProfile)
{
    struct iam_entity e;
    int r = iam_entity_find(rq, IAM_PROFILE, iam_in_str(rq, "InstanceProfileName"), &e, err);

    return r < 0 ? r : iam_tags_remove(rq->tx, e.id, json_object_get(rq->in, "TagKeys"), err);
}

IAM_HANDLER(ListInstanceProfileTags)
{
    struct iam_entity e;
    int r = iam_entity_find(rq, IAM_PROFILE, iam_in_str(rq, "InstanceProfileName"), &e, err);

    return r < 0 ? r : iam_tags_list(rq, e.id, err);
}
