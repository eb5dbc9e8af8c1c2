/* src/ssm/documents.h - the SSM document store as the automation engine and Run Command
 * see it: fetch one version of a document, parsed. Used by: the automation engine, run
 * command. Uses: store/, ssm/docparse.h. Handlers for the API live in documents.c. */
#ifndef SSM_DOCUMENTS_H
#define SSM_DOCUMENTS_H

#include <jansson.h>
#include "../base/err.h"
#include "../store/store.h"

#define SSM_DOC_NAME_MAX 128          /* DocumentName pattern ^[a-zA-Z0-9_\-.]{3,128}$ */

struct ssm_document {
    json_t *content;                  /* the parsed document (owned: ssm_document_done) */
    char    name[SSM_DOC_NAME_MAX + 1];
    char    type[64];                 /* "Automation", "Command", ... */
    char    owner[16];                /* owning account id, or "Amazon" */
    char    version[16];              /* the version fetched, e.g. "3" */
    char    version_name[129];        /* "" when the version has none */
    char    hash[65];                 /* Sha256 of the content as stored */
    char    schema_version[16];       /* "0.3" */
};

/* Fetch a document visible to account in region: its own documents, the AWS-owned ones
 * (AWS-RunShellScript ...) and documents shared with it (name given as the document ARN).
 * version: NULL or "$DEFAULT" for the default version, "$LATEST", or a number;
 * version_name: NULL, or the VersionName to select (both may be given; they must agree).
 * Returns 0 and fills *ret (release with ssm_document_done); -ENOENT with 400
 * InvalidDocument ("The specified document does not exist.") when nothing matches;
 * other <0 with err filled. */
int  ssm_document_fetch(struct store_tx *tx, const char *account, const char *region,
                        const char *name, const char *version, const char *version_name,
                        struct ssm_document *ret, struct aerr *err);
void ssm_document_done(struct ssm_document *d);   /* NULL-safe; frees d->content */

#endif
