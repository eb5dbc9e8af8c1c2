/* src/iam/principal.c - subjects and compiled policies for authorization (see principal.h).
 * Used by: core/authz.c, iam/simulate.c, sts/. Uses: access.c (iam_policies_for,
 * iam_managed_policy_document), the IAM tables, core's access_key table, policy/. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "../base/log.h"
#include "internal.h"
#include "principal.h"

/* ---- compiled policies: content-addressed ---- */

#define PC_BUCKETS 1024              /* hash buckets (power of 2) */

struct pc_entry {
    struct pc_entry  *next;
    uint64_t          hash;
    enum policy_kind  kind;
    unsigned          flags;
    size_t            len;
    char             *text;
    struct policy    *policy;
};

static struct {
    pthread_mutex_t  lock;
    struct pc_entry *buckets[PC_BUCKETS];
    size_t           n;
} pc = { .lock = PTHREAD_MUTEX_INITIALIZER };

static uint64_t
fnv1a(const char *s, size_t n, uint64_t h)
{
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char) s[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

static struct policy *
pc_find(uint64_t hash, const char *text, size_t len, enum policy_kind kind, unsigned flags)
{
    struct pc_entry *e;

    for (e = pc.buckets[hash & (PC_BUCKETS - 1)]; e; e = e->next)
        if (e->hash == hash && e->len == len && e->kind == kind && e->flags == flags &&
            memcmp(e->text, text, len) == 0)
            return policy_ref(e->policy);
    return NULL;
}

/* Empty the cache; called with pc.lock held. */
static void
pc_clear(void)
{
    for (size_t i = 0; i < PC_BUCKETS; i++) {
        struct pc_entry *e = pc.buckets[i], *next;

        for (; e; e = next) {
            next = e->next;
            policy_unref(e->policy);
            free(e->text);
            free(e);
        }
        pc.buckets[i] = NULL;
    }
    pc.n = 0;
}

int
iam_policy_compiled(const char *text, size_t len, enum policy_kind kind, unsigned flags,
                    struct policy **ret, struct aerr *err)
{
    uint64_t hash = fnv1a(text, len, 0xcbf29ce484222325ull ^ ((uint64_t) kind << 8 | flags));
    struct policy_parse_opts o = { .kind = kind, .flags = flags };
    struct policy *p, *q;
    struct pc_entry *e;
    int r;

    pthread_mutex_lock(&pc.lock);
    p = pc_find(hash, text, len, kind, flags);
    pthread_mutex_unlock(&pc.lock);
    if (p) {
        *ret = p;
        return 0;
    }
    r = policy_parse(text, len, &o, &p, err);      /* outside the lock: parsing takes µs */
    if (r < 0)
        return r;
    e = calloc(1, sizeof(*e));
    if (e)
        e->text = malloc(len + 1);
    if (!e || !e->text) {
        free(e);
        *ret = p;                                    /* usable, just not cached */
        return 0;
    }
    memcpy(e->text, text, len);
    e->text[len] = '\0';
    e->hash = hash;
    e->kind = kind;
    e->flags = flags;
    e->len = len;
    pthread_mutex_lock(&pc.lock);
    q = pc_find(hash, text, len, kind, flags);      /* another thread was quicker */
    if (q) {
        pthread_mutex_unlock(&pc.lock);
        free(e->text);
        free(e);
        policy_unref(p);
        *ret = q;
        return 0;
    }
    if (pc.n >= IAM_POLICY_CACHE_MAX)
        pc_clear();
    e->policy = policy_ref(p);
    e->next = pc.buckets[hash & (PC_BUCKETS - 1)];
    pc.buckets[hash & (PC_BUCKETS - 1)] = e;
    pc.n++;
    pthread_mutex_unlock(&pc.lock);
    *ret = p;
    return 0;
}

/* ---- subjects ---- */

struct iam_subject *
iam_subject_ref(struct iam_subject *s)
{
    if (s)
        __atomic_add_fetch(&s->refs, 1, __ATOMIC_RELAXED);
    return s;
}

static void
free_list(const struct policy **list, struct iam_subject_policy *info, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        policy_unref((struct policy *) list[i]);
        free((char *) info[i].id);
    }
    free(list);
    free(info);
}

