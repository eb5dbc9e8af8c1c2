/* src/iam/summary.c - account-wide views: GetAccountSummary (counts and quotas) and
 * GetAccountAuthorizationDetails (every user, group, role and policy with their policies).
 * Used by: iam.c. Uses: users/groups/roles/profiles/attach/inline helpers, store/. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "internal.h"

static int64_t
count(struct store_tx *tx, const char *sql, const char *account)
{
    struct store_rows *q = NULL;
    int64_t n = 0;
    int r = store_query(tx, &q, sql, "s", account);

    if (r > 0)
        n = store_col_int(q, 0);
    store_rows_done(q);
    return r < 0 ? r : n;
}

IAM_HANDLER(GetAccountSummary)
{
    struct store_tx *tx = rq->tx;
    const char *a = rq->caller->account;
    struct { const char *key; int64_t v; } items[] = {
        { "Users", count(tx, "SELECT count(*) FROM iam_user WHERE account = ?1", a) },
        { "UsersQuota", IAM_USERS_QUOTA },
        { "Groups", count(tx, "SELECT count(*) FROM iam_group WHERE account = ?1", a) },
        { "GroupsQuota", IAM_GROUPS_QUOTA },
        { "ServerCertificates", 0 },
        { "ServerCertificatesQuota", 20 },
        { "UserPolicySizeQuota", IAM_USER_INLINE_QUOTA },
        { "GroupPolicySizeQuota", IAM_GROUP_INLINE_QUOTA },
        { "GroupsPerUserQuota", IAM_MAX_GROUPS_PER_USER },
        { "SigningCertificatesPerUserQuota", 2 },
        { "AccessKeysPerUserQuota", IAM_MAX_KEYS },
        { "MFADevices", 0 },
        { "MFADevicesInUse", 0 },
        { "AccountMFAEnabled", 0 },
        { "AccountAccessKeysPresent",
          count(tx, "SELECT count(*) > 0 FROM access_key WHERE account = ?1 AND owner_kind = 'root'", a) },
        { "AccountSigningCertificatesPresent", 0 },
        { "AttachedPoliciesPerGroupQuota", IAM_MAX_ATTACHED },
        { "AttachedPoliciesPerRoleQuota", IAM_MAX_ATTACHED },
        { "AttachedPoliciesPerUserQuota", IAM_MAX_ATTACHED },
        { "Policies", count(tx, "SELECT count(*) FROM iam_policy WHERE account = ?1", a) },
        { "PoliciesQuota", IAM_POLICIES_QUOTA },
        { "PolicySizeQuota", IAM_MANAGED_QUOTA },
        { "PolicyVersionsInUse", count(tx, "SELECT count(*) FROM iam_attachment WHERE account = ?1", a) },
        { "PolicyVersionsInUseQuota", 10000 },
        { "VersionsPerPolicyQuota", IAM_MAX_VERSIONS },
        { "GlobalEndpointTokenVersion", 1 },
        { "AssumeRolePolicySizeQuota", IAM_TRUST_QUOTA },
        { "InstanceProfiles", count(tx, "SELECT count(*) FROM iam_instance_profile WHERE account = ?1", a) },
        { "InstanceProfilesQuota", IAM_PROFILES_QUOTA },
        { "Providers", 0 },
        { "RolePolicySizeQuota", IAM_ROLE_INLINE_QUOTA },
        { "Roles", count(tx, "SELECT count(*) FROM iam_role WHERE account = ?1", a) },
        { "RolesQuota", IAM_ROLES_QUOTA },
    };
    json_t *map = json_object();
    size_t i;

    for (i = 0; i < sizeof(items) / sizeof(items[0]); i++) {
        if (items[i].v < 0) {
            json_decref(map);
            return iam_err_store(err, (int) items[i].v);
        }
        json_object_set_new(map, items[i].key, json_integer(items[i].v));
    }
    rq->out = json_pack("{s:o}", "SummaryMap", map);
    return 0;
}

/* ---- GetAccountAuthorizationDetails ---- */

static void
boundary(json_t *o, const char *arn)
{
    if (arn)
        json_object_set_new(o, "PermissionsBoundary",
                            json_pack("{s:s, s:s}", "PermissionsBoundaryType", "PermissionsBoundaryPolicy",
                                      "PermissionsBoundaryArn", arn));
}

