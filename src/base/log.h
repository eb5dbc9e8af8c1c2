/* src/base/log.h - leveled logging to stderr, one line per event.
 * Used by: daemon, http (one line per request), debug elsewhere. Uses: libc. */
#ifndef BASE_LOG_H
#define BASE_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

extern enum log_level log_min_level;   /* lines below this level are dropped */

/* Write "<iso time> <level> <message>\n" atomically (one write(2)). Never logs secrets:
 * callers pass only non-secret fields. Returns -1 when level >= LOG_ERROR, else 0,
 * so "return log_msg(LOG_ERROR, ...)" reads as git's error(). */
int log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_debug(...) ((void) (log_min_level <= LOG_DEBUG ? log_msg(LOG_DEBUG, __VA_ARGS__) : 0))
#define log_info(...)  ((void) log_msg(LOG_INFO, __VA_ARGS__))
#define log_warn(...)  ((void) log_msg(LOG_WARN, __VA_ARGS__))
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif
