/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The console line discipline (hyp/core/linedisc.c) against a model terminal: whatever bytes
 * partitions send, the terminal gets only printable ASCII, BS, CR and LF; every terminal line
 * starts with the prefix of the one who wrote it; a partition's text never starts a line and
 * never reaches its prefix; the open line shows what the partition's line holds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "../../hyp/core/linedisc.c"

/* A terminal wide enough for any line (no wrap): rows of text and a cursor. BS stops at
 * column 0, as on a VT100. */
#define ROWS 4096
#define COLS 600

struct screen {
    char rows[ROWS][COLS + 1];
    uint32_t row, col;
    int bad_byte;                   /* a byte other than printable, BS, CR, LF arrived */
};

static struct screen scr;

static void screen_reset(void)
{
    memset(&scr, 0, sizeof(scr));
}

static void screen_put(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (c == '\n') {
            scr.row++;
        } else if (c == '\r') {
            scr.col = 0;
        } else if (c == '\b') {
            if (scr.col)
                scr.col--;
        } else if (c >= 0x20 && c < 0x7f && scr.col < COLS) {
            char *r = scr.rows[scr.row];
            for (uint32_t k = (uint32_t)strlen(r); k < scr.col; k++)
                r[k] = ' ';
            r[scr.col++] = c;
        } else {
            scr.bad_byte = 1;
        }
    }
}

/* The row without trailing blanks. */
static const char *row_text(uint32_t row, char *buf)
{
    strcpy(buf, scr.rows[row]);
    for (size_t n = strlen(buf); n && buf[n - 1] == ' '; n--)
        buf[n - 1] = '\0';
    return buf;
}

static struct hv_ld feed_str(const char *s)
{
    struct hv_ld ld = {0};
    for (; *s; s++)
        hv_ld_feed(&ld, *s);
    return ld;
}

static int text_is(const struct hv_ld *ld, const char *want)
{
    return ld->len == strlen(want) && memcmp(ld->text, want, ld->len) == 0;
}

TEST(printable_text_and_a_finished_line)
{
    struct hv_ld ld = {0};
    const char *s = "hvcfg-linux# ";
    for (const char *p = s; *p; p++)
        EXPECT_EQ(hv_ld_feed(&ld, *p), HV_LD_CHANGED);
    CHECK(text_is(&ld, s));
    EXPECT_EQ(hv_ld_feed(&ld, '\r'), HV_LD_NONE);          /* CR alone draws nothing */
    EXPECT_EQ(hv_ld_feed(&ld, '\n'), HV_LD_DONE);
    CHECK(text_is(&ld, s));                                 /* CR LF keeps the line */
}

TEST(escape_sequences_are_dropped_not_shown)
{
    /* cursor position query, colours, clear screen, home, cursor up, title, charset, 2-byte */
    struct hv_ld ld = feed_str("a\x1b[6nb\x1b[1;31mc\x1b[0m\x1b[2J\x1b[Hd\x1b[1A\x1b]0;t\x07"
                               "e\x1b]2;t\x1b\\f\x1b(Bg\x1b"
                               "7h\x1b[?25li");
    CHECK(text_is(&ld, "abcdefghi"));
    EXPECT_EQ(ld.state, GROUND);
}

TEST(line_editing_sequences_are_interpreted)
{
    struct hv_ld ld = feed_str("abc\b\bX");                /* BS then overwrite */
    CHECK(text_is(&ld, "aXc"));
    EXPECT_EQ(ld.cur, 2);
    ld = feed_str("hello\x1b[3D\x1b[K!");                   /* back 3, erase to end */
    CHECK(text_is(&ld, "he!"));
    ld = feed_str("ab\x1b[2Cc");                             /* forward past the end pads */
    CHECK(text_is(&ld, "ab  c"));
    ld = feed_str("x\ty");
    CHECK(text_is(&ld, "x       y"));
    ld = feed_str("50%\r60%");                               /* CR overwrites */
    CHECK(text_is(&ld, "60%"));
    ld = feed_str("\b\b\b\x1b[99Dok");                        /* never left of column 0 */
    CHECK(text_is(&ld, "ok"));
}

