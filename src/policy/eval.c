/* src/policy/eval.c - deciding a request: statement matching (Action, Resource, Principal,
 * Condition) and AWS's evaluation logic across identity policies, permissions boundaries,
 * session policies and resource-based / trust policies. Used by: policy_decide() callers.
 * Uses: internal.h. Allocates nothing. */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "internal.h"

/* How a resource or trust policy's Allow named the principal (stronger is larger). */
enum { PK_NONE, PK_ACCOUNT, PK_ROLE, PK_DIRECT };

struct pol_trace {
    struct policy_result *r;
};

struct state {
    const struct policy_ctx *c;
    struct policy_result    *r;
    struct pol_trace         trace;       /* .r NULL unless POLICY_DECIDE_TRACE */
    bool                     has_boundary;
};

/* What one kind of policy said. */
struct acc {
    bool    allow, deny;
    uint8_t kind;                         /* resource policies: best PK_* among the Allows */
};

void
pol_trace_missing(struct pol_trace *t, const char *key)
{
    struct policy_result *r;

    if (!t || !t->r)
        return;
    r = t->r;
    for (size_t i = 0; i < r->n_missing; i++)
        if (strcasecmp(r->missing[i], key) == 0)
            return;
    if (r->n_missing < POLICY_MAX_MISSING)
        r->missing[r->n_missing++] = key;
    else
        r->missing_truncated = true;
}

/* ---- statement parts ---- */

static bool
action_matches(const struct pol_stmt *st, const struct policy_ctx *c)
{
    bool m = false;

    for (uint32_t i = 0; i < st->nact && !m; i++) {
        const struct pol_actpat *ap = &st->act[i];

        if (ap->all) {
            m = true;
            break;
        }
        if (ap->svc.kind == PAT_LIT && ap->svc_hash != c->svc_hash)
            continue;
        m = pol_pat_match(&ap->svc, c->svc, c->svc_len) &&
            pol_pat_match(&ap->name, c->aname, c->aname_len);
    }
    return st->not_action ? !m : m;
}

static bool
arnpat_matches(const struct pol_arnpat *ap, const struct pol_arn *subject,
               const struct policy_ctx *c, struct pol_trace *t)
{
    char buf[POLICY_MAX_VALUE], unesc[POLICY_MAX_VALUE];
    const char *missing = NULL;
    struct pol_arnpat tmp;
    int n;

    if (!ap->tmpl)
        return pol_arnpat_match_split(ap, subject);
    n = pol_tmpl_render(ap->tmpl, c, buf, sizeof(buf), &missing);
    if (n < 0) {
        if (missing)
            pol_trace_missing(t, missing);
        return false;                      /* an unresolvable variable matches nothing */
    }
    pol_arnpat_from_text(&tmp, buf, (size_t) n, unesc);
    return pol_arnpat_match_split(&tmp, subject);
}

static bool
resource_matches(const struct pol_stmt *st, const struct policy_ctx *c, struct pol_trace *t)
{
    bool m = false;

    if (!st->has_resource)                 /* trust policies */
        return true;
    for (uint32_t i = 0; i < st->nres && !m; i++)
        m = arnpat_matches(&st->res[i], &c->res, c, t);
    return st->not_resource ? !m : m;
}

static uint8_t
principal_entry(const struct pol_prin *pp, const struct policy_ctx *c)
{
    switch (pp->type) {
    case PRIN_ANY:
        return PK_DIRECT;
    case PRIN_ACCOUNT:
        if (!c->paccount[0] || strcmp(pp->s, c->paccount) != 0)
            return PK_NONE;
        return c->ptype == POLICY_PRINCIPAL_ROOT ? PK_DIRECT : PK_ACCOUNT;
    case PRIN_ARN:
        switch (c->ptype) {
        case POLICY_PRINCIPAL_USER:
        case POLICY_PRINCIPAL_ASSUMED_ROLE:
        case POLICY_PRINCIPAL_FEDERATED_USER:
            if (pp->len == c->parn_len && memcmp(pp->s, c->parn, pp->len) == 0)
                return PK_DIRECT;
            if (pp->len == c->prole_len && c->prole_len && memcmp(pp->s, c->prole, pp->len) == 0)
                return PK_ROLE;
            return PK_NONE;
        default:
            return PK_NONE;
        }
    case PRIN_SERVICE:
        return c->ptype == POLICY_PRINCIPAL_SERVICE && pp->len == c->parn_len &&
               strncasecmp(pp->s, c->parn, pp->len) == 0 ? PK_DIRECT : PK_NONE;
    case PRIN_FEDERATED:
        return c->ptype == POLICY_PRINCIPAL_WEB_IDENTITY && pp->len == c->parn_len &&
               memcmp(pp->s, c->parn, pp->len) == 0 ? PK_DIRECT : PK_NONE;
    default:
        return PK_NONE;
    }
}

