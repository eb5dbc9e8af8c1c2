/* src/iam/simulate.c - the policy simulator: SimulatePrincipalPolicy, SimulateCustomPolicy,
 * GetContextKeysForPrincipalPolicy, GetContextKeysForCustomPolicy, on the same engine and the
 * same compiled policies as enforcement (principal.h). A table of its own (iam_simulate_service)
 * under the "iam" signing name. Used by: core/dispatch.c. Uses: principal.c, policy/. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "internal.h"
#include "principal.h"
#include "simulate.h"

#define SIM_MAX_RESULTS  10000      /* action x resource pairs evaluated in one call */

/* ---- inputs ---- */

/* Parse the documents of list (strings) as kind and add them to s. */
static int
add_inputs(struct iam_subject *s, json_t *list, int boundary, const char *label, struct aerr *err)
{
    json_t *v;
    size_t i;
    int r;

    json_array_foreach(list, i, v) {
        const char *doc = json_string_value(v);
        char id[64];
        struct policy *p;

        if (!doc)
            continue;
        r = iam_policy_compiled(doc, strlen(doc), POLICY_KIND_IDENTITY, 0, &p, err);
        if (r < 0)
            return r;
        snprintf(id, sizeof(id), "%s.%zu", label, i + 1);
        r = iam_subject_add(s, boundary, p, id, "none");
        policy_unref(p);
        if (r < 0)
            return aerr_internal(err, r);
    }
    return 0;
}

/* The principal type an ARN names (CallerArn, PolicySourceArn). */
static enum policy_principal_type
arn_type(const char *arn, const char **ret_role)
{
    *ret_role = NULL;
    if (strstr(arn, ":assumed-role/"))
        return POLICY_PRINCIPAL_ASSUMED_ROLE;
    if (strstr(arn, ":role/")) {
        *ret_role = arn;
        return POLICY_PRINCIPAL_ASSUMED_ROLE;
    }
    if (strstr(arn, ":federated-user/"))
        return POLICY_PRINCIPAL_FEDERATED_USER;
    if (strlen(arn) > 5 && !strcmp(arn + strlen(arn) - 5, ":root"))
        return POLICY_PRINCIPAL_ROOT;
    return POLICY_PRINCIPAL_USER;
}

/* The account of ResourceOwner: an account id or an ARN naming one. NULL = default. */
static const char *
owner_account(const char *owner, char buf[13])
{
    const char *p;

    if (!owner)
        return NULL;
    p = !strncmp(owner, "arn:", 4) ? strstr(owner, "::") : owner;
    if (p && p != owner)
        p += 2;
    if (!p || strlen(p) < 12)
        return NULL;
    snprintf(buf, 13, "%.12s", p);
    return buf;
}

struct sim {
    struct iam_subject        *s;
    struct policy             *resource;       /* ResourcePolicy, or NULL */
    const char                *owner;          /* resources' account, or NULL */
    enum policy_principal_type ptype;
    const char                *parn, *prole;
    const char                *username;       /* aws:username to fill, or NULL */
};

static json_t *
position(unsigned line, unsigned column)
{
    return json_pack("{s:i, s:i}", "Line", (int) line, "Column", (int) column);
}

static json_t *
statements(const struct sim *m, const struct policy_result *res)
{
    json_t *arr = json_array();

    for (size_t i = 0; arr && i < res->n_matches; i++) {
        const struct policy_match *x = &res->matches[i];
        struct policy_position st = { 0, 0 }, en = { 0, 0 };
        const char *id = "", *type = "none";

        if ((res->decision == POLICY_EXPLICIT_DENY) != x->deny)
            continue;
        if (x->source == POLICY_SRC_BOUNDARY && !x->deny)
            continue;                      /* reported as PermissionsBoundaryDecisionDetail */
        switch (x->source) {
        case POLICY_SRC_IDENTITY:
            if (x->index < m->s->n_identity) {
                id = m->s->identity_info[x->index].id;
                type = m->s->identity_info[x->index].type;
            }
            break;
        case POLICY_SRC_BOUNDARY:
            if (x->index < m->s->n_boundary) {
                id = m->s->boundary_info[x->index].id;
                type = m->s->boundary_info[x->index].type;
            }
            break;
        case POLICY_SRC_RESOURCE:
            id = "ResourcePolicy";
            type = "resource";
            break;
        default:
            break;
        }
        (void) policy_statement_position(x->policy, x->stmt, &st, &en);
        json_array_append_new(arr, json_pack("{s:s, s:s, s:o, s:o}", "SourcePolicyId", id,
                                             "SourcePolicyType", type,
                                             "StartPosition", position(st.line, st.column),
                                             "EndPosition", position(en.line, en.column)));
    }
    return arr;
}

