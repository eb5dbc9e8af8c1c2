/* src/automation/rows.h - the engine's rows in the store: executions (auto_exec), their step
 * executions (auto_step), runbooks by content hash (auto_doc), and the journal of API calls a
 * step made (auto_result). Only the engine thread writes auto_exec/auto_step rows of running
 * executions; the API handlers read them.
 * Used by: automation/engine.c, flow.c, ssm/automation.c (reading). Uses: store/. */
#ifndef AUTOMATION_ROWS_H
#define AUTOMATION_ROWS_H

#include <jansson.h>
#include "../store/store.h"
#include "internal.h"

/* Insert a new execution (status Pending) and a Pending row per main step. id is set. */
int rows_insert_exec(struct store_tx *tx, const struct aexec *e, const struct auto_spec *s);
/* An execution that failed before it could run (a rate-control child whose parameters do not
 * fit): inserted directly as Failed. */
int rows_insert_failed(struct store_tx *tx, const char *id, const struct auto_spec *s,
                       const char *doc_name, const char *message, double now);
/* Write what changes of a running execution (status, cursor, outputs ...). */
int rows_update_exec(struct store_tx *tx, const struct aexec *e);
/* Write a step execution: insert it when fresh, else update it. */
int rows_write_step(struct store_tx *tx, const struct aexec *e, const struct auto_srow *r, int fresh);

/* The journal: record / read / forget the answer of the API call attempt made for a step. */
int rows_journal_put(struct store_tx *tx, const char *id, int idx, int attempt, const json_t *result);
int rows_journal_get(struct store_tx *tx, const char *id, int idx, int attempt, json_t **ret);
int rows_journal_drop(struct store_tx *tx, const char *id, int idx);
/* Forget every journaled answer of an execution (it ended; a late call may have left one). */
int rows_journal_forget(struct store_tx *tx, const char *id);

/* The cursor (frames, counters) of an execution as JSON, and back. */
json_t *rows_cursor(const struct aexec *e);

/* Step outputs in the API's form (name -> [strings]). New reference or NULL. */
json_t *rows_outputs_api(const json_t *typed);

#endif