struct iam_subject *
iam_subject_unref(struct iam_subject *s)
{
    if (!s || __atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL) != 0)
        return NULL;
    free_list(s->identity, s->identity_info, s->n_identity);
    free_list(s->boundary, s->boundary_info, s->n_boundary);
    free_list(s->session, s->session_info, s->n_session);
    for (size_t i = 0; i < s->n_tags; i++) {
        free((char *) s->tags[i].key);
        free((char *) s->tags[i].value);
    }
    free(s->tags);
    free((char *) s->role_arn);
    free((char *) s->source_identity);
    free(s->key);
    free(s);
    return NULL;
}

/* Capacities of the three lists while a subject is being built (the struct keeps counts). */
struct builder {
    struct iam_subject *s;
    size_t              cap[3];
    struct store_tx    *tx;
    const char         *account;
    int                 failed;      /* <0: the first error */
};

enum { LIST_IDENTITY, LIST_BOUNDARY, LIST_SESSION };

static int
list_push(struct iam_subject *s, size_t *cap, int which, struct policy *p, const char *id,
          const char *type)
{
    const struct policy ***list = which == LIST_IDENTITY ? &s->identity :
                                  which == LIST_BOUNDARY ? &s->boundary : &s->session;
    struct iam_subject_policy **info = which == LIST_IDENTITY ? &s->identity_info :
                                       which == LIST_BOUNDARY ? &s->boundary_info : &s->session_info;
    size_t *n = which == LIST_IDENTITY ? &s->n_identity :
                which == LIST_BOUNDARY ? &s->n_boundary : &s->n_session;
    char *idc = strdup(id ? id : "");

    if (!idc)
        return -ENOMEM;
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 8;
        const struct policy **nl = realloc((void *) *list, nc * sizeof(**list));
        struct iam_subject_policy *ni;

        if (!nl) {
            free(idc);
            return -ENOMEM;
        }
        *list = nl;
        ni = realloc(*info, nc * sizeof(**info));
        if (!ni) {
            free(idc);
            return -ENOMEM;
        }
        *info = ni;
        *cap = nc;
    }
    (*list)[*n] = policy_ref(p);
    (*info)[*n].id = idc;
    (*info)[*n].type = type;
    (*n)++;
    return 0;
}

struct iam_subject *
iam_subject_new(size_t n_identity, size_t n_boundary)
{
    struct iam_subject *s = calloc(1, sizeof(*s));

    if (!s)
        return NULL;
    s->refs = 1;
    s->exists = 1;
    s->identity = calloc(n_identity + 1, sizeof(*s->identity));
    s->identity_info = calloc(n_identity + 1, sizeof(*s->identity_info));
    s->boundary = calloc(n_boundary + 1, sizeof(*s->boundary));
    s->boundary_info = calloc(n_boundary + 1, sizeof(*s->boundary_info));
    if (!s->identity || !s->identity_info || !s->boundary || !s->boundary_info)
        return iam_subject_unref(s);
    return s;
}

int
iam_subject_add(struct iam_subject *s, int boundary, struct policy *p, const char *id,
                const char *type)
{
    /* arrays from iam_subject_new are exactly sized; grow them one at a time here */
    size_t cap = boundary ? s->n_boundary : s->n_identity;

    return list_push(s, &cap, boundary ? LIST_BOUNDARY : LIST_IDENTITY, p, id, type);
}

void
iam_subject_drop_boundary(struct iam_subject *s)
{
    for (size_t i = 0; i < s->n_boundary; i++) {
        policy_unref((struct policy *) s->boundary[i]);
        free((char *) s->boundary_info[i].id);
    }
    s->n_boundary = 0;
}

/* SourcePolicyId / SourcePolicyType from access.c's cache key:
 *   "inline:<entity id>/<name>#<hash>"  -> name; user/group/role by the id's prefix
 *   "<policy arn>#<version>"            -> the policy's name; aws-managed / user-managed */