static json_t *
user_detail(struct req *rq, json_t *row)
{
    struct iam_entity e;
    struct store_rows *q = NULL;
    json_t *o, *groups = json_array();
    int r;

    iam_entity_from_json(row, rq->caller->account, IAM_USER, &e);
    o = iam_user_json(&e);
    json_object_set_new(o, "UserPolicyList", iam_inline_json(rq->tx, e.id));
    for (r = store_query(rq->tx, &q, "SELECT g.name FROM iam_group_member m JOIN iam_group g ON g.id = m.group_id "
                         "WHERE m.user_id = ?1 ORDER BY g.name_lc", "s", e.id);
         r > 0; r = store_next(q))
        json_array_append_new(groups, json_string(store_col_text(q, 0)));
    store_rows_done(q);
    json_object_set_new(o, "GroupList", groups);
    json_object_set_new(o, "AttachedManagedPolicies", iam_attached_json(rq->tx, e.id));
    boundary(o, json_string_value(json_object_get(row, "boundary")));
    (void) iam_tags_member(rq->tx, e.id, o);
    return r < 0 ? (json_decref(o), NULL) : o;
}

static json_t *
group_detail(struct req *rq, json_t *row)
{
    struct iam_entity e;
    json_t *o;

    iam_entity_from_json(row, rq->caller->account, IAM_GROUP, &e);
    o = iam_group_json(&e);
    json_object_set_new(o, "GroupPolicyList", iam_inline_json(rq->tx, e.id));
    json_object_set_new(o, "AttachedManagedPolicies", iam_attached_json(rq->tx, e.id));
    return o;
}

static json_t *
role_detail(struct req *rq, json_t *row)
{
    struct iam_entity e;
    json_t *o, *profiles = json_array(), *ids = NULL, *pr;
    size_t i;

    iam_entity_from_json(row, rq->caller->account, IAM_ROLE, &e);
    o = iam_role_json(rq->tx, &e, 1);
    if (!o)
        return NULL;
    json_object_del(o, "MaxSessionDuration");
    json_object_del(o, "Description");
    if (store_query_json(rq->tx, &ids, 1000, "SELECT i.id, i.name, i.path, i.created FROM iam_profile_role p "
                         "JOIN iam_instance_profile i ON i.id = p.profile_id WHERE p.role_id = ?1 ORDER BY i.name_lc",
                         "s", e.id) == 0) {
        json_array_foreach(ids, i, pr) {
            struct iam_entity pe;
            iam_entity_from_json(pr, rq->caller->account, IAM_PROFILE, &pe);
            json_array_append_new(profiles, iam_profile_json(rq->tx, &pe, 0));
        }
    }
    json_decref(ids);
    json_object_set_new(o, "InstanceProfileList", profiles);
    json_object_set_new(o, "RolePolicyList", iam_inline_json(rq->tx, e.id));
    json_object_set_new(o, "AttachedManagedPolicies", iam_attached_json(rq->tx, e.id));
    return o;
}

static json_t *
version_list(struct req *rq, const char *policy_id, int64_t def)
{
    struct store_rows *q = NULL;
    json_t *list = json_array();
    int r;

    for (r = store_query(rq->tx, &q, "SELECT version, document, created FROM iam_policy_version "
                         "WHERE policy_id = ?1 ORDER BY version DESC", "s", policy_id);
         r > 0; r = store_next(q)) {
        char vid[24];
        snprintf(vid, sizeof(vid), "v%lld", (long long) store_col_int(q, 0));
        json_array_append_new(list, json_pack("{s:o, s:s, s:b, s:I}", "Document", iam_doc_out(store_col_text(q, 1)),
                                              "VersionId", vid, "IsDefaultVersion", store_col_int(q, 0) == def,
                                              "CreateDate", (json_int_t) store_col_int(q, 2)));
    }
    store_rows_done(q);
    return list;
}

static json_t *
policy_detail(struct req *rq, json_t *row)
{
    const char *arn = json_string_value(json_object_get(row, "arn"));
    const struct iam_aws_policy *a = iam_aws_policy_find(arn);
    int64_t att = 0, bnd = 0;
    json_t *o;

    iam_policy_counts(rq->tx, rq->caller->account, arn, &att, &bnd);
    if (a) {
        o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:b, s:s, s:I, s:I}", "PolicyName", a->name,
                      "PolicyId", a->id, "Arn", a->arn, "Path", a->path, "DefaultVersionId", a->version,
                      "AttachmentCount", (json_int_t) att, "PermissionsBoundaryUsageCount", (json_int_t) bnd,
                      "IsAttachable", 1, "Description", a->description, "CreateDate", (json_int_t) a->created,
                      "UpdateDate", (json_int_t) a->updated);
        json_object_set_new(o, "PolicyVersionList",
                            json_pack("[{s:o, s:s, s:b, s:I}]", "Document", iam_doc_out(a->document),
                                      "VersionId", a->version, "IsDefaultVersion", 1,
                                      "CreateDate", (json_int_t) a->version_created));
    } else {
        int64_t def = json_integer_value(json_object_get(row, "default_version"));
        char vid[24];
        snprintf(vid, sizeof(vid), "v%lld", (long long) def);
        o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:b, s:I, s:I}",
                      "PolicyName", json_string_value(json_object_get(row, "name")),
                      "PolicyId", json_string_value(json_object_get(row, "id")), "Arn", arn,
                      "Path", json_string_value(json_object_get(row, "path")), "DefaultVersionId", vid,
                      "AttachmentCount", (json_int_t) att, "PermissionsBoundaryUsageCount", (json_int_t) bnd,
                      "IsAttachable", 1, "CreateDate", (json_int_t) json_integer_value(json_object_get(row, "created")),
                      "UpdateDate", (json_int_t) json_integer_value(json_object_get(row, "updated")));
        if (o && json_is_string(json_object_get(row, "description")))
            json_object_set(o, "Description", json_object_get(row, "description"));
        if (o)
            json_object_set_new(o, "PolicyVersionList",
                                version_list(rq, json_string_value(json_object_get(row, "id")), def));
    }
    return o;
}

