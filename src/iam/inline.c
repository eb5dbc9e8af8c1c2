/* src/iam/inline.c - inline policies of users, groups and roles: Put/Get/List/Delete, with the
 * per-entity aggregate size quotas. Used by: iam.c, users.c, groups.c, roles.c, summary.c.
 * Uses: polcheck.c, util.c, store/. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "internal.h"

static const char *
entity_member(enum iam_kind kind)
{
    return kind == IAM_USER ? "UserName" : kind == IAM_GROUP ? "GroupName" : "RoleName";
}

static int
quota(enum iam_kind kind)
{
    return kind == IAM_USER ? IAM_USER_INLINE_QUOTA : kind == IAM_GROUP ? IAM_GROUP_INLINE_QUOTA
                                                                       : IAM_ROLE_INLINE_QUOTA;
}

int
iam_inline_count(struct store_tx *tx, const char *entity_id)
{
    struct store_rows *q = NULL;
    int r = store_query(tx, &q, "SELECT count(*) FROM iam_inline WHERE entity_id = ?1", "s", entity_id);

    if (r > 0)
        r = (int) store_col_int(q, 0);
    store_rows_done(q);
    return r;
}

int
iam_inline_put(struct req *rq, enum iam_kind kind, struct aerr *err)
{
    const char *pname = iam_in_str(rq, "PolicyName");
    const char *doc = iam_in_str(rq, "PolicyDocument");
    struct store_rows *q = NULL;
    struct iam_entity e;
    int64_t others = 0;
    size_t size;
    int r;

    r = iam_entity_find(rq, kind, iam_in_str(rq, entity_member(kind)), &e, err);
    if (r < 0)
        return r;
    if ((r = iam_entity_modifiable(rq, &e, err)) < 0)
        return r;
    if ((r = iam_doc_check(doc, IAM_DOC_INLINE, &size, err)) < 0)
        return r;
    r = store_query(rq->tx, &q, "SELECT coalesce(sum(size), 0) FROM iam_inline WHERE entity_id = ?1 AND name != ?2",
                    "ss", e.id, pname);
    if (r > 0)
        others = store_col_int(q, 0);
    store_rows_done(q);
    if (r < 0)
        return iam_err_store(err, r);
    if (others + (int64_t) size > quota(kind))
        return iam_err_limit(err, "Maximum policy size of %d bytes exceeded for %s %s", quota(kind),
                             iam_kind_word(kind), e.name);
    r = store_exec(rq->tx, "INSERT INTO iam_inline (entity_id, entity_kind, account, name, document, size) "
                   "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (entity_id, name) DO UPDATE SET "
                   "document = excluded.document, size = excluded.size",
                   "sssssi", e.id, iam_kind_word(kind), rq->caller->account, pname, doc, (int64_t) size);
    return r < 0 ? iam_err_store(err, r) : 0;
}

int
iam_inline_get(struct req *rq, enum iam_kind kind, struct aerr *err)
{
    const char *pname = iam_in_str(rq, "PolicyName");
    struct store_rows *q = NULL;
    struct iam_entity e;
    int r;

    r = iam_entity_find(rq, kind, iam_in_str(rq, entity_member(kind)), &e, err);
    if (r < 0)
        return r;
    r = store_query(rq->tx, &q, "SELECT name, document FROM iam_inline WHERE entity_id = ?1 AND name = ?2",
                    "ss", e.id, pname);
    if (r > 0)
        rq->out = json_pack("{s:s, s:s, s:o}", entity_member(kind), e.name, "PolicyName", store_col_text(q, 0),
                            "PolicyDocument", iam_doc_out(store_col_text(q, 1)));
    store_rows_done(q);
    if (r < 0)
        return iam_err_store(err, r);
    if (r == 0)
        return iam_err_nosuch(err, "The %s policy with name %s cannot be found.", iam_kind_word(kind), pname);
    return 0;
}

int
iam_inline_list(struct req *rq, enum iam_kind kind, struct aerr *err)
{
    struct store_rows *q = NULL;
    struct iam_entity e;
    struct iam_page pg;
    json_t *out, *list;
    int64_t n = 0;
    int r, truncated = 0;
    char last[IAM_NAME_MAX + 1] = "";

    r = iam_entity_find(rq, kind, iam_in_str(rq, entity_member(kind)), &e, err);
    if (r < 0)
        return r;
    if ((r = iam_page_begin(rq, IAM_DEFAULT_MAX_ITEMS, &pg, err)) < 0)
        return r;
    out = json_object();
    list = json_array();
    json_object_set_new(out, "PolicyNames", list);
    for (r = store_query(rq->tx, &q, "SELECT name FROM iam_inline WHERE entity_id = ?1 AND name > ?2 "
                         "ORDER BY name LIMIT ?3", "ssi", e.id, pg.after, pg.max + 1);
         r > 0; r = store_next(q)) {
        if (n == pg.max) {
            truncated = 1;
            break;
        }
        json_array_append_new(list, json_string(store_col_text(q, 0)));
        snprintf(last, sizeof(last), "%s", store_col_text(q, 0));
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

int
iam_inline_delete(struct req *rq, enum iam_kind kind, struct aerr *err)
{
    const char *pname = iam_in_str(rq, "PolicyName");
    struct iam_entity e;
    int r;

    r = iam_entity_find(rq, kind, iam_in_str(rq, entity_member(kind)), &e, err);
    if (r < 0)
        return r;
    if ((r = iam_entity_modifiable(rq, &e, err)) < 0)
        return r;
    r = store_exec(rq->tx, "DELETE FROM iam_inline WHERE entity_id = ?1 AND name = ?2", "ss", e.id, pname);
    if (r < 0)
        return iam_err_store(err, r);
    if (r == 0)
        return iam_err_nosuch(err, "The %s policy with name %s cannot be found.", iam_kind_word(kind), pname);
    return 0;
}

json_t *
iam_inline_json(struct store_tx *tx, const char *entity_id)
{
    struct store_rows *q = NULL;
    json_t *list = json_array();
    int r;

    for (r = store_query(tx, &q, "SELECT name, document FROM iam_inline WHERE entity_id = ?1 ORDER BY name",
                         "s", entity_id);
         r > 0; r = store_next(q))
        json_array_append_new(list, json_pack("{s:s, s:o}", "PolicyName", store_col_text(q, 0),
                                              "PolicyDocument", iam_doc_out(store_col_text(q, 1))));
    store_rows_done(q);
    if (r < 0) {
        json_decref(list);
        return NULL;
    }
    return list;
}