static void
names_of(const char *key, unsigned flags, char *id, size_t cap, const char **type)
{
    const char *hash = strrchr(key, '#'), *slash, *end = hash ? hash : key + strlen(key);

    if (!strncmp(key, "inline:", 7)) {
        const char *eid = key + 7;
        slash = memchr(eid, '/', (size_t) (end - eid));
        *type = !strncmp(eid, "AGPA", 4) ? "group" : !strncmp(eid, "AROA", 4) ? "role" : "user";
        slash = slash ? slash + 1 : eid;
        snprintf(id, cap, "%.*s", (int) (end - slash), slash);
        return;
    }
    *type = flags & IAM_POLICY_AWS_MANAGED ? "aws-managed" : "user-managed";
    slash = end;
    while (slash > key && slash[-1] != '/')
        slash--;
    snprintf(id, cap, "%.*s", (int) (end - slash), slash);
}

static int
on_policy(void *ud, enum iam_policy_use use, const char *key, const char *document, unsigned flags)
{
    struct builder *b = ud;
    char id[IAM_NAME_MAX + 64];
    const char *type;
    struct policy *p;
    struct aerr err = {0};
    int r, which = use == IAM_USE_BOUNDARY ? LIST_BOUNDARY : LIST_IDENTITY;

    r = iam_policy_compiled(document, strlen(document), POLICY_KIND_IDENTITY,
                            POLICY_PARSE_TRUSTED, &p, &err);
    if (r < 0) {
        log_debug("stored policy '%s' does not parse: %s", key, err.msg);
        return r;
    }
    names_of(key, flags, id, sizeof(id), &type);
    r = list_push(b->s, &b->cap[which], which, p, id, type);
    policy_unref(p);
    return r;
}

static int
add_tag(struct iam_subject *s, size_t *cap, const char *key, const char *value)
{
    char *k, *v;

    for (size_t i = 0; i < s->n_tags; i++)          /* a later tag (session) overrides */
        if (!strcasecmp(s->tags[i].key, key)) {
            v = strdup(value);
            if (!v)
                return -ENOMEM;
            free((char *) s->tags[i].value);
            s->tags[i].value = v;
            return 0;
        }
    if (s->n_tags >= IAM_SUBJECT_MAX_TAGS)
        return 0;
    if (s->n_tags == *cap) {
        size_t nc = *cap ? *cap * 2 : 8;
        struct iam_tag *t = realloc(s->tags, nc * sizeof(*t));
        if (!t)
            return -ENOMEM;
        s->tags = t;
        *cap = nc;
    }
    k = strdup(key);
    v = strdup(value);
    if (!k || !v) {
        free(k);
        free(v);
        return -ENOMEM;
    }
    s->tags[s->n_tags].key = k;
    s->tags[s->n_tags].value = v;
    s->n_tags++;
    return 0;
}

static int
entity_tags(struct store_tx *tx, struct iam_subject *s, size_t *cap, const char *entity_id)
{
    struct store_rows *q = NULL;
    int r;

    for (r = store_query(tx, &q, "SELECT key, value FROM iam_tag WHERE entity_id = ?1 ORDER BY seq",
                         "s", entity_id);
         r > 0; r = store_next(q))
        if ((r = add_tag(s, cap, store_col_text(q, 0), store_col_text(q, 1))) < 0)
            break;
    store_rows_done(q);
    return r < 0 ? r : 0;
}