static int
wants(json_t *filter, const char *type)
{
    size_t i;
    json_t *v;

    if (!json_is_array(filter) || json_array_size(filter) == 0)
        return 1;
    json_array_foreach(filter, i, v)
        if (json_is_string(v) && strcmp(json_string_value(v), type) == 0)
            return 1;
    return 0;
}

IAM_HANDLER(GetAccountAuthorizationDetails)
{
    const char *a = rq->caller->account;
    json_t *filter = json_object_get(rq->in, "Filter");
    json_t *users = NULL, *groups = NULL, *roles = NULL, *local = NULL, *aws = json_array();
    json_t *out = NULL, *ul, *gl, *rl, *pl, *row;
    struct iam_page pg;
    int64_t off, seen = 0, n = 0;
    size_t i;
    int r, truncated = 0;
    char key[24];

    if ((r = iam_page_begin(rq, IAM_DEFAULT_MAX_ITEMS, &pg, err)) < 0) {
        json_decref(aws);
        return r;
    }
    off = iam_page_offset(&pg);
    if ((wants(filter, "User") && (r = store_query_json(rq->tx, &users, 100000,
            "SELECT id, name, path, created, boundary FROM iam_user WHERE account = ?1 ORDER BY name_lc", "s", a)) < 0) ||
        (wants(filter, "Group") && (r = store_query_json(rq->tx, &groups, 100000,
            "SELECT id, name, path, created FROM iam_group WHERE account = ?1 ORDER BY name_lc", "s", a)) < 0) ||
        (wants(filter, "Role") && (r = store_query_json(rq->tx, &roles, 100000,
            "SELECT id, name, path, created FROM iam_role WHERE account = ?1 ORDER BY name_lc", "s", a)) < 0) ||
        (wants(filter, "LocalManagedPolicy") && (r = store_query_json(rq->tx, &local, 100000,
            "SELECT id, name, path, arn, description, created, updated, default_version FROM iam_policy "
            "WHERE account = ?1 ORDER BY name_lc", "s", a)) < 0))
        goto fail;
    if (wants(filter, "AWSManagedPolicy")) {
        for (i = 0; i < iam_n_aws_policies; i++) {
            int64_t att = 0, bnd = 0;
            if ((r = iam_policy_counts(rq->tx, a, iam_aws_policies[i].arn, &att, &bnd)) < 0)
                goto fail;
            if (att + bnd > 0)
                json_array_append_new(aws, json_pack("{s:s}", "arn", iam_aws_policies[i].arn));
        }
    }
    out = json_object();
    ul = json_array();
    gl = json_array();
    rl = json_array();
    pl = json_array();
    json_object_set_new(out, "UserDetailList", ul);
    json_object_set_new(out, "GroupDetailList", gl);
    json_object_set_new(out, "RoleDetailList", rl);
    json_object_set_new(out, "Policies", pl);
    {
        struct { json_t *rows, *dst; json_t *(*fn)(struct req *, json_t *); } parts[] = {
            { users, ul, user_detail }, { groups, gl, group_detail }, { roles, rl, role_detail },
            { aws, pl, policy_detail }, { local, pl, policy_detail },
        };
        size_t p;
        for (p = 0; p < sizeof(parts) / sizeof(parts[0]) && !truncated; p++) {
            json_array_foreach(parts[p].rows, i, row) {
                json_t *d;
                if (seen++ < off)
                    continue;
                if (n == pg.max) {
                    truncated = 1;
                    break;
                }
                d = parts[p].fn(rq, row);
                if (!d) {
                    r = -EIO;
                    goto fail;
                }
                json_array_append_new(parts[p].dst, d);
                n++;
            }
        }
    }
    iam_page_offset_key(off + n, key);
    iam_page_end(out, truncated, key);
    rq->out = out;
    out = NULL;
    r = 0;
fail:
    json_decref(out);
    json_decref(users);
    json_decref(groups);
    json_decref(roles);
    json_decref(local);
    json_decref(aws);
    iam_page_done(&pg);
    return r < 0 ? iam_err_store(err, r) : 0;
}
