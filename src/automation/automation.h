/* src/automation/automation.h - the Automation engine as the SSM API handlers see it: its
 * configuration, start and stop, and the calls that start, signal and stop executions.
 * Used by: ssm/automation.c (the API), tests, the benchmark. Uses: core/req.h, jansson.
 *
 * Every change to an execution goes through the engine thread, which commits it (grouped
 * with others) before the call returns: what an API caller is told is durable. */
#ifndef AUTOMATION_AUTOMATION_H
#define AUTOMATION_AUTOMATION_H

#include <jansson.h>
#include "../core/req.h"

/* Tunables, from the environment (CAIRN_AUTOMATION_<NAME>) at start; AWS's defaults. */
struct auto_config {
    long max_running;        /* MAX_RUNNING: executions running at once per account (100) */
    long max_queued;         /* MAX_QUEUED: more waiting as Pending, then LimitExceeded (1000) */
    long invoker_max_s;      /* INVOKER_MAX_SECONDS: without a service role (12 h) */
    long workers;            /* WORKERS: threads for blocking work (8) */
    long script_memory_mb;   /* SCRIPT_MEMORY_MB: address space of a script (1024) */
    long poll_ms;            /* POLL_MS: aws:waitForAwsResourceProperty period (1000) */
    char python[512];        /* the python3 that runs aws:executeScript (first on PATH) */
    char work_dir[1100];     /* <data>/automation/work: private folders of scripts */
};

#define AUTO_DEFAULT_MAX_RUNNING   100
#define AUTO_DEFAULT_MAX_QUEUED    1000
#define AUTO_DEFAULT_INVOKER_MAX_S (12 * 3600)
#define AUTO_LIMIT_RUNNING_MAX     1000000   /* upper bounds of the settings */

struct auto_engine;
struct auto_publisher;

/* Start the engine: recover unfinished executions from the store, start the scheduler thread
 * and the worker pool. Returns 0 and *ret, or <0 (logged). */
int  auto_engine_start(const struct service_env *env, struct auto_engine **ret);
/* Stop the threads and free the engine; executions stay in the store. NULL-safe. */
void auto_engine_stop(struct auto_engine *eng);

const struct auto_config *auto_engine_config(const struct auto_engine *eng);
struct auto_publisher    *auto_engine_publisher(struct auto_engine *eng);

/* ---- prepare.c: a StartAutomationExecution input to a ready-to-create execution ---- */

struct auto_spec {
    char     account[ACCOUNT_ID_LEN + 1];
    char     region[64];
    char     doc_name[129], doc_version[16], doc_hash[65];
    json_t  *doc;                    /* parsed runbook (owned) */
    char    *doc_text;               /* its compact JSON (owned) */
    json_t  *params, *params_api;    /* typed / as shown (owned) */
    json_t  *given;                  /* Parameters as given (owned; rate control) */
    json_t  *vars;                   /* variables with their initial values (owned) */
    json_t  *who;                    /* invoker principal as JSON (owned) */
    char     executed_by[2048];
    char    *role;                   /* AutomationAssumeRole ARN, or NULL (owned) */
    int      interactive;
    char     client_token[37], request_hash[65];
    json_t  *tags;                   /* TagList or NULL (owned) */
    char     parent_id[37];
    char    *target;                 /* rate-control child: the target value (owned) */
    /* rate control */
    char    *target_param;           /* TargetParameterName (owned) */
    json_t  *targets, *target_maps;  /* as given (owned) */
    char     max_concurrency[16], max_errors[16];
    json_t  *target_values;          /* resolved: strings, or objects for TargetMaps (owned) */
};

void auto_spec_done(struct auto_spec *s);
/* Validate a StartAutomationExecution input (in) for who in region: the runbook and version,
 * its parameters (converted, defaults, {{ssm:}} read as who), the assume role (format,
 * iam:PassRole by who to ssm.amazonaws.com), targets and rate control. Fills *ret. Returns 0,
 * or <0 with err as the API answers (AutomationDefinitionNotFoundException,
 * InvalidAutomationExecutionParametersException, AccessDeniedException, InvalidTarget ...). */
int auto_prepare(struct store_tx *tx, const struct auto_config *cfg, const struct principal *who,
                 const json_t *who_json, const char *region, const json_t *in,
                 struct auto_spec *ret, struct aerr *err);

/* Principals to and from JSON (the invoker is stored with the execution). */
json_t *auto_principal_json(const struct principal *p);
int     auto_principal_from_json(const json_t *j, struct principal *ret);


/* Create the execution spec describes (takes spec's contents, whatever the outcome): check
 * ClientToken idempotency and the account's quotas, write it, let it run or queue. Returns 0
 * and its id once committed, or <0 with err (IdempotentParameterMismatch,
 * AutomationExecutionLimitExceededException ...). */
int  auto_engine_create(struct auto_engine *eng, struct auto_spec *spec, char ret_id[37],
                        struct aerr *err);

/* SendAutomationSignal on execution id of account, from sender. Returns 0 once the signal is
 * committed, or <0 with err (InvalidAutomationSignalException, AutomationStepNotFoundException,
 * AutomationExecutionNotFoundException). */
int  auto_engine_signal(struct auto_engine *eng, const char *account, const char *id,
                        const char *type, const json_t *payload, const struct principal *sender,
                        struct aerr *err);

/* StopAutomationExecution (type "Cancel" or "Complete"). Returns 0 once committed, or <0 with
 * err (InvalidAutomationStatusUpdateException, AutomationExecutionNotFoundException). */
int  auto_engine_stop_execution(struct auto_engine *eng, const char *account, const char *id,
                                const char *type, struct aerr *err);

/* Counters since start, for tests and the benchmark. */
struct auto_stats {
    unsigned long batches, transitions, step_transitions, executions_done;
};
void auto_engine_stats(struct auto_engine *eng, struct auto_stats *ret);

#endif
