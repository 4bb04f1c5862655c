/* SPDX-License-Identifier: Apache-2.0 */
/* The host harnesses' input: a whole file in memory, `before` spare bytes ahead of it (for a
 * chosen misalignment) and one after (so that an empty file still gets a buffer). */
#ifndef HOST_READ_ALL_H
#define HOST_READ_ALL_H

#include <stdio.h>
#include <stdlib.h>

static inline unsigned char *read_all(const char *path, size_t before, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = n < 0 ? NULL : malloc((size_t)n + before + 1);
    if (buf && fread(buf + before, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = buf ? (size_t)n : 0;
    return buf;
}

#endif
