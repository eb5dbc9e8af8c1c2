/* src/iam/roles.c - IAM roles: trust policies, descriptions, session durations, boundaries,
 * tags, and service-linked roles (which only AWS, i.e. Cairn itself, may modify).
 * Used by: iam.c. Uses: util.c, polcheck.c, store/. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "../crypto/ids.h"
#include "internal.h"

#define ROLE_COLS "id, name, path, created, trust, description, max_session, boundary, " \
                  "last_used, last_used_region, service_linked"

/* Levels of detail: what CreateRole, GetRole and ListRoles answer. */
enum { ROLE_CREATE = 0, ROLE_GET = 1, ROLE_LIST = 2 };

json_t *
iam_role_json(struct store_tx *tx, const struct iam_entity *e, int level)
{
    struct store_rows *q = NULL;
    json_t *o;
    int r;

    o = json_pack("{s:s, s:s, s:s, s:s, s:I}", "Path", e->path, "RoleName", e->name, "RoleId", e->id,
                  "Arn", e->arn, "CreateDate", (json_int_t) e->created);
    if (!o)
        return NULL;
    r = store_query(tx, &q, "SELECT " ROLE_COLS " FROM iam_role WHERE id = ?1", "s", e->id);
    if (r > 0) {
        json_object_set_new(o, "AssumeRolePolicyDocument", iam_doc_out(store_col_text(q, 4)));
        if (!store_col_is_null(q, 5))
            json_object_set_new(o, "Description", json_string(store_col_text(q, 5)));
        if (level != ROLE_CREATE)
            json_object_set_new(o, "MaxSessionDuration", json_integer(store_col_int(q, 6)));
        if (level != ROLE_LIST && !store_col_is_null(q, 7))
            json_object_set_new(o, "PermissionsBoundary",
                                json_pack("{s:s, s:s}", "PermissionsBoundaryType", "PermissionsBoundaryPolicy",
                                          "PermissionsBoundaryArn", store_col_text(q, 7)));
        if (level == ROLE_GET) {
            json_t *lu = json_object();
            if (!store_col_is_null(q, 8)) {
                json_object_set_new(lu, "LastUsedDate", json_integer(store_col_int(q, 8)));
                json_object_set_new(lu, "Region", json_string(store_col_text(q, 9) ? store_col_text(q, 9) : ""));
            }
            json_object_set_new(o, "RoleLastUsed", lu);
        }
    }
    store_rows_done(q);
    if (r < 0) {
        json_decref(o);
        return NULL;
    }
    if (level != ROLE_LIST && iam_tags_member(tx, e->id, o) < 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

int
iam_role_service_linked(struct store_tx *tx, const char *id)
{
    struct store_rows *q = NULL;
    int r = store_query(tx, &q, "SELECT service_linked FROM iam_role WHERE id = ?1", "s", id);

    if (r > 0)
        r = store_col_int(q, 0) != 0;
    store_rows_done(q);
    return r;
}

/* An "AWS" principal naming a user or role of this account must name one that exists (IAM
 * resolves them to unique ids when it stores the policy). 1 = fine, 0 = names nothing. */
static int
principal_exists(const struct req *rq, const char *p)
{
    char pre[64];
    const char *rest, *slash;
    enum iam_kind kind;
    struct iam_entity e;

    snprintf(pre, sizeof(pre), "arn:aws:iam::%s:", rq->caller->account);
    if (strncmp(p, pre, strlen(pre)) != 0)
        return 1;
    rest = p + strlen(pre);
    if (strncmp(rest, "user/", 5) == 0)
        kind = IAM_USER;
    else if (strncmp(rest, "role/", 5) == 0)
        kind = IAM_ROLE;
    else
        return 1;
    slash = strrchr(rest, '/');
    if (iam_entity_lookup(rq->tx, rq->caller->account, kind, slash + 1, &e) < 0)
        return 0;
    return strcasecmp(e.arn, p) == 0;
}

static int
trust_principals_exist(const struct req *rq, const char *doc, struct aerr *err)
{
    json_t *root = json_loads(doc, 0, NULL), *st, *s, *aws, *v;
    size_t i, j;
    int r = 0;

    if (!root)
        return 0;
    st = json_object_get(root, "Statement");
    for (i = 0; r == 0 && i < (json_is_array(st) ? json_array_size(st) : 1); i++) {
        s = json_is_array(st) ? json_array_get(st, i) : st;
        aws = json_object_get(json_object_get(s, "Principal"), "AWS");
        if (!aws)
            aws = json_object_get(json_object_get(s, "NotPrincipal"), "AWS");
        for (j = 0; r == 0 && aws && j < (json_is_array(aws) ? json_array_size(aws) : 1); j++) {
            v = json_is_array(aws) ? json_array_get(aws, j) : aws;
            if (json_is_string(v) && !principal_exists(rq, json_string_value(v)))
                r = iam_err_malformed(err, "Invalid principal in policy: \"AWS\":\"%.300s\"", json_string_value(v));
        }
    }
    json_decref(root);
    return r;
}

/* Check a trust policy: the document, its principals, and its size against ACLSizePerRole. */
int
iam_role_check_trust(const struct req *rq, const char *doc, struct aerr *err)
{
    size_t size;
    int r = iam_doc_check(doc, IAM_DOC_TRUST, &size, err);

    if (r < 0)
        return r;
    if ((r = trust_principals_exist(rq, doc, err)) < 0)
        return r;
    if (size > IAM_TRUST_QUOTA)
        return iam_err_limit(err, "Cannot exceed quota for ACLSizePerRole: %d", IAM_TRUST_QUOTA);
    return 0;
}

/* {"Role": ...} of e at the level of detail as rq->out. */
static int
answer_role(struct req *rq, const struct iam_entity *e, int level, struct aerr *err)
{
    rq->out = json_pack("{s:o}", "Role", iam_role_json(rq->tx, e, level));
    return rq->out ? 0 : iam_err_store(err, -EIO);
}

static int
insert_role(struct req *rq, const char *name, const char *path, const char *trust,
            const char *description, int64_t max_session, const char *boundary, int slr,
            struct iam_entity *e, struct aerr *err)
{
    int r = iam_entity_init(rq, IAM_ROLE, name, path, e, err);

    if (r < 0)
        return r;
    r = store_exec(rq->tx, "INSERT INTO iam_role (id, account, name, name_lc, path, created, trust, "
                   "description, max_session, boundary, service_linked) "
                   "VALUES (?1, ?2, ?3, lower(?3), ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                   "ssssissisi", e->id, rq->caller->account, name, path, (int64_t) e->created, trust,
                   description, max_session, boundary, (int64_t) slr);
    return iam_entity_stored(r, IAM_ROLE, name, err);
}

IAM_HANDLER(CreateRole)
{
    const char *name = iam_in_str(rq, "RoleName");
    const char *path = iam_in_str(rq, "Path");
    const char *trust = iam_in_str(rq, "AssumeRolePolicyDocument");
    const char *boundary = iam_in_str(rq, "PermissionsBoundary");
    struct iam_entity e;
    int r;

    if (!path)
        path = "/";
    if ((r = iam_entity_name_free(rq, IAM_ROLE, name, err)) < 0 || (r = iam_role_check_trust(rq, trust, err)) < 0 ||
        (r = iam_entity_quota(rq, IAM_ROLE, err)) < 0)
        return r;
    if (boundary && (r = iam_boundary_check(rq, boundary, err)) < 0)
        return r;
    r = insert_role(rq, name, path, trust, iam_in_str(rq, "Description"),
                    iam_in_int(rq, "MaxSessionDuration", IAM_DEFAULT_SESSION), boundary, 0, &e, err);
    if (r < 0)
        return r;
    if ((r = iam_tags_put(rq->tx, e.id, json_object_get(rq->in, "Tags"), err)) < 0)
        return r;
    return answer_role(rq, &e, ROLE_CREATE, err);
}

IAM_HANDLER(GetRole)
{
    struct iam_entity e;
    int r = iam_entity_find_in(rq, IAM_ROLE, &e, err);

    return r < 0 ? r : answer_role(rq, &e, ROLE_GET, err);
}

/* A role of ListRoles: columns id, name, path, created, trust, description, max_session. */
static int
role_item(struct req *rq, struct store_rows *q, json_t *list, const void *ud)
{
    struct iam_entity e;
    json_t *o;

    (void) ud;
    iam_entity_from_row(q, rq->caller->account, IAM_ROLE, &e);
    o = json_pack("{s:s, s:s, s:s, s:s, s:I, s:o, s:I}", "Path", e.path, "RoleName", e.name,
                  "RoleId", e.id, "Arn", e.arn, "CreateDate", (json_int_t) e.created,
                  "AssumeRolePolicyDocument", iam_doc_out(store_col_text(q, 4)),
                  "MaxSessionDuration", (json_int_t) store_col_int(q, 6));
    if (o && !store_col_is_null(q, 5))
        json_object_set_new(o, "Description", json_string(store_col_text(q, 5)));
    json_array_append_new(list, o);
    return 0;
}

IAM_HANDLER(ListRoles)
{
    const char *prefix = iam_in_str(rq, "PathPrefix");

    return iam_list_rows(rq, &(struct iam_rows){ "Roles",
                         "SELECT id, name, path, created, trust, description, max_session, name_lc FROM iam_role "
                         "WHERE account = ?1 AND substr(path, 1, length(?2)) = ?2 AND name_lc > ?4 "
                         "ORDER BY name_lc LIMIT ?6", { rq->caller->account, prefix ? prefix : "/" }, 7, role_item, NULL },
                         err);
}

IAM_HANDLER(UpdateRole)
{
    struct iam_entity e;
    json_t *msd = json_object_get(rq->in, "MaxSessionDuration");
    int r = iam_entity_find_modifiable(rq, IAM_ROLE, &e, err);

    if (r < 0)
        return r;
    if (json_object_get(rq->in, "Description") &&
        (r = store_exec(rq->tx, "UPDATE iam_role SET description = ?2 WHERE id = ?1", "ss", e.id,
                        iam_in_str(rq, "Description"))) < 0)
        return iam_err_store(err, r);
    if (msd && (r = store_exec(rq->tx, "UPDATE iam_role SET max_session = ?2 WHERE id = ?1", "si", e.id,
                               (int64_t) json_integer_value(msd))) < 0)
        return iam_err_store(err, r);
    return 0;
}

IAM_HANDLER(UpdateRoleDescription)
{
    struct iam_entity e;
    int r = iam_entity_find_in(rq, IAM_ROLE, &e, err);

    if (r < 0)
        return r;
    r = store_exec(rq->tx, "UPDATE iam_role SET description = ?2 WHERE id = ?1", "ss", e.id,
                   iam_in_str(rq, "Description"));
    if (r < 0)
        return iam_err_store(err, r);
    return answer_role(rq, &e, ROLE_GET, err);
}

IAM_HANDLER(UpdateAssumeRolePolicy)
{
    const char *doc = iam_in_str(rq, "PolicyDocument");
    struct iam_entity e;
    int r = iam_entity_find_modifiable(rq, IAM_ROLE, &e, err);

    if (r < 0)
        return r;
    if ((r = iam_role_check_trust(rq, doc, err)) < 0)
        return r;
    r = store_exec(rq->tx, "UPDATE iam_role SET trust = ?2 WHERE id = ?1", "ss", e.id, doc);
    return r < 0 ? iam_err_store(err, r) : 0;
}

static int
delete_role_row(struct req *rq, const struct iam_entity *e, struct aerr *err)
{
    int r;

    if ((r = iam_entity_unused(rq->tx, "SELECT 1 FROM iam_profile_role WHERE role_id = ?1", e->id,
                               "remove roles from instance profile", err)) < 0 ||
        (r = iam_entity_policies_gone(rq->tx, e->id, err)) < 0)
        return r;
    return iam_entity_drop(rq->tx, e, err);
}

IAM_HANDLER(DeleteRole)
{
    struct iam_entity e;
    int r = iam_entity_find_modifiable(rq, IAM_ROLE, &e, err);

    return r < 0 ? r : delete_role_row(rq, &e, err);
}

IAM_HANDLER(TagRole)
{
    return iam_entity_tag(rq, IAM_ROLE, err);
}

IAM_HANDLER(UntagRole)
{
    return iam_entity_untag(rq, IAM_ROLE, err);
}

IAM_HANDLER(ListRoleTags)
{
    return iam_entity_list_tags(rq, IAM_ROLE, err);
}

IAM_HANDLER(PutRolePermissionsBoundary)
{
    const char *arn = iam_in_str(rq, "PermissionsBoundary");
    struct iam_entity e;
    int r = iam_entity_find_modifiable(rq, IAM_ROLE, &e, err);

    if (r < 0)
        return r;
    if ((r = iam_boundary_check(rq, arn, err)) < 0)
        return r;
    r = store_exec(rq->tx, "UPDATE iam_role SET boundary = ?2 WHERE id = ?1", "ss", e.id, arn);
    return r < 0 ? iam_err_store(err, r) : 0;
}

IAM_HANDLER(DeleteRolePermissionsBoundary)
{
    struct iam_entity e;
    int r = iam_entity_find_modifiable(rq, IAM_ROLE, &e, err);

    if (r < 0)
        return r;
    r = store_exec(rq->tx, "UPDATE iam_role SET boundary = NULL WHERE id = ?1", "s", e.id);
    return r < 0 ? iam_err_store(err, r) : 0;
}

/* ---- service-linked roles ---- */

struct slr {
    const char *service;        /* AWSServiceName */
    const char *role;           /* role name */
    const char *policy;         /* AWS managed policy attached to it */
    const char *description;
};

static const struct slr slrs[] = {
    { "ssm.amazonaws.com", "AWSServiceRoleForAmazonSSM",
      "arn:aws:iam::aws:policy/aws-service-role/AmazonSSMServiceRolePolicy",
      "Provides access to AWS Resources managed or used by Amazon SSM." },
};

IAM_HANDLER(CreateServiceLinkedRole)
{
    const char *svc = iam_in_str(rq, "AWSServiceName");
    const char *desc = iam_in_str(rq, "Description");
    const struct slr *s = NULL;
    struct iam_entity e;
    char path[IAM_PATH_MAX + 1], trust[512];
    size_t i;
    int r;

    for (i = 0; i < sizeof(slrs) / sizeof(slrs[0]); i++)
        if (strcmp(slrs[i].service, svc) == 0)
            s = &slrs[i];
    if (!s)
        return iam_err_invalid(err, "Service %s does not support service-linked roles.", svc);
    if (iam_in_str(rq, "CustomSuffix"))
        return iam_err_invalid(err, "Custom suffix is not allowed for %s.", s->role);
    r = iam_entity_lookup(rq->tx, rq->caller->account, IAM_ROLE, s->role, &e);
    if (r == 0)
        return iam_err_invalid(err, "Service role name %s has been taken in this account, please try a "
                               "different suffix.", s->role);
    if (r != -ENOENT)
        return iam_err_store(err, r);
    snprintf(path, sizeof(path), "/aws-service-role/%s/", svc);
    snprintf(trust, sizeof(trust),
             "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":"
             "{\"Service\":[\"%s\"]},\"Action\":[\"sts:AssumeRole\"]}]}", svc);
    r = insert_role(rq, s->role, path, trust, desc ? desc : s->description, IAM_DEFAULT_SESSION, NULL, 1,
                    &e, err);
    if (r < 0)
        return r;
    r = store_exec(rq->tx, "INSERT INTO iam_attachment (account, entity_kind, entity_id, policy_arn, seq) "
                   "VALUES (?1, 'role', ?2, ?3, 1)", "sss", rq->caller->account, e.id, s->policy);
    if (r < 0)
        return iam_err_store(err, r);
    return answer_role(rq, &e, ROLE_LIST, err);
}

IAM_HANDLER(DeleteServiceLinkedRole)
{
    struct iam_entity e;
    char task[IAM_ARN_MAX + 64], uuid[37];
    int r;

    r = iam_entity_find_in(rq, IAM_ROLE, &e, err);
    if (r < 0)
        return r;
    r = iam_role_service_linked(rq->tx, e.id);
    if (r < 0)
        return iam_err_store(err, r);
    if (!r)
        return iam_err_invalid(err, "Role %s is not a service-linked role.", e.name);
    if ((r = store_exec(rq->tx, "DELETE FROM iam_attachment WHERE entity_id = ?1", "s", e.id)) < 0 ||
        (r = store_exec(rq->tx, "DELETE FROM iam_inline WHERE entity_id = ?1", "s", e.id)) < 0)
        return iam_err_store(err, r);
    if ((r = delete_role_row(rq, &e, err)) < 0)
        return r;
    if ((r = ids_uuid(uuid)) < 0)
        return iam_err_store(err, r);
    snprintf(task, sizeof(task), "task%s%s/%s", e.path, e.name, uuid);
    r = store_exec(rq->tx, "INSERT INTO iam_deletion_task (id, account, status, created) VALUES (?1, ?2, "
                   "'SUCCEEDED', ?3)", "ssi", task, rq->caller->account, (int64_t) rq->now);
    if (r < 0)
        return iam_err_store(err, r);
    rq->out = json_pack("{s:s}", "DeletionTaskId", task);
    return 0;
}

IAM_HANDLER(GetServiceLinkedRoleDeletionStatus)
{
    const char *id = iam_in_str(rq, "DeletionTaskId");
    struct store_rows *q = NULL;
    int r;

    if (strncmp(id, "task/", 5) != 0)
        return iam_err_invalid(err, "Invalid deletion task id %s.", id);
    r = store_query(rq->tx, &q, "SELECT status FROM iam_deletion_task WHERE id = ?1 AND account = ?2",
                    "ss", id, rq->caller->account);
    if (r > 0)
        rq->out = json_pack("{s:s}", "Status", store_col_text(q, 0));
    store_rows_done(q);
    if (r < 0)
        return iam_err_store(err, r);
    if (r == 0)
        return iam_err_nosuch(err, "Deletion task %s cannot be found.", id);
    return 0;
}
