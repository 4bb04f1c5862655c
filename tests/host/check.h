/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The host unit-test harness (tests/host/README.md). A test file is
 *
 *     #include "check.h"
 *     #include "../../hyp/core/foo.c"          // the code under test, static functions too
 *     TEST(foo_does_this) { CHECK(...); EXPECT_EQ(got, want); }
 *
 * runner.c provides main(): every TEST runs in file order, failures are reported as
 * file:line with the expression and, for EXPECT_EQ, both values; the exit status is the
 * number of failing tests (0: all passed). `./test_foo NAME` runs one test.
 */
#ifndef HOST_CHECK_H
#define HOST_CHECK_H

#include <stdint.h>

struct host_test {
    const char *name;
    void (*fn)(void);
    struct host_test *next;
};

void host_register(struct host_test *t);
void host_fail(const char *file, int line, const char *expr);
void host_fail_eq(const char *file, int line, const char *a, const char *b, uint64_t va,
                  uint64_t vb);

#define TEST(name)                                                 \
    static void name(void);                                        \
    static struct host_test name##_test = {#name, name, 0};        \
    __attribute__((constructor)) static void name##_register(void) \
    {                                                              \
        host_register(&name##_test);                               \
    }                                                              \
    static void name(void)

/* A failed CHECK or EXPECT_EQ marks the test failed and goes on (the next checks still run). */
#define CHECK(cond)                               \
    do {                                          \
        if (!(cond))                              \
            host_fail(__FILE__, __LINE__, #cond); \
    } while (0)

#define EXPECT_EQ(a, b)                                       \
    do {                                                      \
        uint64_t a_ = (uint64_t)(a), b_ = (uint64_t)(b);      \
        if (a_ != b_)                                         \
            host_fail_eq(__FILE__, __LINE__, #a, #b, a_, b_); \
    } while (0)

#endif
