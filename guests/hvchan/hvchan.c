/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hvchan: use hvcfg channels from Linux user space, with Debian's own kernel and modules
 * (docs/linux-guests.md). Each channel end is an ivshmem PCI function behind the emulated ECAM
 * host bridge; its device-tree node (a child of the PCI node, so Linux links it as the
 * device's of_node) names the channel in `hvcfg,channel`. BAR2 (resource2) is the channel
 * memory, BAR0 (resource0) the registers (hyp/include/hv/pci_regs.h), and doorbells arrive
 * through uio_pci_generic (/dev/uioN), which masks INTx with the command register's Interrupt
 * Disable bit; this tool clears IntrStatus and unmasks through the config file again.
 *
 *   hvchan list                          every channel: name, PCI address, size, end, generations
 *   hvchan send NAME TEXT                write TEXT as a message (struct hvchan_msg), ring
 *   hvchan recv NAME [TIMEOUT_MS]        wait for a message newer than the one seen, print it
 *   hvchan ping REQ [REPLY] [COUNT]      the request/reply protocol of partitions/lib/chanproto.h:
 *                                        COUNT round trips, prints each answer and the median
 *   hvchan serve REQ [REPLY] [COUNT]     the server side of it (answers COUNT requests)
 *   hvchan dump NAME [WORDS]             the first WORDS 32-bit words (read only)
 *   hvchan poke NAME OFFSET VALUE        store a 32-bit word (a read-only end faults: policy)
 *   hvchan ring NAME [COUNT]             write the doorbell register COUNT times (a flood)
 *
 * Exit status 0 on success, 1 on an error (message on stderr), 2 on a timeout.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "hv/pci_regs.h"
#include "chanproto.h"

#define PCI_DEVICES "/sys/bus/pci/devices"
#define UIO_DRIVER  "/sys/bus/pci/drivers/uio_pci_generic"
#define TIMEOUT_MS  5000

/* A text message (send/recv): the sequence number is written last, with release order. */
struct hvchan_msg {
    uint32_t seq;
    uint32_t len;
    char text[];
};

struct chan {
    char name[64];
    char dev[64];                   /* 0000:00:01.0 */
    volatile uint8_t *mem;          /* resource2 */
    uint64_t bar;                   /* the BAR's size (power of two >= the channel's): mapped */
    uint64_t size;                  /* the channel's (hvcfg,size): what is behind the BAR */
    volatile uint32_t *regs;        /* resource0 */
    int cfg;                        /* the config file, for Interrupt Disable */
    int uio;                        /* /dev/uioN, -1: no doorbell in */
};

static void die(const char *fmt, const char *arg)
{
    fprintf(stderr, "hvchan: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "%s%s\n", errno ? ": " : "", errno ? strerror(errno) : "");
    exit(1);
}

static int read_file(const char *path, char *buf, size_t n)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    ssize_t got = read(fd, buf, n - 1);
    close(fd);
    if (got < 0)
        return -1;
    buf[got] = 0;
    return (int)got;
}

static int write_file(const char *path, const char *s)
{
    int fd = open(path, O_WRONLY);
    if (fd < 0)
        return -1;
    ssize_t r = write(fd, s, strlen(s));
    close(fd);
    return r < 0 ? -1 : 0;
}

static unsigned long sysfs_hex(const char *dev, const char *attr)
{
    char path[256], buf[32];
    snprintf(path, sizeof(path), PCI_DEVICES "/%s/%s", dev, attr);
    return read_file(path, buf, sizeof(buf)) > 0 ? strtoul(buf, NULL, 16) : 0;
}

/* uio and uio_pci_generic from the initramfs (finit_module: busybox's modprobe needs
 * modules.dep), then ivshmem's ids for uio_pci_generic; both idempotent. */
static void uio_setup(void)
{
    static const char *const mods[] = {"uio", "uio_pci_generic"};
    struct utsname u;
    char path[256];

    if (access(UIO_DRIVER, F_OK) != 0) {
        uname(&u);
        for (unsigned i = 0; i < 2; i++) {
            snprintf(path, sizeof(path), "/lib/modules/%s/kernel/drivers/uio/%s.ko", u.release,
                     mods[i]);
            int fd = open(path, O_RDONLY | O_CLOEXEC);
            if (fd < 0)
                die("%s", path);
            if (syscall(SYS_finit_module, fd, "", 0) != 0 && errno != EEXIST)
                die("loading %s", path);
            close(fd);
        }
    }
    errno = 0;
    char ids[32];
    snprintf(ids, sizeof(ids), "%04x %04x", IVSHMEM_VENDOR_ID, IVSHMEM_DEVICE_ID);
    (void)write_file(UIO_DRIVER "/new_id", ids);    /* EEXIST once the ids are known */
}

static void *map(const char *dev, const char *res, size_t size, int prot)
{
    char path[256];
    snprintf(path, sizeof(path), PCI_DEVICES "/%s/%s", dev, res);
    int fd = open(path, (prot & PROT_WRITE) ? O_RDWR | O_SYNC : O_RDONLY | O_SYNC);
    if (fd < 0)
        die("%s", path);
    void *p = mmap(NULL, size, prot, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        die("mmap %s", path);
    close(fd);
    return p;
}

/* The channel's name from the function's device-tree node, "" when it has none. */
static void channel_name(const char *dev, char *out, size_t n)
{
    char path[256];
    snprintf(path, sizeof(path), PCI_DEVICES "/%s/of_node/hvcfg,channel", dev);
    if (read_file(path, out, n) < 0)
        out[0] = 0;
}

/* The channel's size from the function's device-tree node (`hvcfg,size`, two big-endian
 * cells). BAR2 is that rounded up to a power of two, and what is past the channel in it is not
 * mapped at stage 2: an access there is a fault (the partition's on_fault). So every offset
 * hvchan uses, and every length a peer writes, is bounded by this, never by the BAR. 0 when the
 * node has none. */
static uint64_t channel_size(const char *dev)
{
    char path[256];
    unsigned char b[8];
    snprintf(path, sizeof(path), PCI_DEVICES "/%s/of_node/hvcfg,size", dev);
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return 0;
    ssize_t got = read(fd, b, sizeof(b));
    close(fd);
    if (got != (ssize_t)sizeof(b))
        return 0;
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | b[i];
    return v;
}

static int is_ivshmem(const char *dev)
{
    return sysfs_hex(dev, "vendor") == IVSHMEM_VENDOR_ID &&
           sysfs_hex(dev, "device") == IVSHMEM_DEVICE_ID;
}

static uint64_t bar_size(const char *dev, int bar)
{
    char path[256], buf[1024];
    snprintf(path, sizeof(path), PCI_DEVICES "/%s/resource", dev);
    if (read_file(path, buf, sizeof(buf)) < 0)
        return 0;
    char *line = buf;
    for (int i = 0; i < bar && line; i++)
        line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL;
    unsigned long long start, end;
    if (!line || sscanf(line, "%llx %llx", &start, &end) != 2 || end <= start)
        return 0;
    return end - start + 1;
}

/* The uio device of the function: its number, -1 when it has none (no doorbell in). */
static int uio_of(const char *dev)
{
    char path[256];
    snprintf(path, sizeof(path), PCI_DEVICES "/%s/uio", dev);
    DIR *d = opendir(path);
    int n = -1;
    if (!d)
        return -1;
    for (struct dirent *e; (e = readdir(d));)
        if (!strncmp(e->d_name, "uio", 3))
            n = atoi(e->d_name + 3);
    closedir(d);
    return n;
}

static void intx_unmask(struct chan *c)
{
    uint16_t cmd;
    (void)c->regs[IVSHMEM_INTR_STATUS / 4];        /* read clears it */
    if (pread(c->cfg, &cmd, 2, PCI_COMMAND) != 2)
        die("%s: reading the command register", c->name);
    cmd &= (uint16_t)~PCI_COMMAND_INTX_DISABLE;
    if (pwrite(c->cfg, &cmd, 2, PCI_COMMAND) != 2)
        die("%s: writing the command register", c->name);
}

static int open_chan(const char *name, struct chan *c, int writable)
{
    DIR *d = opendir(PCI_DEVICES);
    if (!d)
        die("%s", PCI_DEVICES);
    memset(c, 0, sizeof(*c));
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.' || !is_ivshmem(e->d_name))
            continue;
        channel_name(e->d_name, c->name, sizeof(c->name));
        if (strcmp(c->name, name) == 0) {
            snprintf(c->dev, sizeof(c->dev), "%s", e->d_name);
            break;
        }
    }
    closedir(d);
    if (!c->dev[0]) {
        errno = 0;
        die("no channel named '%s' (hvchan list)", name);
    }
    uio_setup();
    c->bar = bar_size(c->dev, IVSHMEM_BAR_MEM);
    c->size = channel_size(c->dev);
    if (c->size == 0)           /* a device tree from an hvcfg before hvcfg,size: the BAR's */
        c->size = c->bar;
    if (c->size > c->bar || c->size < 4096) {
        errno = 0;
        die("%s: the channel size in the device tree (hvcfg,size) does not fit its BAR", name);
    }
    c->mem = map(c->dev, "resource2", c->bar, PROT_READ | (writable ? PROT_WRITE : 0));
    c->regs = map(c->dev, "resource0", 4096, PROT_READ | PROT_WRITE);
    char path[256];
    snprintf(path, sizeof(path), PCI_DEVICES "/%s/config", c->dev);
    c->cfg = open(path, O_RDWR);
    if (c->cfg < 0)
        die("%s", path);
    c->regs[IVSHMEM_INTR_MASK / 4] = 1;
    c->uio = -1;
    int n = uio_of(c->dev);
    if (n >= 0) {
        snprintf(path, sizeof(path), "/dev/uio%d", n);
        c->uio = open(path, O_RDWR);
        if (c->uio < 0)
            die("%s", path);
        intx_unmask(c);
    }
    return 0;
}

/* Wait for a doorbell (ms < 0: forever). 1: rang, 0: timeout. */
static int wait_doorbell(struct chan *c, int ms)
{
    if (c->uio < 0) {
        errno = 0;
        die("%s: no doorbell toward this end", c->name);
    }
    struct pollfd p = {.fd = c->uio, .events = POLLIN};
    int r = poll(&p, 1, ms);
    if (r < 0)
        die("%s: poll", c->name);
    if (r == 0)
        return 0;
    uint32_t count;
    if (read(c->uio, &count, 4) != 4)
        die("%s: read", c->name);
    intx_unmask(c);
    return 1;
}

static void ring(struct chan *c)
{
    c->regs[IVSHMEM_DOORBELL / 4] = 1;
}

static uint32_t load_acquire(volatile uint8_t *mem, size_t off)
{
    return __atomic_load_n((volatile uint32_t *)(mem + off), __ATOMIC_ACQUIRE);
}

static void store_release(volatile uint8_t *mem, size_t off, uint32_t v)
{
    __atomic_store_n((volatile uint32_t *)(mem + off), v, __ATOMIC_RELEASE);
}

static uint64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The resource2 mapping is Device memory (Linux maps BARs so): only aligned 32-bit accesses. */
static void copy_out(volatile uint8_t *dst, const char *src, size_t n)
{
    for (size_t i = 0; i < n; i += 4) {
        uint32_t w = 0;
        memcpy(&w, src + i, n - i < 4 ? n - i : 4);
        *(volatile uint32_t *)(dst + i) = w;
    }
}

static void copy_in(char *dst, volatile const uint8_t *src, size_t n)
{
    for (size_t i = 0; i < n; i += 4) {
        uint32_t w = *(volatile const uint32_t *)(src + i);
        memcpy(dst + i, &w, n - i < 4 ? n - i : 4);
    }
}

static int cmd_list(void)
{
    DIR *d = opendir(PCI_DEVICES);
    if (!d)
        die("%s", PCI_DEVICES);
    uio_setup();
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.' || !is_ivshmem(e->d_name))
            continue;
        char name[64];
        channel_name(e->d_name, name, sizeof(name));
        volatile uint32_t *regs = map(e->d_name, "resource0", 4096, PROT_READ);
        printf("%s %s size 0x%llx end %u generation %u peer %u uio %d\n", name, e->d_name,
               (unsigned long long)bar_size(e->d_name, IVSHMEM_BAR_MEM),
               regs[IVSHMEM_IV_POSITION / 4], regs[IVSHMEM_GENERATION / 4],
               regs[IVSHMEM_PEER_GENERATION / 4], uio_of(e->d_name));
        munmap((void *)regs, 4096);
    }
    closedir(d);
    return 0;
}

