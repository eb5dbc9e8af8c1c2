/* src/ssm/docparse.h - SSM document content: JSON and YAML text to one value tree and back,
 * validation per document type and schema version (Automation 0.3, Command 1.2/2.0/2.2),
 * and the summary DescribeDocument shows (parameters, platform types, schema version).
 * Pure: no store, no I/O. Used by: ssm/documents.c, the automation engine (through
 * documents.h), tests, fuzz/fuzz_ssmdoc.c. Uses: jansson, libyaml, pcre2, base/err.h.
 *
 * Errors are filled as the SSM API reports them: 400 InvalidDocumentContent with a message
 * that names the problem ("Step name 'x' is not unique."), 400 InvalidDocumentSchemaVersion
 * for a schema version the type does not support. */
#ifndef SSM_DOCPARSE_H
#define SSM_DOCPARSE_H

#include <stddef.h>
#include <jansson.h>
#include "../base/err.h"

#define SSMDOC_MAX_CONTENT  (64 * 1024)  /* CreateDocument/UpdateDocument Content, bytes (AWS) */
#define SSMDOC_MAX_DEPTH    64           /* nesting of maps/lists in a document */
#define SSMDOC_MAX_NODES    200000       /* values in a parsed document, YAML aliases expanded:
                                            bounds alias "billion laughs" expansion */
#define SSMDOC_MAX_STEPS    1000         /* mainSteps entries */
#define SSMDOC_MAX_PARAMS   500          /* declared parameters */
#define SSMDOC_MAX_NAME     128          /* step and parameter names */

enum ssmdoc_format {
    SSMDOC_JSON,
    SSMDOC_YAML,
    SSMDOC_TEXT,
};

/* "JSON" / "YAML" / "TEXT" <-> enum; ssmdoc_format_parse returns -EINVAL for anything else. */
int         ssmdoc_format_parse(const char *s, enum ssmdoc_format *ret);
const char *ssmdoc_format_name(enum ssmdoc_format f);

/* Parse len bytes of content (need not be NUL-terminated) written in fmt (JSON or YAML) into
 * a value tree whose top level is an object. Duplicate keys, more than one YAML document,
 * unknown YAML tags, nesting deeper than SSMDOC_MAX_DEPTH and more than SSMDOC_MAX_NODES
 * values are refused. A top-level schemaVersion written as a bare YAML number (0.3) is kept
 * as the string "0.3". Returns 0 and *ret (a new reference), or -EINVAL with err filled
 * (InvalidDocumentContent, e.g. "JSON not well-formed. at Line: 3, Column: 7"), or -ENOMEM. */
int ssmdoc_parse(const char *content, size_t len, enum ssmdoc_format fmt, json_t **ret,
                 struct aerr *err);

/* Write doc as fmt text (JSON indented by 2, or block-style YAML that parses back to the
 * same tree). *ret is malloc'd and NUL-terminated; the caller frees it.
 * Returns 0, -EINVAL for SSMDOC_TEXT, or -ENOMEM. */
int ssmdoc_render(const json_t *doc, enum ssmdoc_format fmt, char **ret);

/* Check doc against the schema of document type doc_type ("Automation", "Command", ...).
 * Returns 0, or -EINVAL with err filled (InvalidDocumentContent naming the problem, or
 * InvalidDocumentSchemaVersion). Types other than Automation, Automation.ChangeTemplate and
 * Command only get the generic checks (an object with a schemaVersion). */
int ssmdoc_validate(const json_t *doc, const char *doc_type, struct aerr *err);

/* What DescribeDocument reports about a valid document:
 *   ret_schema      schemaVersion, e.g. "0.3" (cap >= 16)
 *   ret_params      a new JSON array of {Name, Type, Description?, DefaultValue?} in
 *                   document order (DefaultValue as text; lists and maps as JSON text)
 *   ret_platforms   a new JSON array drawn from "Windows", "Linux", "MacOS"
 * Returns 0 or -ENOMEM. */
int ssmdoc_summary(const json_t *doc, const char *doc_type, char *ret_schema, size_t cap,
                   json_t **ret_params, json_t **ret_platforms);

#endif
