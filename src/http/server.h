/* src/http/server.h - the HTTP/1.1 front on libmicrohttpd: a thread pool sized to the
 * cores, keep-alive, bounded request sizes; routes /healthz, /metrics, dev /_cairn/reset
 * and hands every other request to core_handle. Used by: daemon/. Uses: core/, libmicrohttpd. */
#ifndef HTTP_SERVER_H
#define HTTP_SERVER_H

#include "../core/core.h"

#define HTTP_MAX_HEADERS   128          /* headers kept per request; more is a 400 */
#define HTTP_MAX_URI       (16 * 1024)  /* request line target; presigned URLs are long */
#define HTTP_CONN_MEMORY   (64 * 1024)  /* libmicrohttpd's per-connection header buffer */
#define HTTP_CONN_TIMEOUT  60           /* seconds an idle keep-alive connection is kept */

struct http_server;

/* Listen on cfg->listen ("HOST:PORT") and serve c from cfg->threads threads (0 = one per
 * core). Returns 0 and *ret, or <0 (logged). */
int  http_server_start(struct core *c, const struct cfg *cfg, struct http_server **ret);
/* Stop accepting, finish in-flight requests, free. NULL-safe. */
void http_server_stop(struct http_server *s);
/* The port actually bound (useful with port 0). */
unsigned http_server_port(const struct http_server *s);

#endif