static int cmd_send(const char *name, const char *text)
{
    struct chan c;
    open_chan(name, &c, 1);
    size_t n = strlen(text), max = c.size - sizeof(struct hvchan_msg) - 4;
    if (n > max)
        n = max;
    uint32_t seq = load_acquire(c.mem, 0) + 1;
    copy_out(c.mem + sizeof(struct hvchan_msg), text, n + 1);
    store_release(c.mem, 4, (uint32_t)n);
    store_release(c.mem, 0, seq);
    ring(&c);
    printf("%s: sent %u bytes, seq %u\n", name, (unsigned)n, seq);
    return 0;
}

static int cmd_recv(const char *name, int ms)
{
    struct chan c;
    open_chan(name, &c, 0);
    uint32_t seen = load_acquire(c.mem, 0);
    for (;;) {
        if (!wait_doorbell(&c, ms)) {
            fprintf(stderr, "hvchan: %s: timeout\n", name);
            return 2;
        }
        uint32_t seq = load_acquire(c.mem, 0);
        if (seq == seen)
            continue;
        uint32_t len = load_acquire(c.mem, 4);
        if (len > c.size - sizeof(struct hvchan_msg) - 4)
            len = (uint32_t)(c.size - sizeof(struct hvchan_msg) - 4);  /* a hostile peer */
        char *buf = calloc(1, len + 4);
        copy_in(buf, c.mem + sizeof(struct hvchan_msg), len);
        printf("%s: seq %u: %s\n", name, seq, buf);
        free(buf);
        return 0;
    }
}

