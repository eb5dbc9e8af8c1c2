/* src/core/dispatch.c - one API call from wire to wire: find the protocol and service,
 * authenticate, decode and validate the input, run the handler in one transaction, encode.
 * Used by: http/server.c through core.h. Uses: proto/, store/, crypto/, core/auth, services. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include "../base/log.h"
#include "../crypto/ids.h"
#include "../iam/iam.h"
#include "../iam/simulate.h"
#include "../ssm/automation.h"
#include "../ssm/ssm.h"
#include "../sts/sts.h"
#include "../account/account.h"
#include "auth.h"
#include "authz.h"
#include "core.h"
#include "internal.h"

#define CORE_MAX_ARN 2048            /* a resource ARN computed for authorization */

static const struct service_impl *const services[] = { &sts_service, &iam_service, &iam_simulate_service,
                                                       &ssm_service, &ssm_automation_service };
#define N_SERVICES (sizeof(services) / sizeof(services[0]))

static const char *
header(const struct core_request *rq, const char *name)
{
    size_t i;

    for (i = 0; i < rq->n_headers; i++)
        if (!strcasecmp(rq->headers[i].name, name))
            return rq->headers[i].value;
    return NULL;
}

static int
write_credentials(const struct core *c, const char *key, const char *secret)
{
    char path[sizeof(c->cfg.data_dir) + 16];
    FILE *f;
    int fd;

    snprintf(path, sizeof(path), "%s/credentials", c->cfg.data_dir);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || !(f = fdopen(fd, "w"))) {
        if (fd >= 0)
            close(fd);
        return log_error("cannot write '%s': %m", path), -EIO;
    }
    (void) fchmod(fd, 0600);
    fprintf(f, "[root]\naws_access_key_id = %s\naws_secret_access_key = %s\n", key, secret);
    if (fflush(f) != 0 || fsync(fd) != 0) {
        fclose(f);
        return log_error("cannot write '%s': %m", path), -EIO;
    }
    fclose(f);
    return 0;
}

/* First start: the account and its root key. */
static int
ensure_account(struct core *c)
{
    struct store_tx *tx;
    char key[21], secret[41];
    int r;

    r = store_begin(c->store, 1, &tx);
    if (r < 0)
        return r;
    r = account_first(tx, c->account);
    if (r == 0) {
        store_rollback(tx);
        return 0;
    }
    if (r != -ENOENT)
        goto fail;
    if (c->cfg.account_id[0]) {
        memcpy(c->account, c->cfg.account_id, ACCOUNT_ID_LEN);   /* cfg_load checked: 12 digits */
        c->account[ACCOUNT_ID_LEN] = '\0';
    } else {
        unsigned char b[12];
        int i;
        if (ids_bytes(b, sizeof(b)) < 0)
            goto fail;
        for (i = 0; i < 12; i++)
            c->account[i] = (char) ('0' + (i == 0 ? 1 + b[i] % 9 : b[i] % 10));
        c->account[12] = '\0';
    }
    r = account_create(tx, c->account, c->cfg.region, key, secret);
    if (r < 0)
        goto fail;
    r = store_commit(tx);
    if (r < 0)
        return r;
    r = write_credentials(c, key, secret);
    OPENSSL_cleanse(secret, sizeof(secret));
    if (r < 0)
        return r;
    log_info("created account %s; root credentials in '%s/credentials' (profile root)",
             c->account, c->cfg.data_dir);
    return 0;
fail:
    store_rollback(tx);
    return log_error("cannot create the first account: %s", strerror(-r)), r;
}

