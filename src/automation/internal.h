/* src/automation/internal.h - private to the automation engine: executions in memory, the
 * action interface, worker jobs, the store rows, and what the engine offers its actions.
 * Uses: core/req.h (principals, service_env), store/, lang.h, mctx.h, heap.h, events.h.
 *
 * The model, in one paragraph: an execution is a state machine whose state is in the store
 * (auto_exec, auto_step). One engine thread owns every running execution in memory and is the
 * only writer of their rows. It takes work in batches (API requests, timers, finished jobs),
 * advances the machines in memory while writing each transition into one store transaction,
 * commits it (one fsync for the whole batch: group commit), and only then acts: it hands jobs
 * to the worker pool, publishes status events and answers the API callers. Nothing blocks the
 * engine thread; no thread waits for an execution. */
#ifndef AUTOMATION_INTERNAL_H
#define AUTOMATION_INTERNAL_H

#include <pthread.h>
#include <stdint.h>
#include <jansson.h>
#include "../core/req.h"
#include "automation.h"
#include "events.h"
#include "heap.h"
#include "lang.h"
#include "mctx.h"

#define AUTO_MAX_DEPTH         4         /* aws:loop nesting (frames: mainSteps + 3 loops) */
#define AUTO_MAX_ROWS          10000     /* step executions of one execution (loops included) */
#define AUTO_MAX_RETRIES       10        /* maxAttempts cap */
#define AUTO_BATCH_MAX         2048      /* work items per engine transaction */
#define AUTO_CANCEL_WINDOW_MS  120000    /* the onCancel workflow runs 2 minutes at most */
#define AUTO_SLEEP_MAX_MS      (7LL * 86400 * 1000) /* aws:sleep: 7 days at most */
#define AUTO_APPROVE_MAX_MS    (7LL * 86400 * 1000) /* aws:approve waits 7 days at most */
#define AUTO_SCRIPT_MAX_S      600       /* aws:executeScript: 10 minutes at most */
#define AUTO_SCRIPT_OUTPUT     (100 * 1024)  /* bytes of a script's returned payload */
#define AUTO_SCRIPT_SOURCE     (64 * 1024)   /* bytes of an inline Script */
#define AUTO_LOOP_MAX          100       /* aws:loop iterations */
#define AUTO_APPROVERS_MAX     10        /* aws:approve Approvers */
#define AUTO_TARGETS_MAX       1000      /* rate-control targets of one execution */
#define AUTO_OUTPUT_TEXT       (100 * 1024)  /* one output value as text (OutputPayload) */
#define AUTO_STEPS_SHOWN       100       /* GetAutomationExecution StepExecutions before Truncated */

enum auto_status {
    ST_PENDING, ST_IN_PROGRESS, ST_WAITING, ST_SUCCESS, ST_TIMED_OUT, ST_CANCELLING,
    ST_CANCELLED, ST_FAILED,
};
const char *auto_status_name(enum auto_status s);
int         auto_status_terminal(enum auto_status s);

/* What an action's start/resume/cancel/recover returns. */
enum auto_result { AUTO_SUCCESS, AUTO_FAILED, AUTO_TIMED_OUT, AUTO_CANCELLED, AUTO_WAITING };

struct auto_engine;
struct aexec;
struct auto_job;

/* ---- the action interface: one file per action under actions/ ---- */

enum auto_ev_kind {
    EV_TIMER,          /* a timer the step armed (auto_timer_at) fired */
    EV_JOB,            /* a job it dispatched (auto_job_submit) finished: ev->job */
    EV_SIGNAL,         /* SendAutomationSignal: ev->signal, ev->payload, ev->sender */
    EV_CHILD,          /* a child execution it started ended: ev->child_* */
    EV_BODY_DONE,      /* aws:loop: one pass over its Steps ended (ev->body_failed) */
};

struct auto_event {
    enum auto_ev_kind       kind;
    struct auto_job        *job;
    const char             *signal;
    const json_t           *payload;
    const struct principal *sender;
    const char             *child_id, *child_status, *child_failure;
    const json_t           *child_outputs;
    int                     body_failed;     /* EV_BODY_DONE: the pass ended in a failure */
    const char             *body_failure;
};

