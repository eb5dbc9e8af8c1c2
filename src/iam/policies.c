/* src/iam/policies.c - managed policies: customer managed ones (stored, versioned, at most 5
 * versions) and AWS managed ones (built in, read-only), listed together by ListPolicies.
 * Used by: iam.c. Uses: attach.c, polcheck.c, util.c, store/. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

#define KEY_SEP "\001"          /* sort key: lower(name) SEP scope ('a' AWS, 'l' local) */

/* AWS managed policies live in AWS's account: changing one is denied, as AWS does. */
static int
aws_readonly(const struct req *rq, const char *action, const char *arn, struct aerr *err)
{
    return aerr_set(err, -EACCES, 403, "AccessDenied",
                    "User: %s is not authorized to perform: iam:%s on resource: policy %s",
                    rq->caller->arn, action, arn);
}

static int
resolve_existing(const struct req *rq, const char *arn, struct iam_policy_ref *p, struct aerr *err)
{
    int r = iam_policy_resolve(rq, arn, p, err);

    if (r == -ENOENT)
        return iam_err_nosuch(err, "Policy %s was not found.", arn);
    return r;
}

/* The customer managed policy PolicyArn names, for an action that changes it: AccessDenied
 * for an AWS managed one. */
static int
resolve_local(const struct req *rq, const char *action, struct iam_policy_ref *p, struct aerr *err)
{
    const char *arn = iam_in_str(rq, "PolicyArn");
    int r = resolve_existing(rq, arn, p, err);

    if (r < 0)
        return r;
    return p->aws ? aws_readonly(rq, action, arn, err) : 0;
}

static json_t *
policy_item(const char *name, const char *id, const char *arn, const char *path, const char *version,
            int64_t attached, int64_t boundary, int64_t created, int64_t updated)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:b, s:I, s:I}", "PolicyName", name,
                     "PolicyId", id, "Arn", arn, "Path", path, "DefaultVersionId", version,
                     "AttachmentCount", (json_int_t) attached,
                     "PermissionsBoundaryUsageCount", (json_int_t) boundary, "IsAttachable", 1,
                     "CreateDate", (json_int_t) created, "UpdateDate", (json_int_t) updated);
}

static json_t *
aws_item(const struct req *rq, const struct iam_aws_policy *a)
{
    int64_t att = 0, bnd = 0;

    if (iam_policy_counts(rq->tx, rq->caller->account, a->arn, &att, &bnd) < 0)
        return NULL;
    return policy_item(a->name, a->id, a->arn, a->path, a->version, att, bnd, a->created, a->updated);
}

/* The policy tree of a customer managed policy by id; full adds Description and Tags. */
static json_t *
local_item(const struct req *rq, const char *id, int full)
{
    struct store_rows *q = NULL;
    json_t *o = NULL;
    int64_t att = 0, bnd = 0;
    int r;

    r = store_query(rq->tx, &q, "SELECT name, arn, path, default_version, created, updated, description "
                    "FROM iam_policy WHERE id = ?1", "s", id);
    if (r > 0) {
        char ver[24];
        snprintf(ver, sizeof(ver), "v%lld", (long long) store_col_int(q, 3));
        if (iam_policy_counts(rq->tx, rq->caller->account, store_col_text(q, 1), &att, &bnd) == 0)
            o = policy_item(store_col_text(q, 0), id, store_col_text(q, 1), store_col_text(q, 2), ver,
                            att, bnd, store_col_int(q, 4), store_col_int(q, 5));
        if (o && full && !store_col_is_null(q, 6))
            json_object_set_new(o, "Description", json_string(store_col_text(q, 6)));
    }
    store_rows_done(q);
    if (o && full)
        (void) iam_tags_member(rq->tx, id, o);
    return o;
}

