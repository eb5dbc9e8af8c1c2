/* src/http/server.c - see server.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <microhttpd.h>
#include "../base/log.h"
#include "server.h"

struct http_server {
    struct MHD_Daemon *mhd;
    struct core       *core;
    const struct cfg  *cfg;
    unsigned           port;
};

/* One request in flight: the raw target (from the URI log callback, before libmicrohttpd
 * unescapes it, since SigV4 signs the raw form) and the body as it arrives. */
struct conn_req {
    char  *uri;                       /* raw "/path?query" */
    char  *body;
    size_t len, cap;
    int    too_big;
    int    started;                   /* the first call (headers only) has been seen */
};

static void *
uri_logger(void *cls, const char *uri, struct MHD_Connection *con)
{
    struct conn_req *cr = calloc(1, sizeof(*cr));

    if (cr && strlen(uri) <= HTTP_MAX_URI)
        cr->uri = strdup(uri);
    return cr;
}

static void
completed(void *cls, struct MHD_Connection *con, void **con_cls, enum MHD_RequestTerminationCode toe)
{
    struct conn_req *cr = *con_cls;

    if (!cr)
        return;
    free(cr->uri);
    free(cr->body);
    free(cr);
    *con_cls = NULL;
}

static enum MHD_Result
reply(struct MHD_Connection *con, int status, const char *type, char *body, size_t len,
      const char *request_id)
{
    struct MHD_Response *resp;
    enum MHD_Result ret;

    resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    if (request_id) {
        MHD_add_response_header(resp, "x-amzn-RequestId", request_id);
        MHD_add_response_header(resp, "x-amz-request-id", request_id);
    }
    ret = MHD_queue_response(con, (unsigned) status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result
reply_text(struct MHD_Connection *con, int status, const char *text)
{
    char *b = strdup(text);

    return b ? reply(con, status, "text/plain; charset=utf-8", b, strlen(b), NULL) : MHD_NO;
}

struct header_list {
    struct sigv4_header h[HTTP_MAX_HEADERS];
    size_t              n;
    int                 overflow;
};

static enum MHD_Result
collect_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    struct header_list *l = cls;

    if (l->n == HTTP_MAX_HEADERS) {
        l->overflow = 1;
        return MHD_NO;
    }
    l->h[l->n].name = key;
    l->h[l->n].value = value ? value : "";
    l->n++;
    return MHD_YES;
}

static enum MHD_Result
serve_api(struct http_server *s, struct MHD_Connection *con, const char *method, struct conn_req *cr)
{
    struct header_list hl = { .n = 0 };
    struct core_request rq = {0};
    struct core_response resp;
    const union MHD_ConnectionInfo *ci;
    char ip[INET6_ADDRSTRLEN] = "-", *q, *path;

    MHD_get_connection_values(con, MHD_HEADER_KIND, collect_header, &hl);
    if (hl.overflow)
        return reply_text(con, 400, "too many headers\n");
    ci = MHD_get_connection_info(con, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (ci && ci->client_addr) {
        const struct sockaddr *sa = ci->client_addr;
        if (sa->sa_family == AF_INET)
            inet_ntop(AF_INET, &((const struct sockaddr_in *) sa)->sin_addr, ip, sizeof(ip));
        else if (sa->sa_family == AF_INET6)
            inet_ntop(AF_INET6, &((const struct sockaddr_in6 *) sa)->sin6_addr, ip, sizeof(ip));
    }
    path = cr->uri;
    q = strchr(path, '?');
    if (q)
        *q++ = '\0';
    rq.method = method;
    rq.path = path;
    rq.query = q;
    rq.headers = hl.h;
    rq.n_headers = hl.n;
    rq.body = cr->body ? cr->body : "";
    rq.body_len = cr->len;
    rq.source_ip = ip;
    core_handle(s->core, &rq, &resp);
    if (!resp.body.buf) {
        resp.body.buf = strdup("");
        if (!resp.body.buf)
            return MHD_NO;
    }
    return reply(con, resp.status, resp.content_type, resp.body.buf, resp.body.len, resp.request_id);
}

static enum MHD_Result
serve_metrics(struct http_server *s, struct MHD_Connection *con)
{
    struct pbuf out = {0};

    if (core_metrics(s->core, &out) < 0 || !out.buf) {
        pbuf_done(&out);
        return reply_text(con, 500, "cannot render metrics\n");
    }
    return reply(con, 200, "text/plain; version=0.0.4", out.buf, out.len, NULL);
}

static enum MHD_Result
access_handler(void *cls, struct MHD_Connection *con, const char *url, const char *method,
               const char *version, const char *upload_data, size_t *upload_size, void **con_cls)
{
    struct http_server *s = cls;
    struct conn_req *cr = *con_cls;

    if (!cr)
        return MHD_NO;
    if (!cr->uri)
        return reply_text(con, 414, "request target too long\n");
    if (!cr->started) {                       /* headers only: the body (if any) follows */
        cr->started = 1;
        return MHD_YES;
    }
    if (*upload_size) {                       /* more body: keep it, within the limit */
        if (!cr->too_big && cr->len + *upload_size > (size_t) s->cfg->max_body)
            cr->too_big = 1;
        if (!cr->too_big) {
            if (cr->len + *upload_size + 1 > cr->cap) {
                size_t cap = cr->cap ? cr->cap : 4096;
                char *b;
                while (cap < cr->len + *upload_size + 1)
                    cap *= 2;
                b = realloc(cr->body, cap);
                if (!b)
                    return MHD_NO;
                cr->body = b;
                cr->cap = cap;
            }
            memcpy(cr->body + cr->len, upload_data, *upload_size);
            cr->len += *upload_size;
            cr->body[cr->len] = '\0';
        }
        *upload_size = 0;
        return MHD_YES;
    }
    /* the whole request is here */
    if (cr->too_big)
        return reply_text(con, 413, "request body too large\n");
    if (!strcmp(url, "/healthz") && !strcmp(method, "GET"))
        return reply_text(con, 200, "ok\n");
    if (!strcmp(url, "/metrics") && !strcmp(method, "GET"))
        return serve_metrics(s, con);
    if (s->cfg->dev && !strcmp(url, "/_cairn/reset") && !strcmp(method, "POST")) {
        if (core_reset(s->core) < 0)
            return reply_text(con, 500, "reset failed\n");
        log_info("dev reset: all state wiped");
        return reply_text(con, 200, "reset\n");
    }
    if (strcmp(method, "POST") && strcmp(method, "GET"))
        return reply_text(con, 405, "method not allowed\n");
    return serve_api(s, con, method, cr);
}

static int
parse_listen(const char *listen, struct sockaddr_in *sa)
{
    char host[256];
    const char *colon = strrchr(listen, ':');
    char *end;
    long port;

    if (!colon || (size_t) (colon - listen) >= sizeof(host))
        return -EINVAL;
    memcpy(host, listen, (size_t) (colon - listen));
    host[colon - listen] = '\0';
    port = strtol(colon + 1, &end, 10);
    if (*end || end == colon + 1 || port < 0 || port > 65535)
        return -EINVAL;
    memset(sa, 0, sizeof(*sa));
    sa->sin_family = AF_INET;
    sa->sin_port = htons((uint16_t) port);
    if (!strcmp(host, "localhost"))
        strcpy(host, "127.0.0.1");
    if (inet_pton(AF_INET, host, &sa->sin_addr) != 1)
        return -EINVAL;
    return 0;
}

int
http_server_start(struct core *c, const struct cfg *cfg, struct http_server **ret)
{
    struct http_server *s = calloc(1, sizeof(*s));
    struct sockaddr_in sa;
    const union MHD_DaemonInfo *di;
    long threads = cfg->threads ? cfg->threads : sysconf(_SC_NPROCESSORS_ONLN);

    if (!s)
        return -ENOMEM;
    if (parse_listen(cfg->listen, &sa) < 0) {
        free(s);
        return log_error("cannot use listen address '%s' (want IPv4:PORT)", cfg->listen), -EINVAL;
    }
    s->core = c;
    s->cfg = cfg;
    s->mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_TURBO
                              | MHD_USE_ERROR_LOG,
                              0, NULL, NULL, access_handler, s,
                              MHD_OPTION_SOCK_ADDR, (struct sockaddr *) &sa,
                              MHD_OPTION_THREAD_POOL_SIZE, (unsigned) (threads > 0 ? threads : 1),
                              MHD_OPTION_CONNECTION_LIMIT, (unsigned) cfg->max_connections,
                              MHD_OPTION_CONNECTION_TIMEOUT, (unsigned) HTTP_CONN_TIMEOUT,
                              MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t) HTTP_CONN_MEMORY,
                              MHD_OPTION_URI_LOG_CALLBACK, uri_logger, s,
                              MHD_OPTION_NOTIFY_COMPLETED, completed, s,
                              MHD_OPTION_LISTENING_ADDRESS_REUSE, 1,
                              MHD_OPTION_END);
    if (!s->mhd) {
        free(s);
        return log_error("cannot listen on '%s'", cfg->listen), -EADDRINUSE;
    }
    di = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_BIND_PORT);
    s->port = di ? di->port : ntohs(sa.sin_port);
    *ret = s;
    return 0;
}

void
http_server_stop(struct http_server *s)
{
    if (!s)
        return;
    MHD_stop_daemon(s->mhd);
    free(s);
}

unsigned
http_server_port(const struct http_server *s)
{
    return s->port;
}
