/* src/automation/timefmt.c - ISO-8601 durations and date-times, and the time formats the
 * execution events carry (lang.h). Pure. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "lang.h"

int
auto_iso_duration(const char *s, int64_t *ret_ms)
{
    static const struct { char unit; double ms; int time; } units[] = {
        { 'Y', 365.0 * 86400e3, 0 }, { 'M', 30.0 * 86400e3, 0 }, { 'W', 7.0 * 86400e3, 0 },
        { 'D', 86400e3, 0 }, { 'H', 3600e3, 1 }, { 'M', 60e3, 1 }, { 'S', 1e3, 1 },
    };
    const char *p = s;
    double total = 0, x;
    int in_time = 0, any = 0;
    size_t next = 0, i;
    char *end;

    if (!s || *p++ != 'P')
        return -EINVAL;
    while (*p) {
        if (*p == 'T') {
            if (in_time)
                return -EINVAL;
            in_time = 1;
            p++;
            while (next < 7 && !units[next].time)
                next++;
            continue;
        }
        if (!(*p >= '0' && *p <= '9'))
            return -EINVAL;
        x = strtod(p, &end);
        if (end == p || x < 0)
            return -EINVAL;
        p = end;
        for (i = next; i < 7; i++)
            if (units[i].unit == *p && units[i].time == in_time)
                break;
        if (i == 7)
            return -EINVAL;
        total += x * units[i].ms;
        next = i + 1;
        any = 1;
        p++;
    }
    if (!any || total > 9e15)
        return -EINVAL;
    *ret_ms = (int64_t) llround(total);
    return 0;
}

static int
digits(const char **p, int n, int *ret)
{
    int v = 0, i;

    for (i = 0; i < n; i++) {
        if ((*p)[i] < '0' || (*p)[i] > '9')
            return -EINVAL;
        v = v * 10 + (*p)[i] - '0';
    }
    *p += n;
    *ret = v;
    return 0;
}

int
auto_iso_time(const char *s, double *ret)
{
    struct tm tm = {0};
    const char *p = s;
    int y, mo, d, h = 0, mi = 0, sec = 0, oh, om, sign;
    double frac = 0;
    time_t t;

    if (!s || digits(&p, 4, &y) < 0 || *p++ != '-' || digits(&p, 2, &mo) < 0 || *p++ != '-' ||
        digits(&p, 2, &d) < 0)
        return -EINVAL;
    if (*p == 'T' || *p == 't' || *p == ' ') {
        p++;
        if (digits(&p, 2, &h) < 0 || *p++ != ':' || digits(&p, 2, &mi) < 0)
            return -EINVAL;
        if (*p == ':') {
            p++;
            if (digits(&p, 2, &sec) < 0)
                return -EINVAL;
            if (*p == '.' || *p == ',') {
                char *end;
                frac = strtod(p[0] == ',' ? "0" : p, &end);
                if (p[0] == ',')
                    return -EINVAL;
                p = end;
            }
        }
    }
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
        return -EINVAL;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    t = timegm(&tm);
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        sign = *p++ == '+' ? 1 : -1;
        if (digits(&p, 2, &oh) < 0)
            return -EINVAL;
        if (*p == ':')
            p++;
        if (digits(&p, 2, &om) < 0)
            return -EINVAL;
        t -= sign * (oh * 3600 + om * 60);
    }
    if (*p)
        return -EINVAL;
    *ret = (double) t + frac;
    return 0;
}

void
auto_fmt_event_time(double t, char *buf, size_t cap)
{
    static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug",
                                       "Sep", "Oct", "Nov", "Dec" };
    time_t s = (time_t) t;
    struct tm tm;
    int h;

    gmtime_r(&s, &tm);
    h = tm.tm_hour % 12;
    snprintf(buf, cap, "%s %d, %d %d:%02d:%02d %s", mon[tm.tm_mon], tm.tm_mday, tm.tm_year + 1900,
             h ? h : 12, tm.tm_min, tm.tm_sec, tm.tm_hour < 12 ? "AM" : "PM");
}

void
auto_fmt_iso(double t, char *buf, size_t cap)
{
    time_t s = (time_t) t;
    struct tm tm;

    gmtime_r(&s, &tm);
    strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
