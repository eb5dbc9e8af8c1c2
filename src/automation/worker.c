/* src/automation/worker.c - the worker pool: what blocks runs here, never on the engine
 * thread. API calls in-process (service_env.invoke, as the execution's principal; writes are
 * journaled with the call so a restart never repeats them), and aws:executeScript: the
 * machine's python3 in its own process group, in a private work folder, with a memory limit
 * and a deadline. A script outlives a crash of the server: its result file (written atomically
 * by the bootstrap) tells the engine after a restart whether it finished.
 * Used by: engine.c, actions. Uses: core/req.h (service_env), rows.c (journal). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "../base/log.h"
#include "rows.h"

#define SCRIPT_LOG_MAX   (24 * 1024)     /* bytes of a script's output kept for the step */
#define RESULT_MAX       (1024 * 1024)   /* largest result.json read back */

struct auto_workers {
    pthread_mutex_t           lock;
    pthread_cond_t            cond;
    struct auto_job          *head, *tail;
    int                       stop, n;
    pthread_t                *threads;
    const struct service_env *env;
    const struct auto_config *cfg;
    void                    (*done)(void *arg, struct auto_job *job);
    void                     *arg;
};

static const char bootstrap_py[] =
    "import importlib.util, json, os, sys, traceback\n"
    "def _write(doc):\n"
    "    try:\n"
    "        text = json.dumps(doc, default=str)\n"
    "    except Exception as e:\n"
    "        text = json.dumps({'ok': False, 'error': 'the handler returned a value that is not JSON: %s' % e})\n"
    "    with open('result.json.tmp', 'w') as f:\n"
    "        f.write(text)\n"
    "        f.flush()\n"
    "        os.fsync(f.fileno())\n"
    "    os.rename('result.json.tmp', 'result.json')\n"
    "    fd = os.open('.', os.O_RDONLY)\n"
    "    os.fsync(fd)\n"
    "    os.close(fd)\n"
    "def main():\n"
    "    handler = sys.argv[1].split('.')[-1]\n"
    "    with open('input.json') as f:\n"
    "        events = json.load(f)\n"
    "    try:\n"
    "        spec = importlib.util.spec_from_file_location('script', os.path.abspath('script.py'))\n"
    "        mod = importlib.util.module_from_spec(spec)\n"
    "        sys.modules['script'] = mod\n"
    "        spec.loader.exec_module(mod)\n"
    "        fn = getattr(mod, handler, None)\n"
    "        if fn is None:\n"
    "            raise AttributeError(\"the script has no function '%s' (Handler)\" % handler)\n"
    "        result = fn(events, {})\n"
    "    except BaseException as e:\n"
    "        _write({'ok': False, 'error': '%s: %s' % (type(e).__name__, e),\n"
    "                'trace': traceback.format_exc()[-4000:]})\n"
    "        return\n"
    "    _write({'ok': True, 'payload': result})\n"
    "main()\n";

struct auto_job *
auto_job_new(enum auto_job_kind kind)
{
    struct auto_job *j = calloc(1, sizeof(*j));

    if (j)
        j->kind = kind;
    return j;
}

void
auto_job_free(struct auto_job *j)
{
    if (!j)
        return;
    json_decref(j->in);
    json_decref(j->out);
    json_decref(j->payload);
    free(j->workdir);
    free(j->script);
    free(j->handler);
    free(j->log);
    free(j);
}

/* ---- API calls ---- */

static int
journal(struct store_tx *tx, json_t *out, void *arg)
{
    struct auto_job *j = arg;
    json_t *rec = json_pack("{s:O?}", "out", out);
    int r;

    if (!rec)
        return -ENOMEM;
    r = rows_journal_put(tx, j->exec_id, j->row, j->attempt * 1024 + j->sub, rec);
    json_decref(rec);
    return r;
}

