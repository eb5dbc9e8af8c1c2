/* src/proto/wire.c - scalars on the wire: timestamps, base64, numbers, member paths.
 * Used by: awsquery.c, awsjson.c, validate.c. Uses: libc. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

#define TIME_MIN (-62135596800.0)     /* 0001-01-01T00:00:00Z */
#define TIME_MAX (253402300799.999)   /* 9999-12-31T23:59:59.999Z */

/* ---- member paths ---- */

static size_t
vpath_add(struct vpath *p, const char *s, size_t n, bool lower_first, bool dot)
{
    size_t saved = p->len, room;

    if (dot && p->len && p->len < sizeof(p->buf) - 1)
        p->buf[p->len++] = '.';
    room = sizeof(p->buf) - 1 - p->len;
    if (n > room)
        n = utf8_trim(s, room);
    memcpy(p->buf + p->len, s, n);
    if (lower_first && n && s[0] >= 'A' && s[0] <= 'Z')
        p->buf[p->len] = (char) (s[0] - 'A' + 'a');
    p->len += n;
    p->buf[p->len] = '\0';
    return saved;
}

size_t
vpath_push_member(struct vpath *p, const char *name)
{
    return vpath_add(p, name, strlen(name), true, true);
}

size_t
vpath_push_raw(struct vpath *p, const char *s, size_t n)
{
    return vpath_add(p, s, n, false, true);
}

size_t
vpath_push_index(struct vpath *p, size_t one_based)
{
    char num[32];
    int n = snprintf(num, sizeof(num), "%zu.member", one_based);

    return vpath_add(p, num, (size_t) n, false, true);
}

void
vpath_pop(struct vpath *p, size_t saved)
{
    p->len = saved;
    p->buf[saved] = '\0';
}

/* ---- base64 ---- */

static bool
b64_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
           || c == '+' || c == '/';
}

bool
base64_check(const char *s, size_t n, size_t *ret_len)
{
    size_t i, pad = 0;

    if (n % 4)
        return false;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char) s[i];

        if (c == '=') {
            if (i < n - 2)
                return false;
            pad++;
        } else if (pad || !b64_char(c)) {
            return false;
        }
    }
    if (ret_len)
        *ret_len = n / 4 * 3 - pad;
    return true;
}

/* ---- timestamps ---- */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static long long
days_from_civil(long long y, unsigned m, unsigned d)
{
    long long era;
    unsigned yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned) (y - era * 400);
    doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long long) doe - 719468;
}

static void
civil_from_days(long long z, long long *y, unsigned *m, unsigned *d)
{
    long long era;
    unsigned doe, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = (unsigned) (z - era * 146097);
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (long long) yoe + era * 400 + (*m <= 2);
}

static bool
digits(const char *s, size_t n, size_t k, unsigned *ret)
{
    size_t i;
    unsigned v = 0;

    if (n < k)
        return false;
    for (i = 0; i < k; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (unsigned) (s[i] - '0');
    }
    *ret = v;
    return true;
}

/* Epoch seconds written as a number: [-]digits[.digits] */
static bool
parse_epoch(const char *s, size_t n, double *ret)
{
    char buf[64], *end;
    size_t i = 0;
    bool dot = false, any = false;
    double v;

    if (!n || n >= sizeof(buf))
        return false;
    if (s[0] == '-')
        i++;
    for (; i < n; i++) {
        if (s[i] >= '0' && s[i] <= '9')
            any = true;
        else if (s[i] == '.' && !dot)
            dot = true;
        else
            return false;
    }
    if (!any)
        return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    v = strtod(buf, &end);
    if (*end || !isfinite(v) || v < TIME_MIN || v > TIME_MAX)
        return false;
    *ret = v;
    return true;
}

static unsigned
month_days(long long y, unsigned m)
{
    static const unsigned char days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return days[m - 1];
}

bool
time_parse(const char *s, size_t n, double *ret)
{
    unsigned y, mo, d, h = 0, mi = 0, se = 0, oh, om;
    double frac = 0, scale = 0.1, t;
    long long off = 0;
    size_t i;

    if (parse_epoch(s, n, ret))
        return true;
    if (!digits(s, n, 4, &y) || n < 10 || s[4] != '-' || !digits(s + 5, n - 5, 2, &mo)
        || s[7] != '-' || !digits(s + 8, n - 8, 2, &d))
        return false;
    i = 10;
    if (i < n) {
        if (s[i] != 'T' && s[i] != 't' && s[i] != ' ')
            return false;
        if (n < 19 || !digits(s + 11, n - 11, 2, &h) || s[13] != ':'
            || !digits(s + 14, n - 14, 2, &mi) || s[16] != ':' || !digits(s + 17, n - 17, 2, &se))
            return false;
        i = 19;
        if (i < n && (s[i] == '.' || s[i] == ',')) {
            i++;
            if (i >= n || s[i] < '0' || s[i] > '9')
                return false;
            for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
                frac += (s[i] - '0') * scale;
                scale /= 10;
            }
        }
        if (i < n && (s[i] == 'Z' || s[i] == 'z')) {
            i++;
        } else if (i < n && (s[i] == '+' || s[i] == '-')) {
            int sign = s[i] == '-' ? -1 : 1;

            i++;
            if (!digits(s + i, n - i, 2, &oh))
                return false;
            i += 2;
            if (i < n && s[i] == ':')
                i++;
            if (!digits(s + i, n - i, 2, &om))
                return false;
            i += 2;
            if (oh > 23 || om > 59)
                return false;
            off = sign * (long long) (oh * 3600 + om * 60);
        }
        if (i != n)
            return false;
    }
    if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > month_days(y, mo) || h > 23 || mi > 59
        || se > 60)
        return false;
    t = (double) (days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - off) + frac;
    if (t < TIME_MIN || t > TIME_MAX + 1)
        return false;
    *ret = t;
    return true;
}