/* A role session's record (sts/sts.h): session policies, session tags, source identity. */
static int
session_record(struct builder *b, const char *access_key, size_t *tagcap)
{
    struct iam_subject *s = b->s;
    struct store_rows *q = NULL;
    json_t *j = NULL, *v;
    const char *text;
    size_t i;
    int r;

    r = store_query(b->tx, &q, "SELECT session FROM access_key WHERE id = ?1 AND owner_kind = 'session'",
                    "s", access_key);
    if (r > 0)
        j = json_loads(store_col_text(q, 0) ? store_col_text(q, 0) : "", 0, NULL);
    store_rows_done(q);
    if (r <= 0)
        return r;                      /* no record: a session without session data */
    if (!json_is_object(j)) {
        json_decref(j);
        return -EINVAL;
    }
    text = json_string_value(json_object_get(j, "policy"));
    if (text) {
        struct policy *p;
        struct aerr err = {0};
        r = iam_policy_compiled(text, strlen(text), POLICY_KIND_IDENTITY, POLICY_PARSE_TRUSTED, &p, &err);
        if (r == 0) {
            r = list_push(s, &b->cap[LIST_SESSION], LIST_SESSION, p, "SessionPolicy", "none");
            policy_unref(p);
        }
        if (r < 0)
            goto out;
    }
    json_array_foreach(json_object_get(j, "policy_arns"), i, v) {
        size_t before = s->n_identity;
        /* collect the managed policy into the identity list, then move it to the session list */
        r = iam_managed_policy_document(b->tx, b->account, json_string_value(v) ? json_string_value(v) : "",
                                        on_policy, b);
        if (r == -ENOENT) {
            r = 0;
            /* a managed session policy deleted since: it allows nothing, so the session
             * (which needs every session policy set to allow) is bounded by an empty one */
            struct policy *p;
            struct aerr err = {0};
            static const char none[] = "{\"Version\":\"2012-10-17\",\"Statement\":[]}";
            r = iam_policy_compiled(none, sizeof(none) - 1, POLICY_KIND_IDENTITY, POLICY_PARSE_TRUSTED, &p, &err);
            if (r == 0) {
                r = list_push(s, &b->cap[LIST_SESSION], LIST_SESSION, p, json_string_value(v), "none");
                policy_unref(p);
            }
        } else if (r == 0 && s->n_identity == before + 1) {
            s->n_identity--;
            r = list_push(s, &b->cap[LIST_SESSION], LIST_SESSION, (struct policy *) s->identity[before],
                          s->identity_info[before].id, s->identity_info[before].type);
            policy_unref((struct policy *) s->identity[before]);
            free((char *) s->identity_info[before].id);
        }
        if (r < 0)
            goto out;
    }
    json_array_foreach(json_object_get(j, "tags"), i, v) {
        const char *k = json_string_value(json_object_get(v, "Key"));
        const char *val = json_string_value(json_object_get(v, "Value"));
        if (k && val && (r = add_tag(s, tagcap, k, val)) < 0)
            goto out;
    }
    text = json_string_value(json_object_get(j, "source_identity"));
    if (text && !(s->source_identity = strdup(text)))
        r = -ENOMEM;
out:
    json_decref(j);
    return r < 0 ? r : 0;
}

static int
build(struct store_tx *tx, const struct principal *who, struct iam_subject **ret)
{
    struct iam_subject *s = calloc(1, sizeof(*s));
    struct builder b = { s, { 0 }, tx, who->account, 0 };
    size_t tagcap = 0;
    int r;

    if (!s)
        return -ENOMEM;
    s->refs = 1;
    s->exists = 1;
    r = iam_policies_for(tx, who->account, who->entity_id, on_policy, &b);
    if (r == -ENOENT) {                /* deleted since the credentials were issued */
        s->exists = 0;
        r = 0;
        goto done;
    }
    if (r < 0)
        goto fail;
    r = entity_tags(tx, s, &tagcap, who->entity_id);
    if (r < 0)
        goto fail;
    if (who->kind == PRINCIPAL_ASSUMED_ROLE) {
        struct store_rows *q = NULL;
        char arn[IAM_ARN_MAX + 1];

        r = store_query(tx, &q, "SELECT name, path FROM iam_role WHERE account = ?1 AND id = ?2",
                        "ss", who->account, who->entity_id);
        if (r > 0 && iam_arn(arn, sizeof(arn), who->account, IAM_ROLE, store_col_text(q, 1),
                             store_col_text(q, 0)) == 0 && !(s->role_arn = strdup(arn)))
            r = -ENOMEM;
        store_rows_done(q);
        if (r < 0)
            goto fail;
        if (who->access_key[0] && (r = session_record(&b, who->access_key, &tagcap)) < 0)
            goto fail;
    }
done:
    *ret = s;
    return 0;
fail:
    iam_subject_unref(s);
    return r;
}

/* ---- the IAM change counter ---- */

/* Every change to what a subject is read from bumps authz_generation.n in the same
 * transaction, so a cached subject can be checked against any snapshot with one read.
 * A wiped store (dev reset) loses the row: the next change starts it anew at a random value,
 * and until then no cached subject is trusted past a commit. Tables rebuilt by a later IAM
 * migration lose their triggers: such a migration must create them again (test_authz checks
 * that every table below has its triggers). */
