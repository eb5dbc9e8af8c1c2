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
};

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

/* Each service exports a table ended by { NULL }; core/dispatch.c binds them to the model
 * at start-up (a name missing from the model is a start-up failure). */
struct service_impl {
    const char           *signing_name;   /* "sts" */
    const struct op_impl *ops;
    const char *const    *migrations;     /* NULL-terminated SQL scripts, applied once each in
                                             order (version = index + 1) under the name
                                             signing_name; append, never edit a shipped one */
};

#endif
