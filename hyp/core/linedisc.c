/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A partition's console line discipline (hv/linedisc.h): its output is interpreted the way a
 * terminal would show it on one line, and only the result is drawn, by the hypervisor, with
 * printable ASCII, BS, CR and LF. Interpreted: printable ASCII, BS, CR, TAB, LF, and the CSI
 * sequences a shell's line editing uses on one line (cursor forward/back, erase in line, erase
 * below the cursor). Dropped without a trace: every other escape sequence (ESC[6n, colours,
 * clear screen, cursor up, titles, charset selection: ESC, CSI, OSC/DCS/SOS/PM/APC strings up
 * to BEL or ST), BEL and NUL. Any other control byte and every byte >= 0x7f is shown as '?'.
 * The cursor never goes left of the line's first character, so whatever a partition sends stays
 * after its "[name] " prefix: it cannot start a line, and it cannot look like another's.
 */
#include "hv/linedisc.h"

#include "hv/lib.h"

enum { GROUND, ESC, ESC_INTER, CSI, STR, STR_ESC };

#define CSI_MORE    1u              /* a ';' or ':' seen: only the first parameter counts */
#define CSI_PRIVATE 2u              /* '<' '=' '>' '?' or an intermediate: not ours, dropped */
#define PARAM_MAX   9999u

static enum hv_ld_event done_if_full(const struct hv_ld *ld)
{
    return ld->cur == HV_LD_LINE ? HV_LD_DONE : HV_LD_CHANGED;
}

static enum hv_ld_event put(struct hv_ld *ld, char c)
{
    ld->text[ld->cur] = c;
    if (ld->cur == ld->len)
        ld->len++;
    ld->cur++;
    return done_if_full(ld);
}

/* The cursor to column `to` (clamped to the line), padding the text with spaces up to it. */
static enum hv_ld_event forward(struct hv_ld *ld, uint32_t to)
{
    if (to > HV_LD_LINE)
        to = HV_LD_LINE;
    while (ld->len < to)
        ld->text[ld->len++] = ' ';
    ld->cur = to;
    return done_if_full(ld);
}

static enum hv_ld_event erase(struct hv_ld *ld, uint32_t how)
{
    if (how == 0) {                 /* cursor to end */
        if (ld->len > ld->cur)
            ld->len = ld->cur;
    } else if (how <= 2) {          /* 1: start to cursor, 2: the whole line (cursor stays) */
        uint32_t end = how == 2 ? ld->len : ld->cur + 1;
        for (uint32_t i = 0; i < end && i < ld->len; i++)
            ld->text[i] = ' ';
        if (how == 2 && ld->len > ld->cur)
            ld->len = ld->cur;
    }
    return HV_LD_CHANGED;
}

static enum hv_ld_event csi(struct hv_ld *ld, uint8_t final)
{
    uint32_t n = ld->param ? ld->param : 1;

    if (ld->flags & CSI_PRIVATE)
        return HV_LD_NONE;
    switch (final) {
    case 'C':
        return forward(ld, ld->cur + n);
    case 'D':
        ld->cur = ld->cur > n ? ld->cur - n : 0;
        return HV_LD_CHANGED;
    case 'K':
        return erase(ld, ld->param);
    case 'J':                       /* below the cursor: on this line, the rest of it */
        return ld->param == 0 ? erase(ld, 0) : HV_LD_NONE;
    default:                        /* ESC[6n, colours, cursor up/down/home, clear screen... */
        return HV_LD_NONE;
    }
}

/* A byte in the middle of an escape sequence. */
static enum hv_ld_event in_sequence(struct hv_ld *ld, uint8_t u)
{
    switch (ld->state) {
    case ESC:
        if (u == '[') {
            ld->state = CSI;
            ld->param = ld->flags = 0;
        } else if (u == ']' || u == 'P' || u == 'X' || u == '^' || u == '_') {
            ld->state = STR;
        } else if (u >= 0x20 && u <= 0x2f) {
            ld->state = ESC_INTER;
        } else if (u != 0x1b) {
            ld->state = GROUND;     /* a two-byte sequence (ESC 7, ESC c...): dropped */
        }
        break;
    case ESC_INTER:
        if (u < 0x20 || u > 0x2f)
            ld->state = GROUND;     /* its final byte (ESC ( B...): dropped */
        break;
    case CSI:
        if (u >= '0' && u <= '9') {
            if (!(ld->flags & CSI_MORE))
                ld->param =
                    ld->param * 10 + (u - '0') > PARAM_MAX ? PARAM_MAX : ld->param * 10 + (u - '0');
        } else if (u == ';' || u == ':') {
            ld->flags |= CSI_MORE;
        } else if ((u >= 0x3c && u <= 0x3f) || (u >= 0x20 && u <= 0x2f)) {
            ld->flags |= CSI_PRIVATE;
        } else if (u >= 0x40 && u <= 0x7e) {
            ld->state = GROUND;
            return csi(ld, u);
        } else if (u == 0x1b) {
            ld->state = ESC;
        } else if (u >= 0x7f) {
            ld->state = GROUND;     /* not a sequence after all: dropped */
        }
        break;                      /* C0 controls inside a CSI: ignored */
    case STR:
        if (u == 0x07)
            ld->state = GROUND;
        else if (u == 0x1b)
            ld->state = STR_ESC;
        break;
    default:                        /* STR_ESC: ST is ESC '\' */
        ld->state = u == '\\' ? GROUND : u == 0x1b ? STR_ESC : STR;
        break;
    }
    return HV_LD_NONE;
}

enum hv_ld_event hv_ld_feed(struct hv_ld *ld, char c)
{
    uint8_t u = (uint8_t)c;

    if (u == '\n') {                /* ends the line, and any sequence left open in it */
        ld->state = GROUND;
        return HV_LD_DONE;
    }
    if (u == 0x18 || u == 0x1a) {   /* CAN, SUB: cancel a sequence */
        ld->state = GROUND;
        return HV_LD_NONE;
    }
    if (ld->state != GROUND)
        return in_sequence(ld, u);
    switch (u) {
    case 0x1b:
        ld->state = ESC;
        return HV_LD_NONE;
    case '\r':                      /* shown with what follows (usually LF: nothing to draw) */
        ld->cur = 0;
        return HV_LD_NONE;
    case '\b':
        if (!ld->cur)
            return HV_LD_NONE;
        ld->cur--;
        return HV_LD_CHANGED;
    case '\t':
        return forward(ld, (ld->cur / 8 + 1) * 8);
    case 0x00:
    case 0x07:
        return HV_LD_NONE;          /* NUL padding, BEL */
    default:
        return put(ld, u >= 0x20 && u < 0x7f ? (char)u : '?');
    }
}

void hv_ld_next_line(struct hv_ld *ld)
{
    ld->len = ld->cur = 0;
}

/* Output being built: at most HV_LD_UPDATE_MAX bytes by construction (hv_ld_update). */
struct out {
    char *p;
    size_t n;
};

static void emit(struct out *o, char c)
{
    o->p[o->n++] = c;
}

static void emit_n(struct out *o, char c, uint32_t count)
{
    while (count--)
        emit(o, c);
}

static void emit_text(struct out *o, const char *text, uint32_t from, uint32_t to)
{
    for (uint32_t i = from; i < to; i++)
        emit(o, text[i]);
}

/* The terminal cursor from column `from` to `to`: BS back, or the same text again forward
 * (the caller knows the columns in between show text[from..to) already). */
static void move(struct out *o, const char *text, uint32_t from, uint32_t to)
{
    if (to < from)
        emit_n(o, '\b', from - to);
    else
        emit_text(o, text, from, to);
}

static uint32_t name_len(const char *name)
{
    uint32_t n = 0;

    while (n < HV_LD_NAME && name[n])
        n++;
    return n;
}

size_t hv_ld_update(struct hv_ld_shown *shown, int fresh, const char *name, const struct hv_ld *ld,
                    int at_end, char *out)
{
    struct out o = {out, 0};
    uint32_t len = ld->len, cur = at_end ? ld->len : ld->cur;
    uint32_t nlen = name_len(name);
    uint32_t same = 0; /* leading columns `shown` holds already: not copied again */

    if (!fresh) {
        /* The columns that differ, [d, e) (spaces past the new text's end), then the cursor. */
        uint32_t d = 0, e = len > shown->len ? len : shown->len;
        while (d < len && d < shown->len && ld->text[d] == shown->text[d])
            d++;
        same = d;
        if (len == shown->len)
            while (e > d && ld->text[e - 1] == shown->text[e - 1])
                e--;
        if (d == e)
            d = e = shown->cur; /* the same text: only the cursor moves */
        uint32_t cost = (shown->cur > d ? shown->cur - d : d - shown->cur) + (e - d) +
                        (cur > e ? cur - e : e - cur);
        if (cost == 0)
            return 0;
        if (cost <= 2 + 1 + nlen + 2 + len + (len - cur)) {
            move(&o, ld->text, shown->cur, d);
            for (uint32_t i = d; i < e; i++)
                emit(&o, i < len ? ld->text[i] : ' ');
            move(&o, ld->text, e, cur);
            goto shown;
        }
        emit(&o, '\r'); /* cheaper to write it again on a line of its own */
        emit(&o, '\n');
    }
    emit(&o, '[');
    emit_text(&o, name, 0, nlen);
    emit(&o, ']');
    emit(&o, ' ');
    emit_text(&o, ld->text, 0, len);
    emit_n(&o, '\b', len - cur);
shown:
    /* Only what changed: a byte appended to the focused partition's line copies one column,
     * not the line (the virtual UART's output is shown a byte at a time). */
    memcpy(shown->text + same, ld->text + same, len - same);
    shown->len = len;
    shown->cur = cur;
    return o.n;
}

size_t hv_ld_term_close(struct hv_ld_term *t, char *out)
{
    if (t->owner == HV_LD_NOBODY)
        return 0;
    t->owner = HV_LD_NOBODY;
    out[0] = '\r';
    out[1] = '\n';
    return 2;
}

size_t hv_ld_term_show(struct hv_ld_term *t, uint32_t who, const char *name, const struct hv_ld *ld,
                       char *out)
{
    size_t n = 0;

    if (t->owner != who) {
        n = hv_ld_term_close(t, out);
        t->owner = who;
        return n + hv_ld_update(&t->shown, 1, name, ld, 0, out + n);
    }
    return hv_ld_update(&t->shown, 0, name, ld, 0, out);
}

size_t hv_ld_term_finish(struct hv_ld_term *t, uint32_t who, const char *name,
                         const struct hv_ld *ld, char *out, int *was_open)
{
    *was_open = t->owner == who;
    if (!*was_open)
        return 0;
    size_t n = hv_ld_update(&t->shown, 0, name, ld, 1, out);
    return n + hv_ld_term_close(t, out + n);
}