static int cmd_ping(const char *req_name, const char *reply_name, int count)
{
    struct chan req, rep;
    open_chan(req_name, &req, 1);
    open_chan(reply_name, &rep, 0);
    uint64_t *rtt = calloc((size_t)count, sizeof(uint64_t));
    volatile struct chan_req *rq = (volatile struct chan_req *)req.mem;
    volatile struct chan_reply *rp = (volatile struct chan_reply *)rep.mem;
    for (int i = 0; i < count; i++) {
        uint32_t seq = rq->seq + 1, value = (uint32_t)(1000 + i);
        uint64_t t0 = now_ns();
        rq->value = value;
        __atomic_store_n(&rq->seq, seq, __ATOMIC_RELEASE);
        ring(&req);
        while (__atomic_load_n(&rp->seq, __ATOMIC_ACQUIRE) != seq)
            if (!wait_doorbell(&rep, TIMEOUT_MS)) {
                fprintf(stderr, "hvchan: %s: no answer to request %u\n", req_name, seq);
                return 2;
            }
        rtt[i] = now_ns() - t0;
        uint32_t result = rp->result;
        if (count <= 10 || i == count - 1)
            printf("ping %s: request %u value %u -> answer %u (%s) %llu us\n", req_name, seq,
                   value, result, result == chan_answer(value) ? "ok" : "WRONG",
                   (unsigned long long)(rtt[i] / 1000));
        if (result != chan_answer(value))
            return 1;
    }
    qsort(rtt, (size_t)count, sizeof(uint64_t), cmp_u64);
    printf("ping %s: %d round trips, median %llu.%03llu us, min %llu us, max %llu us\n", req_name,
           count, (unsigned long long)(rtt[count / 2] / 1000),
           (unsigned long long)(rtt[count / 2] % 1000), (unsigned long long)(rtt[0] / 1000),
           (unsigned long long)(rtt[count - 1] / 1000));
    return 0;
}