static void
run_invoke(struct auto_workers *w, struct auto_job *j)
{
    const struct service_env *env = w->env;
    json_t *out = NULL;
    int called = 0;

    memset(&j->err, 0, sizeof(j->err));
    if (j->journal && env->invoke_then)
        j->r = env->invoke_then(env->core, &j->who, j->region, j->service, j->op, j->in, &out,
                                journal, j, &called, &j->err);
    else
        j->r = env->invoke(env->core, &j->who, j->region, j->service, j->op, j->in, &out, &j->err);
    j->journaled = j->r == 0 && called;
    j->out = out;
}

/* ---- scripts ---- */

static int
write_file(const char *dir, const char *name, const char *data, size_t len)
{
    char path[PATH_MAX];
    int fd, r = 0;
    ssize_t n;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return -errno;
    while (len > 0) {
        n = write(fd, data, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            r = -errno;
            break;
        }
        data += n;
        len -= (size_t) n;
    }
    close(fd);
    return r;
}

static char *
read_file(const char *dir, const char *name, size_t max, int tail)
{
    char path[PATH_MAX], *buf;
    struct stat st;
    ssize_t n;
    int fd;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    if (fstat(fd, &st) < 0 || (!tail && (size_t) st.st_size > max)) {
        close(fd);
        return NULL;
    }
    if (tail && (size_t) st.st_size > max)
        (void) lseek(fd, st.st_size - (off_t) max, SEEK_SET);
    buf = malloc(max + 1);
    if (!buf) {
        close(fd);
        return NULL;
    }
    n = read(fd, buf, max);
    close(fd);
    if (n < 0) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    return buf;
}

static int
mkdirs(const char *path)
{
    char buf[PATH_MAX], *p;

    snprintf(buf, sizeof(buf), "%s", path);
    for (p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            if (mkdir(buf, 0700) < 0 && errno != EEXIST)
                return -errno;
            *p = '/';
        }
    if (mkdir(buf, 0700) < 0 && errno != EEXIST)
        return -errno;
    return 0;
}

/* Read result.json into the job: 1 when it exists, 0 when it does not. */
static int
take_result(struct auto_job *j)
{
    char *text = read_file(j->workdir, "result.json", RESULT_MAX, 0);
    json_error_t jerr;
    json_t *doc, *payload;
    const char *msg;

    if (!text) {
        char path[PATH_MAX];
        struct stat st;
        snprintf(path, sizeof(path), "%s/result.json", j->workdir);
        if (stat(path, &st) == 0) {
            j->r = aerr_set(&j->err, -E2BIG, 400, "ScriptResultTooLarge",
                            "The script returned more than %d bytes.", RESULT_MAX);
            return 1;
        }
        return 0;
    }
    doc = json_loads(text, JSON_DECODE_ANY, &jerr);
    free(text);
    free(j->log);
    j->log = read_file(j->workdir, "output.txt", SCRIPT_LOG_MAX, 1);
    if (!json_is_object(doc)) {
        json_decref(doc);
        j->r = aerr_set(&j->err, -EINVAL, 400, "ScriptError", "The script's result cannot be read.");
        return 1;
    }
    if (!json_is_true(json_object_get(doc, "ok"))) {
        msg = json_string_value(json_object_get(doc, "error"));
        j->r = aerr_set(&j->err, -EINVAL, 400, "ScriptError", "%s", msg ? msg : "the script failed");
        json_decref(doc);
        return 1;
    }
    payload = json_object_get(doc, "payload");
    j->out = json_pack("{s:O}", "Payload", payload ? payload : json_null());
    json_decref(doc);
    j->r = j->out ? 0 : aerr_internal(&j->err, -ENOMEM);
    return 1;
}

static int
alive_in(pid_t pid, const char *dir)
{
    char link[64], target[PATH_MAX];
    ssize_t n;

    if (pid <= 1)
        return 0;
    snprintf(link, sizeof(link), "/proc/%d/cwd", (int) pid);
    n = readlink(link, target, sizeof(target) - 1);
    if (n < 0)
        return 0;
    target[n] = '\0';
    return !strcmp(target, dir);
}