IAM_HANDLER(CreatePolicy)
{
    const char *name = iam_in_str(rq, "PolicyName");
    const char *path = iam_in_str(rq, "Path");
    const char *doc = iam_in_str(rq, "PolicyDocument");
    struct iam_entity e;
    size_t size;
    json_t *o;
    int r;

    if (!path)
        path = "/";
    if ((r = iam_entity_name_free(rq, IAM_POLICY, name, err)) < 0)
        return r;
    if ((r = iam_doc_check(doc, IAM_DOC_MANAGED, &size, err)) < 0)
        return r;
    if (size > IAM_MANAGED_QUOTA)
        return iam_err_limit(err, "Cannot exceed quota for PolicySize: %d", IAM_MANAGED_QUOTA);
    if ((r = iam_entity_quota(rq, IAM_POLICY, err)) < 0 || (r = iam_entity_init(rq, IAM_POLICY, name, path, &e, err)) < 0)
        return r;
    r = store_exec(rq->tx, "INSERT INTO iam_policy (id, account, name, name_lc, path, arn, description, created, "
                   "updated, default_version, next_version) VALUES (?1, ?2, ?3, lower(?3), ?4, ?5, ?6, ?7, ?7, 1, 2)",
                   "ssssssi", e.id, rq->caller->account, name, path, e.arn, iam_in_str(rq, "Description"),
                   (int64_t) rq->now);
    if ((r = iam_entity_stored(r, IAM_POLICY, name, err)) < 0)
        return r;
    r = store_exec(rq->tx, "INSERT INTO iam_policy_version (policy_id, version, document, created) "
                   "VALUES (?1, 1, ?2, ?3)", "ssi", e.id, doc, (int64_t) rq->now);
    if (r < 0)
        return iam_err_store(err, r);
    if ((r = iam_tags_put(rq->tx, e.id, json_object_get(rq->in, "Tags"), err)) < 0)
        return r;
    o = local_item(rq, e.id, 0);
    if (!o)
        return iam_err_store(err, -EIO);
    if (json_object_get(rq->in, "Tags")) {
        json_t *tags = iam_tags_json(rq->tx, e.id);
        if (tags)
            json_object_set_new(o, "Tags", tags);
    }
    rq->out = json_pack("{s:o}", "Policy", o);
    return 0;
}

IAM_HANDLER(GetPolicy)
{
    struct iam_policy_ref p;
    json_t *o;
    int r = resolve_existing(rq, iam_in_str(rq, "PolicyArn"), &p, err);

    if (r < 0)
        return r;
    if (p.aws) {
        o = aws_item(rq, p.aws);
        if (o && p.aws->description[0])
            json_object_set_new(o, "Description", json_string(p.aws->description));
    } else {
        o = local_item(rq, p.id, 1);
    }
    if (!o)
        return iam_err_store(err, -EIO);
    rq->out = json_pack("{s:o}", "Policy", o);
    return 0;
}

/* ListPolicies' filter on attachment: 0 none, 1 attached, 2 boundary, 3 either. */
static int
usage_mode(const struct req *rq)
{
    const char *f = iam_in_str(rq, "PolicyUsageFilter");

    if (!iam_in_bool(rq, "OnlyAttached", 0))
        return 0;
    if (f && strcmp(f, "PermissionsPolicy") == 0)
        return 1;
    if (f && strcmp(f, "PermissionsBoundary") == 0)
        return 2;
    return 3;
}

static int
usage_ok(int mode, int64_t att, int64_t bnd)
{
    return mode == 0 || (mode == 1 && att > 0) || (mode == 2 && bnd > 0) || (mode == 3 && (att > 0 || bnd > 0));
}

static void
lower_key(char *buf, size_t cap, const char *name, const char *scope)
{
    size_t i;

    for (i = 0; name[i] && i + 3 < cap; i++)
        buf[i] = (char) (name[i] >= 'A' && name[i] <= 'Z' ? name[i] + 32 : name[i]);
    snprintf(buf + i, cap - i, KEY_SEP "%s", scope);
}

