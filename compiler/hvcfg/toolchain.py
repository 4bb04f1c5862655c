# SPDX-License-Identifier: Apache-2.0
"""Every external program the compiler runs: the aarch64 cross toolchain and QEMU's DTB dump.

The hypervisor's flags (hyp/build.mk, through hypbuild) and parallel compilation. A compiler or
linker failure raises ToolFailed with the tool's output; the caller decides whose fault it is
(a partition's sources: E039 at their YAML key; the hypervisor's own: an internal error).
Nothing else in hvcfg starts a process.
"""
from __future__ import annotations

import hashlib
import heapq
import itertools
import os
import shutil
import subprocess
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from .diagnostics import ConfigError, error
from .hypbuild import HypBuild
from .model import BoardSpec, QemuSpec

CROSS_PREFIXES = ("aarch64-linux-gnu-", "aarch64-none-elf-", "aarch64-elf-")
QEMU = "qemu-system-aarch64"

@dataclass(frozen=True)
class Toolchain:
    prefix: str
    gcc_include: Path           # the compiler's own freestanding headers (stdint.h, stdarg.h)
    cflags: tuple[str, ...] = ()    # hyp/build.mk's CFLAGS and LDFLAGS (hypbuild.HypBuild)
    ldflags: tuple[str, ...] = ()

    def tool(self, name: str) -> str:
        return f"{self.prefix}{name}"


def find_toolchain(hyp: HypBuild | None = None) -> Toolchain:
    """The cross toolchain, with the flags of `hyp` (none: only for running nm, readelf...)."""
    candidates = [os.environ["HVCFG_CROSS"]] if os.environ.get("HVCFG_CROSS") else CROSS_PREFIXES
    for prefix in candidates:
        if shutil.which(f"{prefix}gcc"):
            inc = subprocess.run([f"{prefix}gcc", "-print-file-name=include"], check=True,
                                 capture_output=True, text=True).stdout.strip()
            return Toolchain(prefix, Path(inc), hyp.cflags if hyp else (),
                             hyp.ldflags if hyp else ())
    raise ConfigError(error("E039", "no aarch64 cross compiler found (tried "
                            + ", ".join(f"{p}gcc" for p in candidates) + ")", None,
                            "run scripts/bootstrap, or set HVCFG_CROSS to the tool prefix"))


class ToolFailed(Exception):
    """A compiler, linker or objcopy run failed; the message holds its output."""


def _run(cmd: list[str], what: str) -> str:
    """Run a tool; its output (warnings included) on success, ToolFailed otherwise."""
    proc = subprocess.run(cmd, capture_output=True, text=True)
    out = (proc.stdout + proc.stderr).strip()
    if proc.returncode != 0:
        raise ToolFailed(f"{what} failed:\n{out}")
    return out


URGENT, BACKGROUND = 0, 1      # job priorities: what the caller waits for, what can wait


class Jobs:
    """The tool processes of one hvcfg run, at most `workers` (os.cpu_count()) at a time,
    whoever submits them: the partitions' compilations and the hypervisor's share the cores.
    A free worker takes the URGENT job submitted first, then the BACKGROUND one. Leaving the
    `with` block drops the jobs not started and waits for the running ones, so that nothing
    writes into a directory the caller is about to remove."""

    def __init__(self, workers: int | None = None):
        self._queue: list[tuple[int, int, Future[str], Callable[[], str]]] = []
        self._order = itertools.count()
        self._cond = threading.Condition()
        self._closed = False
        self.workers = workers or os.cpu_count() or 2
        self._threads = [threading.Thread(target=self._work, daemon=True)
                         for _ in range(self.workers)]
        for t in self._threads:
            t.start()

    def submit(self, fn: Callable[[], str], priority: int = URGENT) -> Future[str]:
        fut: Future[str] = Future()
        with self._cond:
            if self._closed:
                raise RuntimeError("job pool closed")
            heapq.heappush(self._queue, (priority, next(self._order), fut, fn))
            self._cond.notify()
        return fut

    def run(self, cmd: list[str], what: str, priority: int = URGENT) -> Future[str]:
        return self.submit(lambda: _run(cmd, what), priority)

    def _work(self) -> None:
        while True:
            with self._cond:
                while not self._queue and not self._closed:
                    self._cond.wait()
                if not self._queue:
                    return
                _, _, fut, fn = heapq.heappop(self._queue)
            if fut.set_running_or_notify_cancel():
                try:
                    fut.set_result(fn())
                except BaseException as exc:   # handed to whoever waits for the job
                    fut.set_exception(exc)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            for _, _, fut, _ in self._queue:
                fut.cancel()
            self._queue.clear()
            self._cond.notify_all()
        for t in self._threads:
            t.join()

    def __enter__(self) -> Jobs:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


