/* src/automation/lang.h - the runbook language, pure: {{ }} interpolation, JSONPath output
 * selectors, aws:branch conditions, runbook parameters (types, defaults, validation), ISO-8601
 * durations and times. No store, no threads, no I/O: the engine and the API handlers call
 * these, and tests/unit/test_automation.c checks them.
 * Used by: automation/ (engine, actions, prepare.c). Uses: jansson, pcre2, base/err.h.
 *
 * Typed values are jansson trees, by runbook type:
 *   String (and AWS::* types)  -> JSON string       Integer    -> JSON integer
 *   Boolean                    -> true / false      StringList -> array of strings
 *   MapList                    -> array of objects  StringMap  -> object
 * Error texts are written to errbuf (cap bytes), phrased for a step's FailureMessage. */
#ifndef AUTOMATION_LANG_H
#define AUTOMATION_LANG_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <jansson.h>
#include "../base/err.h"

#define AUTO_MAX_REF        1024     /* longest {{ reference }} */
#define AUTO_MAX_TEXT       (256 * 1024)  /* longest string interpolation may build */
#define AUTO_MAX_RESOLVED   (4 * 1024 * 1024) /* all that one interpolation may produce (bytes,
                                                  roughly): lists spliced many times stop here */
#define AUTO_MAX_PATH       1024     /* longest JSONPath selector */
#define AUTO_MAX_COND_DEPTH 16       /* And/Or/Not nesting in a branch choice */
#define AUTO_MAX_PARAM_TEXT (64 * 1024) /* a parameter value after conversion, as text */

/* ---- interpolation ---- */

/* What {{ }} references resolve against. Any member may be NULL (then those references fail). */
struct auto_scope {
    const json_t *params;            /* {{ Name }}: parameter name -> typed value */
    const json_t *outputs;           /* {{ step.Output }}: step name -> {output -> value} */
    const json_t *vars;              /* {{ variable:NAME }}: name -> value */
    const char   *account;           /* {{ global:ACCOUNT_ID }} */
    const char   *region;            /* {{ global:REGION }} */
    const char   *partition;         /* {{ global:AWS_PARTITION }} ("aws" when NULL) */
    const char   *execution_id;      /* {{ automation:EXECUTION_ID }} */
    time_t        now;               /* {{ global:DATE }}, {{ global:DATE_TIME }} (UTC) */
    /* {{ ssm:name }}: Parameter Store. NULL: such references fail. Returns 0 and a malloc'd
     * value, or <0 with errbuf filled. */
    int         (*ssm)(void *arg, const char *name, char **ret_value, char *errbuf, size_t cap);
    void         *ssm_arg;
    int           only_ssm;          /* resolve {{ssm:}} only; keep other references as text */
};

/* Resolve every {{ reference }} in v (any JSON value; object keys are left alone) into a new
 * tree *ret. A string that is exactly one reference becomes the referenced value, type and all
 * (a StringList stays a list); references inside longer text are spliced as text (numbers and
 * booleans in decimal, lists and maps as compact JSON). Returns 0, -ENOENT for a reference that
 * does not resolve, -EINVAL for a malformed one, -E2BIG past AUTO_MAX_TEXT, -ENOMEM; on failure
 * errbuf says which ("{{ step.Out }} could not be resolved: ..."). The whole result is bounded
 * by AUTO_MAX_RESOLVED (-E2BIG past it). */
int auto_interp(const json_t *v, const struct auto_scope *s, json_t **ret, char *errbuf, size_t cap);

/* Does text contain a {{ reference }}? (to tell templates from plain values) */
int auto_has_ref(const char *text);

/* The text a typed value splices as (see auto_interp). *ret is malloc'd. Returns 0 or -ENOMEM. */
int auto_value_text(const json_t *v, char **ret);

/* ---- JSONPath selectors ($.a.b[0], $['a'], $.list[*].name, $..name is not supported) ---- */

/* Select path in doc. A path with a wildcard yields an array of the matches. *ret is a new
 * reference. Returns 0, -ENOENT when nothing matches, -EINVAL for a malformed path. */