IAM_HANDLER(ListPolicies)
{
    const char *scope = iam_in_str(rq, "Scope");
    const char *prefix = iam_in_str(rq, "PathPrefix");
    int mode = usage_mode(rq);
    struct iam_page pg;
    json_t *local = NULL, *out, *list;
    size_t ai = 0, li = 0;
    int64_t n = 0;
    int r, truncated = 0;
    char last[IAM_NAME_MAX + 8] = "";

    if (!scope)
        scope = "All";
    if (!prefix)
        prefix = "/";
    if ((r = iam_page_begin(rq, IAM_DEFAULT_MAX_ITEMS, &pg, err)) < 0)
        return r;
    if (strcmp(scope, "AWS") != 0) {
        r = store_query_json(rq->tx, &local, (size_t) pg.max + 1,
            "SELECT id, name_lc || char(1) || 'l' AS k, "
            " (SELECT count(*) FROM iam_attachment a WHERE a.account = p.account AND a.policy_arn = p.arn) AS att, "
            " (SELECT count(*) FROM iam_user u WHERE u.account = p.account AND u.boundary = p.arn) + "
            " (SELECT count(*) FROM iam_role o WHERE o.account = p.account AND o.boundary = p.arn) AS bnd "
            "FROM iam_policy p WHERE p.account = ?1 AND substr(p.path, 1, length(?2)) = ?2 AND k > ?3 "
            "AND (?4 = 0 OR (?4 = 1 AND att > 0) OR (?4 = 2 AND bnd > 0) OR (?4 = 3 AND att + bnd > 0)) "
            "ORDER BY k LIMIT ?5",
            "sssii", rq->caller->account, prefix, pg.after, (int64_t) mode, pg.max + 1);
        if (r < 0) {
            iam_page_done(&pg);
            return iam_err_store(err, r);
        }
    }
    out = json_object();
    list = json_array();
    json_object_set_new(out, "Policies", list);
    for (;;) {
        const struct iam_aws_policy *a = NULL;
        json_t *row = local ? json_array_get(local, li) : NULL;
        char akey[IAM_NAME_MAX + 8] = "";
        const char *lkey = row ? json_string_value(json_object_get(row, "k")) : NULL;
        json_t *item;

        /* next AWS candidate: in scope, past the marker, matching the filters */
        while (strcmp(scope, "Local") != 0 && ai < iam_n_aws_policies) {
            const struct iam_aws_policy *c = &iam_aws_policies[ai];
            int64_t att = 0, bnd = 0;
            lower_key(akey, sizeof(akey), c->name, "a");
            if (strcmp(akey, pg.after) > 0 && strncmp(c->path, prefix, strlen(prefix)) == 0) {
                if (mode && iam_policy_counts(rq->tx, rq->caller->account, c->arn, &att, &bnd) < 0)
                    break;
                if (usage_ok(mode, att, bnd)) {
                    a = c;
                    break;
                }
            }
            ai++;
        }
        if (!a && !lkey)
            break;
        if (n == pg.max) {
            truncated = 1;
            break;
        }
        if (a && (!lkey || strcmp(akey, lkey) < 0)) {
            item = aws_item(rq, a);
            snprintf(last, sizeof(last), "%s", akey);
            ai++;
        } else {
            item = local_item(rq, json_string_value(json_object_get(row, "id")), 0);
            snprintf(last, sizeof(last), "%s", lkey);
            li++;
        }
        if (!item) {
            json_decref(local);
            json_decref(out);
            iam_page_done(&pg);
            return iam_err_store(err, -EIO);
        }
        json_array_append_new(list, item);
        n++;
    }
    json_decref(local);
    iam_page_end(out, truncated, last);
    iam_page_done(&pg);
    rq->out = out;
    return 0;
}

IAM_HANDLER(DeletePolicy)
{
    const char *arn = iam_in_str(rq, "PolicyArn");
    struct store_rows *q = NULL;
    struct iam_policy_ref p;
    int64_t att = 0, bnd = 0;
    int r = resolve_local(rq, "DeletePolicy", &p, err);

    if (r < 0)
        return r;
    if ((r = iam_policy_counts(rq->tx, rq->caller->account, arn, &att, &bnd)) < 0)
        return iam_err_store(err, r);
    if (att || bnd)
        return iam_err_conflict(err, "Cannot delete a policy attached to entities.");
    r = store_query(rq->tx, &q, "SELECT count(*) FROM iam_policy_version WHERE policy_id = ?1", "s", p.id);
    if (r > 0)
        r = store_col_int(q, 0) > 1;
    store_rows_done(q);
    if (r < 0)
        return iam_err_store(err, r);
    if (r)
        return iam_err_conflict(err, "This policy has more than one version. Before you delete a policy, you must "
                                "delete the policy's versions. The default version is deleted with the policy.");
    if ((r = store_exec(rq->tx, "DELETE FROM iam_policy_version WHERE policy_id = ?1", "s", p.id)) < 0 ||
        (r = iam_tags_drop(rq->tx, p.id)) < 0 ||
        (r = store_exec(rq->tx, "DELETE FROM iam_policy WHERE id = ?1", "s", p.id)) < 0)
        return iam_err_store(err, r);
    return 0;
}

