/* src/policy/internal.h - the compiled policy form and the helpers shared by the policy
 * engine's files (parse.c, match.c, cond.c, ctx.c, eval.c, pool.c). Private to src/policy/.
 * Internal names shared across files start with pol_. */
#ifndef POLICY_INTERNAL_H
#define POLICY_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "policy.h"

/* ---- pool.c: a chunked bump allocator; pointers stay valid until release ---- */
struct pol_chunk;
struct pol_pool {
    struct pol_chunk *head;      /* current chunk; earlier ones follow ->next */
    struct pol_chunk *spare;     /* rewound chunks kept for reuse (contexts) */
};
void *pol_alloc(struct pol_pool *p, size_t n);                 /* zeroed, 16-aligned; NULL: OOM */
char *pol_strndup(struct pol_pool *p, const char *s, size_t n); /* NUL-terminated copy */
void  pol_pool_release(struct pol_pool *p);                      /* free everything */
void  pol_pool_rewind(struct pol_pool *p);                       /* forget contents, keep memory */

/* ---- match.c: glob patterns ---- */

/* In compiled glob patterns, POL_ESC followed by a byte means that byte literally (used for
 * ${*} ${?} ${$} and for substituted variable values). A literal POL_ESC is POL_ESC POL_ESC. */
#define POL_ESC '\x01'

enum pol_pat_kind {
    PAT_ANY,      /* "*": anything */
    PAT_LIT,      /* no wildcard: equality */
    PAT_PREFIX,   /* "abc*": prefix */
    PAT_GLOB,     /* general * and ? (and escapes) */
};

struct pol_pat {
    const char *s;               /* pattern text (for PAT_LIT/PREFIX: unescaped text) */
    uint32_t    len;             /* PAT_PREFIX: length of the prefix */
    uint8_t     kind;            /* enum pol_pat_kind */
};

/* Classify s[0..n) (which must outlive the pattern). If the text has escapes and no wildcard
 * the literal needs unescaping: buf (n bytes) receives it; pass NULL only for text without
 * POL_ESC. */
void pol_pat_init(struct pol_pat *p, const char *s, size_t n, char *buf);
bool pol_glob(const char *p, size_t pn, const char *s, size_t sn);

/* Equality of short byte runs without a libc call (action names, ARN segments). */
static inline bool
pol_bytes_eq(const char *a, const char *b, size_t n)
{
    if (n > 24)
        return memcmp(a, b, n) == 0;
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i])
            return false;
    return true;
}

static inline bool
pol_pat_match(const struct pol_pat *p, const char *s, size_t n)
{
    switch (p->kind) {
    case PAT_ANY:
        return true;
    case PAT_LIT:
        return n == p->len && pol_bytes_eq(s, p->s, n);
    case PAT_PREFIX:
        return n >= p->len && pol_bytes_eq(s, p->s, p->len);
    default:
        return pol_glob(p->s, p->len, s, n);
    }
}

/* An ARN split the way IAM matches it: five colon-separated segments, then the rest
 * (which may contain colons). Fewer segments when the text has fewer colons. */
#define POL_ARN_SEGS 6
struct pol_arn {
    uint8_t     nseg;
    const char *seg[POL_ARN_SEGS];
    uint32_t    len[POL_ARN_SEGS];
};
void pol_arn_split(struct pol_arn *a, const char *s, size_t n);

/* A resource or ARN pattern: "*" alone matches everything; otherwise segment by segment,
 * case-sensitively, with * and ? never crossing a colon in the first five segments. */
struct pol_tmpl;
struct pol_arnpat {
    bool              all;       /* "*" */
    uint8_t           nseg;
    struct pol_pat    seg[POL_ARN_SEGS];
    struct pol_tmpl  *tmpl;      /* non-NULL: contains policy variables, rendered per request */
};
bool pol_arnpat_match_split(const struct pol_arnpat *p, const struct pol_arn *a);
/* Build p (tmpl = NULL) from pattern text s[0..n) (glob-escaped); unesc: n bytes of scratch
 * that must live as long as p (unescaped literal segments). */
