/* src/ssm/tags.c - tags on SSM resources (documents and parameters): AddTagsToResource,
 * ListTagsForResource, RemoveTagsFromResource, and the helpers documents.c and parameters.c
 * use to tag at creation, list and filter. Used by: ssm.c's table. Uses: store/.
 * Table ssm_tag (account, region, rtype, rid, key, value). */
#include <errno.h>
#include <string.h>
#include <strings.h>
#include "internal.h"

static int
count_tags(struct req *rq, const char *rtype, const char *rid, int64_t *ret)
{
    struct store_rows *q = NULL;
    int r;

    r = store_query(rq->tx, &q, "SELECT count(*) FROM ssm_tag WHERE account = ?1 AND region = ?2 AND "
                    "rtype = ?3 AND rid = ?4", "ssss", rq->caller->account, rq->region, rtype, rid);
    if (r > 0)
        *ret = store_col_int(q, 0);
    store_rows_done(q);
    return r < 0 ? r : 0;
}

int
ssm_tags_check(const json_t *tags, struct aerr *err)
{
    json_t *t, *u;
    size_t i, j;

    if (json_array_size(tags) > SSM_MAX_TAGS)
        return aerr_set(err, -E2BIG, 400, "TooManyTagsError",
                        "A resource can have at most %d tags.", SSM_MAX_TAGS);
    json_array_foreach(tags, i, t) {
        const char *k = ssm_in_str(t, "Key");
        if (!k)
            return aerr_set(err, -EINVAL, 400, "ValidationException", "A tag needs a Key.");
        if (!strncasecmp(k, "aws:", 4))
            return aerr_set(err, -EINVAL, 400, "ValidationException",
                            "Tag keys can't begin with aws: (reserved for AWS use): %.128s", k);
        for (j = 0; j < i; j++) {
            u = json_array_get(tags, j);
            if (!strcmp(k, ssm_in_str(u, "Key")))
                return aerr_set(err, -EINVAL, 400, "ValidationException",
                                "Duplicate tag key %.128s in the request.", k);
        }
    }
    return 0;
}

int
ssm_tags_add(struct req *rq, const char *rtype, const char *rid, const json_t *tags,
             struct aerr *err)
{
    int64_t n = 0;
    json_t *t;
    size_t i;
    int r;

    json_array_foreach(tags, i, t) {
        r = store_exec(rq->tx, "INSERT INTO ssm_tag (account, region, rtype, rid, key, value) VALUES "
                       "(?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO UPDATE SET value = excluded.value",
                       "ssssss", rq->caller->account, rq->region, rtype, rid,
                       ssm_in_str(t, "Key"), ssm_in_str(t, "Value") ? ssm_in_str(t, "Value") : "");
        if (r < 0)
            return aerr_internal(err, r);
    }
    r = count_tags(rq, rtype, rid, &n);
    if (r < 0)
        return aerr_internal(err, r);
    if (n > SSM_MAX_TAGS)
        return aerr_set(err, -E2BIG, 400, "TooManyTagsError",
                        "A resource can have at most %d tags.", SSM_MAX_TAGS);
    return 0;
}

int
ssm_tags_get(struct req *rq, const char *rtype, const char *rid, json_t **ret)
{
    json_t *rows = NULL, *list, *row;
    size_t i;
    int r;

    r = store_query_json(rq->tx, &rows, SSM_MAX_TAGS * 2,
                         "SELECT key, value FROM ssm_tag WHERE account = ?1 AND region = ?2 AND "
                         "rtype = ?3 AND rid = ?4 ORDER BY key", "ssss",
                         rq->caller->account, rq->region, rtype, rid);
    if (r < 0)
        return r;
    if (!(list = json_array())) {
        json_decref(rows);
        return -ENOMEM;
    }
    json_array_foreach(rows, i, row) {
        if (json_array_append_new(list, json_pack("{s:O, s:O}", "Key", json_object_get(row, "key"),
                                                  "Value", json_object_get(row, "value")))) {
            json_decref(rows);
            json_decref(list);
            return -ENOMEM;
        }
    }
    json_decref(rows);
    *ret = list;
    return 0;
}

int
ssm_tags_drop(struct req *rq, const char *rtype, const char *rid)
{
    int r = store_exec(rq->tx, "DELETE FROM ssm_tag WHERE account = ?1 AND region = ?2 AND "
                       "rtype = ?3 AND rid = ?4", "ssss", rq->caller->account, rq->region, rtype, rid);

    return r < 0 ? r : 0;
}