/* "v12" -> 12; 0 for anything else. */
static int64_t
version_num(const char *v)
{
    char *end;
    long long n;

    if (!v || v[0] != 'v' || v[1] < '1' || v[1] > '9')
        return 0;
    n = strtoll(v + 1, &end, 10);
    return *end || n <= 0 || n > 1000000 ? 0 : (int64_t) n;
}

static json_t *
version_item(const char *vid, int is_default, int64_t created, const char *doc)
{
    json_t *o = json_pack("{s:s, s:b, s:I}", "VersionId", vid, "IsDefaultVersion", is_default,
                          "CreateDate", (json_int_t) created);

    if (o && doc)
        json_object_set_new(o, "Document", iam_doc_out(doc));
    return o;
}

IAM_HANDLER(CreatePolicyVersion)
{
    const char *doc = iam_in_str(rq, "PolicyDocument");
    int set_default = iam_in_bool(rq, "SetAsDefault", 0);
    struct store_rows *q = NULL;
    struct iam_policy_ref p;
    int64_t count = 0, next = 0;
    size_t size;
    char vid[24];
    int r = resolve_local(rq, "CreatePolicyVersion", &p, err);

    if (r < 0)
        return r;
    if ((r = iam_doc_check(doc, IAM_DOC_MANAGED, &size, err)) < 0)
        return r;
    if (size > IAM_MANAGED_QUOTA)
        return iam_err_limit(err, "Cannot exceed quota for PolicySize: %d", IAM_MANAGED_QUOTA);
    r = store_query(rq->tx, &q, "SELECT (SELECT count(*) FROM iam_policy_version WHERE policy_id = ?1), "
                    "next_version FROM iam_policy WHERE id = ?1", "s", p.id);
    if (r > 0) {
        count = store_col_int(q, 0);
        next = store_col_int(q, 1);
    }
    store_rows_done(q);
    if (r <= 0)
        return iam_err_store(err, r);
    if (count >= IAM_MAX_VERSIONS)
        return iam_err_limit(err, "A managed policy can have up to %d versions. Before you create a new version, "
                             "you must delete an existing version.", IAM_MAX_VERSIONS);
    r = store_exec(rq->tx, "INSERT INTO iam_policy_version (policy_id, version, document, created) "
                   "VALUES (?1, ?2, ?3, ?4)", "sisi", p.id, next, doc, (int64_t) rq->now);
    if (r < 0)
        return iam_err_store(err, r);
    if (set_default)
        r = store_exec(rq->tx, "UPDATE iam_policy SET next_version = ?2 + 1, default_version = ?2, updated = ?3 "
                       "WHERE id = ?1", "sii", p.id, next, (int64_t) rq->now);
    else
        r = store_exec(rq->tx, "UPDATE iam_policy SET next_version = ?2 + 1 WHERE id = ?1", "si", p.id, next);
    if (r < 0)
        return iam_err_store(err, r);
    snprintf(vid, sizeof(vid), "v%lld", (long long) next);
    rq->out = json_pack("{s:o}", "PolicyVersion", version_item(vid, set_default, rq->now, NULL));
    return 0;
}

IAM_HANDLER(GetPolicyVersion)
{
    const char *arn = iam_in_str(rq, "PolicyArn");
    const char *vid = iam_in_str(rq, "VersionId");
    struct store_rows *q = NULL;
    struct iam_policy_ref p;
    int64_t v = version_num(vid);
    int r = resolve_existing(rq, arn, &p, err);

    if (r < 0)
        return r;
    if (p.aws) {
        if (strcmp(vid, p.aws->version) != 0)
            return iam_err_nosuch(err, "Policy %s version %s does not exist or is not attachable.", arn, vid);
        rq->out = json_pack("{s:o}", "PolicyVersion",
                            version_item(vid, 1, p.aws->version_created, p.aws->document));
        return 0;
    }
    r = store_query(rq->tx, &q, "SELECT document, created FROM iam_policy_version WHERE policy_id = ?1 "
                    "AND version = ?2", "si", p.id, v);
    if (r > 0)
        rq->out = json_pack("{s:o}", "PolicyVersion", version_item(vid, v == p.default_version,
                                                                  store_col_int(q, 1), store_col_text(q, 0)));
    store_rows_done(q);
    if (r < 0)
        return iam_err_store(err, r);
    if (r == 0)
        return iam_err_nosuch(err, "Policy %s version %s does not exist or is not attachable.", arn, vid);
    return 0;
}

