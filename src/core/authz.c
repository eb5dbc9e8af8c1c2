/* src/core/authz.c - authorization on the IAM policy engine (see authz.h): the request context
 * AWS defines, the principal's compiled policies (iam/principal.h), the special cases of STS,
 * and AWS's denial messages. Used by: core/dispatch.c, services (PassRole), the automation
 * engine (acting as a service). Uses: policy/, iam/ (subjects, roles), store/, crypto/. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "../base/log.h"
#include "../crypto/digest.h"
#include "../iam/iam.h"
#include "../iam/principal.h"
#include "../policy/policy.h"
#include "authz.h"

#define AUTHZ_MAX_ACTION     192     /* "<service>:<Operation>" */
#define AUTHZ_MAX_KEY        300     /* a condition key name ("aws:RequestTag/" + 128) */
#define MSG_BAD_TOKEN        "The security token included in the request is invalid."

/* ---- the thread's policy context and the call it serves ---- */

static pthread_key_t ctx_key;
static pthread_once_t ctx_once = PTHREAD_ONCE_INIT;

/* What authz_request knew of the call under way on this thread, so that a service's own
 * checks in the same transaction (authz_check, authz_pass_role) see the same context. gen is
 * the store generation read before the transaction began (safe to tag cache entries with). */
static __thread struct {
    const struct store_tx *tx;
    const struct store    *store;
    uint64_t               gen;
    time_t                 now;
    int                    internal;
    char                   region[64];
    char                   source_ip[64];
} tl;

static void
ctx_destroy(void *p)
{
    policy_ctx_free(p);
}

static void
ctx_key_init(void)
{
    if (pthread_key_create(&ctx_key, ctx_destroy) != 0)
        log_error("cannot create the policy context key");
}

/* The thread's context, reset; NULL on OOM. */
static struct policy_ctx *
thread_ctx(void)
{
    struct policy_ctx *c;

    pthread_once(&ctx_once, ctx_key_init);
    c = pthread_getspecific(ctx_key);
    if (!c) {
        c = policy_ctx_new();
        if (c && pthread_setspecific(ctx_key, c) != 0)
            c = policy_ctx_free(c);
        if (!c)
            return NULL;
    }
    policy_ctx_reset(c);
    return c;
}

/* ---- one decision ---- */

struct areq {
    struct store_tx         *tx;
    const struct principal  *who;
    const char              *action;
    const char              *resource;      /* never NULL: "*" for none */
    const char              *region;        /* aws:RequestedRegion; NULL/"" = none */
    const char              *source_ip;     /* aws:SourceIp; NULL/"" = none */
    time_t                   now;
    int                      internal;      /* made by the server itself */
    int                      json;          /* AccessDeniedException vs AccessDenied (Query) */
    int                      status;        /* the denial's HTTP status (json: 400, or 403 for
                                               restJson services); 0 = by json */
    int                      encoded;       /* EC2's UnauthorizedOperation with an encoded message */
    json_t                  *in;            /* the operation's input, or NULL */
    json_t                  *context;       /* extra keys: key -> string or [strings], or NULL */
    const char *const       *extra;         /* extra keys: key, value, ..., NULL; or NULL */
    uint64_t                 gen;           /* for the subject cache; 0 = do not fill it */
    json_t                  *mirror;        /* when set, every key put is also recorded here */
};

static int
put(const struct areq *a, struct policy_ctx *c, const char *key, const char *value)
{
    int r = policy_ctx_key_add(c, key, value);

    if (r == 0 && a->mirror) {
        json_t *arr = json_object_get(a->mirror, key);
        if (!arr) {
            arr = json_array();
            if (!arr || json_object_set_new(a->mirror, key, arr) < 0)
                return -ENOMEM;
        }
        if (json_array_append_new(arr, json_string(value)) < 0)
            return -ENOMEM;
    }
    return r;
}