static json_t *
missing(const struct policy_result *res)
{
    json_t *arr = json_array();

    for (size_t i = 0; arr && i < res->n_missing; i++)
        json_array_append_new(arr, json_string(res->missing[i]));
    return arr;
}

/* The context entries of the request: ContextKeyName, ContextKeyValues (ContextKeyType only
 * says how to read them; the engine types values itself). */
static int
put_entries(struct policy_ctx *c, json_t *entries)
{
    json_t *e, *v;
    size_t i, j;
    int r;

    json_array_foreach(entries, i, e) {
        const char *name = json_string_value(json_object_get(e, "ContextKeyName"));
        json_t *vals = json_object_get(e, "ContextKeyValues");
        const char *list[64];
        size_t n = 0;

        if (!name)
            continue;
        json_array_foreach(vals, j, v)
            if (json_string_value(v) && n < sizeof(list) / sizeof(list[0]))
                list[n++] = json_string_value(v);
        if ((r = policy_ctx_key_set(c, name, list, n)) < 0)
            return r;
    }
    return 0;
}

/* Evaluate action on resource; return the EvaluationResult or ResourceSpecificResult tree. */
static int
evaluate(struct req *rq, const struct sim *m, struct policy_ctx *c, const char *action,
         const char *resource, json_t *entries, struct policy_result *res, struct aerr *err)
{
    struct policy_set set = {
        .identity = m->s->identity, .n_identity = m->s->n_identity,
        .boundary = m->s->boundary, .n_boundary = m->s->n_boundary, .resource = m->resource,
    };
    int r;

    policy_ctx_reset(c);
    r = policy_ctx_set_principal(c, m->ptype, m->parn, NULL, m->prole);
    if (r == -EINVAL)
        return iam_err_invalid(err, "Invalid principal ARN: %.200s", m->parn);
    if (r == 0)
        r = policy_ctx_set_action(c, action);
    if (r == -EINVAL)
        return iam_err_invalid(err, "Invalid action name: %.200s", action);
    if (r == 0)
        r = policy_ctx_set_resource(c, resource, m->owner);
    if (r == 0)
        r = policy_ctx_add_principal_keys(c);
    if (r == 0 && m->username)
        r = policy_ctx_key_add(c, "aws:username", m->username);
    for (size_t i = 0; r == 0 && i < m->s->n_tags; i++) {
        char key[300];
        snprintf(key, sizeof(key), "aws:PrincipalTag/%s", m->s->tags[i].key);
        r = policy_ctx_key_add(c, key, m->s->tags[i].value);
    }
    if (r == 0)
        r = put_entries(c, entries);
    if (r < 0)
        return aerr_internal(err, r);
    policy_decide(&set, c, POLICY_DECIDE_TRACE, res);
    return 0;
}