int
ssm_tags_match(struct req *rq, const char *rtype, const char *rid, const char *key,
               const json_t *values)
{
    struct store_rows *q = NULL;
    json_t *v;
    size_t i;
    int r, ok = 0;

    r = store_query(rq->tx, &q, "SELECT value FROM ssm_tag WHERE account = ?1 AND region = ?2 AND "
                    "rtype = ?3 AND rid = ?4 AND key = ?5", "sssss",
                    rq->caller->account, rq->region, rtype, rid, key);
    if (r > 0) {
        ok = json_array_size(values) == 0;
        json_array_foreach(values, i, v)
            if (json_is_string(v) && !strcmp(json_string_value(v), store_col_text(q, 0)))
                ok = 1;
    }
    store_rows_done(q);
    return r < 0 ? r : ok;
}

/* ---- the API ---- */

/* Check type and id: 0 when the resource exists, <0 with err filled. */
static int
check_resource(struct req *rq, const char **ret_type, const char **ret_id, struct aerr *err)
{
    const char *type = ssm_in_str(rq->in, "ResourceType"), *id = ssm_in_str(rq->in, "ResourceId");
    int r;

    *ret_type = type;
    *ret_id = id;
    if (!strcmp(type, "Document"))
        r = ssm_document_exists(rq, id);
    else if (!strcmp(type, "Parameter"))
        r = ssm_parameter_exists(rq, id);
    else
        r = 0;                     /* types this server keeps no tags for: nothing has that id */
    if (r < 0)
        return aerr_internal(err, r);
    if (r == 0)
        return aerr_set(err, -ENOENT, 400, "InvalidResourceId",
                        "The resource ID \"%.256s\" is not valid. Verify the ID and try again.", id);
    return 0;
}

int
ssm_add_tags_to_resource(struct req *rq, struct aerr *err)
{
    const json_t *tags = json_object_get(rq->in, "Tags");
    const char *type, *id;
    int r;

    if ((r = check_resource(rq, &type, &id, err)) < 0)
        return r;
    if ((r = ssm_tags_check(tags, err)) < 0)
        return r;
    return ssm_tags_add(rq, type, id, tags, err);
}

int
ssm_list_tags_for_resource(struct req *rq, struct aerr *err)
{
    const char *type, *id;
    json_t *list = NULL;
    int r;

    if ((r = check_resource(rq, &type, &id, err)) < 0)
        return r;
    if ((r = ssm_tags_get(rq, type, id, &list)) < 0)
        return aerr_internal(err, r);
    if (!(rq->out = json_pack("{s:o}", "TagList", list)))
        return aerr_internal(err, -ENOMEM);
    return 0;
}

int
ssm_remove_tags_from_resource(struct req *rq, struct aerr *err)
{
    const json_t *keys = json_object_get(rq->in, "TagKeys"), *k;
    const char *type, *id;
    size_t i;
    int r;

    if ((r = check_resource(rq, &type, &id, err)) < 0)
        return r;
    json_array_foreach(keys, i, k) {
        r = store_exec(rq->tx, "DELETE FROM ssm_tag WHERE account = ?1 AND region = ?2 AND "
                       "rtype = ?3 AND rid = ?4 AND key = ?5", "sssss", rq->caller->account,
                       rq->region, type, id, json_string_value(k));
        if (r < 0)
            return aerr_internal(err, r);
    }
    return 0;
}

/* The ARN the tag operations are authorized on, by resource type (AWS's ARN formats). */
int
ssm_tag_resource(const struct req *rq, char *buf, size_t cap, struct aerr *err)
{
    static const struct { const char *type, *kind; } kinds[] = {
        { "ManagedInstance", "managed-instance" }, { "MaintenanceWindow", "maintenancewindow" },
        { "PatchBaseline", "patchbaseline" }, { "OpsItem", "opsitem" },
        { "OpsMetadata", "opsmetadata" }, { "Automation", "automation-execution" },
        { "Association", "association" }, { NULL, NULL },
    };
    const char *type = ssm_in_str(rq->in, "ResourceType"), *id = ssm_in_str(rq->in, "ResourceId");
    size_t i;
    int n;

    if (!type || !id)
        return aerr_internal(err, -EINVAL);
    if (!strcmp(type, "Document"))
        n = ssm_document_arn(rq->region, ssm_aws_doc_find(id) ? "" : rq->caller->account, id, buf, cap);
    else if (!strcmp(type, "Parameter"))
        n = ssm_parameter_arn(rq->region, rq->caller->account, id, buf, cap);
    else {
        for (i = 0; kinds[i].type && strcmp(kinds[i].type, type); i++)
            ;
        n = snprintf(buf, cap, "arn:aws:ssm:%s:%s:%s/%s", rq->region, rq->caller->account,
                     kinds[i].kind ? kinds[i].kind : "resource", id);
        n = n < 0 || (size_t) n >= cap ? -ENAMETOOLONG : 0;
    }
    return n < 0 ? aerr_set(err, -EINVAL, 400, "InvalidResourceId",
                            "The resource ID is not valid. Verify the ID and try again.") : 0;
}
