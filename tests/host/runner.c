/* SPDX-License-Identifier: Apache-2.0 */
/* main() of every host unit test (check.h): run the registered tests, report, count failures. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "check.h"

struct host_sysregs host_sysreg;

static struct host_test *first, **last = &first;
static int failed;                  /* the running test has failed */

void host_register(struct host_test *t)
{
    *last = t;
    last = &t->next;
}

void host_fail(const char *file, int line, const char *expr)
{
    printf("%s:%d: CHECK failed: %s\n", file, line, expr);
    failed = 1;
}

void host_fail_eq(const char *file, int line, const char *a, const char *b, uint64_t va,
                  uint64_t vb)
{
    printf("%s:%d: EXPECT_EQ failed: %s == %s: 0x%" PRIx64 " != 0x%" PRIx64 "\n", file, line, a, b,
           va, vb);
    failed = 1;
}

int main(int argc, char **argv)
{
    int run = 0, failures = 0;

    for (struct host_test *t = first; t; t = t->next) {
        if (argc > 1 && strcmp(argv[1], t->name) != 0)
            continue;
        memset(&host_sysreg, 0, sizeof(host_sysreg));       /* each test from reset */
        failed = 0;
        t->fn();
        printf("%s %s\n", failed ? "FAIL" : "ok  ", t->name);
        failures += failed;
        run++;
    }
    printf("%d test(s), %d failed\n", run, failures);
    return run == 0 ? 1 : failures;
}