static int cmd_serve(const char *req_name, const char *reply_name, int count)
{
    struct chan req, rep;
    open_chan(req_name, &req, 0);
    open_chan(reply_name, &rep, 1);
    volatile struct chan_req *rq = (volatile struct chan_req *)req.mem;
    volatile struct chan_reply *rp = (volatile struct chan_reply *)rep.mem;
    uint32_t last = __atomic_load_n(&rq->seq, __ATOMIC_ACQUIRE);
    for (int served = 0; served < count;) {
        uint32_t seq = __atomic_load_n(&rq->seq, __ATOMIC_ACQUIRE);
        if (seq == last) {
            if (!wait_doorbell(&req, TIMEOUT_MS))
                return 2;
            continue;
        }
        last = seq;
        rp->result = chan_answer(rq->value);
        __atomic_store_n(&rp->seq, seq, __ATOMIC_RELEASE);
        ring(&rep);
        served++;
    }
    printf("serve %s: %d requests answered\n", req_name, count);
    return 0;
}

static int cmd_dump(const char *name, int words)
{
    struct chan c;
    open_chan(name, &c, 0);
    if ((uint64_t)words * 4 > c.size)
        words = (int)(c.size / 4);
    printf("%s:", name);
    for (int i = 0; i < words; i++)
        printf(" %u", ((volatile uint32_t *)c.mem)[i]);
    printf("\n");
    return 0;
}