static int
bind_services(struct core *c)
{
    size_t i;
    const struct op_impl *o;

    c->impl = calloc(model_n_ops ? model_n_ops : 1, sizeof(*c->impl));
    c->impl_service = calloc(model_n_ops ? model_n_ops : 1, sizeof(*c->impl_service));
    if (!c->impl || !c->impl_service)
        return -ENOMEM;
    for (i = 0; i < N_SERVICES; i++) {
        const struct model_service *svc = model_service_by_signing_name(services[i]->signing_name);
        if (!svc)
            return log_error("service '%s' is missing from the model", services[i]->signing_name), -EINVAL;
        for (o = services[i]->ops; o->name; o++) {
            const struct model_op *op = model_op_find(svc, o->name);
            if (!op)
                return log_error("operation '%s' of '%s' is not in src/proto/operations/%s.txt",
                                 o->name, svc->signing_name, svc->signing_name), -EINVAL;
            if (c->impl[op->index])
                return log_error("operation '%s' of '%s' has two handlers", o->name, svc->signing_name), -EINVAL;
            c->impl[op->index] = o;
            c->impl_service[op->index] = i;
        }
    }
    return 0;
}

static int invoke(void *core, const struct principal *who, const char *region, const char *service,
                  const char *op, json_t *in, json_t **ret_out, struct aerr *err);
static int invoke_then(void *core, const struct principal *who, const char *region,
                       const char *service, const char *op, json_t *in, json_t **ret_out,
                       int (*then)(struct store_tx *tx, json_t *out, void *arg), void *arg,
                       int *ret_called, struct aerr *err);

static int
start_services(struct core *c)
{
    size_t i;
    int r;

    c->env.store = c->store;
    c->env.cfg = &c->cfg;
    c->env.account = c->account;
    c->env.core = c;
    c->env.invoke = invoke;
    c->env.invoke_then = invoke_then;
    for (i = 0; i < N_SERVICES; i++) {
        if (!services[i]->start)
            continue;
        r = services[i]->start(&c->env, &c->state[i]);
        if (r < 0)
            return log_error("cannot start '%s': %s", services[i]->module ? services[i]->module
                             : services[i]->signing_name, strerror(-r)), r;
        c->started[i] = 1;
    }
    return 0;
}

int
core_new(const struct cfg *cfg, struct core **ret)
{
    struct core *c = calloc(1, sizeof(*c));
    size_t i;
    int r;

    if (!c)
        return -ENOMEM;
    c->cfg = *cfg;
    if (mkdir(cfg->data_dir, 0700) < 0 && errno != EEXIST) {
        r = -errno;
        log_error("cannot create data folder '%s': %m", cfg->data_dir);
        goto fail;
    }
    r = store_open(cfg->data_dir, &c->store);
    if (r < 0)
        goto fail;
    r = store_migrate(c->store, "core", account_migrations);
    for (i = 0; r >= 0 && i < N_SERVICES; i++)
        r = store_migrate(c->store, services[i]->module ? services[i]->module : services[i]->signing_name,
                          services[i]->migrations);
    if (r < 0)
        goto fail;
    r = bind_services(c);
    if (r < 0)
        goto fail;
    r = metrics_init(&c->metrics);
    if (r < 0)
        goto fail;
    r = auth_cache_new(&c->auth);
    if (r < 0)
        goto fail;
    r = ensure_account(c);
    if (r < 0)
        goto fail;
    r = start_services(c);
    if (r < 0)
        goto fail;
    *ret = c;
    return 0;
fail:
    core_free(c);
    return r;
}

void
core_free(struct core *c)
{
    size_t i;

    if (!c)
        return;
    for (i = N_SERVICES; i-- > 0;)
        if (c->started[i] && services[i]->stop)
            services[i]->stop(c->state[i]);
    store_close(c->store);
    metrics_done(&c->metrics);
    auth_cache_free(c->auth);
    free(c->impl);
    free(c->impl_service);
    free(c);
}

int
core_reset(struct core *c)
{
    int r;

    r = store_wipe(c->store);
    if (r < 0)
        return r;
    return ensure_account(c);
}

/* ---- one call ---- */

struct call {
    const struct core_request   *rq;
    struct core_response        *resp;
    enum proto_kind              protocol;
    const struct model_service  *svc;
    const struct model_op       *op;
    char                         action[128];
    struct principal             caller;
    int                          have_caller;
};

