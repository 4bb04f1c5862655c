/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A partition's console line discipline (core/linedisc.c): its output bytes become one line as
 * a terminal would show it (text and cursor), and the bytes that bring the operator's terminal
 * from what it shows to that line contain nothing but printable ASCII, BS, CR and LF, and never
 * move the cursor left of the partition's own text. No byte a partition sends reaches the
 * terminal as it is: escape sequences are interpreted or dropped, never passed.
 */
#ifndef HV_LINEDISC_H
#define HV_LINEDISC_H

#include <stddef.h>
#include <stdint.h>

#define HV_LD_LINE       240              /* characters of a line; a longer one is cut */
#define HV_LD_NAME       31 /* characters of a partition's name (the [name] prefix) */
/* The most bytes one update writes: CR LF, "[" name "] ", the text, then BS back to the cursor. */
#define HV_LD_UPDATE_MAX (2 + 1 + HV_LD_NAME + 2 + 2 * HV_LD_LINE)

/* A partition's current line, as a terminal would show it. */
struct hv_ld {
    char text[HV_LD_LINE];
    uint32_t len; /* characters in text */
    uint32_t cur; /* the cursor, 0..HV_LD_LINE */
    uint32_t state; /* the escape-sequence parser's (linedisc.c) */
    uint32_t param; /* a CSI's first numeric parameter */
    uint32_t flags; /* a CSI's: private marker, more than one parameter */
};

enum hv_ld_event {
    HV_LD_NONE, /* nothing to show (or only the cursor went back to 0) */
    HV_LD_CHANGED, /* the text or the cursor changed */
    HV_LD_DONE, /* text[0..len) is a finished line: take it, then next_line */
};

/* One byte of the partition's output. */
enum hv_ld_event hv_ld_feed(struct hv_ld *ld, char c);
/* After HV_LD_DONE: the next line starts empty (the parser's state goes on). */
void hv_ld_next_line(struct hv_ld *ld);

/* What the terminal shows of the line that is open on it: the text and where its cursor is. */
struct hv_ld_shown {
    char text[HV_LD_LINE];
    uint32_t len, cur;
};

/* Bytes (at most HV_LD_UPDATE_MAX, into out) that take the terminal from `shown` to `ld`'s line
 * (cursor at `ld->cur`, or at the end if `at_end`), and update `shown`. `fresh`: the terminal
 * cursor is at the start of an empty line: the prefix "[name] " comes first. When changing the
 * shown line costs more than writing it again, the open line is ended (CR LF) and written again
 * on a new one, so one update is never longer than a fresh line. */
size_t hv_ld_update(struct hv_ld_shown *shown, int fresh, const char *name, const struct hv_ld *ld,
                    int at_end, char *out);

/* The terminal's line: whose it is while it is open (a focused partition's unfinished line),
 * and what it shows. Every writer of the console goes through it, under the console lock. */
#define HV_LD_NOBODY UINT32_MAX
struct hv_ld_term {
    uint32_t owner; /* the partition whose line is open, or HV_LD_NOBODY */
    struct hv_ld_shown shown;
};

/* A whole line is about to go out: end the open line (CR LF; 0 or 2 bytes into out). */
size_t hv_ld_term_close(struct hv_ld_term *t, char *out);
/* Partition `who` has the focus: show its unfinished line, as the open line (after ending
 * another's, with its "[name] " prefix again if the terminal line is not its own any more). */
size_t hv_ld_term_show(struct hv_ld_term *t, uint32_t who, const char *name, const struct hv_ld *ld,
                       char *out);
/* `who`'s line is finished. If it is the open line: its last change and CR LF (at most
 * HV_LD_UPDATE_MAX + 2 bytes), *was_open = 1; else nothing, *was_open = 0 (the caller prints
 * it whole, or drops it). */
size_t hv_ld_term_finish(struct hv_ld_term *t, uint32_t who, const char *name,
                         const struct hv_ld *ld, char *out, int *was_open);

#endif
