/* src/iam/inline.c - inline policies of users, groups and roles: Put/Get/List/Delete, with the
 * per-entity aggregate size quotas. Used by: iam.c, users.c, groups.c, roles.c, summary.c.
 * Uses: polcheck.c, util.c, store/. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "internal.h"

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

    if ((r = iam_entity_find_modifiable(rq, kind, &e, err)) < 0)
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
    if (others + (int64_t) size > iam_kind_info(kind)->inline_quota)
        return iam_err_limit(err, "Maximum policy size of %d bytes exceeded for %s %s", iam_kind_info(kind)->inline_quota,
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

    r = iam_entity_find_in(rq, kind, &e, err);
    if (r < 0)
        return r;
    r = store_query(rq->tx, &q, "SELECT name, document FROM iam_inline WHERE entity_id = ?1 AND name = ?2",
                    "ss", e.id, pname);
    if (r > 0)
        rq->out = json_pack("{s:s, s:s, s:o}", iam_kind_info(kind)->member, e.name, "PolicyName", store_col_text(q, 0),
                            "PolicyDocument", iam_doc_out(store_col_text(q, 1)));
    store_rows_done(q);
    if (r < 0)
        return iam_err_store(err, r);
    if (r == 0)
        return iam_err_nosuch(err, "The %s policy with name %s cannot be found.", iam_kind_word(kind), pname);
    return 0;
}

static int
name_item(struct req *rq, struct store_rows *q, json_t *list, const void *ud)
{
    (void) rq;
    (void) ud;
    json_array_append_new(list, json_string(store_col_text(q, 0)));
    return 0;
}

int
iam_inline_list(struct req *rq, enum iam_kind kind, struct aerr *err)
{
    struct iam_entity e;
    int r = iam_entity_find_in(rq, kind, &e, err);

    if (r < 0)
        return r;
    return iam_list_rows(rq, &(struct iam_rows){ "PolicyNames",
                         "SELECT name FROM iam_inline WHERE entity_id = ?1 AND name > ?4 ORDER BY name LIMIT ?6",
                         { e.id }, 0, name_item, NULL }, err);
}

int
iam_inline_delete(struct req *rq, enum iam_kind kind, struct aerr *err)
{
    const char *pname = iam_in_str(rq, "PolicyName");
    struct iam_entity e;
    int r;

    if ((r = iam_entity_find_modifiable(rq, kind, &e, err)) < 0)
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
