/*
 * Partition console output, for the console hypercall and the virtual UART alike: each
 * partition has a line buffer; only whole lines reach the hypervisor console, prefixed with
 * the partition's name. Non-printable bytes become '?': a guest cannot send escape sequences
 * to the operator's terminal.
 */
#include "hv/config.h"
#include "hv/console.h"
#include "hv/pconsole.h"
#include "hv/spinlock.h"

#define LINE 240

struct line_buffer {
    char text[LINE + 1];
    uint32_t len;
};

static struct line_buffer lines[HV_NPARTITIONS];
static hv_spinlock_t lines_lock;

static void flush(uint32_t partition, struct line_buffer *lb)
{
    lb->text[lb->len] = '\0';
    hv_log_prefixed(hv_partitions[partition].name, "%s", lb->text);
    lb->len = 0;
}

void hv_pconsole_write(uint32_t partition, const char *buf, uint64_t len)
{
    struct line_buffer *lb = &lines[partition];

    hv_spin_lock(&lines_lock);
    for (uint64_t i = 0; i < len; i++) {
        char c = buf[i];
        if (c == '\n') {
            flush(partition, lb);
        } else if (c != '\r') {
            lb->text[lb->len++] = (c >= 0x20 && c < 0x7f) ? c : '?';
            if (lb->len == LINE)
                flush(partition, lb);
        }
    }
    hv_spin_unlock(&lines_lock);
}
