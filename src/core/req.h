/* src/core/req.h - what a service handler sees of one API call, and how services declare
 * their operations. Used by: core/dispatch.c, every service (sts/, iam/, ssm/ ...).
 * Uses: proto/model.h (operation ids), store/, base/err.h, jansson. Services never see
 * HTTP or wire formats: they read rq->in and set rq->out, both value trees (proto/proto.h). */
#ifndef CORE_REQ_H
#define CORE_REQ_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <jansson.h>
#include "../base/err.h"
#include "../proto/model.h"
#include "../store/store.h"

#define ACCOUNT_ID_LEN 12

enum principal_kind {
    PRINCIPAL_ROOT,            /* the account root: may do anything in its account */
    PRINCIPAL_USER,            /* an IAM user, by long-term access key */
    PRINCIPAL_ASSUMED_ROLE,    /* a role session, by ASIA... key + session token */
    PRINCIPAL_SERVICE,         /* ssm.amazonaws.com etc.: only the server itself acts as one */
};

struct principal {
    enum principal_kind kind;
    char account[ACCOUNT_ID_LEN + 1];
    char arn[2048];            /* arn:aws:iam::123456789012:user/path/name, :root, sts assumed-role */
    char user_id[256];         /* GetCallerIdentity UserId: AIDA..., account id for root,
                                  AROA...:session for a role session */
    char name[256];            /* user name, role name, or "" for root */
    char entity_id[64];        /* AIDA.../AROA... of the IAM entity; "" for root */
    char access_key[129];      /* the key the request was signed with ("" for internal calls) */
    /* Added with authorization (zero in a principal built without them): */
    unsigned flags;            /* PRINCIPAL_F_* */
    int64_t  issued;           /* PRINCIPAL_F_TEMPORARY: when the credentials were issued, unix
                                  seconds (aws:TokenIssueTime) */
    char     called_via[64];   /* the service principal that makes this call on the principal's
                                  behalf ("ssm.amazonaws.com": aws:CalledVia), "" when none */
};

#define PRINCIPAL_F_TEMPORARY 0x1u  /* temporary credentials: a role session, or a session of
                                       GetSessionToken (kind USER or ROOT) */
#define PRINCIPAL_F_MFA       0x2u  /* the session was authenticated with MFA */

struct cfg;                    /* daemon configuration (core/cfg.h) */

struct req {
    const char               *request_id;  /* uuid, also x-amzn-RequestId */
    const struct model_service *svc;
    const struct model_op    *op;
    const struct principal   *caller;      /* who signed the request */
    struct store_tx          *tx;          /* this call's transaction (write lock taken when
                                              the op is declared OP_WRITE) */
    const struct cfg         *cfg;
    const char               *region;      /* from the credential scope, or the default */
    const char               *source_ip;
    time_t                    now;         /* request time, seconds */
    json_t                   *in;          /* validated input (borrowed; an object, maybe empty) */
    json_t                   *out;         /* set by the handler: the output tree (owned by req;
                                              NULL for an empty answer) */
    void                     *state;       /* the state its service_impl's start() made, or NULL */
    int                       internal;    /* 1: made by the server itself (core_invoke), not HTTP */
    uint64_t                  generation;  /* store_generation() read before tx began: caches
                                              filled from tx may be tagged with it */
    /* Authorize one more resource of this call (an operation naming several, such as
     * SSM GetParameters): the same action and context as the call's own check. Returns 0 or
     * <0 with err set (AccessDenied...). NULL outside the server (unit tests): nothing to ask. */
    int                     (*authorize)(const struct req *rq, const char *resource, struct aerr *err);
};

/* A handler: 0 on success (rq->out set or NULL), <0 with err filled on failure.
 * Returning <0 with err unset answers 500 InternalFailure. The transaction is committed
 * after a successful return and rolled back after a failure: handlers never commit. */
typedef int op_handler(struct req *rq, struct aerr *err);

/* The resource ARN an operation is authorized on, as AWS's service authorization reference
 * defines it for the action (e.g. iam:CreateUser on arn:aws:iam::<acct>:user/<path><name>),
 * computed from the validated input before the handler runs. Write a NUL-terminated ARN to
 * buf (cap bytes) and return 0; <0 with err filled for input it cannot build one from.
 * NULL in the table means the action has no resource type ("*"). */
typedef int op_resource(const struct req *rq, char *buf, size_t cap, struct aerr *err);

#define OP_WRITE 0x1u          /* takes the write lock at BEGIN */

struct op_impl {
    const char  *name;         /* operation name as in the model, e.g. "CreateUser" */
    op_handler  *fn;
    unsigned     flags;        /* OP_* */
    op_resource *resource;     /* for authorization (issue: authorization everywhere) */
};

/* What a service with background work (the automation engine, schedulers) gets at start. */
struct service_env {
    struct store     *store;
    const struct cfg *cfg;
    const char       *account;            /* the first account */
    void             *core;               /* pass back to invoke */
    /* Run operation op of service (signing name) in-process as who, in region: the same input
     * validation, authorization and handler as an HTTP request, in a transaction of its own
     * (call it outside any open transaction). in is borrowed; *ret_out (may be NULL) is the
     * caller's. Returns 0, or <0 with err filled (e.g. AccessDenied, ValidationException). */
    int (*invoke)(void *core, const struct principal *who, const char *region,
                  const char *service, const char *op, json_t *in, json_t **ret_out,
                  struct aerr *err);
    /* As invoke; and when the operation writes (OP_WRITE), then(tx, out, arg) runs inside its
     * transaction once the handler succeeded, so what then() writes commits or rolls back with
     * the operation (the automation engine journals a step's API call this way: a restart never
     * repeats it). A failure of then() fails the call. *ret_called (may be NULL) tells whether
     * then() ran; it does not for operations that only read. */
    int (*invoke_then)(void *core, const struct principal *who, const char *region,
                       const char *service, const char *op, json_t *in, json_t **ret_out,
                       int (*then)(struct store_tx *tx, json_t *out, void *arg), void *arg,
                       int *ret_called, struct aerr *err);
};

/* Each service exports a table ended by { NULL }; core/dispatch.c binds them to the model
 * at start-up (a name missing from the model is a start-up failure). Several tables may
 * share one signing name (SSM's documents and its automation), each with its own module. */
struct service_impl {
    const char           *signing_name;   /* "sts" */
    const struct op_impl *ops;
    const char *const    *migrations;     /* NULL-terminated SQL scripts, applied once each in
                                             order (version = index + 1) under the name
                                             module; append, never edit a shipped one */
    const char           *module;         /* migrations' name; NULL = signing_name */
    /* Background work: called once the store is migrated and before HTTP serves; *ret_state
     * is handed to this table's handlers as rq->state. stop() is called at shutdown, before
     * the store closes. Both NULL for a service without background work. */
    int                 (*start)(const struct service_env *env, void **ret_state);
    void                (*stop)(void *state);
};

#endif