static void
render_error(struct call *k, const struct aerr *err)
{
    struct aerr internal;
    int r;

    if (!err->status || !err->code) {
        aerr_internal(&internal, -EIO);
        err = &internal;
    }
    k->resp->status = err->status;
    if (k->protocol == PROTO_JSON) {
        k->resp->content_type = "application/x-amz-json-1.1";
        r = awsjson_encode_error(err, &k->resp->body);
    } else {
        k->resp->content_type = "text/xml";
        r = awsquery_encode_error(k->svc, err, k->resp->request_id, &k->resp->body);
    }
    if (r < 0) {
        k->resp->status = 500;
        k->resp->content_type = "text/plain";
    }
}

/* The Query parameters: the body of a form POST, else the query string. */
static void
query_params(const struct core_request *rq, const char **ret, size_t *ret_len)
{
    if (!strcmp(rq->method, "POST") || !rq->query) {
        *ret = rq->body ? rq->body : "";
        *ret_len = rq->body ? rq->body_len : 0;
    } else {
        *ret = rq->query;
        *ret_len = strlen(rq->query);
    }
}

/* Which service and operation: JSON by X-Amz-Target, Query by Action and Version; when
 * signed, the credential scope's service decides the service. */
static int
route(struct call *k, const char *scope_service, struct aerr *err)
{
    const struct core_request *rq = k->rq;
    const char *target = header(rq, "x-amz-target"), *dot;
    char version[64];
    const char *params;
    size_t len;
    int r;

    if (target) {
        k->protocol = PROTO_JSON;
        dot = strrchr(target, '.');
        if (scope_service && *scope_service)
            k->svc = model_service_by_signing_name(scope_service);
        else if (dot)
            k->svc = model_service_by_target_prefix(target, (size_t) (dot - target));
        snprintf(k->action, sizeof(k->action), "%s", dot ? dot + 1 : target);
        if (!k->svc || k->svc->protocol != PROTO_JSON || !dot
            || strncmp(target, k->svc->target_prefix, (size_t) (dot - target))
            || strlen(k->svc->target_prefix) != (size_t) (dot - target))
            return aerr_set(err, -ENOENT, 400, "UnknownOperationException", "%s", "");
        k->op = model_op_find(k->svc, k->action);
        return k->op ? 0 : aerr_set(err, -ENOENT, 400, "UnknownOperationException", "%s", "");
    }
    k->protocol = PROTO_QUERY;
    query_params(rq, &params, &len);
    r = awsquery_peek(params, len, k->action, sizeof(k->action), version, sizeof(version), err);
    if (r < 0)
        return r;
    if (scope_service && *scope_service)
        k->svc = model_service_by_signing_name(scope_service);
    else
        k->svc = model_service_by_api_version(version);
    if (!k->svc || k->svc->protocol != PROTO_QUERY) {
        k->svc = NULL;
        return aerr_set(err, -ENOENT, 400, "InvalidAction",
                        "Could not find operation %s for version %s", k->action, version[0] ? version : "NO_VERSION_SPECIFIED");
    }
    if (!k->action[0])
        return aerr_set(err, -ENOENT, 400, "MissingAction", "Missing Action");
    k->op = model_op_find(k->svc, k->action);
    if (!k->op)
        return aerr_set(err, -ENOENT, 400, "InvalidAction",
                        "Could not find operation %s for version %s", k->action,
                        version[0] ? version : k->svc->api_version);
    return 0;
}

/* The part of a call shared by HTTP requests and in-process invocations: one transaction
 * around authentication (srq given) or the given caller, then the resource and the handler.
 * rq->in, svc, op, region are set; rq->out is left for the caller to encode and free. */