/* A running step, as its action sees it. Owned by the engine; valid during the call. */
struct auto_step_ctx {
    struct auto_engine *eng;
    struct aexec       *e;
    struct auto_srow   *row;
    struct store_tx    *tx;          /* the engine's batch transaction (reads and writes) */
    struct mctx        *ctx;         /* the step's memory context (reset when it ends) */
    const json_t       *def;         /* the step's definition (name, action, inputs ...) */
    json_t             *inputs;      /* resolved inputs (borrowed) */
    json_t             *state;       /* the action's durable state: persisted with the row */
};

#define ACTION_SIGNALS   0x1u        /* takes Approve/Reject/Resume signals */
#define ACTION_NO_CANCEL_TARGET 0x2u /* onCancel may not jump to this action */
#define ACTION_RAW_INPUTS 0x4u       /* inputs are not resolved for the action: it resolves what it
                                        uses (aws:branch choices, aws:loop conditions and Steps) */

struct auto_action {
    const char *name;                /* "aws:sleep" */
    unsigned    flags;               /* ACTION_* */
    /* Begin the step (its inputs resolved). Return the outcome, or AUTO_WAITING after arming a
     * timer, submitting a job or starting a child. */
    enum auto_result (*start)(struct auto_step_ctx *sc);
    /* Something the step waited for happened. NULL: the action never waits. */
    enum auto_result (*resume)(struct auto_step_ctx *sc, const struct auto_event *ev);
    /* Stop the step (StopAutomationExecution, a timeout, StopStep). NULL: nothing to undo. */
    void             (*cancel)(struct auto_step_ctx *sc);
    /* After a restart, the step was running: reconcile it from sc->state (never redo a side
     * effect that happened) and return WAITING or an outcome. NULL: start it again. */
    enum auto_result (*recover)(struct auto_step_ctx *sc);
    /* SendAutomationSignal for the step (Approve, Reject, Resume: ev->signal, payload, sender).
     * Return 0 and the outcome in *ret (WAITING: keep waiting), or <0 with err filled (the
     * signal does not apply, the sender may not send it). NULL: the step takes no signals. */
    int              (*signal)(struct auto_step_ctx *sc, const struct auto_event *ev,
                               enum auto_result *ret, struct aerr *err);
};

const struct auto_action *auto_action_find(const char *name);

/* ---- what actions may call (engine.c) ---- */