static int
put_prefixed(const struct areq *a, struct policy_ctx *c, const char *prefix, const char *name,
             const char *value)
{
    char key[AUTHZ_MAX_KEY];
    int n = snprintf(key, sizeof(key), "%s%s", prefix, name);

    if (n < 0 || (size_t) n >= sizeof(key))
        return 0;                      /* longer than any tag key AWS admits: never matches */
    return put(a, c, key, value);
}

/* A JSON scalar (or each element of an array) as condition values of key. */
static int
put_json(const struct areq *a, struct policy_ctx *c, const char *key, json_t *v)
{
    char num[32];
    size_t i;
    json_t *e;
    int r = 0;

    if (json_is_string(v))
        return put(a, c, key, json_string_value(v));
    if (json_is_integer(v)) {
        snprintf(num, sizeof(num), "%lld", (long long) json_integer_value(v));
        return put(a, c, key, num);
    }
    if (json_is_real(v)) {
        snprintf(num, sizeof(num), "%.17g", json_real_value(v));
        return put(a, c, key, num);
    }
    if (json_is_boolean(v))
        return put(a, c, key, json_is_true(v) ? "true" : "false");
    json_array_foreach(v, i, e)
        if ((r = put_json(a, c, key, e)) < 0)
            break;
    return r;
}