static uint8_t
principal_matches(const struct pol_stmt *st, const struct state *s)
{
    uint8_t best = PK_NONE;

    for (uint32_t i = 0; i < st->nprin && best != PK_DIRECT; i++) {
        uint8_t k = principal_entry(&st->prin[i], s->c);

        if (k > best)
            best = k;
    }
    if (!st->not_principal)
        return best;
    /* NotPrincipal with Deny always applies to an entity that has a permissions boundary
     * (AWS documents this); otherwise it applies to everyone it does not name */
    if (st->deny && s->has_boundary)
        return PK_DIRECT;
    return best == PK_NONE ? PK_DIRECT : PK_NONE;
}

static bool
conditions_hold(const struct pol_stmt *st, bool v2012, struct state *s)
{
    struct pol_trace *t = s->trace.r ? &s->trace : NULL;
    bool ok = true;

    for (uint32_t i = 0; i < st->ncond; i++) {
        if (!pol_cond_eval(&st->cond[i], v2012, s->c, t)) {
            ok = false;
            if (!t)
                break;                     /* tracing evaluates all, for missing keys */
        }
    }
    return ok;
}

static void
add_match(struct state *s, const struct policy *p, enum policy_source src, unsigned idx,
          uint32_t i)
{
    struct policy_result *r = s->r;
    struct policy_match *m;

    if (r->n_matches >= POLICY_MAX_MATCHES) {
        r->matches_truncated = true;
        return;
    }
    m = &r->matches[r->n_matches++];
    m->policy = p;
    m->source = src;
    m->index = idx;
    m->stmt = i;
    m->sid = p->stmt[i].sid;
    m->deny = p->stmt[i].deny;
}

static void
eval_policy(struct state *s, const struct policy *p, enum policy_source src, unsigned idx,
            struct acc *a)
{
    const struct policy_ctx *c = s->c;
    bool resource = src == POLICY_SRC_RESOURCE, tracing = s->trace.r != NULL;
    struct pol_trace *t = tracing ? &s->trace : NULL;

    if (!p || !(p->svc_mask & c->svc_bit))
        return;
    for (uint32_t i = 0; i < p->nstmt; i++) {
        const struct pol_stmt *st = &p->stmt[i];
        uint8_t kind = PK_DIRECT;

        if (!(st->svc_mask & c->svc_bit))
            continue;
        /* once this kind of policy allows, only Deny statements can change the outcome */
        if (!st->deny && !tracing && a->allow && (!resource || a->kind == PK_DIRECT))
            continue;
        if (!action_matches(st, c))
            continue;
        if (st->has_principal) {
            kind = principal_matches(st, s);
            if (kind == PK_NONE)
                continue;
        } else if (resource) {
            continue;                      /* a resource policy statement names principals */
        }
        if (!resource_matches(st, c, t))
            continue;
        if (!conditions_hold(st, p->v2012, s))
            continue;
        add_match(s, p, src, idx, i);
        if (st->deny) {
            a->deny = true;
        } else {
            a->allow = true;
            if (kind > a->kind)
                a->kind = kind;
        }
    }
}

static void
eval_list(struct state *s, const struct policy *const *list, size_t n, enum policy_source src,
          struct acc *a)
{
    for (size_t i = 0; i < n; i++)
        eval_policy(s, list[i], src, (unsigned) i, a);
}

enum policy_decision
policy_decide(const struct policy_set *set, const struct policy_ctx *c, unsigned flags,
              struct policy_result *r)
{
    struct state s = { c, r, { NULL }, set->n_boundary > 0 };
    struct acc id = { 0 }, bd = { 0 }, se = { 0 }, rs = { 0 };
    enum policy_principal_type pt = c->ptype;
    bool trust = flags & POLICY_DECIDE_TRUST;
    bool entity = pt == POLICY_PRINCIPAL_ROOT || pt == POLICY_PRINCIPAL_USER ||
                  pt == POLICY_PRINCIPAL_ASSUMED_ROLE || pt == POLICY_PRINCIPAL_FEDERATED_USER;
    bool id_ok, bnd_ok, ses_ok, idpath, same, allowed;
    uint8_t rk;

    r->decision = POLICY_IMPLICIT_DENY;
    r->reason = POLICY_SRC_NONE;
    r->n_matches = r->n_missing = 0;
    r->matches_truncated = r->missing_truncated = false;
    if (flags & POLICY_DECIDE_TRACE)
        s.trace.r = r;

    if (entity) {
        eval_list(&s, set->identity, set->n_identity, POLICY_SRC_IDENTITY, &id);
        eval_list(&s, set->boundary, set->n_boundary, POLICY_SRC_BOUNDARY, &bd);
        eval_list(&s, set->session, set->n_session, POLICY_SRC_SESSION, &se);
    }
    eval_policy(&s, set->resource, POLICY_SRC_RESOURCE, 0, &rs);