/* Fail the step: message (FailureMessage) and FailureDetails stage/type. Returns AUTO_FAILED. */
enum auto_result auto_fail(struct auto_step_ctx *sc, const char *stage, const char *type,
                           const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Set one output of the step (takes v). */
void auto_output_set(struct auto_step_ctx *sc, const char *name, json_t *v);
/* aws:branch: the step to go to next (borrowed from the inputs; NULL: none). */
void auto_next_set(struct auto_step_ctx *sc, const char *step_name);
/* Arm a timer for the step at due_ms (epoch ms); its firing arrives as EV_TIMER. Returns 0 or <0. */
int  auto_timer_at(struct auto_step_ctx *sc, int64_t due_ms);
/* Hand a job to the worker pool once this batch commits; it comes back as EV_JOB. Takes job. */
int  auto_job_submit(struct auto_step_ctx *sc, struct auto_job *job);
/* Hand a job that belongs to no step (cleanup) to the pool after the commit. Takes job. */
void auto_job_detach(struct auto_step_ctx *sc, struct auto_job *job);
/* The principal the step acts as: the invoker, or the assumed service role session. Returns 0,
 * or <0 with the step's failure set (the role cannot be assumed). */
int  auto_acting_principal(struct auto_step_ctx *sc, struct principal *ret);
/* A scope for interpolating further values (branch choices, loop conditions). */
void auto_step_scope(struct auto_step_ctx *sc, struct auto_scope *ret);
/* Now, epoch milliseconds. */
int64_t auto_now_ms(void);

/* Start a child execution from a StartAutomationExecution-shaped input, as the acting principal,
 * with this execution as its parent. The child begins in this batch. Returns 0 and its id, or
 * <0 with err filled. */
int  auto_child_start(struct auto_step_ctx *sc, json_t *input, char ret_id[37], struct aerr *err);
/* Cancel the execution id (a child this step started), after this batch's other work. */
int  auto_child_cancel(struct auto_step_ctx *sc, const char *id);
/* Status of an execution by id: 1 and the fields when it has ended (outputs borrowed until
 * the batch ends), 0 while it runs, <0 when unknown. */
int  auto_child_status(struct auto_step_ctx *sc, const char *id, const char **ret_status,
                       const char **ret_failure, json_t **ret_outputs);
/* aws:loop: run the steps of body (a list of step definitions) as the next pass (iteration is
 * 1-based, value the iterator value or NULL). The step stays WAITING; EV_BODY_DONE follows. */
int  auto_loop_enter(struct auto_step_ctx *sc, const json_t *body, int iteration, const json_t *value);

/* ---- worker jobs (worker.c) ---- */

enum auto_job_kind {
    JOB_INVOKE,         /* an API operation in-process (executeAwsApi, assert..., createTags) */
    JOB_SCRIPT,         /* run an aws:executeScript Python script (resume: after a restart,
                           take its result or wait for it when it had started) */
    JOB_CLEANUP,        /* remove a script's work folder (its result is committed) */
};

struct auto_job {
    enum auto_job_kind kind;
    char           exec_id[37];
    uint64_t       token;
    int            row, attempt, sub;      /* the step execution it belongs to; the journal key is
                                              (row, attempt * 1024 + sub) */
    struct principal who;                  /* JOB_INVOKE: acting principal */
    char           region[64];
    char           service[32], op[128];
    json_t        *in;                     /* JOB_INVOKE input (owned) */
    int            journal;                /* record the result with the call (writes) */
    char          *workdir;                /* scripts: the private work folder (owned) */
    char          *script, *handler;       /* JOB_SCRIPT (owned) */
    json_t        *payload;                /* JOB_SCRIPT InputPayload (owned) */
    int64_t        deadline_ms;            /* kill the script at this time */
    int            resume;                 /* JOB_SCRIPT dispatched again after a restart */
    int            cancel;                 /* set by the engine (atomic): stop now */
    /* results */
    int            r;                      /* 0, or <0 with err */
    struct aerr    err;
    json_t        *out;                    /* API answer, or {"Payload": ...} (owned) */
    int            journaled;              /* the result was journaled with the call */
    int            timed_out, interrupted;
    char          *log;                    /* script output, truncated (owned) */
    struct auto_job *next;
};

struct auto_job *auto_job_new(enum auto_job_kind kind);
void auto_job_free(struct auto_job *j);   /* NULL-safe */

struct auto_workers;
/* Start n worker threads; finished jobs go to done(arg, job). NULL on failure. */
struct auto_workers *auto_workers_start(int n, const struct service_env *env,
                                        const struct auto_config *cfg,
                                        void (*done)(void *arg, struct auto_job *job), void *arg);
void auto_workers_submit(struct auto_workers *w, struct auto_job *job);
/* Stop the threads (running scripts are left to finish; a restart reconciles them). */
void auto_workers_stop(struct auto_workers *w);

/* ---- a step execution in memory (one per frame) ---- */

struct auto_srow {
    int         idx;                 /* row in auto_step */
    char        step_id[37];
    const json_t *def;               /* the step definition */
    const char *name;                /* borrowed from def */
    const struct auto_action *action;
    enum auto_status status;
    double      start, end;
    int         attempt, max_attempts;
    int64_t     timeout_s;           /* 0: none */
    json_t     *inputs;              /* resolved (NULL until resolved) */
    json_t     *state;               /* the action's durable state */
    json_t     *outputs;             /* name -> typed value */
    json_t     *parent;              /* ParentStepDetails, or NULL */
    char       *failure, *stage, *ftype;
    const char *next;                /* aws:branch's choice (borrowed from inputs) */
    uint64_t    token;               /* what the action waits for */
    uint64_t    timeout_token;
    struct auto_job *job;            /* the job in flight (owned by the worker until EV_JOB) */
    int         active;              /* the action is running */
    int         exists;              /* the row is in the store (else the next write inserts it) */
    int64_t     ord;                 /* when it started among the execution's steps (1, 2 ...) */
    int         journal;             /* the step journaled API calls (auto_result) */
    struct mctx *ctx;                /* the step's context */
};

struct auto_frame {
    const json_t *steps;             /* the step list: mainSteps, or an aws:loop's Steps */
    int           pc;                /* current step index */
    struct auto_srow row;            /* the current step execution */
    int           has_row;
};

/* ---- an execution in memory ---- */

enum auto_phase { PH_QUEUED, PH_RUNNING, PH_DONE };

struct auto_doc {                    /* a parsed runbook, shared by executions (by hash) */
    char    hash[65];
    json_t *doc;
    int     refs;
};

struct aexec {
    char          id[37];
    char          account[ACCOUNT_ID_LEN + 1];
    char         *region, *doc_name, *doc_version, *executed_by, *parent_id, *target, *role;
    struct mctx  *ctx;
    struct auto_doc *doc;
    const json_t *main;              /* mainSteps */
    json_t       *params;            /* typed */
    json_t       *outs;              /* step name -> {output -> value} */
    json_t       *vars;              /* variables */
    json_t       *who;               /* the invoker principal (JSON) */
    struct principal *session;       /* the assumed role session, once assumed */
    enum auto_status status;
    enum auto_phase phase;
    int           interactive;
    struct auto_frame frames[AUTO_MAX_DEPTH];
    int           depth;             /* frames in use (0: no step current) */
    int           next_pc;           /* interactive: the step the flow would run next (-1: end) */
    int           nrows;
    int64_t       next_ord;          /* the next step execution's ord */
    unsigned char *used;             /* per main step: its first row was used */
    double        start_time, end_time;
    int64_t       deadline_ms;       /* invoker executions: the 12-hour stop; 0: none */
    uint64_t      deadline_token, cancel_token, next_token;
    int           critical_failed;
    char         *failure;
    int           cancelling;        /* 1: Cancel requested; the onCancel workflow may run */
    int64_t       cancel_deadline_ms;
    struct auto_ratectl *rc;         /* rate-control parent, else NULL */
    int           dirty;
    int           counted;           /* counted in its account's running/queued */
    struct aexec *next_dirty, *next_queued, *next_done;
};

/* The runbook outputs of an ended execution ("step.Output" -> [strings]): a new object. */
json_t *auto_exec_outputs(const struct aexec *e);

/* ---- rate control (ratectl.c) ---- */
struct auto_ratectl;
/* Attach rate-control state to a parent execution (takes rcstate: the "rc" of its cursor, or
 * the initial {values, param, max_concurrency, max_errors, given}). Returns 0 or <0. */
int  auto_ratectl_load(struct auto_engine *eng, struct aexec *e, struct store_tx *tx, json_t *rcstate);
/* Launch what may run; account for a child that ended; decide the parent's end. */
void auto_ratectl_advance(struct auto_engine *eng, struct aexec *e, struct store_tx *tx);
void auto_ratectl_child_done(struct auto_engine *eng, struct aexec *e, struct store_tx *tx,
                             const char *child_id, enum auto_status st);
void auto_ratectl_cancel(struct auto_engine *eng, struct aexec *e, struct store_tx *tx);
json_t *auto_ratectl_state(const struct aexec *e);

/* ---- store.c: rows ---- */

extern const char *const auto_migrations[];

/* ---- a string-keyed hash map (engine-private tables) ---- */
struct auto_map_ent;
struct auto_map {
    struct auto_map_ent **b;
    size_t nb, n;
};
int   auto_map_put(struct auto_map *m, const char *key, void *val);   /* 0, -EEXIST, -ENOMEM */
void *auto_map_get(const struct auto_map *m, const char *key);
void *auto_map_del(struct auto_map *m, const char *key);
/* Call fn on every value (the map must not change meanwhile). */
void  auto_map_each(const struct auto_map *m, void (*fn)(void *arg, void *val), void *arg);
void  auto_map_done(struct auto_map *m);

#endif
