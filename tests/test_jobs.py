# SPDX-License-Identifier: Apache-2.0
"""toolchain.Jobs, the pool every tool run of a build goes through: it runs as many jobs at
once as it has workers (the cores), urgent ones first, and leaves nothing running after it."""
from __future__ import annotations

import threading
from pathlib import Path

import pytest

from hvcfg import pipeline, toolchain
from hvcfg.diagnostics import ConfigError


def test_runs_as_many_jobs_at_once_as_it_has_workers():
    with toolchain.Jobs(workers=3) as jobs:
        together = threading.Barrier(3, timeout=30)     # passes only with 3 jobs running
        running = threading.Semaphore(3)                # never a 4th at a time
        over: list[str] = []

        def job() -> str:
            if not running.acquire(blocking=False):
                over.append("a fourth job ran alongside three")
            together.wait()
            running.release()
            return "ok"
        futures = [jobs.submit(job) for _ in range(6)]
        assert [f.result(timeout=60) for f in futures] == ["ok"] * 6
    assert over == []


def test_default_workers_is_the_cores():
    with toolchain.Jobs() as jobs:
        assert jobs.workers == (toolchain.os.cpu_count() or 2)


def test_urgent_jobs_overtake_background_ones():
    order: list[str] = []
    gate = threading.Event()
    with toolchain.Jobs(workers=1) as jobs:
        first = jobs.submit(lambda: str(gate.wait(30)))   # holds the only worker
        later = [jobs.submit(lambda n=n: order.append(n) or n, toolchain.BACKGROUND)
                 for n in ("b1", "b2")]
        urgent = jobs.submit(lambda: order.append("u") or "u")
        gate.set()
        for f in [first, urgent, *later]:
            f.result(timeout=30)
    assert order == ["u", "b1", "b2"]


def test_leaving_drops_queued_jobs_and_waits_for_running_ones():
    started, gate = threading.Event(), threading.Event()
    done: list[str] = []

    def slow() -> str:
        started.set()
        gate.wait(30)
        done.append("ran")
        return "x"
    with pytest.raises(RuntimeError, match="boom"):
        with toolchain.Jobs(workers=1) as jobs:
            running = jobs.submit(slow)
            queued = jobs.submit(lambda: done.append("queued") or "y")
            assert started.wait(30)
            threading.Timer(0.2, gate.set).start()
            raise RuntimeError("boom")
    assert done == ["ran"] and running.done() and queued.cancelled()


def test_a_failed_tool_is_reported_by_the_first_source_in_order(tmp_path):
    tc = toolchain.find_toolchain()
    bad = [tmp_path / "a.c", tmp_path / "b.c"]
    bad[0].write_text("int a = ;\n")
    bad[1].write_text("int b = ;\n")
    with toolchain.Jobs() as jobs:
        comp = toolchain.start_compile(tc, jobs, bad, [], tmp_path / "obj")
        with pytest.raises(toolchain.ToolFailed, match=r"compiling .*a\.c"):
            comp.wait()


def test_a_partition_that_does_not_compile_stops_the_build_and_leaves_nothing(tmp_path,
                                                                              monkeypatch):
    """The hypervisor's sources are compiling in the background when the partition's fail:
    the build reports E039 at the YAML key, waits for the running jobs and removes its
    staging directory; build/ holds no output, only the caches."""
    board = Path(__file__).resolve().parent / "negative/e039-sources-do-not-compile.yaml"
    started: list[Path] = []
    start = pipeline.HypCompile.start

    def record(tc, jobs, system, staging):
        started.append(staging)
        return start(tc, jobs, system, staging)
    monkeypatch.setattr(pipeline.HypCompile, "start", staticmethod(record))
    with pytest.raises(ConfigError) as err:
        pipeline.build(board, tmp_path / "build")
    assert [(d.code, d.pos.line if d.pos else None) for d in err.value.diagnostics] == \
        [("E039", 13)]
    assert "broken.c" in str(err.value) and "Traceback" not in str(err.value)
    assert len(started) == 1            # the hypervisor had started compiling
    assert sorted(p.name for p in (tmp_path / "build").iterdir()) == [".cache"]