#define BUMP "INSERT INTO authz_generation (id, n) VALUES (1, abs(random() >> 1)) " \
             "ON CONFLICT (id) DO UPDATE SET n = n + 1;"
#define ON_ROWS(t) \
    "CREATE TRIGGER authz_" t "_ins AFTER INSERT ON " t " BEGIN " BUMP " END;" \
    "CREATE TRIGGER authz_" t "_del AFTER DELETE ON " t " BEGIN " BUMP " END;"
#define ON_UPDATE(t, cols) \
    "CREATE TRIGGER authz_" t "_upd AFTER UPDATE OF " cols " ON " t " BEGIN " BUMP " END;"

static const char authz_v1[] =
    "CREATE TABLE authz_generation (id INTEGER PRIMARY KEY, n INTEGER NOT NULL);"
    "INSERT INTO authz_generation (id, n) VALUES (1, 1);"
    ON_ROWS("iam_user") ON_UPDATE("iam_user", "name, path, boundary")
    ON_ROWS("iam_role") ON_UPDATE("iam_role", "name, path, boundary")
    ON_ROWS("iam_group") ON_UPDATE("iam_group", "name, path")
    ON_ROWS("iam_group_member") ON_UPDATE("iam_group_member", "group_id, user_id")
    ON_ROWS("iam_policy") ON_UPDATE("iam_policy", "arn, default_version")
    ON_ROWS("iam_policy_version") ON_UPDATE("iam_policy_version", "policy_id, version, document")
    ON_ROWS("iam_attachment") ON_UPDATE("iam_attachment", "entity_id, policy_arn, seq")
    ON_ROWS("iam_inline") ON_UPDATE("iam_inline", "entity_id, name, document")
    ON_ROWS("iam_tag") ON_UPDATE("iam_tag", "entity_id, key, key_lc, value");

const char *const iam_authz_migrations[] = { authz_v1, NULL };

/* ---- the subject cache ---- */

#define SC_LOCKS 64

static struct {
    pthread_mutex_t     locks[SC_LOCKS];
    struct iam_subject *slots[IAM_SUBJECT_SLOTS];
} sc = { .locks = { [0 ... SC_LOCKS - 1] = PTHREAD_MUTEX_INITIALIZER } };

/* "u:<acct>:<AIDA>", "r:<acct>:<AROA>" (a role session without session data), or
 * "s:<acct>:<ASIA key>" (a role session with its record). */
static void
cache_key(const struct principal *who, char *buf, size_t cap)
{
    if (who->kind == PRINCIPAL_ASSUMED_ROLE && who->access_key[0])
        snprintf(buf, cap, "s:%s:%s:%s", who->account, who->entity_id, who->access_key);
    else
        snprintf(buf, cap, "%c:%s:%s", who->kind == PRINCIPAL_USER ? 'u' : 'r', who->account,
                 who->entity_id);
}

static size_t
slot_of(const char *key)
{
    return (size_t) fnv1a(key, strlen(key), 0xcbf29ce484222325ull) & (IAM_SUBJECT_SLOTS - 1);
}

/* The IAM change counter in tx's snapshot; -1 when there is none (a wiped store). */
static int64_t
iam_changes(struct store_tx *tx)
{
    struct store_rows *q = NULL;
    int64_t n = -1;

    if (store_query(tx, &q, "SELECT n FROM authz_generation WHERE id = 1", NULL) > 0)
        n = store_col_int(q, 0);
    store_rows_done(q);
    return n;
}

int
iam_subject_get(struct store_tx *tx, const struct principal *who, uint64_t gen,
                struct iam_subject **ret)
{
    struct store *st = store_of(tx);
    uint64_t now = store_generation(st);
    struct iam_subject *s = NULL, *old, *candidate = NULL;
    int64_t changes;
    char key[512];
    size_t slot;
    int r;

