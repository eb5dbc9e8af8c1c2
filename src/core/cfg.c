/* src/core/cfg.c - see cfg.h: the table of configuration keys. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cfg.h"

enum cfg_type { CFG_STR, CFG_INT, CFG_FLAG };

struct cfg_key {
    const char   *name;              /* flag --name, environment CAIRN_NAME (upper, '_') */
    enum cfg_type type;
    size_t        off, size;         /* field in struct cfg */
    const char   *def;
    long          min, max;          /* CFG_INT bounds */
    const char   *help;
};

#define STR(f, d, h)        { #f, CFG_STR, offsetof(struct cfg, f), sizeof(((struct cfg *) 0)->f), d, 0, 0, h }
#define INT(f, d, lo, hi, h) { #f, CFG_INT, offsetof(struct cfg, f), sizeof(long), d, lo, hi, h }

static const struct cfg_key keys[] = {
    { "data", CFG_STR, offsetof(struct cfg, data_dir), sizeof(((struct cfg *) 0)->data_dir), "./data", 0, 0,
      "data folder: store, key file, credentials" },
    STR(listen, "127.0.0.1:4747", "address and port to serve on"),
    { "account-id", CFG_STR, offsetof(struct cfg, account_id), sizeof(((struct cfg *) 0)->account_id), "", 0, 0,
      "12-digit id of the first account (random when empty)" },
    STR(region, "us-east-1", "default region"),
    { "log-level", CFG_STR, offsetof(struct cfg, log_level), sizeof(((struct cfg *) 0)->log_level), "info", 0, 0,
      "debug, info, warn or error" },
    { "dev", CFG_FLAG, offsetof(struct cfg, dev), sizeof(int), "0", 0, 1,
      "emulator mode: any credentials act as root, no clock check, POST /_cairn/reset" },
    INT(threads, "0", 0, 256, "HTTP worker threads (0: one per core)"),
    { "max-body", CFG_INT, offsetof(struct cfg, max_body), sizeof(long), "4194304", 1024, 64L << 20,
      "largest request body in bytes" },
    { "max-connections", CFG_INT, offsetof(struct cfg, max_connections), sizeof(long), "1024", 1, 65536,
      "simultaneous client connections" },
};

#define N_KEYS (sizeof(keys) / sizeof(keys[0]))

static int
set(struct cfg *c, const struct cfg_key *k, const char *v)
{
    char *p = (char *) c + k->off, *end;
    long n;

    switch (k->type) {
    case CFG_STR:
        if (strlen(v) >= k->size)
            return fprintf(stderr, "cairnd: value of '%s' is too long\n", k->name), -EINVAL;
        strcpy(p, v);
        return 0;
    case CFG_FLAG:
        *(int *) p = strcmp(v, "0") != 0 && strcmp(v, "false") != 0;
        return 0;
    case CFG_INT:
        errno = 0;
        n = strtol(v, &end, 10);
        if (errno || *end || end == v || n < k->min || n > k->max)
            return fprintf(stderr, "cairnd: '%s' wants a number from %ld to %ld, not '%s'\n",
                           k->name, k->min, k->max, v), -EINVAL;
        *(long *) p = n;
        return 0;
    }
    return -EINVAL;
}

static void
usage(void)
{
    size_t i;

    printf("usage: cairnd [--key value]... [--dev] [--print-config]\n\n");
    for (i = 0; i < N_KEYS; i++)
        printf("  --%-16s %s (default: %s)\n", keys[i].name, keys[i].help,
               keys[i].type == CFG_FLAG ? "off" : keys[i].def[0] ? keys[i].def : "\"\"");
    printf("\nEach key may also come from the environment as CAIRN_<KEY> (e.g. CAIRN_LOG_LEVEL).\n");
}

int
cfg_load(struct cfg *c, int argc, char **argv)
{
    int i, print = 0;
    size_t k;

    memset(c, 0, sizeof(*c));
    for (k = 0; k < N_KEYS; k++) {
        char env[64], *v;
        size_t j;
        snprintf(env, sizeof(env), "CAIRN_%s", keys[k].name);
        for (j = 6; env[j]; j++)
            env[j] = env[j] == '-' ? '_' : (char) (env[j] >= 'a' && env[j] <= 'z' ? env[j] - 32 : env[j]);
        v = getenv(env);
        if (set(c, &keys[k], v ? v : keys[k].def) < 0)
            return -EINVAL;
    }
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage();
            exit(0);
        }
        if (!strcmp(a, "--print-config")) {
            print = 1;
            continue;
        }
        for (k = 0; k < N_KEYS; k++)
            if (!strncmp(a, "--", 2) && !strcmp(a + 2, keys[k].name))
                break;
        if (k == N_KEYS)
            return fprintf(stderr, "cairnd: unknown option '%s' (see --help)\n", a), -EINVAL;
        if (keys[k].type == CFG_FLAG) {
            set(c, &keys[k], "1");
            continue;
        }
        if (i + 1 >= argc)
            return fprintf(stderr, "cairnd: option '%s' needs a value\n", a), -EINVAL;
        if (set(c, &keys[k], argv[++i]) < 0)
            return -EINVAL;
    }
    if (c->account_id[0] && (strlen(c->account_id) != 12 || strspn(c->account_id, "0123456789") != 12))
        return fprintf(stderr, "cairnd: --account-id wants 12 digits, not '%s'\n", c->account_id), -EINVAL;
    if (print) {
        for (k = 0; k < N_KEYS; k++) {
            const char *p = (const char *) c + keys[k].off;
            if (keys[k].type == CFG_STR)
                printf("%s: %s\n", keys[k].name, p);
            else if (keys[k].type == CFG_INT)
                printf("%s: %ld\n", keys[k].name, *(const long *) p);
            else
                printf("%s: %s\n", keys[k].name, *(const int *) p ? "on" : "off");
        }
        exit(0);
    }
    return 0;
}