int auto_jsonpath(const json_t *doc, const char *path, json_t **ret, char *errbuf, size_t cap);

/* Convert a selected value to an output Type ("String", "Integer", "Boolean", "StringList",
 * "StringMap", "MapList"; NULL or "" keeps it as is). Returns 0 and a new *ret, or -EINVAL. */
int auto_output_convert(const json_t *v, const char *type, json_t **ret, char *errbuf, size_t cap);

/* ---- conditions (aws:branch Choices, aws:loop LoopCondition) ---- */

/* Evaluate one choice: {Variable, <Operator>: value} or {And: [..]}, {Or: [..]}, {Not: {..}}.
 * Variable and operand may hold references (resolved through s). Operators: StringEquals,
 * EqualsIgnoreCase, StartsWith, EndsWith, Contains, NumericEquals, NumericGreater,
 * NumericLesser, NumericGreaterOrEquals, NumericLesserOrEquals, BooleanEquals.
 * Sets *ret_match to 0/1 and returns 0, or returns <0 with errbuf filled. */
int auto_cond_eval(const json_t *choice, const struct auto_scope *s, int *ret_match,
                   char *errbuf, size_t cap);

/* aws:branch: the NextStep of the first choice that matches, else Default, else NULL (the
 * returned string is borrowed from inputs). Returns 0, or <0 with errbuf filled. */
int auto_branch_pick(const json_t *inputs, const struct auto_scope *s, const char **ret_next,
                     char *errbuf, size_t cap);

/* ---- parameters ---- */

/* Resolve a runbook's parameters: decl is the document's "parameters" (may be NULL), given
 * the API's Parameters (object of string arrays, may be NULL). Values given are converted to
 * their types ({{ssm:name}} in them resolved through s->ssm); absent ones take their default,
 * whose references ({{ Other }}, {{global:..}}, {{automation:EXECUTION_ID}}, {{ssm:..}}) are
 * resolved in dependency order. Every value is checked (allowedValues, allowedPattern,
 * minItems/maxItems, minChars/maxChars). On success *ret_typed is name -> typed value and
 * *ret_api name -> [strings] (as GetAutomationExecution shows them), both new references.
 * Fails with -EINVAL and err = 400 InvalidAutomationExecutionParametersException naming the
 * parameter (unknown, missing, wrong type, not allowed), or -ENOMEM. */
int auto_params_resolve(const json_t *decl, const json_t *given, const struct auto_scope *s,
                        json_t **ret_typed, json_t **ret_api, struct aerr *err);

/* Convert the API form of one value (array of strings) to type (a runbook type name).
 * Returns 0 and a new *ret, or -EINVAL with errbuf filled. */
int auto_param_convert(const char *type, const json_t *strings, json_t **ret, char *errbuf, size_t cap);

/* The API form (array of strings) of a typed value. Returns a new reference or NULL on OOM. */
json_t *auto_param_api(const json_t *typed);

/* ---- time ---- */

/* ISO-8601 duration (PnYnMnWnDTnHnMnS; years as 365 days, months as 30) to milliseconds.
 * Returns 0, or -EINVAL. */
int auto_iso_duration(const char *s, int64_t *ret_ms);
/* ISO-8601 date-time ("2024-05-01T10:00:00Z", offsets, fractions; a bare date is midnight
 * UTC) to epoch seconds. Returns 0, or -EINVAL. */
int auto_iso_time(const char *s, double *ret);
/* "Nov 29, 2016 7:43:25 PM" (UTC), as the EventBridge events' detail carries times. */
void auto_fmt_event_time(double t, char *buf, size_t cap);
/* "2016-11-29T19:43:35Z". */
void auto_fmt_iso(double t, char *buf, size_t cap);

/* Match s against a Java-style regular expression (whole-string match). Returns 1, 0, or
 * -EINVAL when the pattern does not compile. */
int auto_regex_match(const char *pattern, const char *s);

#endif