TEST(other_bytes_are_question_marks_and_the_line_is_cut)
{
    struct hv_ld ld = feed_str("a\x01\x7f\x9b\xc3\xa9"
                               "b\x00\x07");
    CHECK(text_is(&ld, "a?????b"));
    struct hv_ld l = {0};
    enum hv_ld_event ev = HV_LD_NONE;
    uint32_t n = 0;
    while (ev != HV_LD_DONE) {
        ev = hv_ld_feed(&l, 'x');
        n++;
    }
    EXPECT_EQ(n, HV_LD_LINE);
    EXPECT_EQ(l.len, HV_LD_LINE);
    hv_ld_next_line(&l);
    EXPECT_EQ(hv_ld_feed(&l, '\x1b'), HV_LD_NONE);          /* a sequence across lines */
    EXPECT_EQ(hv_ld_feed(&l, '\n'), HV_LD_DONE);             /* LF ends it */
    EXPECT_EQ(l.state, GROUND);
}

/* The console as core/console.c and core/pconsole.c drive it: two partitions writing, one
 * with the focus, and the hypervisor's own lines in between. */
struct sim {
    struct hv_ld_term term;
    struct hv_ld ld[2];
    int focus;
    char out[HV_LD_UPDATE_MAX + 2];
};

static const char *const names[2] = {"linux", "bm"};

static void sim_line(struct sim *s, const char *prefix, const char *text, uint32_t len)
{
    size_t n = hv_ld_term_close(&s->term, s->out);
    CHECK(scr.col == 0 || n == 2);                          /* a line starts at column 0 */
    screen_put(s->out, n);
    screen_put("[", 1);
    screen_put(prefix, strlen(prefix));
    screen_put("] ", 2);
    screen_put(text, len);
    screen_put("\r\n", 2);
}

/* One byte of partition p; shown as pconsole.c does (here after every byte). */
static void sim_byte(struct sim *s, int p, char c)
{
    struct hv_ld *ld = &s->ld[p];
    enum hv_ld_event ev = hv_ld_feed(ld, c);
    char want[HV_LD_LINE + 64], got[COLS + 1];

    if (ev == HV_LD_DONE) {
        int was_open;
        uint32_t row = scr.row;
        size_t n = hv_ld_term_finish(&s->term, (uint32_t)p, names[p], ld, s->out, &was_open);
        CHECK(n <= HV_LD_UPDATE_MAX + 2);
        screen_put(s->out, n);
        if (!was_open)
            sim_line(s, names[p], ld->text, ld->len);
        else
            row = scr.row - 1;
        snprintf(want, sizeof(want), "[%s] %.*s", names[p], (int)ld->len, ld->text);
        while (strlen(want) && want[strlen(want) - 1] == ' ')
            want[strlen(want) - 1] = '\0';
        if (!was_open)
            row = scr.row - 1;
        CHECK(strcmp(row_text(row, got), want) == 0);
        hv_ld_next_line(ld);
    } else if (ev == HV_LD_CHANGED && s->focus == p) {
        size_t n = hv_ld_term_show(&s->term, (uint32_t)p, names[p], ld, s->out);
        CHECK(n <= HV_LD_UPDATE_MAX);
        screen_put(s->out, n);
        /* The open line is the partition's line, the cursor where the partition put it. */
        snprintf(want, sizeof(want), "[%s] %.*s", names[p], (int)ld->len, ld->text);
        while (strlen(want) && want[strlen(want) - 1] == ' ')
            want[strlen(want) - 1] = '\0';
        CHECK(strcmp(row_text(scr.row, got), want) == 0);
        EXPECT_EQ(scr.col, strlen(names[p]) + 3 + ld->cur);
    }
}

