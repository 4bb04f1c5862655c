/* SPDX-License-Identifier: Apache-2.0 */
/* The console's token bucket (hyp/include/hv/ratelimit.h) in counter time. */
#include "check.h"
#include "hv/ratelimit.h"

#define FREQ  1000u               /* counter ticks a second */
#define PER_S 10u                 /* units a second: one every 100 ticks */
#define BURST 5u

static void at(uint64_t t)
{
    host_sysreg.cntfrq_el0 = FREQ;
    host_sysreg.cntpct_el0 = t;
}

/* n one-unit lines offered at once; how many went out */
static unsigned lines(struct hv_ratelimit *r, unsigned n)
{
    unsigned sent = 0;

    for (unsigned i = 0; i < n; i++)
        sent += (unsigned)hv_ratelimit_take(r, PER_S, BURST, 1);
    return sent;
}

TEST(a_burst_then_one_per_period)
{
    struct hv_ratelimit r = {0};

    at(1000);
    for (unsigned i = 0; i < BURST; i++)
        CHECK(hv_ratelimit_take(&r, PER_S, BURST, 1));
    CHECK(!hv_ratelimit_take(&r, PER_S, BURST, 1));
    EXPECT_EQ(r.suppressed, 1);
    at(1000 + 99);                  /* not yet a whole period */
    CHECK(!hv_ratelimit_take(&r, PER_S, BURST, 1));
    at(1000 + 100);
    CHECK(hv_ratelimit_take(&r, PER_S, BURST, 1));
    CHECK(!hv_ratelimit_take(&r, PER_S, BURST, 1));
    EXPECT_EQ(r.suppressed, 3);
}

TEST(a_line_costs_its_units)
{
    struct hv_ratelimit r = {0};

    at(50);
    CHECK(!hv_ratelimit_take(&r, PER_S, BURST, BURST + 1));    /* never fits */
    CHECK(hv_ratelimit_take(&r, PER_S, BURST, 3));
    CHECK(!hv_ratelimit_take(&r, PER_S, BURST, 3));            /* 2 units left */
    CHECK(hv_ratelimit_take(&r, PER_S, BURST, 2));
    at(50 + 5 * 100);                                          /* full again */
    CHECK(hv_ratelimit_take(&r, PER_S, BURST, BURST));
}

TEST(an_idle_bucket_does_not_save_up_beyond_the_burst)
{
    struct hv_ratelimit r = {0};

    at(1000000);                    /* a long quiet time */
    for (unsigned i = 0; i < BURST; i++)
        CHECK(hv_ratelimit_take(&r, PER_S, BURST, 1));
    CHECK(!hv_ratelimit_take(&r, PER_S, BURST, 1));
}

TEST(the_refused_count_saturates)
{
    struct hv_ratelimit r = {.tat = 1u << 20, .suppressed = UINT32_MAX - 1};

    at(0);
    CHECK(!hv_ratelimit_take(&r, PER_S, BURST, 1));
    CHECK(!hv_ratelimit_take(&r, PER_S, BURST, 1));
    EXPECT_EQ(r.suppressed, UINT32_MAX);
}

TEST(summary_once_the_flood_is_over_or_once_a_second)
{
    struct hv_ratelimit r = {0};

    at(0);
    EXPECT_EQ(hv_ratelimit_summary(&r, PER_S, BURST, 0), 0);       /* nothing refused */
    EXPECT_EQ(lines(&r, BURST + 3), BURST);
    EXPECT_EQ(r.suppressed, 3);
    /* the flood goes on (no room for two more) but no summary went out yet: report now */
    EXPECT_EQ(hv_ratelimit_summary(&r, PER_S, BURST, 0), 3);
    EXPECT_EQ(r.suppressed, 0);
    at(500);                        /* drained; flooded again, half a second after the summary */
    EXPECT_EQ(lines(&r, BURST + 2), BURST);
    EXPECT_EQ(r.suppressed, 2);
    EXPECT_EQ(hv_ratelimit_summary(&r, PER_S, BURST, 0), 0);       /* waits */
    at(1000);                       /* a second after the summary, flooded still */
    EXPECT_EQ(lines(&r, BURST + 1), BURST);
    EXPECT_EQ(r.suppressed, 3);
    EXPECT_EQ(hv_ratelimit_summary(&r, PER_S, BURST, 0), 3);
}

TEST(summary_when_quiet_even_within_the_second)
{
    struct hv_ratelimit r = {0};

    at(0);
    EXPECT_EQ(lines(&r, BURST + 2), BURST);
    EXPECT_EQ(hv_ratelimit_summary(&r, PER_S, BURST, 0), 2);
    EXPECT_EQ(lines(&r, 1), 0);
    at(400);                        /* 4 units drained: room for two more lines, quiet */
    EXPECT_EQ(hv_ratelimit_summary(&r, PER_S, BURST, 0), 1);
}

TEST(forced_summary_reports_whatever_is_counted)
{
    struct hv_ratelimit r = {0};

    at(0);
    EXPECT_EQ(lines(&r, BURST + 4), BURST);
    EXPECT_EQ(hv_ratelimit_summary(&r, PER_S, BURST, 0), 4);
    EXPECT_EQ(lines(&r, 1), 0);
    EXPECT_EQ(hv_ratelimit_summary(&r, PER_S, BURST, 0), 0);       /* within the second */
    EXPECT_EQ(hv_ratelimit_summary(&r, PER_S, BURST, 1), 1);       /* reset: regardless */
    EXPECT_EQ(r.suppressed, 0);
}
