/* src/iam/attach.c - managed policies as seen from the entities: ARN resolution (customer
 * and AWS managed), attach/detach for users, groups and roles, ListAttached*Policies,
 * permissions-boundary checks. Used by: users.c, groups.c, roles.c, policies.c, summary.c.
 * Uses: util.c, managed_gen.c, store/. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "internal.h"

const struct iam_aws_policy *
iam_aws_policy_find(const char *arn)
{
    size_t i;

    for (i = 0; i < iam_n_aws_policies; i++)
        if (strcmp(iam_aws_policies[i].arn, arn) == 0)
            return &iam_aws_policies[i];
    return NULL;
}

/* arn:aws:iam::<12 digits or "aws">:policy/<path/>name: the shape IAM accepts. */
static int
policy_arn_shape(const char *arn)
{
    static const char pre[] = "arn:aws:iam::";
    const char *p;

    if (strncmp(arn, pre, strlen(pre)) != 0)
        return 0;
    p = arn + strlen(pre);
    if (strncmp(p, "aws:", 4) == 0)
        p += 4;
    else if (strspn(p, "0123456789") == 12 && p[12] == ':')
        p += 13;
    else
        return 0;
    return strncmp(p, "policy/", 7) == 0 && p[7] && arn[strlen(arn) - 1] != '/';
}

int
iam_policy_resolve(const struct req *rq, const char *arn, struct iam_policy_ref *ret,
                   struct aerr *err)
{
    const struct iam_aws_policy *a;
    struct store_rows *q = NULL;
    int r;

    if (!arn || !policy_arn_shape(arn))
        return iam_err_invalid(err, "ARN %s is not valid.", arn ? arn : "");
    memset(ret, 0, sizeof(*ret));
    a = iam_aws_policy_find(arn);
    if (a) {
        ret->aws = a;
        snprintf(ret->id, sizeof(ret->id), "%s", a->id);
        snprintf(ret->name, sizeof(ret->name), "%s", a->name);
        snprintf(ret->path, sizeof(ret->path), "%s", a->path);
        snprintf(ret->arn, sizeof(ret->arn), "%s", a->arn);
        return 0;
    }
    r = store_query(rq->tx, &q, "SELECT id, name, path, default_version FROM iam_policy "
                    "WHERE account = ?1 AND arn = ?2", "ss", rq->caller->account, arn);
    if (r > 0) {
        snprintf(ret->id, sizeof(ret->id), "%s", store_col_text(q, 0));
        snprintf(ret->name, sizeof(ret->name), "%s", store_col_text(q, 1));
        snprintf(ret->path, sizeof(ret->path), "%s", store_col_text(q, 2));
        snprintf(ret->arn, sizeof(ret->arn), "%s", arn);
        ret->default_version = store_col_int(q, 3);
    }
    store_rows_done(q);
    if (r < 0)
        return iam_err_store(err, r);
    return r > 0 ? 0 : -ENOENT;
}

int
iam_policy_counts(struct store_tx *tx, const char *account, const char *arn,
                  int64_t *ret_attached, int64_t *ret_boundary)
{
    struct store_rows *q = NULL;
    int r;

    r = store_query(tx, &q,
                    "SELECT (SELECT count(*) FROM iam_attachment WHERE account = ?1 AND policy_arn = ?2),"
                    " (SELECT count(*) FROM iam_user WHERE account = ?1 AND boundary = ?2) +"
                    " (SELECT count(*) FROM iam_role WHERE account = ?1 AND boundary = ?2)",
                    "ss", account, arn);
    if (r > 0) {
        *ret_attached = store_col_int(q, 0);
        *ret_boundary = store_col_int(q, 1);
        r = 0;
    }
    store_rows_done(q);
    return r;
}

int
iam_boundary_check(const struct req *rq, const char *arn, struct aerr *err)
{
    struct iam_policy_ref p;
    int r = iam_policy_resolve(rq, arn, &p, err);

    if (r == -ENOENT)
        return iam_err_nosuch(err, "Scope ARN: %s does not exist or is not attachable.", arn);
    return r;
}

int
iam_entity_modifiable(struct req *rq, const struct iam_entity *e, struct aerr *err)
{
    int r;

    if (e->kind != IAM_ROLE)
        return 0;
    r = iam_role_service_linked(rq->tx, e->id);
    if (r < 0)
        return iam_err_store(err, r);
    if (r)
        return iam_err_unmodifiable(err, "Cannot perform the operation on the protected role '%s' - "
                                    "this role is only modifiable by AWS", e->name);
    return 0;
}

int
iam_entity_find_modifiable(struct req *rq, enum iam_kind kind, struct iam_entity *e, struct aerr *err)
{
    int r = iam_entity_find_in(rq, kind, e, err);

    return r < 0 ? r : iam_entity_modifiable(rq, e, err);
}

int
iam_attached_count(struct store_tx *tx, const char *entity_id)
{
    struct store_rows *q = NULL;
    int r = store_query(tx, &q, "SELECT count(*) FROM iam_attachment WHERE entity_id = ?1", "s", entity_id);

    if (r > 0)
        r = (int) store_col_int(q, 0);
    store_rows_done(q);
    return r;
}

