"""Crash-point exploration: run a `pipeline` command against the emulators, SIGKILL it at
every request boundary in turn (request 1, 2, ... N of the YouTube emulator: its answer held
after the request was carried out, or held before anything was done), run it again to
completion, and check what the world looks like after each.

The commands run in processes forked from one that imported `pipeline.cli` once
(multiprocessing's fork server), so that a crash point costs two forks, not two interpreter
starts of ~2 s each. Each process runs the real command line (`pipeline.cli.main`) with its own
environment, working folder and output file, and is killed with SIGKILL like any other."""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from tests.emulators.youtube import YouTubeEmulator

_CONTEXT = multiprocessing.get_context("forkserver")
_CONTEXT.set_forkserver_preload(["pipeline.cli"])


def _run_cli(args: list[str], env: dict[str, str], cwd: str, output: str) -> None:
    """In the forked process: the command line as `python -m pipeline ARGS` would run it."""
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    from pipeline.cli import main

    main(args)


@dataclass
class Finished:
    code: int | None
    output: str


class ForkedCli:
    """Starts `pipeline` commands in fresh forked processes."""

    def __init__(self, env: dict[str, str], cwd: Path):
        self.env = {**os.environ, "PYTHONUNBUFFERED": "1", **env}
        self.cwd = cwd
        self.runs = 0

    def start(self, *args: str) -> tuple[multiprocessing.process.BaseProcess, Path]:
        self.runs += 1
        output = self.cwd / f"run-{self.runs}.log"
        proc = _CONTEXT.Process(
            target=_run_cli, args=(list(args), self.env, str(self.cwd), str(output)), daemon=True
        )
        proc.start()
        return proc, output

    def run(self, *args: str, timeout: float = 300) -> Finished:
        """Run to the end (killed after `timeout`). Returns the exit code and the output."""
        proc, output = self.start(*args)
        proc.join(timeout)
        if proc.is_alive():
            proc.kill()
            proc.join()
        return Finished(proc.exitcode, output.read_text(errors="replace"))


class World(Protocol):
    youtube: YouTubeEmulator
    cli: ForkedCli

    def stop(self) -> None: ...


@dataclass
class CrashPoint:
    n: int
    carried_out: bool
    #: the request that was held, or why the run never got there
    request: str = ""
    #: the killed run ended by itself before request n (it needs fewer requests this time)
    ended_early: bool = False


@dataclass
class Exploration:
    requests: int = 0
    points: list[CrashPoint] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self, what: str) -> str:
        killed = sum(not p.ended_early for p in self.points)
        return (
            f"{what}: {len(self.points)} crash points explored over {self.requests} requests "
            f"({killed} killed mid-request) in {self.seconds:.1f} s"
        )


def _first_of(hold_reached: threading.Event, proc, timeout: float) -> bool:
    """Wait until the held request arrived or the process ended. True if the former."""
    either = threading.Event()

    def on_exit() -> None:
        proc.join(timeout)
        either.set()

    def on_hold() -> None:
        hold_reached.wait(timeout)
        either.set()

    for target in (on_exit, on_hold):
        threading.Thread(target=target, daemon=True).start()
    either.wait(timeout)
    return hold_reached.is_set()


@contextmanager
def _world(make_world: Callable[[], Any]) -> Iterator[Any]:
    world = make_world()
    try:
        yield world
    finally:
        world.stop()


def explore(
    make_world: Callable[[], World],
    args: tuple[str, ...],
    check: Callable[[World, str], None],
    *,
    modes: tuple[bool, ...] = (True, False),
    timeout: float = 300,
) -> Exploration:
    """Run `args` once undisturbed to learn its request count N and check the result; then,
    for every k in 1..N and every mode, kill a run at request k in a fresh world, rerun to
    completion and `check(world, label)`. Returns what was explored."""
    started = time.monotonic()
    result = Exploration()
    with _world(make_world) as world:
        done = world.cli.run(*args, timeout=timeout)
        assert done.code == 0, f"undisturbed run failed ({done.code}):\n{done.output}"
        check(world, "undisturbed run")
        result.requests = world.youtube.requests_seen
    for n in range(1, result.requests + 1):
        for carried_out in modes:
            point = CrashPoint(n, carried_out)
            with _world(make_world) as world:
                hold = world.youtube.hold_request(n, carried_out=carried_out)
                proc, output = world.cli.start(*args)
                if _first_of(hold.reached, proc, timeout):
                    proc.kill()
                    proc.join()
                    point.request = hold.describe()
                else:
                    proc.join()
                    point.ended_early = True
                    point.request = f"request {n} never came (exit {proc.exitcode})"
                hold.release.set()
                label = f"killed at {point.request}"
                rerun = world.cli.run(*args, timeout=timeout)
                assert rerun.code == 0, (
                    f"rerun after being {label} failed ({rerun.code}):\n{rerun.output}\n"
                    f"killed run said:\n{output.read_text(errors='replace')}"
                )
                check(world, label)
            result.points.append(point)
    result.seconds = time.monotonic() - started
    return result
