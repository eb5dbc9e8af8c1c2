/* src/core/cfg.h - the daemon's configuration: one struct, every key declared once in a
 * table (cfg.c) with its type, default, limit and help. Values come from the environment
 * (CAIRN_<KEY>), then command-line flags (--key value); --print-config shows the result.
 * Used by: daemon/, core/, http/. Uses: libc. */
#ifndef CORE_CFG_H
#define CORE_CFG_H

#include <stddef.h>

#define CFG_DEFAULT_PORT 4747        /* neither LocalStack's 4566 nor moto's 5000 */

struct cfg {
    char data_dir[1024];             /* --data: the store, the key file, credentials */
    char listen[256];                /* --listen HOST:PORT */
    char account_id[16];             /* --account-id: the first account (12 digits) */
    char region[64];                 /* --region: the default region */
    char log_level[16];              /* --log-level debug|info|warn|error */
    int  dev;                        /* --dev: emulator mode (any credentials are root, no
                                        clock check, POST /_cairn/reset) */
    long threads;                    /* --threads: HTTP worker threads (0 = one per core) */
    long max_body;                   /* --max-body: largest request body, bytes */
    long max_connections;            /* --max-connections */
};

/* Fill *c with defaults, then environment, then argv (argv[0] skipped). Prints help and
 * exits 0 on --help, prints the configuration and exits 0 on --print-config. Returns 0,
 * or -EINVAL after printing what is wrong on stderr. */
int cfg_load(struct cfg *c, int argc, char **argv);

#endif