    if (who->kind != PRINCIPAL_USER && who->kind != PRINCIPAL_ASSUMED_ROLE)
        return -EINVAL;
    cache_key(who, key, sizeof(key));
    slot = slot_of(key);
    pthread_mutex_lock(&sc.locks[slot % SC_LOCKS]);
    old = sc.slots[slot];
    if (old && old->store == st && !strcmp(old->key, key)) {
        if (old->generation == now)
            s = iam_subject_ref(old);                 /* nothing committed since: as read */
        else if (old->changes >= 0)
            candidate = iam_subject_ref(old);
    }
    pthread_mutex_unlock(&sc.locks[slot % SC_LOCKS]);
    if (s) {
        *ret = s;
        return 0;
    }
    /* something was committed: the subject still holds if IAM did not change (the counter is
     * read in tx's snapshot, as the subject was in its own) */
    changes = iam_changes(tx);
    if (candidate) {
        if (changes >= 0 && changes == candidate->changes) {
            if (gen) {                                 /* gen precedes tx's snapshot */
                pthread_mutex_lock(&sc.locks[slot % SC_LOCKS]);
                if (sc.slots[slot] == candidate)
                    candidate->generation = gen;
                pthread_mutex_unlock(&sc.locks[slot % SC_LOCKS]);
            }
            *ret = candidate;
            return 0;
        }
        iam_subject_unref(candidate);
    }
    r = build(tx, who, &s);
    if (r < 0)
        return r;
    log_debug("policies of '%s' read (IAM changes %lld)", who->arn, (long long) changes);
    s->store = st;
    s->changes = changes;
    s->generation = gen;                               /* 0: the fast path never applies */
    s->key = strdup(key);
    if (s->key) {
        pthread_mutex_lock(&sc.locks[slot % SC_LOCKS]);
        old = sc.slots[slot];
        sc.slots[slot] = iam_subject_ref(s);
        pthread_mutex_unlock(&sc.locks[slot % SC_LOCKS]);
        iam_subject_unref(old);
    }
    *ret = s;
    return 0;
}

void
iam_subject_cache_flush(void)
{
    for (size_t i = 0; i < IAM_SUBJECT_SLOTS; i++) {
        struct iam_subject *old;

        pthread_mutex_lock(&sc.locks[i % SC_LOCKS]);
        old = sc.slots[i];
        sc.slots[i] = NULL;
        pthread_mutex_unlock(&sc.locks[i % SC_LOCKS]);
        iam_subject_unref(old);
    }
}

/* ---- by ARN (the simulator) ---- */

/* arn:aws:iam::<account>:<type>/<path><name>: the type word, the name, and whether the
 * account matches. Returns the kind, or -1. */
static int
parse_iam_arn(const char *arn, const char *account, const char **ret_name, int *ret_same)
{
    static const struct { const char *word; int kind; } types[] = {
        { "user/", IAM_USER }, { "group/", IAM_GROUP }, { "role/", IAM_ROLE },
        { "policy/", IAM_POLICY }, { "instance-profile/", IAM_PROFILE },
    };
    const char *p, *slash;

    if (strncmp(arn, "arn:aws:iam::", 13) != 0)
        return -1;
    p = arn + 13;
    *ret_same = strlen(p) > 13 && !strncmp(p, account, 12) && p[12] == ':';
    p = strchr(p, ':');
    if (!p)
        return -1;
    p++;
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        if (!strncmp(p, types[i].word, strlen(types[i].word))) {
            slash = strrchr(p, '/');
            if (!slash || !slash[1])
                return -1;
            *ret_name = slash + 1;
            return types[i].kind;
        }
    return -1;
}

/* The entity named by arn, path included. -ENOENT when it does not exist. */
static int
entity_by_arn(struct store_tx *tx, const char *account, const char *arn, int kind,
              const char *name, struct iam_entity *ret)
{
    int r = iam_entity_lookup(tx, account, (enum iam_kind) kind, name, ret);

    if (r == 0 && strcasecmp(ret->arn, arn) != 0)
        r = -ENOENT;
    return r;
}