static int cmd_poke(const char *name, unsigned long off, unsigned long value)
{
    struct chan c;
    open_chan(name, &c, 1);
    if (off > c.size - 4 || (off & 3)) {
        errno = 0;
        die("offset out of the channel: %s", name);
    }
    printf("%s: storing %lu at offset %lu\n", name, value, off);
    fflush(stdout);
    *(volatile uint32_t *)(c.mem + off) = (uint32_t)value;
    printf("%s: stored\n", name);
    return 0;
}

int main(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : "";
    setvbuf(stdout, NULL, _IOLBF, 0);

    if (!strcmp(cmd, "list"))
        return cmd_list();
    if (!strcmp(cmd, "send") && argc == 4)
        return cmd_send(argv[2], argv[3]);
    if (!strcmp(cmd, "recv") && (argc == 3 || argc == 4))
        return cmd_recv(argv[2], argc == 4 ? atoi(argv[3]) : -1);
    if ((!strcmp(cmd, "ping") || !strcmp(cmd, "serve")) && argc >= 3 && argc <= 5) {
        const char *reply = argc >= 4 ? argv[3] : "reply";
        int count = argc == 5 ? atoi(argv[4]) : 1;
        if (count < 1)
            count = 1;
        return cmd[0] == 'p' ? cmd_ping(argv[2], reply, count) : cmd_serve(argv[2], reply, count);
    }
    if (!strcmp(cmd, "dump") && (argc == 3 || argc == 4))
        return cmd_dump(argv[2], argc == 4 ? atoi(argv[3]) : 4);
    if (!strcmp(cmd, "poke") && argc == 5)
        return cmd_poke(argv[2], strtoul(argv[3], NULL, 0), strtoul(argv[4], NULL, 0));
    if (!strcmp(cmd, "ring") && (argc == 3 || argc == 4)) {
        struct chan c;
        long n = argc == 4 ? atol(argv[3]) : 1;
        open_chan(argv[2], &c, 0);
        for (long i = 0; i < n; i++)
            ring(&c);
        printf("%s: rang %ld time(s)\n", argv[2], n);
        return 0;
    }
    fprintf(stderr, "usage: hvchan list | send NAME TEXT | recv NAME [MS] | ping REQ [REPLY] "
                    "[COUNT] | serve REQ [REPLY] [COUNT] | dump NAME [WORDS] | poke NAME OFF VAL "
                    "| ring NAME [COUNT]\n");
    return 1;
}