int
iam_attach(struct req *rq, enum iam_kind kind, struct aerr *err)
{
    const char *arn = iam_in_str(rq, "PolicyArn");
    struct iam_policy_ref p;
    struct store_rows *q = NULL;
    struct iam_entity e;
    int64_t n = 0, here = 0, seq = 0;
    int r;

    if ((r = iam_entity_find_modifiable(rq, kind, &e, err)) < 0)
        return r;
    r = iam_policy_resolve(rq, arn, &p, err);
    if (r == -ENOENT)
        return iam_err_nosuch(err, "Policy %s does not exist or is not attachable.", arn);
    if (r < 0)
        return r;
    r = store_query(rq->tx, &q, "SELECT count(*), coalesce(sum(policy_arn = ?2), 0), coalesce(max(seq), 0) "
                    "FROM iam_attachment WHERE entity_id = ?1", "ss", e.id, arn);
    if (r > 0) {
        n = store_col_int(q, 0);
        here = store_col_int(q, 1);
        seq = store_col_int(q, 2);
    }
    store_rows_done(q);
    if (r < 0)
        return iam_err_store(err, r);
    if (here)
        return 0;
    if (n >= IAM_MAX_ATTACHED)
        return iam_err_limit(err, "Cannot exceed quota for %s: %d", iam_kind_info(kind)->attached_quota, IAM_MAX_ATTACHED);
    r = store_exec(rq->tx, "INSERT INTO iam_attachment (account, entity_kind, entity_id, policy_arn, seq) "
                   "VALUES (?1, ?2, ?3, ?4, ?5)", "ssssi", rq->caller->account, iam_kind_word(kind), e.id,
                   arn, seq + 1);
    return r < 0 ? iam_err_store(err, r) : 0;
}

int
iam_detach(struct req *rq, enum iam_kind kind, struct aerr *err)
{
    const char *arn = iam_in_str(rq, "PolicyArn");
    struct iam_policy_ref p;
    struct iam_entity e;
    int r;

    if ((r = iam_entity_find_modifiable(rq, kind, &e, err)) < 0)
        return r;
    r = iam_policy_resolve(rq, arn, &p, err);
    if (r == -ENOENT)
        return iam_err_nosuch(err, "Policy %s was not found.", arn);
    if (r < 0)
        return r;
    r = store_exec(rq->tx, "DELETE FROM iam_attachment WHERE entity_id = ?1 AND policy_arn = ?2", "ss", e.id, arn);
    if (r < 0)
        return iam_err_store(err, r);
    if (r == 0)
        return iam_err_nosuch(err, "Policy %s was not found.", arn);
    return 0;
}

/* The name of an attached policy: from the embedded table or the customer policy row. */
static int
attached_item(struct store_tx *tx, const char *arn, json_t *list)
{
    const struct iam_aws_policy *a = iam_aws_policy_find(arn);
    struct store_rows *q = NULL;
    int r;

    if (a) {
        json_array_append_new(list, json_pack("{s:s, s:s}", "PolicyName", a->name, "PolicyArn", arn));
        return 0;
    }
    r = store_query(tx, &q, "SELECT name FROM iam_policy WHERE arn = ?1", "s", arn);
    if (r > 0)
        json_array_append_new(list, json_pack("{s:s, s:s}", "PolicyName", store_col_text(q, 0), "PolicyArn", arn));
    store_rows_done(q);
    return r < 0 ? r : 0;
}

json_t *
iam_attached_json(struct store_tx *tx, const char *entity_id)
{
    json_t *rows = NULL, *list = json_array(), *row;
    size_t i;
    int r;

    r = store_query_json(tx, &rows, 1000, "SELECT policy_arn FROM iam_attachment WHERE entity_id = ?1 ORDER BY seq",
                         "s", entity_id);
    if (r < 0 || !list) {
        json_decref(rows);
        json_decref(list);
        return NULL;
    }
    json_array_foreach(rows, i, row)
        if (attached_item(tx, json_string_value(json_object_get(row, "policy_arn")), list) < 0) {
            json_decref(rows);
            json_decref(list);
            return NULL;
        }
    json_decref(rows);
    return list;
}

int
iam_list_attached(struct req *rq, enum iam_kind kind, struct aerr *err)
{
    const char *prefix = iam_in_str(rq, "PathPrefix");
    struct iam_entity e;
    struct iam_page pg;
    json_t *all, *out, *list, *item;
    int64_t off, n = 0, seen = 0;
    size_t i;
    int r, truncated = 0;
    char key[24];

    r = iam_entity_find_in(rq, kind, &e, err);
    if (r < 0)
        return r;
    if ((r = iam_page_begin(rq, IAM_DEFAULT_MAX_ITEMS, &pg, err)) < 0)
        return r;
    off = iam_page_offset(&pg);
    all = iam_attached_json(rq->tx, e.id);
    if (!all) {
        iam_page_done(&pg);
        return iam_err_store(err, -EIO);
    }
    out = json_object();
    list = json_array();
    json_object_set_new(out, "AttachedPolicies", list);
    json_array_foreach(all, i, item) {
        const char *arn = json_string_value(json_object_get(item, "PolicyArn"));
        if (prefix) {
            /* the policy's path: between "policy" and the name */
            const char *p = strstr(arn, ":policy/");
            const char *name = json_string_value(json_object_get(item, "PolicyName"));
            size_t plen = p ? strlen(p + 7) - strlen(name) : 0;
            if (!p || strlen(prefix) > plen || strncmp(p + 7, prefix, strlen(prefix)) != 0)
                continue;
        }
        if (seen++ < off)
            continue;
        if (n == pg.max) {
            truncated = 1;
            break;
        }
        json_array_append(list, item);
        n++;
    }
    json_decref(all);
    iam_page_offset_key(off + n, key);
    iam_page_end(out, truncated, key);
    iam_page_done(&pg);
    rq->out = out;
    return 0;
}