static const char *const pieces[] = {
    "[hyp] ",
    "[bm] ",
    "[linux] ",
    "\r",
    "\n",
    "\r\n",
    "\b",
    "\b\b\b\b\b\b\b\b",
    "\t",
    "\x1b[6n",
    "\x1b[K",
    "\x1b[3D",
    "\x1b[5C",
    "\x1b[2K",
    "\x1b[1K",
    "\x1b[J",
    "\x1b[2J",
    "\x1b[31m",
    "\x1b]0;x",
    "\x07",
    "\x1b",
    "\x1b[",
    "\x9b",
    "\xc3\xa9",
    "hvcfg-linux# ",
    "ls",
    " ",
    "x",
};

static void sim_piece(struct sim *s, int p, const char *piece)
{
    for (; *piece; piece++)
        sim_byte(s, p, *piece);
}

TEST(whatever_partitions_send_every_line_is_attributed)
{
    static struct sim s;
    char got[COLS + 1];

    srand(20);
    for (int round = 0; round < 40; round++) {
        memset(&s, 0, sizeof(s));
        s.term.owner = HV_LD_NOBODY;
        screen_reset();
        uint32_t hyp_lines = 0;
        while (scr.row < ROWS - 8) {
            int r = rand() % 100;
            if (r < 1) {
                s.focus = !s.focus;     /* output of the new focus before the announcement */
            } else if (r < 3) {
                s.focus = !s.focus;
                sim_line(&s, "hyp", "console input goes to x", 23);
                hyp_lines++;
            } else if (r < 6) {
                sim_line(&s, "hyp", "event", 5);
                hyp_lines++;
            } else if (r < 8) {
                for (int k = rand() % 300; k; k--)
                    sim_byte(&s, rand() % 2, "abc[]hyp "[rand() % 9]);
            } else {
                sim_piece(&s, rand() % 2,
                          pieces[(size_t)rand() % (sizeof(pieces) / sizeof(*pieces))]);
            }
        }
        CHECK(!scr.bad_byte);
        uint32_t hyp_seen = 0;
        for (uint32_t row = 0; row <= scr.row; row++) {
            const char *t = row_text(row, got);
            if (!*t)
                continue;
            int ok = !strncmp(t, "[linux] ", 8) || !strncmp(t, "[bm] ", 5) ||
                     !strcmp(t, "[linux]") || !strcmp(t, "[bm]");
            if (!strncmp(t, "[hyp] ", 6)) {
                ok = !strcmp(t, "[hyp] console input goes to x") || !strcmp(t, "[hyp] event");
                hyp_seen++;
            }
            if (!ok)
                CHECK(!"a terminal line that is nobody's, or a forged [hyp] line");
        }
        EXPECT_EQ(hyp_seen, hyp_lines);
    }
}

TEST(an_interrupted_open_line_comes_back_with_its_prefix)
{
    static struct sim s;
    char got[COLS + 1];

    memset(&s, 0, sizeof(s));
    s.term.owner = HV_LD_NOBODY;
    screen_reset();
    sim_piece(&s, 0, "hvcfg-linux# ");
    CHECK(strcmp(row_text(0, got), "[linux] hvcfg-linux#") == 0);   /* at once, no newline */
    sim_line(&s, "hyp", "console input goes to bm", 24);
    s.focus = 1;
    sim_piece(&s, 0, "[hyp] forged");               /* not focused: waits for its newline */
    sim_piece(&s, 1, "\b\b\b\b[hyp] forged too");   /* focused: shown after its prefix */
    CHECK(strcmp(row_text(2, got), "[bm] [hyp] forged too") == 0);
    s.focus = 0;
    sim_line(&s, "hyp", "console input goes to linux", 27);
    sim_piece(&s, 0, "!");
    CHECK(strcmp(row_text(4, got), "[linux] hvcfg-linux# [hyp] forged!") == 0);
    CHECK(!scr.bad_byte);
}
