/* src/proto/model.c - lookups in the generated model tables (model_gen.c).
 * Used by: core/ dispatch, the proto/ codecs. Uses: model.h. */
#include <string.h>
#include "internal.h"

const struct model_service *
model_service_by_signing_name(const char *name)
{
    size_t i;

    if (!name)
        return NULL;
    for (i = 0; i < model_n_services; i++)
        if (!strcmp(model_services[i].signing_name, name))
            return &model_services[i];
    return NULL;
}

const struct model_service *
model_service_by_target_prefix(const char *prefix, size_t len)
{
    size_t i;

    if (!prefix)
        return NULL;
    for (i = 0; i < model_n_services; i++) {
        const char *p = model_services[i].target_prefix;

        if (p && strlen(p) == len && !memcmp(p, prefix, len))
            return &model_services[i];
    }
    return NULL;
}

const struct model_service *
model_service_by_api_version(const char *version)
{
    size_t i;

    if (!version)
        return NULL;
    for (i = 0; i < model_n_services; i++) {
        const struct model_service *s = &model_services[i];

        if ((s->protocol == PROTO_QUERY || s->protocol == PROTO_EC2)
            && s->api_version && !strcmp(s->api_version, version))
            return s;
    }
    return NULL;
}

/* Binary search: the generator sorts each service's operations by name (bytewise). */
const struct model_op *
model_op_find(const struct model_service *svc, const char *name)
{
    size_t lo = 0, hi;

    if (!svc || !name)
        return NULL;
    hi = svc->n_ops;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(name, svc->ops[mid].name);

        if (!c)
            return &svc->ops[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

const struct shape_member *
model_member_find(const struct shape *s, const char *name)
{
    size_t i;

    if (!s || !name || s->type != SHAPE_STRUCTURE)
        return NULL;
    for (i = 0; i < s->n_members; i++)
        if (!strcmp(s->members[i].name, name))
            return &s->members[i];
    return NULL;
}

/* ---- Query wire names ---- */

const char *
member_wire_name(const struct shape_member *m)
{
    return m->location_name ? m->location_name : m->name;
}

bool
member_flattened(const struct shape_member *m)
{
    return (m->flags & MEMBER_FLATTENED) || m->shape->flattened;
}

const char *
flat_list_name(const struct shape_member *m)
{
    const char *mln = m->shape->member_location_name;

    if (mln && strcmp(mln, "member"))
        return mln;
    return member_wire_name(m);
}