void pol_arnpat_from_text(struct pol_arnpat *p, const char *s, size_t n, char *unesc);

/* Actions: "*" or "service:name", both lowercased at compile time. */
struct pol_actpat {
    bool           all;
    uint32_t       svc_hash;     /* pol_hash_lower(svc) when svc is PAT_LIT */
    struct pol_pat svc;
    struct pol_pat name;
};

/* ---- Policy variables: ${key}, ${key, 'default'}, ${*} ${?} ${$} (Version 2012-10-17) ---- */
struct pol_tpart {
    const char *lit;             /* literal text before the variable (glob-escaped if the
                                    template is a glob) */
    uint32_t    litlen;
    const char *key;             /* NULL: no variable (last part) */
    const char *lkey;            /* lowercased key */
    uint32_t    keylen;
    uint32_t    hash;
    const char *def;             /* default value, or NULL */
    uint32_t    deflen;
};
struct pol_tmpl {
    uint32_t          nparts;
    struct pol_tpart *parts;
    bool              glob;      /* values are escaped for glob matching */
};

/* Render t for ctx into buf (cap bytes). Returns the length, or -1 when a variable cannot be
 * resolved (missing key without default, multi-valued key) or the result exceeds cap. When
 * missing is non-NULL it receives the unresolved key (policy spelling). */
int pol_tmpl_render(const struct pol_tmpl *t, const struct policy_ctx *c, char *buf,
                    size_t cap, const char **missing);

/* Compile text into a template if (v2012 and) it contains a variable; returns NULL (and
 * *err = 0) when the text has none, NULL with *err < 0 on OOM. */
struct pol_tmpl *pol_tmpl_compile(struct pol_pool *pool, const char *s, size_t n, bool glob,
                                  int *err);

/* Copy s[0..n) for use as a glob: POL_ESC doubled. Returns the copy and its length. */
char *pol_glob_copy(struct pol_pool *pool, const char *s, size_t n, size_t *outlen);

uint32_t pol_hash_lower(const char *s, size_t n);   /* FNV-1a of the ASCII-lowercased bytes */

/* ---- cond.c: typed values ---- */
struct pol_time {
    int64_t sec;
    int32_t nsec;
};
struct pol_cidr {
    uint8_t addr[16];            /* IPv4 as IPv4-mapped IPv6 (::ffff:a.b.c.d) */
    uint8_t prefix;              /* 0..128 */
};
bool pol_parse_number(const char *s, size_t n, double *out);
bool pol_parse_date(const char *s, size_t n, struct pol_time *out);
bool pol_legacy_date_ok(const char *s, size_t n);  /* IAM's "legacy parsing" of date values */
bool pol_parse_ip(const char *s, size_t n, struct pol_cidr *out, bool allow_prefix);
int  pol_base64_decode(const char *s, size_t n, uint8_t *out, size_t cap);  /* len or -1 */

enum pol_op {
    OP_STR_EQ, OP_STR_EQ_IC, OP_STR_LIKE,
    OP_NUM_EQ, OP_NUM_LT, OP_NUM_LE, OP_NUM_GT, OP_NUM_GE,
    OP_DATE_EQ, OP_DATE_LT, OP_DATE_LE, OP_DATE_GT, OP_DATE_GE,
    OP_BOOL, OP_BIN_EQ, OP_IP, OP_ARN_LIKE, OP_NULL,
    OP_NONE,                     /* an unknown operator with an empty body: no keys */
};

enum pol_set { SET_NONE, SET_ANY, SET_ALL };

struct pol_cval {
    const char      *s;          /* text as written (lowercased for OP_STR_EQ_IC) */
    uint32_t         len;
    bool             ok;         /* typed value parsed; false never matches */
    struct pol_tmpl *tmpl;       /* policy variables (String and Arn operators) */
    union {
        struct pol_pat    pat;   /* OP_STR_LIKE */
        struct pol_arnpat arn;   /* OP_ARN_LIKE */
        double            num;
        struct pol_time   t;
        struct pol_cidr   ip;
        bool              b;     /* OP_BOOL, OP_NULL */
        struct { const uint8_t *p; uint32_t n; } bin;
    } u;
};