static int
simulate(struct req *rq, struct sim *m, struct aerr *err)
{
    json_t *actions = json_object_get(rq->in, "ActionNames");
    json_t *resources = json_object_get(rq->in, "ResourceArns");
    json_t *entries = json_object_get(rq->in, "ContextEntries");
    json_t *results = json_array(), *a;
    struct policy_ctx *c = policy_ctx_new();
    struct policy_result *res = malloc(sizeof(*res));
    struct iam_page pg = { 0 };
    int64_t off, count = 0;
    size_t i, j, nres = json_array_size(resources);
    int r = 0, truncated = 0;
    char key[24];

    if (!results || !c || !res) {
        r = aerr_internal(err, -ENOMEM);
        goto out;
    }
    if ((size_t) json_array_size(actions) * (nres ? nres : 1) > SIM_MAX_RESULTS) {
        r = iam_err_invalid(err, "The simulation is too large: at most %d action and resource pairs.",
                            SIM_MAX_RESULTS);
        goto out;
    }
    r = iam_page_begin(rq, IAM_DEFAULT_MAX_ITEMS, &pg, err);
    if (r < 0)
        goto out;
    off = iam_page_offset(&pg);
    json_array_foreach(actions, i, a) {
        const char *action = json_string_value(a);
        for (j = 0; j < (nres ? nres : 1); j++) {
            const char *resource = nres ? json_string_value(json_array_get(resources, j)) : "*";
            json_t *one, *spec;

            if (!action || !resource)
                continue;
            if (count++ < off)
                continue;
            if ((int64_t) json_array_size(results) >= pg.max) {
                truncated = 1;
                break;
            }
            r = evaluate(rq, m, c, action, resource, entries, res, err);
            if (r < 0)
                goto out;
            one = json_pack("{s:s, s:s, s:s, s:o, s:o}", "EvalActionName", action,
                            "EvalResourceName", resource,
                            "EvalDecision", policy_decision_name(res->decision),
                            "MatchedStatements", statements(m, res),
                            "MissingContextValues", missing(res));
            if (!one) {
                r = aerr_internal(err, -ENOMEM);
                goto out;
            }
            if (m->s->n_boundary)
                json_object_set_new(one, "PermissionsBoundaryDecisionDetail",
                                    json_pack("{s:b}", "AllowedByPermissionsBoundary", res->boundary_allowed));
            if (nres) {
                spec = json_pack("{s:s, s:s, s:o, s:o}", "EvalResourceName", resource,
                                 "EvalResourceDecision", policy_decision_name(res->decision),
                                 "MatchedStatements", statements(m, res),
                                 "MissingContextValues", missing(res));
                if (spec && m->s->n_boundary)
                    json_object_set_new(spec, "PermissionsBoundaryDecisionDetail",
                                        json_pack("{s:b}", "AllowedByPermissionsBoundary", res->boundary_allowed));
                json_object_set_new(one, "ResourceSpecificResults", json_pack("[o]", spec));
            }
            json_array_append_new(results, one);
        }
        if (truncated)
            break;
    }
    rq->out = json_pack("{s:O}", "EvaluationResults", results);
    if (!rq->out) {
        r = aerr_internal(err, -ENOMEM);
        goto out;
    }
    iam_page_offset_key(off + (int64_t) json_array_size(results), key);
    r = iam_page_end(rq->out, truncated, key);
    if (r < 0)
        r = aerr_internal(err, r);
out:
    iam_page_done(&pg);
    json_decref(results);
    policy_ctx_free(c);
    free(res);
    return r;
}

/* ResourcePolicy, ResourceOwner, and the principal to evaluate as. */
static int
common(struct req *rq, struct sim *m, char owner[13], struct aerr *err)
{
    const char *doc = iam_in_str(rq, "ResourcePolicy"), *caller = iam_in_str(rq, "CallerArn");

    if (doc) {
        struct policy_parse_opts o = { .kind = POLICY_KIND_RESOURCE, .id = "ResourcePolicy" };
        int r = policy_parse(doc, strlen(doc), &o, &m->resource, err);
        if (r < 0)
            return r;
    }
    m->owner = owner_account(iam_in_str(rq, "ResourceOwner"), owner);
    if (caller) {
        m->parn = caller;
        m->ptype = arn_type(caller, &m->prole);
        m->username = NULL;
        if (m->ptype == POLICY_PRINCIPAL_USER && strrchr(caller, '/'))
            m->username = strrchr(caller, '/') + 1;
    }
    return 0;
}

static int
res_source(const struct req *rq, char *buf, size_t cap, struct aerr *err)
{
    const char *arn = iam_in_str(rq, "PolicySourceArn");
    int n = snprintf(buf, cap, "%s", arn ? arn : "*");

    return n < 0 || (size_t) n >= cap ? iam_err_invalid(err, "Invalid ARN.") : 0;
}

static int
simulate_principal_policy(struct req *rq, struct aerr *err)
{
    const char *src = iam_in_str(rq, "PolicySourceArn");
    struct sim m = { 0 };
    char owner[13], session[IAM_ARN_MAX + 64];
    const char *slash = strrchr(src, '/');
    int r;

    r = iam_subject_for_arn(rq->tx, rq->caller->account, src, &m.s, err);
    if (r < 0)
        return r;
    m.ptype = arn_type(src, &m.prole);
    m.parn = src;
    if (m.ptype == POLICY_PRINCIPAL_USER && slash && strstr(src, ":user/"))
        m.username = slash + 1;
    if (m.prole && slash) {               /* a role: evaluate as one of its sessions */
        snprintf(session, sizeof(session), "arn:aws:sts::%s:assumed-role/%s/simulation",
                 rq->caller->account, slash + 1);
        m.parn = session;
    }
    if (json_array_size(json_object_get(rq->in, "PermissionsBoundaryPolicyInputList")))
        iam_subject_drop_boundary(m.s);
    r = add_inputs(m.s, json_object_get(rq->in, "PolicyInputList"), 0, "PolicyInputList", err);
    if (r == 0)
        r = add_inputs(m.s, json_object_get(rq->in, "PermissionsBoundaryPolicyInputList"), 1,
                       "PermissionsBoundaryPolicyInputList", err);
    if (r == 0)
        r = common(rq, &m, owner, err);
    if (r == 0)
        r = simulate(rq, &m, err);
    iam_subject_unref(m.s);
    policy_unref(m.resource);
    return r;
}

