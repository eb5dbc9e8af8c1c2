/* src/automation/engine.h - private to engine.c, flow.c, ratectl.c: the engine object and the
 * steps of the execution state machine. Everything here runs on the engine thread, inside the
 * batch transaction eng->tx, except where a comment says otherwise.
 * Uses: internal.h. */
#ifndef AUTOMATION_ENGINE_H
#define AUTOMATION_ENGINE_H

#include <pthread.h>
#include "internal.h"

/* Work generated while a batch runs, done in the same batch (FIFO): keeps the state machine
 * iterative (no recursion through chains of instant steps). */
enum work_kind {
    W_PROMOTE,          /* let queued executions of account id run */
    W_ENTER,            /* execution id: enter step pc of frame fi */
    W_BODY_DONE,        /* execution id: its loop body in frame fi ended (failed, msg) */
    W_CHILD_DONE,       /* execution id (a parent): its child ended with status st */
    W_CANCEL,           /* cancel execution id (a rate-control parent cancels its children) */
};

struct work {
    enum work_kind   kind;
    char             id[37], child[37];
    int              fi, pc, failed;
    enum auto_status st;
    char            *msg;
    struct work     *next;
};

struct acct {
    char          id[ACCOUNT_ID_LEN + 1];
    long          running, queued;
    struct aexec *qhead, *qtail;         /* queued executions, oldest first */
};

enum request_kind { RQ_CREATE, RQ_SIGNAL, RQ_STOP };

/* An API call waiting for the engine: answered after the batch that handled it commits. */
struct request {
    enum request_kind       kind;
    struct auto_spec       *spec;
    const char             *account, *id, *type;
    const json_t           *payload;
    const struct principal *sender;
    int                     done, r;
    struct aerr            *err;
    char                   *ret_id;
    pthread_cond_t          cond;
    struct request         *next;
};

struct auto_engine {
    struct service_env     env;
    struct auto_config     cfg;
    pthread_mutex_t        lock;        /* guards the inboxes, stop, stats */
    pthread_cond_t         wake;
    struct request        *rq_head, *rq_tail;
    struct auto_job       *jd_head, *jd_tail;   /* finished jobs */
    int                    stop, started;
    pthread_t              thread;
    struct auto_workers   *workers;
    struct auto_publisher *pub;
    struct auto_stats      stats;
    /* engine thread only */
    struct mctx           *top;
    struct auto_heap       timers;
    struct auto_map        execs, docs, accts;
    struct aexec          *dirty, *finished;
    struct work           *wq_head, *wq_tail;
    struct auto_job       *submit;      /* jobs to hand out after the commit */
    json_t                *events;      /* events to publish after the commit */
    struct request        *replies;     /* calls to answer after the commit */
    struct store_tx       *tx;
    uint64_t               next_token;
    int                    batch_failed;
    unsigned long          b_transitions, b_steps;
};

/* engine.c */
void  eng_work(struct auto_engine *eng, enum work_kind kind, const char *id, int fi, int pc);
struct work *eng_work_add(struct auto_engine *eng, enum work_kind kind, const char *id);
void  eng_dirty(struct auto_engine *eng, struct aexec *e);
void  eng_fail_batch(struct auto_engine *eng, int r, const char *what);
struct acct *eng_acct(struct auto_engine *eng, const char *account);
/* Remove a queued execution from its account's queue (cancelled while it waited). */
void  eng_unqueue(struct auto_engine *eng, struct aexec *e);
uint64_t eng_token(struct auto_engine *eng);
int   eng_timer(struct auto_engine *eng, struct aexec *e, int64_t due_ms, uint64_t token);
void  eng_emit_exec(struct auto_engine *eng, struct aexec *e);
void  eng_emit_step(struct auto_engine *eng, struct aexec *e, struct auto_srow *r);
/* Create an execution from spec in this batch (takes spec's contents). 1: an existing one
 * matched the ClientToken (ret_id set); 0: created; <0 with err. */
int   eng_create(struct auto_engine *eng, struct auto_spec *spec, char ret_id[37], struct aerr *err);
/* Record a child that could not start (a rate-control target with bad parameters). */
int   eng_create_failed(struct auto_engine *eng, struct auto_spec *spec, const char *doc_name,
                        const char *message, char ret_id[37]);
/* Assume the execution's role as ssm.amazonaws.com (cached). 0, or <0 with err. */
int   eng_session(struct auto_engine *eng, struct aexec *e, struct principal *ret, struct aerr *err);

/* flow.c: the state machine */
void  flow_begin(struct auto_engine *eng, struct aexec *e);
void  flow_enter(struct auto_engine *eng, struct aexec *e, int fi, int pc);
void  flow_event(struct auto_engine *eng, struct aexec *e, const struct auto_event *ev, uint64_t token);
void  flow_timer(struct auto_engine *eng, struct aexec *e, uint64_t token);
void  flow_job(struct auto_engine *eng, struct aexec *e, struct auto_job *job);
void  flow_body_done(struct auto_engine *eng, struct aexec *e, int fi, int failed, const char *msg);
void  flow_child_done(struct auto_engine *eng, struct aexec *e, const char *child, enum auto_status st);
void  flow_finish(struct auto_engine *eng, struct aexec *e, enum auto_status st, const char *msg);
void  flow_recover(struct auto_engine *eng, struct aexec *e);
int   flow_signal(struct auto_engine *eng, struct aexec *e, const char *type, const json_t *payload,
                  const struct principal *sender, struct aerr *err);
int   flow_stop(struct auto_engine *eng, struct aexec *e, const char *type, struct aerr *err);
void  flow_arm_deadlines(struct auto_engine *eng, struct aexec *e);

#endif