/* A version of ListPolicyVersions (ud: the policy): columns version, created. */
static int
version_row(struct req *rq, struct store_rows *q, json_t *list, const void *ud)
{
    const struct iam_policy_ref *p = ud;
    char vid[24];

    (void) rq;
    snprintf(vid, sizeof(vid), "v%lld", (long long) store_col_int(q, 0));
    json_array_append_new(list, version_item(vid, store_col_int(q, 0) == p->default_version, store_col_int(q, 1),
                                             NULL));
    return 0;
}

IAM_HANDLER(ListPolicyVersions)
{
    struct iam_policy_ref p;
    struct iam_page pg;
    json_t *list;
    int r = resolve_existing(rq, iam_in_str(rq, "PolicyArn"), &p, err);

    if (r < 0)
        return r;
    if (!p.aws)
        return iam_list_rows(rq, &(struct iam_rows){ "Versions",
                             "SELECT version, created FROM iam_policy_version WHERE policy_id = ?1 "
                             "ORDER BY version DESC LIMIT ?6 OFFSET ?5", { p.id }, -1, version_row, &p }, err);
    /* an AWS managed policy: its default version only */
    if ((r = iam_page_begin(rq, IAM_DEFAULT_MAX_ITEMS, &pg, err)) < 0)
        return r;
    list = json_array();
    if (iam_page_offset(&pg) == 0)
        json_array_append_new(list, version_item(p.aws->version, 1, p.aws->version_created, NULL));
    iam_page_done(&pg);
    rq->out = json_pack("{s:o, s:b}", "Versions", list, "IsTruncated", 0);
    return rq->out ? 0 : aerr_internal(err, -ENOMEM);
}

IAM_HANDLER(DeletePolicyVersion)
{
    const char *arn = iam_in_str(rq, "PolicyArn");
    const char *vid = iam_in_str(rq, "VersionId");
    struct iam_policy_ref p;
    int64_t v = version_num(vid);
    int r = resolve_local(rq, "DeletePolicyVersion", &p, err);

    if (r < 0)
        return r;
    if (v == p.default_version)
        return iam_err_conflict(err, "Cannot delete the default version of a policy.");
    r = store_exec(rq->tx, "DELETE FROM iam_policy_version WHERE policy_id = ?1 AND version = ?2", "si", p.id, v);
    if (r < 0)
        return iam_err_store(err, r);
    if (r == 0)
        return iam_err_nosuch(err, "Policy %s version %s does not exist or is not attachable.", arn, vid);
    return 0;
}

IAM_HANDLER(SetDefaultPolicyVersion)
{
    const char *arn = iam_in_str(rq, "PolicyArn");
    const char *vid = iam_in_str(rq, "VersionId");
    struct store_rows *q = NULL;
    struct iam_policy_ref p;
    int64_t v = version_num(vid);
    int r = resolve_local(rq, "SetDefaultPolicyVersion", &p, err);

    if (r < 0)
        return r;
    r = store_query(rq->tx, &q, "SELECT 1 FROM iam_policy_version WHERE policy_id = ?1 AND version = ?2",
                    "si", p.id, v);
    store_rows_done(q);
    if (r < 0)
        return iam_err_store(err, r);
    if (r == 0)
        return iam_err_nosuch(err, "Policy %s version %s does not exist or is not attachable.", arn, vid);
    r = store_exec(rq->tx, "UPDATE iam_policy SET default_version = ?2, updated = ?3 WHERE id = ?1",
                   "sii", p.id, v, (int64_t) rq->now);
    return r < 0 ? iam_err_store(err, r) : 0;
}