static void
iso_time(time_t t, char buf[32])
{
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* aws:CurrentTime and aws:EpochTime of second t, formatted once per second per thread. */
static void
request_times(time_t t, const char **ret_iso, const char **ret_epoch)
{
    static __thread struct { time_t t; char iso[32], epoch[24]; } cache = { (time_t) -1, "", "" };

    if (cache.t != t) {
        iso_time(t, cache.iso);
        snprintf(cache.epoch, sizeof(cache.epoch), "%lld", (long long) t);
        cache.t = t;
    }
    *ret_iso = cache.iso;
    *ret_epoch = cache.epoch;
}

/* aws:RequestTag/<k> and aws:TagKeys from a list of {Key, Value} or a map of key -> value. */
static int
put_tags(const struct areq *a, struct policy_ctx *c, json_t *tags)
{
    const char *k;
    json_t *t;
    size_t i;
    int r;

    if (json_is_object(tags)) {
        json_object_foreach(tags, k, t)
            if ((r = put_prefixed(a, c, "aws:RequestTag/", k, json_string_value(t) ?: "")) < 0 ||
                (r = put(a, c, "aws:TagKeys", k)) < 0)
                return r;
        return 0;
    }
    json_array_foreach(tags, i, t) {
        k = json_string_value(json_object_get(t, "Key"));
        if (!k)
            continue;
        if ((r = put_prefixed(a, c, "aws:RequestTag/", k,
                              json_string_value(json_object_get(t, "Value")) ?: "")) < 0 ||
            (r = put(a, c, "aws:TagKeys", k)) < 0)
            return r;
    }
    return 0;
}

/* Condition keys an action takes from its input (AWS's service authorization reference). */
static const struct {
    const char *action;            /* exact action, case-sensitive as the model spells it */
    const char *member;
    const char *key;
} action_keys[] = {
    { "sts:AssumeRole",                 "ExternalId",          "sts:ExternalId" },
    { "sts:AssumeRole",                 "RoleSessionName",     "sts:RoleSessionName" },
    { "sts:AssumeRole",                 "SourceIdentity",      "sts:SourceIdentity" },
    { "sts:AssumeRole",                 "DurationSeconds",     "sts:DurationSeconds" },
    { "sts:AssumeRole",                 "TransitiveTagKeys",   "sts:TransitiveTagKeys" },
    { "sts:TagSession",                 "TransitiveTagKeys",   "sts:TransitiveTagKeys" },
    { "sts:TagSession",                 "RoleSessionName",     "sts:RoleSessionName" },
    { "sts:SetSourceIdentity",          "SourceIdentity",      "sts:SourceIdentity" },
    { "sts:SetSourceIdentity",          "RoleSessionName",     "sts:RoleSessionName" },
    { "iam:AttachUserPolicy",           "PolicyArn",           "iam:PolicyARN" },
    { "iam:AttachGroupPolicy",          "PolicyArn",           "iam:PolicyARN" },
    { "iam:AttachRolePolicy",           "PolicyArn",           "iam:PolicyARN" },
    { "iam:DetachUserPolicy",           "PolicyArn",           "iam:PolicyARN" },
    { "iam:DetachGroupPolicy",          "PolicyArn",           "iam:PolicyARN" },
    { "iam:DetachRolePolicy",           "PolicyArn",           "iam:PolicyARN" },
    { "iam:CreateUser",                 "PermissionsBoundary", "iam:PermissionsBoundary" },
    { "iam:CreateRole",                 "PermissionsBoundary", "iam:PermissionsBoundary" },
    { "iam:PutUserPermissionsBoundary", "PermissionsBoundary", "iam:PermissionsBoundary" },
    { "iam:PutRolePermissionsBoundary", "PermissionsBoundary", "iam:PermissionsBoundary" },
    { "iam:CreateServiceLinkedRole",    "AWSServiceName",      "iam:AWSServiceName" },
};

static void
resource_tag(void *ud, const char *key, const char *value)
{
    void **p = ud;

    (void) put_prefixed(p[0], p[1], "aws:ResourceTag/", key, value);
}

/* The request context AWS fills (docs/authorization.md lists it). */
static int
fill(struct policy_ctx *c, const struct areq *a, const struct iam_subject *s)
{
    const struct principal *who = a->who;
    char t[32], n[32];
    const char *k, *iso, *epoch;
    json_t *v;
    size_t i;
    int r;

    switch (who->kind) {
    case PRINCIPAL_ROOT:
        r = policy_ctx_set_principal(c, POLICY_PRINCIPAL_ROOT, who->arn, who->account, NULL);
        break;
    case PRINCIPAL_USER:
        r = policy_ctx_set_principal(c, POLICY_PRINCIPAL_USER, who->arn, who->account, NULL);
        break;
    case PRINCIPAL_ASSUMED_ROLE:
        r = policy_ctx_set_principal(c, POLICY_PRINCIPAL_ASSUMED_ROLE, who->arn, who->account,
                                     s && s->role_arn ? s->role_arn : NULL);
        break;
    default:
        r = policy_ctx_set_principal(c, POLICY_PRINCIPAL_SERVICE, who->arn, "", NULL);
        break;
    }
    if (r < 0 || (r = policy_ctx_set_action(c, a->action)) < 0 ||
        (r = policy_ctx_set_resource(c, a->resource, NULL)) < 0 ||
        (r = policy_ctx_add_principal_keys(c)) < 0)
        return r;
    if (who->kind == PRINCIPAL_USER && (r = put(a, c, "aws:username", who->name)) < 0)
        return r;
    if (who->user_id[0] && (r = put(a, c, "aws:userid", who->user_id)) < 0)
        return r;
    if (who->kind == PRINCIPAL_SERVICE) {
        if ((r = put(a, c, "aws:PrincipalIsAWSService", "true")) < 0 ||
            (r = put(a, c, "aws:PrincipalServiceName", who->arn)) < 0)
            return r;
    } else if ((r = put(a, c, "aws:PrincipalIsAWSService", "false")) < 0) {
        return r;
    }
    for (i = 0; s && i < s->n_tags; i++)
        if ((r = put_prefixed(a, c, "aws:PrincipalTag/", s->tags[i].key, s->tags[i].value)) < 0)
            return r;
    if (a->source_ip && a->source_ip[0] && !a->internal &&
        (r = put(a, c, "aws:SourceIp", a->source_ip)) < 0)
        return r;
    request_times(a->now, &iso, &epoch);
    if ((r = put(a, c, "aws:CurrentTime", iso)) < 0 || (r = put(a, c, "aws:EpochTime", epoch)) < 0 ||
        (r = put(a, c, "aws:SecureTransport", a->internal ? "true" : "false")) < 0)
        return r;
    if (a->region && a->region[0] && (r = put(a, c, "aws:RequestedRegion", a->region)) < 0)
        return r;
    if (who->flags & PRINCIPAL_F_TEMPORARY) {
        if (who->issued) {
            iso_time((time_t) who->issued, t);
            if ((r = put(a, c, "aws:TokenIssueTime", t)) < 0)
                return r;
        }
        if ((r = put(a, c, "aws:MultiFactorAuthPresent", who->flags & PRINCIPAL_F_MFA ? "true" : "false")) < 0)
            return r;
        if (who->flags & PRINCIPAL_F_MFA) {
            snprintf(n, sizeof(n), "%lld", (long long) (a->now - who->issued));
            if ((r = put(a, c, "aws:MultiFactorAuthAge", n)) < 0)
                return r;
        }
    }
    if (s && s->source_identity && (r = put(a, c, "aws:SourceIdentity", s->source_identity)) < 0)
        return r;
    if (who->called_via[0]) {
        if ((r = put(a, c, "aws:CalledVia", who->called_via)) < 0 ||
            (r = put(a, c, "aws:CalledViaFirst", who->called_via)) < 0 ||
            (r = put(a, c, "aws:CalledViaLast", who->called_via)) < 0 ||
            (r = put(a, c, "aws:ViaAWSService", "true")) < 0)
            return r;
    } else if ((r = put(a, c, "aws:ViaAWSService", "false")) < 0) {
        return r;
    }
    if (a->in) {
        if ((v = json_object_get(a->in, "Tags")) && (r = put_tags(a, c, v)) < 0)
            return r;
        json_array_foreach(json_object_get(a->in, "TagSpecifications"), i, v)
            if ((r = put_tags(a, c, json_object_get(v, "Tags"))) < 0)
                return r;
        if ((v = json_object_get(a->in, "TagKeys")) && (r = put_json(a, c, "aws:TagKeys", v)) < 0)
            return r;
        for (i = 0; i < sizeof(action_keys) / sizeof(action_keys[0]); i++)
            if (!strcmp(action_keys[i].action, a->action) &&
                (v = json_object_get(a->in, action_keys[i].member)) &&
                (r = put_json(a, c, action_keys[i].key, v)) < 0)
                return r;
    }
    if (!strncmp(a->action, "iam:", 4) && !strncmp(a->resource, "arn:aws:iam::", 13)) {
        void *ud[2] = { (void *) a, c };
        if ((r = iam_resource_tags(a->tx, a->resource, resource_tag, ud)) < 0)
            return r;
    }
    for (i = 0; a->extra && a->extra[i] && a->extra[i + 1]; i += 2)
        if ((r = put(a, c, a->extra[i], a->extra[i + 1])) < 0)
            return r;
    json_object_foreach(a->context, k, v)
        if ((r = put_json(a, c, k, v)) < 0)
            return r;
    return 0;
}

/* Decide a: the principal's policies (users and role sessions), resource_policy (a trust
 * policy with POLICY_DECIDE_TRUST), the context. Fills *res. 0 or <0 with err (500). */
static int
decide(const struct areq *a, const struct policy *resource_policy, unsigned flags,
       struct policy_result *res, struct aerr *err)
{
    struct policy_ctx *c = thread_ctx();
    struct iam_subject *s = NULL;
    struct policy_set set = { .resource = resource_policy };
    int r;

    if (!c)
        return aerr_internal(err, -ENOMEM);
    if (a->who->kind == PRINCIPAL_USER || a->who->kind == PRINCIPAL_ASSUMED_ROLE) {
        r = iam_subject_get(a->tx, a->who, a->gen, &s);
        if (r < 0) {
            log_debug("authorization of '%s': cannot read the policies of '%s': %s", a->action,
                      a->who->arn, strerror(-r));
            return aerr_internal(err, r);
        }
        set.identity = s->identity;
        set.n_identity = s->n_identity;
        set.boundary = s->boundary;
        set.n_boundary = s->n_boundary;
        set.session = s->session;
        set.n_session = s->n_session;
    }
    r = fill(c, a, s);
    if (r == 0)
        policy_decide(&set, c, flags, res);
    iam_subject_unref(s);
    return r < 0 ? aerr_internal(err, r) : 0;
}

/* AccessDenied (Query, 403) / AccessDeniedException (JSON, 400) in AWS's words. STS words
 * its denials without the reason ("... on resource: arn:...:role/R"). */
static int
deny(const struct areq *a, const struct policy_result *res, struct aerr *err)
{
    char msg[AERR_MAX_MSG];

    if (!strncmp(a->action, "sts:", 4)) {
        if (strcmp(a->resource, "*") != 0)
            snprintf(msg, sizeof(msg), "User: %.400s is not authorized to perform: %.100s on resource: %.400s",
                     a->who->arn, a->action, a->resource);
        else
            snprintf(msg, sizeof(msg), "User: %.400s is not authorized to perform: %.100s", a->who->arn,
                     a->action);
    } else {
        policy_denial_message(a->who->arn, a->action, a->resource, res, msg, sizeof(msg));
    }
    log_debug("denied principal=%s action=%s resource=%s", a->who->arn, a->action, a->resource);
    return aerr_set(err, -EACCES, a->status ? a->status : a->json ? 400 : 403,
                    a->json ? "AccessDeniedException" : "AccessDenied", "%s", msg);
}

static int check_encoded(struct areq *a, struct aerr *err);

/* Does the resource belong to who's account (or to no account: "*", AWS-owned ARNs)? */
static int
own_resource(const struct principal *who, const char *resource)
{
    const char *p = resource;
    int colons = 0;

    if (strncmp(resource, "arn:", 4) != 0)
        return 1;
    while (*p && colons < 4)
        if (*p++ == ':')
            colons++;
    if (colons < 4 || *p == ':' || *p == '\0' || !strncmp(p, "aws:", 4) || !strncmp(p, "*:", 2))
        return 1;
    return strlen(p) > ACCOUNT_ID_LEN && !strncmp(p, who->account, ACCOUNT_ID_LEN) &&
           p[ACCOUNT_ID_LEN] == ':';
}

/* The general case: who's policies allow a? Root and service principals need no policy. */
static int
check(const struct areq *a, struct aerr *err)
{
    struct policy_result res;
    int r;

    if (a->who->kind == PRINCIPAL_SERVICE)
        return 0;
    if (a->who->kind == PRINCIPAL_ROOT && own_resource(a->who, a->resource))
        return 0;
    if (a->encoded)
        return check_encoded((struct areq *) a, err);
    r = decide(a, NULL, 0, &res, err);
    if (r < 0)
        return r;
    return res.decision == POLICY_ALLOWED ? 0 : deny(a, &res, err);
}

/* sts:AssumeRole: the role's trust policy and the caller's own permissions (the engine's
 * trust evaluation), then sts:TagSession for session tags and sts:SetSourceIdentity. */
static int
assume_role(struct areq *a, struct aerr *err)
{
    static const char *const also[][2] = {
        { "Tags", "sts:TagSession" }, { "SourceIdentity", "sts:SetSourceIdentity" },
    };
    struct iam_role_info role = {0};
    struct policy *trust = NULL;
    struct policy_result res;
    struct aerr perr = {0};
    const char *given = a->resource;
    size_t i;
    int r;

    if (a->who->kind == PRINCIPAL_ROOT)
        return aerr_set(err, -EACCES, 403, "AccessDenied", "Roles may not be assumed by root accounts.");
    r = iam_role_by_arn(a->tx, given, &role);
    if (r == -ENOENT) {                  /* AWS does not tell a missing role from a refusal */
        memset(&res, 0, sizeof(res));
        return deny(a, &res, err);
    }
    if (r < 0)
        return aerr_internal(err, r);
    r = iam_policy_compiled(role.trust, strlen(role.trust), POLICY_KIND_TRUST, POLICY_PARSE_TRUSTED,
                            &trust, &perr);
    if (r < 0) {
        log_debug("the trust policy of '%s' does not parse: %s", role.arn, perr.msg);
        r = aerr_internal(err, r);
        goto out;
    }
    a->resource = role.arn;
    r = decide(a, trust, POLICY_DECIDE_TRUST, &res, err);
    if (r == 0 && res.decision != POLICY_ALLOWED)
        r = deny(a, &res, err);
    for (i = 0; r == 0 && i < sizeof(also) / sizeof(also[0]); i++) {
        json_t *v = a->in ? json_object_get(a->in, also[i][0]) : NULL;
        if (!v || (json_is_array(v) && json_array_size(v) == 0))
            continue;
        a->action = also[i][1];
        r = decide(a, trust, POLICY_DECIDE_TRUST, &res, err);
        if (r == 0 && res.decision != POLICY_ALLOWED)
            r = deny(a, &res, err);
    }
out:
    policy_unref(trust);
    iam_role_info_done(&role);
    return r;
}

int
authz_request(const struct req *rq, const char *resource, struct aerr *err)
{
    const struct principal *who = rq->caller;
    const char *svc = rq->svc->signing_name, *op = rq->op->name;
    char action[AUTHZ_MAX_ACTION];
    struct areq a = {
        .tx = rq->tx, .who = who, .action = action, .resource = resource && *resource ? resource : "*",
        .region = rq->region, .source_ip = rq->source_ip, .now = rq->now, .internal = rq->internal,
        .json = rq->svc->protocol != PROTO_QUERY, .in = rq->in, .gen = rq->generation,
        .status = rq->svc->protocol == PROTO_REST_JSON ? 403 : 0,
        .encoded = rq->svc->protocol == PROTO_EC2,
    };
    int sts = !strcmp(svc, "sts");

    if (sts && !strcmp(op, "GetCallerIdentity"))      /* always works, even when denied */
        return 0;
    tl.tx = rq->tx;
    tl.store = store_of(rq->tx);
    tl.gen = rq->generation;
    tl.now = rq->now;
    tl.internal = rq->internal;
    snprintf(tl.region, sizeof(tl.region), "%s", rq->region ? rq->region : "");
    snprintf(tl.source_ip, sizeof(tl.source_ip), "%s", rq->source_ip ? rq->source_ip : "");
    snprintf(action, sizeof(action), "%s:%s", svc, op);
    /* GetSessionToken credentials without MFA: no IAM, no STS but AssumeRole */
    if ((who->flags & PRINCIPAL_F_TEMPORARY) && who->kind != PRINCIPAL_ASSUMED_ROLE &&
        who->kind != PRINCIPAL_SERVICE && !(who->flags & PRINCIPAL_F_MFA)) {
        if (!strcmp(svc, "iam"))
            return aerr_set(err, -EACCES, 403, "InvalidClientTokenId", MSG_BAD_TOKEN);
        if (sts && strcmp(op, "AssumeRole") != 0)
            return aerr_set(err, -EACCES, 403, "AccessDenied", "Cannot call %s with session credentials", op);
    }
    if (sts && !strcmp(op, "GetSessionToken")) {      /* authentication, not authorization */
        if (who->flags & PRINCIPAL_F_TEMPORARY)
            return aerr_set(err, -EACCES, 403, "AccessDenied",
                            "Cannot call GetSessionToken with session credentials");
        return 0;
    }
    if (sts && !strcmp(op, "AssumeRole"))
        return assume_role(&a, err);
    return check(&a, err);
}

/* The context of the call under way on this thread when tx is its transaction. */
static void
inherit(struct areq *a, struct store_tx *tx)
{
    a->now = time(NULL);
    a->internal = 1;
    if (tl.tx == tx && tl.store == store_of(tx)) {
        a->now = tl.now;
        a->internal = tl.internal;
        a->region = tl.region;
        a->source_ip = tl.source_ip;
    }
    a->gen = tl.store == store_of(tx) ? tl.gen : 0;
}

int
authz_check(struct store_tx *tx, const struct principal *who, const char *action,
            const char *resource, json_t *context, int json, struct aerr *err)
{
    struct areq a = { .tx = tx, .who = who, .action = action,
                      .resource = resource && *resource ? resource : "*", .json = json,
                      .context = json_is_object(context) ? context : NULL };

    inherit(&a, tx);
    return check(&a, err);
}

int
authz_pass_role(struct store_tx *tx, const struct principal *who, const char *role_arn,
                const char *service, int json, struct aerr *err)
{
    const char *extra[] = { "iam:PassedToService", service, NULL };
    struct iam_role_info role = {0};
    struct areq a = { .tx = tx, .who = who, .action = "iam:PassRole", .resource = role_arn,
                      .json = json, .extra = extra };
    int r, exists;

    inherit(&a, tx);
    r = iam_role_by_arn(tx, role_arn, &role);
    if (r < 0 && r != -ENOENT)
        return aerr_internal(err, r);
    exists = r == 0;
    if (exists)
        a.resource = role.arn;
    r = check(&a, err);
    iam_role_info_done(&role);
    if (r == 0 && !exists)
        r = aerr_set(err, -ENOENT, 400, json ? "ValidationException" : "ValidationError",
                     "The role %.2048s does not exist", role_arn);
    return r;
}

int
authz_assume_role_as_service(struct store_tx *tx, const char *role_arn, const char *service,
                             const char *source_arn, const char *source_account,
                             const char *session_name, struct principal *ret, struct aerr *err)
{
    const char *extra[] = {
        "aws:SourceArn", source_arn, "aws:SourceAccount", source_account,
        "sts:RoleSessionName", session_name, NULL, NULL,
    };
    struct principal svc = { .kind = PRINCIPAL_SERVICE };
    struct iam_role_info role = {0};
    struct policy *trust = NULL;
    struct policy_result res;
    struct aerr perr = {0};
    struct areq a = { .tx = tx, .who = &svc, .action = "sts:AssumeRole", .resource = role_arn };
    int r, n = 0;

    /* drop the pairs whose value is missing */
    const char *pairs[8];
    for (int i = 0; i < 6; i += 2)
        if (extra[i + 1] && extra[i + 1][0]) {
            pairs[n++] = extra[i];
            pairs[n++] = extra[i + 1];
        }
    pairs[n] = NULL;
    a.extra = pairs;
    snprintf(svc.arn, sizeof(svc.arn), "%s", service);
    inherit(&a, tx);
    r = iam_role_by_arn(tx, role_arn, &role);
    if (r < 0)
        return r == -ENOENT ? r : aerr_internal(err, r);
    r = iam_policy_compiled(role.trust, strlen(role.trust), POLICY_KIND_TRUST, POLICY_PARSE_TRUSTED,
                            &trust, &perr);
    if (r < 0) {
        r = aerr_internal(err, r);
        goto out;
    }
    a.resource = role.arn;
    r = decide(&a, trust, POLICY_DECIDE_TRUST, &res, err);
    if (r == 0 && res.decision != POLICY_ALLOWED)
        r = deny(&a, &res, err);
    if (r == 0) {
        memset(ret, 0, sizeof(*ret));
        ret->kind = PRINCIPAL_ASSUMED_ROLE;
        snprintf(ret->account, sizeof(ret->account), "%s", role.account);
        snprintf(ret->arn, sizeof(ret->arn), "arn:aws:sts::%s:assumed-role/%s/%s", role.account,
                 role.name, session_name);
        snprintf(ret->user_id, sizeof(ret->user_id), "%s:%s", role.id, session_name);
        snprintf(ret->entity_id, sizeof(ret->entity_id), "%s", role.id);
        snprintf(ret->name, sizeof(ret->name), "%s", role.name);
        ret->flags = PRINCIPAL_F_TEMPORARY;
        ret->issued = (int64_t) time(NULL);
    }
out:
    policy_unref(trust);
    iam_role_info_done(&role);
    return r;
}

/* ---- encoded denials (EC2's form) ---- */

int
authz_check_encoded(struct store_tx *tx, const struct principal *who, const char *action,
                    const char *resource, json_t *context, struct aerr *err)
{
    struct areq a = { .tx = tx, .who = who, .action = action,
                      .resource = resource && *resource ? resource : "*", .json = 1, .encoded = 1,
                      .context = json_is_object(context) ? context : NULL };

    inherit(&a, tx);
    return check(&a, err);
}

/* check() for EC2-style denials: the decision is recorded (a->mirror) and sealed. */
static int
check_encoded(struct areq *a_in, struct aerr *err)
{
    static const char prefix[] = "You are not authorized to perform this operation. "
                                 "Encoded authorization failure message: ";
    struct areq a = *a_in;
    const struct principal *who = a.who;
    struct store_tx *tx = a.tx;
    const char *action = a.action;
    struct policy_result res;
    json_t *conds = NULL, *msg = NULL, *items = NULL, *matched = NULL;
    unsigned char *sealed = NULL;
    size_t sealed_len = 0, i;
    char *text = NULL, b64[AERR_MAX_MSG];
    const char *k;
    json_t *v;
    int r;

    conds = json_object();
    if (!conds)
        return aerr_internal(err, -ENOMEM);
    a.mirror = conds;
    r = decide(&a, NULL, 0, &res, err);
    if (r < 0 || res.decision == POLICY_ALLOWED)
        goto out;
    items = json_array();
    matched = json_array();
    json_object_foreach(conds, k, v) {
        json_t *vals = json_array(), *e;
        size_t j;
        json_array_foreach(v, j, e)
            json_array_append_new(vals, json_pack("{s:O}", "value", e));
        json_array_append_new(items, json_pack("{s:s, s:{s:o}}", "key", k, "values", "items", vals));
    }
    for (i = 0; i < res.n_matches; i++)
        if (res.matches[i].deny)
            json_array_append_new(matched, json_pack("{s:s, s:s}", "statementId",
                                                     res.matches[i].sid ? res.matches[i].sid : "",
                                                     "effect", "DENY"));
    msg = json_pack("{s:b, s:b, s:{s:o}, s:{s:[]}, s:{s:{s:s, s:s, s:s}, s:s, s:s, s:{s:o}}}",
                    "allowed", 0, "explicitDeny", res.decision == POLICY_EXPLICIT_DENY,
                    "matchedStatements", "items", matched, "failures", "items",
                    "context", "principal", "id", who->user_id, "name", who->name, "arn", who->arn,
                    "action", action, "resource", a.resource, "conditions", "items", items);
    items = matched = NULL;
    /* the message must fit the error text: drop the conditions when it would not */
    for (int pass = 0; pass < 2 && msg; pass++) {
        free(text);
        free(sealed);
        sealed = NULL;
        text = json_dumps(msg, JSON_COMPACT);
        if (!text || store_seal(store_of(tx), text, strlen(text), AUTHZ_MESSAGE_AAD, &sealed, &sealed_len) < 0) {
            r = aerr_internal(err, -ENOMEM);
            goto out;
        }
        if (DIGEST_BASE64_SIZE(sealed_len) + sizeof(prefix) <= sizeof(b64))
            break;
        json_array_clear(json_object_get(json_object_get(json_object_get(msg, "context"), "conditions"), "items"));
    }
    if (!sealed || DIGEST_BASE64_SIZE(sealed_len) + sizeof(prefix) > sizeof(b64) ||
        digest_base64_encode(sealed, sealed_len, b64, sizeof(b64)) < 0) {
        r = aerr_set(err, -EACCES, 403, "UnauthorizedOperation",
                     "You are not authorized to perform this operation.");
        goto out;
    }
    r = aerr_set(err, -EACCES, 403, "UnauthorizedOperation", "%s%s", prefix, b64);
out:
    json_decref(conds);
    json_decref(msg);
    json_decref(items);
    json_decref(matched);
    free(text);
    free(sealed);
    return r;
}