    id_ok = pt == POLICY_PRINCIPAL_ROOT || id.allow;
    bnd_ok = set->n_boundary == 0 || bd.allow;
    ses_ok = set->n_session == 0 || se.allow;
    rk = rs.allow ? rs.kind : PK_NONE;
    r->identity_allowed = entity && id_ok && !id.deny;
    r->boundary_allowed = set->n_boundary == 0 || (bd.allow && !bd.deny);
    r->session_allowed = set->n_session == 0 || (se.allow && !se.deny);
    r->resource_allowed = rk != PK_NONE && !rs.deny;

    if (id.deny || rs.deny || bd.deny || se.deny) {
        r->decision = POLICY_EXPLICIT_DENY;
        r->reason = id.deny ? POLICY_SRC_IDENTITY : rs.deny ? POLICY_SRC_RESOURCE :
                    bd.deny ? POLICY_SRC_BOUNDARY : POLICY_SRC_SESSION;
        return r->decision;
    }
    if (!entity) {                         /* services, web identities, anonymous */
        if (rk != PK_NONE) {
            r->decision = POLICY_ALLOWED;
        } else {
            r->reason = POLICY_SRC_RESOURCE;
        }
        return r->decision;
    }
    idpath = id_ok && bnd_ok && ses_ok;
    same = !c->raccount[0] || strcmp(c->raccount, c->paccount) == 0;
    if (same) {
        /* a grant naming this principal exactly stands alone; one naming the role is still
         * bounded by the boundary and the session policies; one naming the account only
         * delegates to the identity side, which a trust policy cannot do without */
        allowed = rk == PK_DIRECT || (rk == PK_ROLE && bnd_ok && ses_ok) ||
                  (idpath && (!trust || rk != PK_NONE));
    } else {
        allowed = idpath && rk != PK_NONE;  /* cross-account: both sides */
    }
    if (allowed) {
        r->decision = POLICY_ALLOWED;
        return r->decision;
    }
    if (same && rk == PK_ROLE)             /* granted to the role, cut by boundary/session */
        r->reason = !bnd_ok ? POLICY_SRC_BOUNDARY : POLICY_SRC_SESSION;
    else if ((trust || !same) && rk == PK_NONE && (same || idpath))
        r->reason = POLICY_SRC_RESOURCE;
    else if (!id_ok)
        r->reason = POLICY_SRC_IDENTITY;
    else if (!bnd_ok)
        r->reason = POLICY_SRC_BOUNDARY;
    else if (!ses_ok)
        r->reason = POLICY_SRC_SESSION;
    else
        r->reason = POLICY_SRC_RESOURCE;
    return r->decision;
}

const struct policy_match *
policy_result_decisive(const struct policy_result *r)
{
    bool want_deny;

    if (r->decision == POLICY_IMPLICIT_DENY)
        return NULL;
    want_deny = r->decision == POLICY_EXPLICIT_DENY;
    for (size_t i = 0; i < r->n_matches; i++)
        if (r->matches[i].deny == want_deny)
            return &r->matches[i];
    return NULL;
}

static const char *
source_phrase(enum policy_source s, bool explicit_deny)
{
    switch (s) {
    case POLICY_SRC_RESOURCE:
        return explicit_deny ? "a resource-based policy" : "resource-based policy";
    case POLICY_SRC_BOUNDARY:
        return explicit_deny ? "a permissions boundary" : "permissions boundary";
    case POLICY_SRC_SESSION:
        return explicit_deny ? "a session policy" : "session policy";
    default:
        return explicit_deny ? "an identity-based policy" : "identity-based policy";
    }
}

int
policy_denial_message(const char *principal_arn, const char *action, const char *resource,
                      const struct policy_result *r, char *buf, size_t cap)
{
    char on[2200] = "";

    if (resource && resource[0] && strcmp(resource, "*") != 0)
        snprintf(on, sizeof(on), " on resource: %s", resource);
    if (r->decision == POLICY_EXPLICIT_DENY)
        return snprintf(buf, cap, "User: %s is not authorized to perform: %s%s with an explicit "
                        "deny in %s", principal_arn, action, on, source_phrase(r->reason, true));
    return snprintf(buf, cap, "User: %s is not authorized to perform: %s%s because no %s allows "
                    "the %s action", principal_arn, action, on, source_phrase(r->reason, false),
                    action);
}

const char *
policy_decision_name(enum policy_decision d)
{
    switch (d) {
    case POLICY_ALLOWED:
        return "allowed";
    case POLICY_EXPLICIT_DENY:
        return "explicitDeny";
    default:
        return "implicitDeny";
    }
}
