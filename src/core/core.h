/* src/core/core.h - the server's heart, independent of HTTP: opens the store, binds every
 * service's handlers to the model, authenticates, decodes, runs and encodes one API call.
 * Used by: http/server.c, daemon/main.c, tests. Uses: proto/, store/, crypto/, services. */
#ifndef CORE_CORE_H
#define CORE_CORE_H

#include <stddef.h>
#include "../crypto/sigv4.h"
#include "../proto/proto.h"
#include "cfg.h"

struct core;

/* One HTTP request as it came off the wire. Strings are NUL-terminated; path and query raw
 * (still percent-encoded). headers are borrowed for the call. */
struct core_request {
    const char                *method;
    const char                *path;
    const char                *query;        /* without '?', or NULL */
    const struct sigv4_header *headers;
    size_t                     n_headers;
    const char                *body;
    size_t                     body_len;
    const char                *source_ip;
};

struct core_response {
    int          status;
    const char  *content_type;               /* static */
    struct pbuf  body;                       /* owned: pbuf_done, or take body.buf */
    char         request_id[37];
};

/* Open the store under cfg->data_dir, apply migrations, bind handlers, and on first start
 * create the account and its root key (writing cfg->data_dir/credentials, 0600).
 * Returns 0 and *ret, or <0 (logged). */
int  core_new(const struct cfg *cfg, struct core **ret);
void core_free(struct core *c);                                  /* NULL-safe */

/* Serve one API call (POST / with a Query or JSON body, or a GET with a Query string).
 * Always fills *ret, errors included (rendered in the request's protocol); never fails. */
void core_handle(struct core *c, const struct core_request *rq, struct core_response *ret);

/* Dev mode: wipe every table and create a fresh account (same id) and root key, rewriting
 * the credentials file. Returns 0 or <0. */
int  core_reset(struct core *c);

/* Prometheus text for /metrics, appended to out. Returns 0 or -ENOMEM. */
int  core_metrics(struct core *c, struct pbuf *out);

#endif