struct pol_keyref {
    const char *name;            /* as written */
    const char *lname;           /* lowercased */
    uint32_t    len;
    uint32_t    hash;
};

struct pol_cond {
    uint8_t           op;        /* enum pol_op: the positive comparison */
    uint8_t           set;       /* enum pol_set */
    bool              negated;   /* ...Not... operators: NOT(positive) */
    bool              ifexists;
    struct pol_keyref key;
    uint32_t          nvals;
    struct pol_cval  *vals;
};

/* ---- The compiled policy ---- */
enum pol_prin_type { PRIN_ANY, PRIN_ACCOUNT, PRIN_ARN, PRIN_SERVICE, PRIN_FEDERATED,
                     PRIN_NEVER };

struct pol_prin {
    uint8_t     type;
    const char *s;               /* account id, ARN, service name (lowercased), provider */
    uint32_t    len;
};

struct pol_stmt {
    uint64_t           svc_mask;     /* bit (hash(service) & 63) per Action service; ~0 when
                                        NotAction or a wildcard service */
    bool               deny;
    bool               not_action;
    bool               has_resource; /* Resource or NotResource present */
    bool               not_resource;
    bool               has_principal;
    bool               not_principal;
    const char        *sid;          /* NULL: none */
    uint32_t           nact, nres, nprin, ncond;
    struct pol_actpat *act;
    struct pol_arnpat *res;
    struct pol_prin   *prin;
    struct pol_cond   *cond;
    struct policy_position start, end;
};

struct policy {
    atomic_int       refs;
    enum policy_kind kind;
    bool             v2012;
    const char      *id;
    uint64_t         svc_mask;       /* OR of the statements' */
    uint32_t         nstmt;
    struct pol_stmt *stmt;
    struct pol_pool  pool;           /* owns everything above */
};

/* ---- ctx.c: the request context ---- */
#define VAL_NUM  0x1u
#define VAL_DATE 0x2u
#define VAL_IP   0x4u
#define VAL_ARN  0x8u
#define VAL_BOOL 0x10u            /* "true" / "false", any case */

struct pol_val {
    const char     *s;
    uint32_t        len;
    uint32_t        flags;       /* VAL_* for the forms s parses as */
    bool            b;
    double          num;
    struct pol_time t;
    uint8_t         ip[16];
    struct pol_arn  arn;
};

struct pol_key {
    const char *name;            /* as given */
    const char *lname;           /* lowercased */
    uint32_t    len;
    uint32_t    hash;
    uint32_t    first, n;        /* values[first .. first+n) */
};

struct policy_ctx {
    struct pol_pool pool;        /* strings; rewound by reset */
    /* principal */
    enum policy_principal_type ptype;
    const char *parn;            /* "" when unset */
    uint32_t    parn_len;
    const char *paccount;        /* "" when unknown */
    const char *prole;           /* role ARN of a session, or "" */
    uint32_t    prole_len;
    /* action: lowercased, split */
    const char *action;          /* as given */
    const char *svc;
    uint32_t    svc_len;
    const char *aname;
    uint32_t    aname_len;
    uint64_t    svc_bit;
    uint32_t    svc_hash;
    /* resource */
    const char *resource;
    uint32_t    resource_len;
    struct pol_arn res;
    const char *raccount;        /* owning account ("" = the principal's) */
    /* condition keys: keys[0..nkeys), open-addressed index of key numbers + 1 */
    struct pol_key *keys;
    uint32_t        nkeys, capkeys;
    uint32_t       *index;
    uint32_t        capindex;    /* power of two */
    struct pol_val *vals;
    uint32_t        nvals, capvals;
};

const struct pol_key *pol_ctx_lookup(const struct policy_ctx *c, const char *lname,
                                     uint32_t len, uint32_t hash);

/* ---- cond.c: evaluation ---- */
struct pol_trace;                /* eval.c: where missing keys are reported (may be NULL) */
void pol_trace_missing(struct pol_trace *t, const char *key);
bool pol_cond_eval(const struct pol_cond *cd, bool v2012, const struct policy_ctx *c,
                   struct pol_trace *t);

#endif
