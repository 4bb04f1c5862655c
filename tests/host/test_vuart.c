/* SPDX-License-Identifier: Apache-2.0 */
/* The virtual PL011's interrupt line (drivers/vuart.c): the vGIC hears only changes of RIS &
 * IMSC (a console byte's flag read and data write no longer take the vGIC lock each), but every
 * change, and a reset reports the line whatever it was (the vGIC keeps a partition's line state
 * across its reset). */
#include "check.h"

#include "counting_lock.h"

#include "../../hyp/drivers/vuart.c"

const struct hv_partition hv_partitions[HV_NPARTITIONS] = {
    {.name = "lin", .vuart = {.ipa = 0x9000000, .intid = 33, .present = 1}},
    {.name = "bm"},
};
const struct hv_cpu hv_cpus[HV_NCPUS] = {{.partition = 0}, {.partition = 0}};

static int calls, level = -1;

void hv_vgic_set_level(uint32_t pidx, uint32_t intid, int l)
{
    EXPECT_EQ(pidx, 0);
    EXPECT_EQ(intid, 33);
    calls++;
    level = l;
}

static char sent[64];
static uint32_t nsent;

void hv_pconsole_write(uint32_t partition, const char *buf, uint64_t len)
{
    for (uint64_t i = 0; i < len && nsent < sizeof(sent); i++)
        sent[nsent++] = buf[i];
}

void hv_log_event(uint32_t partition, const char *fmt, ...)
{
}

static uint64_t access(uint64_t off, int is_write, uint64_t v)
{
    EXPECT_EQ(hv_vuart_access(off, is_write, 4, &v), 1);
    return v;
}

static void fresh(void)
{
    hv_vuart_reset(0);
    calls = 0;
    nsent = 0;
}

TEST(console_bytes_with_the_interrupt_masked_do_not_reach_the_vgic)
{
    fresh();
    for (const char *c = "Booting Linux\n"; *c; c++) {
        EXPECT_EQ(access(UARTFR, 0, 0) & FR_TXFF, 0);   /* earlycon: TXFF, byte, BUSY */
        access(UARTDR, 1, (uint8_t)*c);
        access(UARTFR, 0, 0);
    }
    EXPECT_EQ(nsent, 14);
    EXPECT_EQ(calls, 0);                                /* IMSC = 0: the line stays low */
    EXPECT_EQ(access(UARTRIS, 0, 0) & INT_TX, INT_TX);  /* TXIS is raised all the same */
}

TEST(every_change_of_the_line_is_reported_once)
{
    fresh();
    access(UARTDR, 1, 'x');                             /* TXIS raw, masked */
    access(UARTIMSC, 1, INT_TX);                        /* unmasked: the line rises */
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(level, 1);
    access(UARTDR, 1, 'y');                             /* still high: nothing new */
    access(UARTFR, 0, 0);
    EXPECT_EQ(calls, 1);
    access(UARTICR, 1, INT_TX);                         /* cleared: it falls */
    EXPECT_EQ(calls, 2);
    EXPECT_EQ(level, 0);
    access(UARTDR, 1, 'z');                             /* rises again: a new edge */
    EXPECT_EQ(calls, 3);
    EXPECT_EQ(level, 1);
    access(UARTIMSC, 1, 0);
    EXPECT_EQ(calls, 4);
    EXPECT_EQ(level, 0);
}

TEST(received_bytes_raise_the_line_and_reading_them_lowers_it)
{
    fresh();
    access(UARTIMSC, 1, INT_RX);
    EXPECT_EQ(calls, 0);
    hv_vuart_receive(0, 'a');
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(level, 1);
    hv_vuart_receive(0, 'b');                           /* still high */
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(access(UARTDR, 0, 0), 'a');
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(access(UARTDR, 0, 0), 'b');               /* empty: it falls */
    EXPECT_EQ(calls, 2);
    EXPECT_EQ(level, 0);
}

TEST(a_reset_reports_the_line_even_when_it_did_not_change)
{
    fresh();
    hv_vuart_reset(0);                                  /* low before, low after */
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(level, 0);
    access(UARTDR, 1, 'x');
    access(UARTIMSC, 1, INT_TX);
    EXPECT_EQ(level, 1);
    hv_vuart_reset(0);                                  /* IMSC = 0 again: low */
    EXPECT_EQ(calls, 3);
    EXPECT_EQ(level, 0);
    EXPECT_EQ(lock_errors, 0);
}