@dataclass
class Compilation:
    """Sources being compiled (by a Jobs pool) into `objs`, in source order."""

    objs: list[Path]
    pending: list[Future[str]] = field(default_factory=list)

    def wait(self) -> None:
        """Raise the failure of the first source (in source order) that did not compile."""
        for fut in self.pending:
            fut.result()


def start_compile(tc: Toolchain, jobs: Jobs, sources: list[Path], include_dirs: list[Path],
                  obj_dir: Path, defines: tuple[str, ...] = (), deps: bool = False,
                  priority: int = URGENT, first: int = 0) -> Compilation:
    """Submit one job a source (gcc compiles and assembles it in one run); `first` numbers
    the objects (NN-stem.o), so that objects of two batches into one directory never collide
    and the link order is the numbering. With `deps`, each object gets a make-style `.d` file
    listing the headers it read (see depfile_inputs)."""
    obj_dir.mkdir(parents=True, exist_ok=True)
    incs = ["-isystem", str(tc.gcc_include)] + [f"-I{d}" for d in include_dirs]
    dep = ["-MMD"] if deps else []
    out = Compilation([])
    for i, src in enumerate(sources, first):
        obj = obj_dir / f"{i:02d}-{src.stem}.o"
        out.objs.append(obj)
        out.pending.append(jobs.run([tc.tool("gcc"), *tc.cflags, *incs, *defines, *dep, "-c",
                                     str(src), "-o", str(obj)], f"compiling {src}", priority))
    return out


def link(tc: Toolchain, jobs: Jobs, objs: list[Path], linker_script: Path, elf: Path) -> str:
    """Link objects with the given script; the linker's warnings are returned."""
    return jobs.run([tc.tool("gcc"), *tc.ldflags, "-T", str(linker_script), *map(str, objs),
                     "-o", str(elf)], f"linking {elf.name}").result()


def compile_and_link(tc: Toolchain, jobs: Jobs, sources: list[Path], include_dirs: list[Path],
                     linker_script: Path, obj_dir: Path, elf: Path,
                     defines: tuple[str, ...] = (), deps: bool = False) -> str:
    """Compile sources side by side, then link them; the linker's warnings are returned."""
    comp = start_compile(tc, jobs, sources, include_dirs, obj_dir, defines, deps)
    comp.wait()
    return link(tc, jobs, comp.objs, linker_script, elf)


def depfile_inputs(obj_dir: Path) -> list[Path]:
    """Every file the `.d` files in obj_dir name (sources and the headers they included)."""
    out: set[Path] = set()
    for d in obj_dir.glob("*.d"):
        words = d.read_text().replace("\\\n", " ").split()
        out.update(Path(w) for w in words if not w.endswith(":"))
    return sorted(out)


def asm_offsets(tc: Toolchain, source: Path, include_dirs: list[Path], work: Path) -> str:
    """asm-offsets.h: `source` compiled to assembly, its DEFINE markers turned into #defines by
    the .sed file next to it (the same two steps as hyp/Makefile)."""
    work.mkdir(parents=True, exist_ok=True)
    asm = work / f"{source.stem}.s"
    _run([tc.tool("gcc"), *tc.cflags, "-isystem", str(tc.gcc_include),
          *(f"-I{d}" for d in include_dirs), "-S", str(source), "-o", str(asm)],
         f"compiling {source}")
    proc = subprocess.run(["sed", "-n", "-f", str(source.with_suffix(".sed")), str(asm)],
                          capture_output=True, text=True)
    if proc.returncode != 0 or "#define" not in proc.stdout:
        raise ToolFailed(f"no offsets from {source}:\n{proc.stderr.strip()}")
    return proc.stdout


def objcopy_binary(tc: Toolchain, elf: Path, out: Path, jobs: Jobs | None = None) -> None:
    cmd = [tc.tool("objcopy"), "-O", "binary", str(elf), str(out)]
    if jobs is None:
        _run(cmd, f"objcopy {elf.name}")
    else:
        jobs.run(cmd, f"objcopy {elf.name}").result()