static void
nap(long *us)
{
    struct timespec ts = { 0, *us * 1000 };

    nanosleep(&ts, NULL);
    if (*us < 50000)
        *us *= 2;
}

static pid_t
spawn(const struct auto_workers *w, const struct auto_job *j, int *ret_errno)
{
    char mem[32], region[96], exec_id[80], home[PATH_MAX + 8], tmp[PATH_MAX + 8];
    char *argv[] = { (char *) w->cfg->python, "-s", "bootstrap.py", j->handler, NULL };
    char *envp[] = { "PATH=/usr/local/bin:/usr/bin:/bin", home, tmp, "LANG=C.UTF-8",
                     "PYTHONDONTWRITEBYTECODE=1", "PYTHONUNBUFFERED=1", region, exec_id, NULL };
    struct rlimit as = { (rlim_t) w->cfg->script_memory_mb << 20, (rlim_t) w->cfg->script_memory_mb << 20 };
    struct rlimit cpu = { AUTO_SCRIPT_MAX_S + 5, AUTO_SCRIPT_MAX_S + 10 };
    struct rlimit nofile = { 256, 256 };
    struct rlimit fsize = { 256UL << 20, 256UL << 20 };
    char out_path[PATH_MAX];
    pid_t pid;
    int fd, devnull;

    snprintf(mem, sizeof(mem), "%ld", w->cfg->script_memory_mb);
    snprintf(home, sizeof(home), "HOME=%s", j->workdir);
    snprintf(tmp, sizeof(tmp), "TMPDIR=%s", j->workdir);
    snprintf(region, sizeof(region), "AWS_REGION=%s", j->region);
    snprintf(exec_id, sizeof(exec_id), "AUTOMATION_EXECUTION_ID=%s", j->exec_id);
    snprintf(out_path, sizeof(out_path), "%s/output.txt", j->workdir);
    fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd < 0 || devnull < 0) {
        *ret_errno = errno;
        if (fd >= 0)
            close(fd);
        if (devnull >= 0)
            close(devnull);
        return -1;
    }
    pid = fork();
    if (pid == 0) {
        /* The child: only async-signal-safe calls until exec. It records its pid in the work
         * folder first: after a restart, a folder without "pid" means the script never ran. */
        char digits[24], *p = digits + sizeof(digits);
        pid_t me = getpid();
        int pf;
        setpgid(0, 0);
        if (chdir(j->workdir) < 0)
            _exit(126);
        *--p = '\n';
        do
            *--p = (char) ('0' + me % 10);
        while ((me /= 10) > 0);
        pf = open("pid.tmp", O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (pf < 0 || write(pf, p, (size_t) (digits + sizeof(digits) - p)) < 0 || close(pf) < 0 ||
            rename("pid.tmp", "pid") < 0)
            _exit(126);
        setrlimit(RLIMIT_AS, &as);
        setrlimit(RLIMIT_CPU, &cpu);
        setrlimit(RLIMIT_NOFILE, &nofile);
        setrlimit(RLIMIT_FSIZE, &fsize);
        dup2(devnull, 0);
        dup2(fd, 1);
        dup2(fd, 2);
#ifdef SYS_close_range
        syscall(SYS_close_range, 3, ~0U, 0);
#endif
        execve(w->cfg->python, argv, envp);
        _exit(127);
    }
    *ret_errno = errno;
    close(fd);
    close(devnull);
    return pid;
}

static int
stopping(struct auto_workers *w)
{
    int s;

    pthread_mutex_lock(&w->lock);
    s = w->stop;
    pthread_mutex_unlock(&w->lock);
    return s;
}

/* Wait for a script process (our child when spawned, else any process found by pid). Returns
 * 1 when the worker pool is stopping (leave the script alone), else 0. */
