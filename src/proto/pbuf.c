/* src/proto/pbuf.c - the growable output buffer and the text escapers that write into it.
 * Used by: the proto/ encoders, core/, http/. Uses: libc. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

#define PBUF_MIN_CAP 512              /* first allocation: most answers fit in a few of these */

void
pbuf_done(struct pbuf *b)
{
    free(b->buf);
    b->buf = NULL;
    b->len = b->cap = 0;
}

/* Make room for n more bytes plus the NUL. */
static int
grow(struct pbuf *b, size_t n)
{
    size_t need, cap;
    char *p;

    if (n > SIZE_MAX / 2 - b->len - 1)
        return -ENOMEM;
    need = b->len + n + 1;
    if (need <= b->cap)
        return 0;
    cap = b->cap ? b->cap : PBUF_MIN_CAP;
    while (cap < need)
        cap *= 2;
    p = realloc(b->buf, cap);
    if (!p)
        return -ENOMEM;
    b->buf = p;
    b->cap = cap;
    return 0;
}

int
pbuf_append(struct pbuf *b, const char *s, size_t n)
{
    if (grow(b, n) < 0)
        return -ENOMEM;
    if (n)
        memcpy(b->buf + b->len, s, n);
    b->len += n;
    b->buf[b->len] = '\0';
    return 0;
}

int
pbuf_puts(struct pbuf *b, const char *s)
{
    return pbuf_append(b, s, strlen(s));
}

int
pbuf_putc(struct pbuf *b, char c)
{
    if (b->len + 1 < b->cap) {        /* the common case, without the call */
        b->buf[b->len++] = c;
        b->buf[b->len] = '\0';
        return 0;
    }
    return pbuf_append(b, &c, 1);
}

int
pbuf_printf(struct pbuf *b, const char *fmt, ...)
{
    va_list ap;
    size_t room = b->cap > b->len ? b->cap - b->len : 0;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(room ? b->buf + b->len : NULL, room, fmt, ap);
    va_end(ap);
    if (n < 0)
        return -ENOMEM;
    if ((size_t) n >= room) {
        if (grow(b, (size_t) n) < 0) {
            if (b->buf)
                b->buf[b->len] = '\0';
            return -ENOMEM;
        }
        va_start(ap, fmt);
        vsnprintf(b->buf + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
    }
    b->len += (size_t) n;
    return 0;
}

/* ---- escapers ---- */

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when s[0..] is not one. */
static size_t
utf8_seq(const unsigned char *s, size_t n)
{
    unsigned c = s[0];

    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        return n >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
    if (c >= 0xe0 && c <= 0xef) {
        if (n < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
            return 0;
        if (c == 0xe0 && s[1] < 0xa0)
            return 0;                 /* overlong */
        if (c == 0xed && s[1] >= 0xa0)
            return 0;                 /* surrogate */
        return 3;
    }
    if (c >= 0xf0 && c <= 0xf4) {
        if (n < 4 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80)
            return 0;
        if ((c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] >= 0x90))
            return 0;
        return 4;
    }
    return 0;
}

bool
utf8_valid(const char *s, size_t n, bool allow_nul)
{
    const unsigned char *p = (const unsigned char *) s;
    size_t i = 0, k;

    while (i < n) {
        if (p[i] < 0x80) {
            if (!p[i] && !allow_nul)
                return false;
            i++;
            continue;
        }
        k = utf8_seq(p + i, n - i);
        if (!k)
            return false;
        i += k;
    }
    return true;
}

size_t
utf8_count(const char *s, size_t n)
{
    size_t i, count = 0;

    for (i = 0; i < n; i++)
        count += ((unsigned char) s[i] & 0xc0) != 0x80;
    return count;
}

size_t
utf8_trim(const char *s, size_t n)
{
    size_t i = n, want;
    unsigned lead;

    /* back up over continuation bytes to the lead byte of the last sequence */
    while (i > 0 && ((unsigned char) s[i - 1] & 0xc0) == 0x80 && n - i < 3)
        i--;
    if (i == 0)
        return n;
    lead = (unsigned char) s[i - 1];
    if (lead < 0xc0)
        return n;                     /* ASCII (or stray bytes): nothing cut */
    want = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
    return n - (i - 1) >= want ? n : i - 1;
}

#define REPLACEMENT "\xef\xbf\xbd"    /* U+FFFD */

int
xml_escape(struct pbuf *b, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *) s;
    size_t i = 0, run = 0, k;
    const char *rep;
    int r;

    while (i < n) {
        unsigned c = p[i];

        rep = NULL;
        k = 1;
        if (c >= 0x80) {
            k = utf8_seq(p + i, n - i);
            if (!k) {
                rep = REPLACEMENT;
                k = 1;
            } else if (k == 3 && c == 0xef && p[i + 1] == 0xbf && p[i + 2] >= 0xbe) {
                rep = REPLACEMENT;    /* U+FFFE, U+FFFF: not XML characters */
            }
        } else {
            switch (c) {
            case '&':  rep = "&amp;"; break;
            case '<':  rep = "&lt;"; break;
            case '>':  rep = "&gt;"; break;
            case '"':  rep = "&quot;"; break;
            case '\'': rep = "&apos;"; break;
            case '\t': rep = "&#9;"; break;
            case '\n': rep = "&#10;"; break;
            case '\r': rep = "&#13;"; break;
            default:
                if (c < 0x20)
                    rep = REPLACEMENT;
            }
        }
        if (!rep) {
            run += k;
            i += k;
            continue;
        }
        if (run && (r = pbuf_append(b, s + i - run, run)) < 0)
            return r;
        run = 0;
        if ((r = pbuf_puts(b, rep)) < 0)
            return r;
        i += k;
    }
    return run ? pbuf_append(b, s + n - run, run) : 0;
}

int
json_escape(struct pbuf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *) s;
    size_t i = 0, run = 0, k;
    char esc[7];
    const char *rep;
    int r;

    while (i < n) {
        unsigned c = p[i];

        rep = NULL;
        k = 1;
        if (c >= 0x80) {
            k = utf8_seq(p + i, n - i);
            if (!k) {
                rep = REPLACEMENT;    /* keep the answer valid JSON */
                k = 1;
            }
        } else if (c == '"') {
            rep = "\\\"";
        } else if (c == '\\') {
            rep = "\\\\";
        } else if (c < 0x20) {
            switch (c) {
            case '\b': rep = "\\b"; break;
            case '\f': rep = "\\f"; break;
            case '\n': rep = "\\n"; break;
            case '\r': rep = "\\r"; break;
            case '\t': rep = "\\t"; break;
            default:
                memcpy(esc, "\\u00", 4);
                esc[4] = hex[c >> 4];
                esc[5] = hex[c & 15];
                esc[6] = '\0';
                rep = esc;
            }
        }
        if (!rep) {
            run += k;
            i += k;
            continue;
        }
        if (run && (r = pbuf_append(b, s + i - run, run)) < 0)
            return r;
        run = 0;
        if ((r = pbuf_puts(b, rep)) < 0)
            return r;
        i += k;
    }
    return run ? pbuf_append(b, s + n - run, run) : 0;
}