def qemu_dtb_command(q: QemuSpec, out: Path) -> list[str]:
    cmd = [QEMU, "-M", f"{q.machine},dumpdtb={out}", "-smp", str(q.smp),
           "-m", f"{q.memory // (1024 * 1024)}M", "-display", "none", "-monitor", "none"]
    if q.cpu:
        cmd += ["-cpu", q.cpu]
    for _ in range(q.serials):
        cmd += ["-serial", "null"]
    return cmd


def ensure_dtb(spec: BoardSpec, cache_dir: Path) -> Path:
    """The board's DTB: the file named in the YAML, or QEMU's own dump, cached by options."""
    if spec.dtb is not None:
        return spec.dtb
    if spec.qemu is None:       # the schema asks for one of `file` and `qemu`
        raise RuntimeError(f"board '{spec.name}' has neither a DTB file nor a QEMU machine")
    key = hashlib.sha256(repr(qemu_dtb_command(spec.qemu, Path("x"))).encode()).hexdigest()[:16]
    out = cache_dir / f"{spec.name}-{key}.dtb"
    if out.exists():
        return out
    if shutil.which(QEMU) is None:
        raise ConfigError(error("E010", f"{QEMU} is needed to produce the DTB of board "
                                f"'{spec.name}' and is not installed", spec.pos,
                                "run scripts/bootstrap"))
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(f".tmp{os.getpid()}")
    proc = subprocess.run(qemu_dtb_command(spec.qemu, tmp), capture_output=True, text=True,
                          timeout=120)
    if proc.returncode != 0 or not tmp.exists():
        raise ConfigError(error("E010", f"QEMU could not produce the DTB for machine "
                                f"'{spec.qemu.machine}': {proc.stderr.strip()}", spec.pos,
                                "check board.devicetree.qemu (machine, cpu, smp, memory)"))
    tmp.replace(out)
    return out


def qemu_run_command(q: QemuSpec, kernel: Path, extra: tuple[str, ...] = (),
                     uart_sockets: list[Path] | None = None) -> list[str]:
    """Boot an image the way the board describes. The first UART (the hypervisor console) is
    on this terminal; each other one goes to a Unix socket of `uart_sockets` (serialrelay.py
    reads, filters and labels it), or nowhere: never raw onto the terminal. `signal=off`: Ctrl-C
    is a byte for the focused partition (a shell's), not QEMU's end; QEMU's mux takes only its
    escape, Ctrl-a (Ctrl-a x quits), so the hypervisor's focus key, Ctrl-], reaches it."""
    # Multi-threaded TCG, except under -icount (deterministic benchmarks), which needs one thread.
    thread = "single" if "-icount" in extra else "multi"
    cmd = [QEMU, "-M", q.machine, "-smp", str(q.smp), "-m", f"{q.memory // (1024 * 1024)}M",
           "-display", "none", "-monitor", "none", "-no-reboot",
           "-accel", f"tcg,thread={thread}",
           "-chardev", "stdio,id=console,mux=on,signal=off"]
    if q.cpu:
        cmd += ["-cpu", q.cpu]
    cmd += ["-serial", "chardev:console"]
    for n in range(1, max(q.serials, 1)):
        if uart_sockets is None:
            cmd += ["-serial", "null"]
        else:
            cmd += ["-chardev", f"socket,id=uart{n},path={uart_sockets[n - 1]},server=off",
                    "-serial", f"chardev:uart{n}"]
    return cmd + ["-kernel", str(kernel), *extra]


DTC = "dtc"


def dtb_to_dts(blob: bytes) -> str:
    """DTS text of a flattened device tree, by `dtc -I dtb -O dts` (E039 if dtc fails)."""
    if shutil.which(DTC) is None:
        raise ConfigError(error("E039", f"{DTC} is needed to print a device tree and is not "
                                "installed", None, "run scripts/bootstrap (device-tree-compiler)"))
    proc = subprocess.run([DTC, "-I", "dtb", "-O", "dts", "-o", "-", "-"], input=blob,
                          capture_output=True, timeout=60)
    if proc.returncode != 0:
        raise ConfigError(error("E039", "dtc could not read the device tree:\n"
                                + proc.stderr.decode(errors="replace").strip(), None))
    return proc.stdout.decode()