static int
group_policies(struct builder *b, const char *group_id)
{
    struct store_rows *q = NULL;
    json_t *arns = NULL, *row;
    size_t i;
    int r;

    for (r = store_query(b->tx, &q, "SELECT name, document FROM iam_inline WHERE entity_id = ?1 ORDER BY name",
                         "s", group_id);
         r > 0; r = store_next(q)) {
        char key[IAM_NAME_MAX + 64];
        snprintf(key, sizeof(key), "inline:%s/%s#", group_id, store_col_text(q, 0));
        if ((r = on_policy(b, IAM_USE_IDENTITY, key, store_col_text(q, 1), 0)) < 0)
            break;
    }
    store_rows_done(q);
    if (r < 0)
        return r;
    r = store_query_json(b->tx, &arns, 1000, "SELECT policy_arn FROM iam_attachment WHERE entity_id = ?1 ORDER BY seq",
                         "s", group_id);
    if (r < 0)
        return r;
    json_array_foreach(arns, i, row) {
        r = iam_managed_policy_document(b->tx, b->account,
                                        json_string_value(json_object_get(row, "policy_arn")), on_policy, b);
        if (r == -ENOENT)
            r = 0;
        if (r < 0)
            break;
    }
    json_decref(arns);
    return r < 0 ? r : 0;
}

int
iam_subject_for_arn(struct store_tx *tx, const char *account, const char *arn,
                    struct iam_subject **ret, struct aerr *err)
{
    struct iam_subject *s;
    struct builder b = { NULL, { 0 }, tx, account, 0 };
    struct iam_entity e;
    const char *name = NULL;
    size_t tagcap = 0;
    int kind, same = 0, r;

    kind = parse_iam_arn(arn, account, &name, &same);
    if (kind != IAM_USER && kind != IAM_GROUP && kind != IAM_ROLE)
        return iam_err_invalid(err, "Invalid ARN: %.200s", arn);
    r = same ? entity_by_arn(tx, account, arn, kind, name, &e) : -ENOENT;
    if (r == -ENOENT)
        return iam_err_nosuch(err, "The %s with name %.128s cannot be found.",
                              iam_kind_word((enum iam_kind) kind), name);
    if (r < 0)
        return iam_err_store(err, r);
    s = iam_subject_new(0, 0);
    if (!s)
        return aerr_internal(err, -ENOMEM);
    b.s = s;
    if (kind == IAM_GROUP) {
        r = group_policies(&b, e.id);
    } else {
        r = iam_policies_for(tx, account, e.id, on_policy, &b);
        if (r == 0)
            r = entity_tags(tx, s, &tagcap, e.id);
    }
    if (r < 0) {
        iam_subject_unref(s);
        return r == -EINVAL ? iam_err_invalid(err, "A policy of %.200s does not parse.", arn)
                            : iam_err_store(err, r);
    }
    *ret = s;
    return 0;
}

int
iam_resource_tags(struct store_tx *tx, const char *arn,
                  void (*fn)(void *ud, const char *key, const char *value), void *ud)
{
    struct store_rows *q = NULL;
    struct iam_entity e;
    const char *name = NULL;
    char account[13];
    int kind, same, r;

    if (strncmp(arn, "arn:aws:iam::", 13) != 0 || strlen(arn) < 26 || arn[25] != ':')
        return 0;
    snprintf(account, sizeof(account), "%.12s", arn + 13);
    kind = parse_iam_arn(arn, account, &name, &same);
    if (kind == IAM_POLICY) {
        r = store_query(tx, &q, "SELECT id FROM iam_policy WHERE arn = ?1", "s", arn);
        if (r > 0)
            snprintf(e.id, sizeof(e.id), "%s", store_col_text(q, 0));
        store_rows_done(q);
    } else if (kind == IAM_USER || kind == IAM_ROLE || kind == IAM_PROFILE) {
        r = entity_by_arn(tx, account, arn, kind, name, &e);
        r = r == 0 ? 1 : r == -ENOENT ? 0 : r;
    } else {
        return 0;
    }
    if (r <= 0)
        return r;
    for (r = store_query(tx, &q, "SELECT key, value FROM iam_tag WHERE entity_id = ?1 ORDER BY seq",
                         "s", e.id);
         r > 0; r = store_next(q))
        fn(ud, store_col_text(q, 0), store_col_text(q, 1));
    store_rows_done(q);
    return r < 0 ? r : 0;
}