static int
exec_op(struct core *c, struct req *rq, const struct op_impl *impl,
        const struct sigv4_request *srq, const struct sigv4_auth *auth,
        struct principal *caller,
        int (*then)(struct store_tx *tx, json_t *out, void *arg), void *then_arg, int *then_called,
        struct aerr *err)
{
    char arn[CORE_MAX_ARN];
    int r;

    rq->cfg = &c->cfg;
    rq->now = time(NULL);
    rq->state = c->state[c->impl_service[rq->op->index]];
    rq->generation = store_generation(c->store);     /* before BEGIN: see req.h */
    r = store_begin(c->store, (impl->flags & OP_WRITE) != 0, &rq->tx);
    if (r < 0) {
        rq->tx = NULL;
        return r == -EBUSY ? aerr_set(err, r, 400, "Throttling", "Rate exceeded") : aerr_internal(err, r);
    }
    if (srq) {
        r = auth_principal(c->auth, rq->tx, &c->cfg, c->account, srq, auth, rq->now, caller, err);
        if (r < 0)
            goto out;
    }
    rq->caller = caller;
    arn[0] = '\0';
    if (impl->resource) {
        r = impl->resource(rq, arn, sizeof(arn), err);
        if (r < 0)
            goto out;
    }
    rq->authorize = authz_request;
    r = authz_request(rq, arn, err);             /* every call, HTTP or in-process */
    if (r < 0)
        goto out;
    r = impl->fn(rq, err);
    if (r < 0)
        goto out;
    if (then && (impl->flags & OP_WRITE)) {
        r = then(rq->tx, rq->out, then_arg);
        if (r < 0) {
            r = aerr_internal(err, r);
            goto out;
        }
        if (then_called)
            *then_called = 1;
    }
    r = store_commit(rq->tx);
    rq->tx = NULL;
    if (r < 0)
        r = aerr_internal(err, r);
out:
    store_rollback(rq->tx);
    rq->tx = NULL;
    return r;
}

static int
invoke(void *core, const struct principal *who, const char *region, const char *service,
       const char *op_name, json_t *in, json_t **ret_out, struct aerr *err)
{
    return invoke_then(core, who, region, service, op_name, in, ret_out, NULL, NULL, NULL, err);
}

static int
invoke_then(void *core, const struct principal *who, const char *region, const char *service,
            const char *op_name, json_t *in, json_t **ret_out,
            int (*then)(struct store_tx *tx, json_t *out, void *arg), void *then_arg,
            int *then_called, struct aerr *err)
{
    struct core *c = core;
    struct principal caller = *who;
    const struct op_impl *impl;
    struct req rq = {0};
    char id[37];
    int r;

    rq.svc = model_service_by_signing_name(service);
    rq.op = rq.svc ? model_op_find(rq.svc, op_name) : NULL;
    impl = rq.op ? c->impl[rq.op->index] : NULL;
    if (!impl)
        return aerr_set(err, -ENOENT, 400, "InvalidAction",
                        "Could not find operation %s for service %s", op_name, service);
    rq.in = in ? json_incref(in) : json_object();
    if (!rq.in)
        return aerr_internal(err, -ENOMEM);
    r = rq.op->input ? proto_validate(rq.op->input, rq.in, rq.svc->protocol == PROTO_JSON
                                      ? "ValidationException" : "ValidationError", err) : 0;
    if (r < 0)
        goto out;
    if (ids_uuid(id) < 0)
        snprintf(id, sizeof(id), "00000000-0000-4000-8000-000000000000");
    rq.request_id = id;
    rq.region = region ? region : c->cfg.region;
    rq.source_ip = "";
    rq.internal = 1;
    if (then_called)
        *then_called = 0;
    r = exec_op(c, &rq, impl, NULL, NULL, &caller, then, then_arg, then_called, err);
    if (r == 0 && ret_out) {
        *ret_out = rq.out;
        rq.out = NULL;
    }
    log_debug("invoke principal=%s service=%s action=%s r=%d", who->arn, service, op_name, r);
out:
    json_decref(rq.in);
    json_decref(rq.out);
    return r;
}