IAM_HANDLER(ListEntitiesForPolicy)
{
    const char *arn = iam_in_str(rq, "PolicyArn");
    const char *filter = iam_in_str(rq, "EntityFilter");
    const char *usage = iam_in_str(rq, "PolicyUsageFilter");
    const char *prefix = iam_in_str(rq, "PathPrefix");
    struct iam_policy_ref p;
    struct iam_page pg;
    json_t *rows = NULL, *row, *out, *users, *groups, *roles;
    int64_t mode = 0, off, n = 0, seen = 0;
    size_t i;
    int r = resolve_existing(rq, arn, &p, err), truncated = 0;
    char key[24];

    if (r < 0)
        return r;
    if (usage && strcmp(usage, "PermissionsPolicy") == 0)
        mode = 1;
    else if (usage && strcmp(usage, "PermissionsBoundary") == 0)
        mode = 2;
    if ((r = iam_page_begin(rq, IAM_DEFAULT_MAX_ITEMS, &pg, err)) < 0)
        return r;
    off = iam_page_offset(&pg);
    r = store_query_json(rq->tx, &rows, 100000,
        "SELECT 'User' AS kind, u.name AS name, u.id AS id, u.path AS path, u.name_lc AS k FROM iam_user u "
        "WHERE u.account = ?1 AND ((?3 != 2 AND EXISTS (SELECT 1 FROM iam_attachment a WHERE a.entity_id = u.id "
        "AND a.policy_arn = ?2)) OR (?3 != 1 AND u.boundary = ?2)) "
        "UNION ALL SELECT 'Group', g.name, g.id, g.path, g.name_lc FROM iam_group g WHERE g.account = ?1 AND ?3 != 2 "
        "AND EXISTS (SELECT 1 FROM iam_attachment a WHERE a.entity_id = g.id AND a.policy_arn = ?2) "
        "UNION ALL SELECT 'Role', o.name, o.id, o.path, o.name_lc FROM iam_role o WHERE o.account = ?1 "
        "AND ((?3 != 2 AND EXISTS (SELECT 1 FROM iam_attachment a WHERE a.entity_id = o.id AND a.policy_arn = ?2)) "
        "OR (?3 != 1 AND o.boundary = ?2)) ORDER BY 1 DESC, 5",
        "ssi", rq->caller->account, arn, mode);
    if (r < 0) {
        iam_page_done(&pg);
        return iam_err_store(err, r);
    }
    out = json_object();
    users = json_array();
    groups = json_array();
    roles = json_array();
    json_object_set_new(out, "PolicyGroups", groups);
    json_object_set_new(out, "PolicyUsers", users);
    json_object_set_new(out, "PolicyRoles", roles);
    json_array_foreach(rows, i, row) {
        const char *kind = json_string_value(json_object_get(row, "kind"));
        const char *path = json_string_value(json_object_get(row, "path"));
        const char *name = json_string_value(json_object_get(row, "name"));
        const char *id = json_string_value(json_object_get(row, "id"));
        if (filter && (strcmp(filter, "User") == 0 || strcmp(filter, "Group") == 0 ||
                       strcmp(filter, "Role") == 0) && strcmp(filter, kind) != 0)
            continue;
        if (filter && strcmp(filter, "LocalManagedPolicy") == 0 && p.aws)
            continue;
        if (filter && strcmp(filter, "AWSManagedPolicy") == 0 && !p.aws)
            continue;
        if (prefix && strncmp(path, prefix, strlen(prefix)) != 0)
            continue;
        if (seen++ < off)
            continue;
        if (n == pg.max) {
            truncated = 1;
            break;
        }
        if (strcmp(kind, "User") == 0)
            json_array_append_new(users, json_pack("{s:s, s:s}", "UserName", name, "UserId", id));
        else if (strcmp(kind, "Group") == 0)
            json_array_append_new(groups, json_pack("{s:s, s:s}", "GroupName", name, "GroupId", id));
        else
            json_array_append_new(roles, json_pack("{s:s, s:s}", "RoleName", name, "RoleId", id));
        n++;
    }
    json_decref(rows);
    iam_page_offset_key(off + n, key);
    iam_page_end(out, truncated, key);
    iam_page_done(&pg);
    rq->out = out;
    return 0;
}

IAM_HANDLER(TagPolicy)
{
    struct iam_policy_ref p;
    int r = resolve_local(rq, "TagPolicy", &p, err);

    if (r < 0)
        return r;
    return iam_tags_put(rq->tx, p.id, json_object_get(rq->in, "Tags"), err);
}

IAM_HANDLER(UntagPolicy)
{
    struct iam_policy_ref p;
    int r = resolve_local(rq, "UntagPolicy", &p, err);

    if (r < 0)
        return r;
    return iam_tags_remove(rq->tx, p.id, json_object_get(rq->in, "TagKeys"), err);
}

IAM_HANDLER(ListPolicyTags)
{
    struct iam_policy_ref p;
    int r = resolve_existing(rq, iam_in_str(rq, "PolicyArn"), &p, err);

    if (r < 0)
        return r;
    return iam_tags_list(rq, p.id, err);
}