static int
await_script(struct auto_workers *w, struct auto_job *j, pid_t pid, int child)
{
    long us = 1000;
    int status;

    for (;;) {
        if (child) {
            pid_t r = waitpid(pid, &status, WNOHANG);
            if (r == pid || (r < 0 && errno == ECHILD))
                break;
        } else if (!alive_in(pid, j->workdir)) {
            break;
        }
        if (stopping(w))
            return 1;
        if (__atomic_load_n(&j->cancel, __ATOMIC_RELAXED) || auto_now_ms() > j->deadline_ms) {
            j->timed_out = auto_now_ms() > j->deadline_ms;
            kill(-pid, SIGKILL);
            kill(pid, SIGKILL);
            if (child)
                waitpid(pid, &status, 0);
            return 0;
        }
        nap(&us);
    }
    return 0;
}

static int run_await(struct auto_workers *w, struct auto_job *j);

static void
run_script(struct auto_workers *w, struct auto_job *j)
{
    char *err_text;
    json_t *payload = j->payload ? j->payload : json_object();
    char *input = json_dumps(payload, JSON_COMPACT | JSON_ENCODE_ANY);
    pid_t pid = -1;
    int r, e = 0;

    if (!j->payload)
        json_decref(payload);
    if (j->resume && run_await(w, j)) {    /* after a restart: it ran, or runs still */
        free(input);
        return;
    }
    r = mkdirs(j->workdir);
    if (r == 0)
        r = write_file(j->workdir, "script.py", j->script ? j->script : "", j->script ? strlen(j->script) : 0);
    if (r == 0)
        r = write_file(j->workdir, "bootstrap.py", bootstrap_py, sizeof(bootstrap_py) - 1);
    if (r == 0)
        r = write_file(j->workdir, "input.json", input ? input : "{}", input ? strlen(input) : 2);
    free(input);
    if (r < 0) {
        j->r = aerr_set(&j->err, r, 500, "InternalFailure", "The script's work folder cannot be written: %s.", strerror(-r));
        return;
    }
    pid = spawn(w, j, &e);
    if (pid < 0) {
        j->r = aerr_set(&j->err, -e, 500, "InternalFailure", "The script cannot start: %s.", strerror(e));
        return;
    }
    if (await_script(w, j, pid, 1)) {
        j->interrupted = 1;
        return;
    }
    if (take_result(j))
        return;
    free(j->log);
    j->log = read_file(j->workdir, "output.txt", SCRIPT_LOG_MAX, 1);
    if (j->timed_out) {
        j->r = aerr_set(&j->err, -ETIMEDOUT, 400, "ScriptTimedOut", "The script did not finish in time.");
        return;
    }
    err_text = j->log && *j->log ? strrchr(j->log, '\n') : NULL;
    j->r = aerr_set(&j->err, -EIO, 400, "ScriptError", "The script ended without a result%s%.900s",
                    j->log && *j->log ? ": " : ".", j->log && *j->log ? (err_text && err_text[1] ? err_text + 1 : j->log) : "");
}

/* rm -r of a work folder (no symlinks followed: unlinkat on entries, rmdir on folders). */
static void
remove_tree(const char *path)
{
    DIR *d;
    struct dirent *de;
    char child[PATH_MAX];
    struct stat st;

    if (!path || lstat(path, &st) < 0)
        return;
    if (S_ISDIR(st.st_mode) && (d = opendir(path))) {
        while ((de = readdir(d))) {
            if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
                continue;
            snprintf(child, sizeof(child), "%s/%s", path, de->d_name);
            remove_tree(child);
        }
        closedir(d);
        rmdir(path);
    } else {
        unlink(path);
    }
}

/* After a restart, a script dispatched before it: its result if it finished; wait for it if
 * it runs still; failed if it died without a result. Returns 1 when handled so, 0 when it
 * never started (no "pid" in its folder: run it now). */