static int
run(struct core *c, struct call *k, const struct sigv4_request *srq,
    const struct sigv4_auth *auth, struct aerr *err)
{
    const struct op_impl *impl = c->impl[k->op->index];
    const char *params;
    struct req rq = {0};
    size_t len;
    int r;

    if (!impl)
        return aerr_set(err, -ENOENT, 400, k->protocol == PROTO_JSON ? "UnknownOperationException" : "InvalidAction",
                        "Could not find operation %s for version %s", k->op->name, k->svc->api_version);
    if (k->protocol == PROTO_JSON) {
        r = awsjson_decode(k->op, k->rq->body ? k->rq->body : "", k->rq->body_len, &rq.in, err);
    } else {
        query_params(k->rq, &params, &len);
        r = awsquery_decode(k->op, params, len, &rq.in, err);
    }
    if (r < 0)
        return r;
    rq.request_id = k->resp->request_id;
    rq.svc = k->svc;
    rq.op = k->op;
    rq.region = auth->region[0] ? auth->region : c->cfg.region;
    rq.source_ip = k->rq->source_ip;
    r = exec_op(c, &rq, impl, srq, auth, &k->caller, NULL, NULL, NULL, err);
    k->have_caller = k->caller.arn[0] != '\0';
    if (r < 0)
        goto out;
    if (k->protocol == PROTO_JSON) {
        k->resp->content_type = "application/x-amz-json-1.1";
        r = awsjson_encode(k->op, rq.out, &k->resp->body);
    } else {
        k->resp->content_type = "text/xml";
        r = awsquery_encode(k->svc, k->op, rq.out, k->resp->request_id, &k->resp->body);
    }
    if (r < 0) {
        r = aerr_internal(err, r);
    } else {
        k->resp->status = 200;
        (void) auth_touch_key(c->auth, c->store, k->caller.access_key, k->svc->signing_name,
                              rq.region, rq.now);
    }
out:
    json_decref(rq.in);
    json_decref(rq.out);
    return r;
}

void
core_handle(struct core *c, const struct core_request *rq, struct core_response *resp)
{
    struct sigv4_request srq = {
        .method = rq->method, .path = rq->path, .query = rq->query,
        .headers = rq->headers, .n_headers = rq->n_headers,
        .body = rq->body, .body_len = rq->body_len,
    };
    struct sigv4_auth auth;
    struct call k = { .rq = rq, .resp = resp };
    struct aerr err = {0};
    struct timespec t0, t1;
    int r;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    memset(resp, 0, sizeof(*resp));
    if (ids_uuid(resp->request_id) < 0)
        snprintf(resp->request_id, sizeof(resp->request_id), "00000000-0000-4000-8000-000000000000");
    r = sigv4_parse(&srq, &auth, &err);
    if (r == 0) {
        r = route(&k, auth.service, &err);
        if (r == 0)
            r = run(c, &k, &srq, &auth, &err);
    } else {
        struct aerr ignored;
        (void) route(&k, NULL, &ignored);  /* only to answer in the request's protocol */
    }
    if (r < 0)
        render_error(&k, &err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    {
        double ms = (double) (t1.tv_sec - t0.tv_sec) * 1e3 + (double) (t1.tv_nsec - t0.tv_nsec) / 1e6;
        metrics_count(&c->metrics, k.op, resp->status, ms);
        log_info("request id=%s principal=%s service=%s action=%s status=%d%s%s ms=%.3f",
                 resp->request_id, k.have_caller ? k.caller.arn : "-",
                 k.svc ? k.svc->signing_name : "-", k.action[0] ? k.action : "-", resp->status,
                 r < 0 ? " code=" : "", r < 0 ? (err.code ? err.code : "InternalFailure") : "", ms);
    }
}

int
core_metrics(struct core *c, struct pbuf *out)
{
    return metrics_render(&c->metrics, out);
}