static int
simulate_custom_policy(struct req *rq, struct aerr *err)
{
    struct sim m = { 0 };
    char owner[13], user[64];
    int r;

    m.s = iam_subject_new(0, 0);
    if (!m.s)
        return aerr_internal(err, -ENOMEM);
    snprintf(user, sizeof(user), "arn:aws:iam::%s:user/SimulatedUser", rq->caller->account);
    m.parn = user;
    m.ptype = POLICY_PRINCIPAL_USER;
    r = add_inputs(m.s, json_object_get(rq->in, "PolicyInputList"), 0, "PolicyInputList", err);
    if (r == 0)
        r = add_inputs(m.s, json_object_get(rq->in, "PermissionsBoundaryPolicyInputList"), 1,
                       "PermissionsBoundaryPolicyInputList", err);
    if (r == 0)
        r = common(rq, &m, owner, err);
    if (r == 0)
        r = simulate(rq, &m, err);
    iam_subject_unref(m.s);
    policy_unref(m.resource);
    return r;
}

/* ---- context keys ---- */

static void
collect_key(void *ud, const char *key)
{
    json_t *arr = ud, *v;
    size_t i;

    json_array_foreach(arr, i, v)
        if (!strcasecmp(json_string_value(v), key))
            return;
    json_array_append_new(arr, json_string(key));
}

static int
context_keys(struct req *rq, struct iam_subject *s, struct aerr *err)
{
    json_t *keys = json_array();
    size_t i;
    int r;

    r = keys ? add_inputs(s, json_object_get(rq->in, "PolicyInputList"), 0, "PolicyInputList", err)
             : aerr_internal(err, -ENOMEM);
    for (i = 0; r == 0 && i < s->n_identity; i++)
        policy_context_keys(s->identity[i], collect_key, keys);
    for (i = 0; r == 0 && i < s->n_boundary; i++)
        policy_context_keys(s->boundary[i], collect_key, keys);
    if (r == 0) {
        rq->out = json_pack("{s:O}", "ContextKeyNames", keys);
        r = rq->out ? 0 : aerr_internal(err, -ENOMEM);
    }
    json_decref(keys);
    return r;
}

static int
get_context_keys_for_principal_policy(struct req *rq, struct aerr *err)
{
    struct iam_subject *s;
    int r;

    r = iam_subject_for_arn(rq->tx, rq->caller->account, iam_in_str(rq, "PolicySourceArn"), &s, err);
    if (r < 0)
        return r;
    r = context_keys(rq, s, err);
    iam_subject_unref(s);
    return r;
}

static int
get_context_keys_for_custom_policy(struct req *rq, struct aerr *err)
{
    struct iam_subject *s = iam_subject_new(0, 0);
    int r;

    if (!s)
        return aerr_internal(err, -ENOMEM);
    r = context_keys(rq, s, err);
    iam_subject_unref(s);
    return r;
}

static const struct op_impl ops[] = {
    { "GetContextKeysForCustomPolicy",    get_context_keys_for_custom_policy,    0, NULL },
    { "GetContextKeysForPrincipalPolicy", get_context_keys_for_principal_policy, 0, res_source },
    { "SimulateCustomPolicy",             simulate_custom_policy,                0, NULL },
    { "SimulatePrincipalPolicy",          simulate_principal_policy,             0, res_source },
    { NULL, NULL, 0, NULL },
};

/* Its migrations are those of the IAM change counter the subject cache relies on (they must
 * run after IAM's own: services[] lists this table after iam_service). */
const struct service_impl iam_simulate_service = { "iam", ops, iam_authz_migrations, "iam-authz" };