static int
run_await(struct auto_workers *w, struct auto_job *j)
{
    char *pidtext;
    pid_t pid;

    if (take_result(j))
        return 1;
    pidtext = read_file(j->workdir, "pid", 64, 0);
    if (!pidtext)
        return 0;
    pid = (pid_t) atoi(pidtext);
    free(pidtext);
    if (pid > 1 && alive_in(pid, j->workdir)) {
        if (await_script(w, j, pid, 0)) {
            j->interrupted = 1;
            return 1;
        }
        if (take_result(j))
            return 1;
        if (j->timed_out) {
            j->r = aerr_set(&j->err, -ETIMEDOUT, 400, "ScriptTimedOut", "The script did not finish in time.");
            return 1;
        }
    }
    j->r = aerr_set(&j->err, -EINTR, 400, "ScriptInterrupted",
                    "The script was interrupted by a restart of the server before it finished.");
    return 1;
}

static void *
worker_main(void *arg)
{
    struct auto_workers *w = arg;
    struct auto_job *j;

    pthread_setname_np(pthread_self(), "auto-worker");
    for (;;) {
        pthread_mutex_lock(&w->lock);
        while (!w->stop && !w->head)
            pthread_cond_wait(&w->cond, &w->lock);
        if (w->stop) {
            pthread_mutex_unlock(&w->lock);
            break;
        }
        j = w->head;
        w->head = j->next;
        if (!w->head)
            w->tail = NULL;
        j->next = NULL;
        pthread_mutex_unlock(&w->lock);
        switch (j->kind) {
        case JOB_INVOKE:
            run_invoke(w, j);
            break;
        case JOB_SCRIPT:
            run_script(w, j);
            break;

        case JOB_CLEANUP: {
            char *slash;
            remove_tree(j->workdir);
            slash = strrchr(j->workdir, '/');
            if (slash) {                  /* the execution's folder, once its last step's went */
                *slash = '\0';
                (void) rmdir(j->workdir);
            }
            auto_job_free(j);
            continue;
        }
        }
        if (j->interrupted) {              /* the pool is stopping: nobody takes the result */
            auto_job_free(j);
            continue;
        }
        w->done(w->arg, j);
    }
    return NULL;
}

struct auto_workers *
auto_workers_start(int n, const struct service_env *env, const struct auto_config *cfg,
                   void (*done)(void *arg, struct auto_job *job), void *arg)
{
    struct auto_workers *w = calloc(1, sizeof(*w));
    int i;

    if (!w)
        return NULL;
    w->threads = calloc((size_t) n, sizeof(*w->threads));
    if (!w->threads) {
        free(w);
        return NULL;
    }
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->cond, NULL);
    w->env = env;
    w->cfg = cfg;
    w->done = done;
    w->arg = arg;
    for (i = 0; i < n; i++) {
        if (pthread_create(&w->threads[i], NULL, worker_main, w) != 0)
            break;
        w->n++;
    }
    if (!w->n) {
        auto_workers_stop(w);
        return NULL;
    }
    return w;
}

void
auto_workers_submit(struct auto_workers *w, struct auto_job *job)
{
    pthread_mutex_lock(&w->lock);
    job->next = NULL;
    if (w->tail)
        w->tail->next = job;
    else
        w->head = job;
    w->tail = job;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->lock);
}

void
auto_workers_stop(struct auto_workers *w)
{
    struct auto_job *j;
    int i;

    if (!w)
        return;
    pthread_mutex_lock(&w->lock);
    w->stop = 1;
    pthread_cond_broadcast(&w->cond);
    pthread_mutex_unlock(&w->lock);
    for (i = 0; i < w->n; i++)
        pthread_join(w->threads[i], NULL);
    while ((j = w->head)) {
        w->head = j->next;
        auto_job_free(j);
    }
    free(w->threads);
    pthread_cond_destroy(&w->cond);
    pthread_mutex_destroy(&w->lock);
    free(w);
}