/* Whole seconds and milliseconds of t, clamped to years 0001..9999. */
static void
time_split(double t, long long *ret_sec, unsigned *ret_ms)
{
    double sec;
    long long ms;

    if (!isfinite(t) || t < TIME_MIN)
        t = TIME_MIN;
    if (t > TIME_MAX)
        t = TIME_MAX;
    sec = floor(t);
    ms = llround((t - sec) * 1000);
    if (ms >= 1000) {
        sec += 1;
        ms = 0;
    }
    *ret_sec = (long long) sec;
    *ret_ms = (unsigned) ms;
}

void
time_format_iso(double t, char buf[PROTO_MAX_TIME_LEN])
{
    long long sec, days, y;
    unsigned ms, m, d, rem;

    time_split(t, &sec, &ms);
    days = sec >= 0 ? sec / 86400 : -((-sec + 86399) / 86400);
    rem = (unsigned) (sec - days * 86400);
    civil_from_days(days, &y, &m, &d);
    if (ms)
        snprintf(buf, PROTO_MAX_TIME_LEN, "%04lld-%02u-%02uT%02u:%02u:%02u.%03uZ", y, m, d,
                 rem / 3600, rem / 60 % 60, rem % 60, ms);
    else
        snprintf(buf, PROTO_MAX_TIME_LEN, "%04lld-%02u-%02uT%02u:%02u:%02uZ", y, m, d,
                 rem / 3600, rem / 60 % 60, rem % 60);
}

void
time_format_epoch(double t, char buf[PROTO_MAX_NUM_LEN])
{
    long long sec;
    unsigned ms;

    time_split(t, &sec, &ms);
    if (!ms)
        snprintf(buf, PROTO_MAX_NUM_LEN, "%lld", sec);
    else if (sec >= 0 || ms == 0)
        snprintf(buf, PROTO_MAX_NUM_LEN, "%lld.%03u", sec, ms);
    else                              /* -1.5 is sec -2, ms 500 */
        snprintf(buf, PROTO_MAX_NUM_LEN, "-%lld.%03u", -(sec + 1), 1000 - ms);
    if (ms) {                         /* trim trailing zeros of the fraction */
        size_t n = strlen(buf);

        while (buf[n - 1] == '0')
            buf[--n] = '\0';
    }
}

void
time_format_rfc822(double t, char buf[PROTO_MAX_TIME_LEN])
{
    static const char wday[][4] = { "Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed" };
    static const char mon[][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug",
                                   "Sep", "Oct", "Nov", "Dec" };
    long long sec, days, y;
    unsigned ms, m, d, rem;

    time_split(t, &sec, &ms);
    days = sec >= 0 ? sec / 86400 : -((-sec + 86399) / 86400);
    rem = (unsigned) (sec - days * 86400);
    civil_from_days(days, &y, &m, &d);
    snprintf(buf, PROTO_MAX_TIME_LEN, "%s, %02u %s %04lld %02u:%02u:%02u GMT",
             wday[((days % 7) + 7) % 7], d, mon[m - 1], y, rem / 3600, rem / 60 % 60, rem % 60);
}

bool
time_from_json(json_t *v, double *ret)
{
    if (json_is_integer(v)) {
        *ret = (double) json_integer_value(v);
        return true;
    }
    if (json_is_real(v)) {
        *ret = json_real_value(v);
        return isfinite(*ret);
    }
    if (json_is_string(v))
        return time_parse(json_string_value(v), json_string_length(v), ret);
    return false;
}

void
double_format(double d, char buf[PROTO_MAX_NUM_LEN])
{
    if (!isfinite(d)) {
        snprintf(buf, PROTO_MAX_NUM_LEN, "%s", isnan(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity");
        return;
    }
    snprintf(buf, PROTO_MAX_NUM_LEN, "%.15g", d);
    if (strtod(buf, NULL) != d)
        snprintf(buf, PROTO_MAX_NUM_LEN, "%.17g", d);
}

bool
value_compatible(const struct shape *s, json_t *v)
{
    double t;

    switch (s->type) {
    case SHAPE_STRUCTURE:
    case SHAPE_MAP:       return json_is_object(v);
    case SHAPE_LIST:      return json_is_array(v);
    case SHAPE_STRING:
    case SHAPE_BLOB:      return json_is_string(v);
    case SHAPE_INTEGER:
    case SHAPE_LONG:
        return json_is_integer(v) || (json_is_real(v) && json_real_value(v) == floor(json_real_value(v))
                                      && fabs(json_real_value(v)) < 9.2e18);
    case SHAPE_BOOLEAN:   return json_is_boolean(v);
    case SHAPE_DOUBLE:
    case SHAPE_FLOAT:     return json_is_integer(v) || (json_is_real(v) && isfinite(json_real_value(v)));
    case SHAPE_TIMESTAMP: return time_from_json(v, &t);
    }
    return false;
}

const char *
shape_type_desc(const struct shape *s)
{
    switch (s->type) {
    case SHAPE_STRUCTURE: return "a structure";
    case SHAPE_LIST:      return "a list";
    case SHAPE_MAP:       return "a map";
    case SHAPE_STRING:    return "a string";
    case SHAPE_INTEGER:   return "an integer";
    case SHAPE_LONG:      return "a long";
    case SHAPE_BOOLEAN:   return "a boolean";
    case SHAPE_TIMESTAMP: return "a timestamp";
    case SHAPE_BLOB:      return "base64-encoded binary data";
    case SHAPE_DOUBLE:    return "a double";
    case SHAPE_FLOAT:     return "a float";
    }
    return "a value";
}
