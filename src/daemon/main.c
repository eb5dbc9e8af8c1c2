/* src/daemon/main.c - cairnd: configuration → logging → store and services → HTTP, then
 * wait for SIGTERM/SIGINT and shut down in the reverse order. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include "../base/log.h"
#include "../core/core.h"
#include "../http/server.h"

static int
set_log_level(const char *name)
{
    static const char *const names[] = { "debug", "info", "warn", "error" };
    int i;

    for (i = 0; i < 4; i++)
        if (!strcmp(name, names[i])) {
            log_min_level = (enum log_level) i;
            return 0;
        }
    return -1;
}

int
main(int argc, char **argv)
{
    struct cfg cfg;
    struct core *core = NULL;
    struct http_server *http = NULL;
    sigset_t stop;
    int sig = 0, rc = 1;

    if (cfg_load(&cfg, argc, argv) < 0)
        return 2;
    if (set_log_level(cfg.log_level) < 0) {
        fprintf(stderr, "cairnd: --log-level wants debug, info, warn or error, not '%s'\n", cfg.log_level);
        return 2;
    }
    /* Block the stop signals before any thread starts, so that only sigwait sees them. */
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (core_new(&cfg, &core) < 0)
        goto out;
    if (http_server_start(core, &cfg, &http) < 0)
        goto out;
    log_info("cairnd listening on http://%s (endpoint for --endpoint-url); data in '%s'%s",
             cfg.listen, cfg.data_dir, cfg.dev ? "; dev mode" : "");
    log_info("root credentials: AWS_SHARED_CREDENTIALS_FILE=%s/credentials AWS_PROFILE=root",
             cfg.data_dir);
    while (sigwait(&stop, &sig) != 0)
        ;
    log_info("cairnd stopping (signal %d)", sig);
    rc = 0;
out:
    http_server_stop(http);
    core_free(core);
    return rc;
}
