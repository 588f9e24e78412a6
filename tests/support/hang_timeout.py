"""pytest-timeout's timer for this suite: a hung test is named, and an async one fails
alone instead of ending the run.

pytest-timeout's "thread" method dumps every thread's stack and ends the process. For an
asyncio test that dump shows only the event loop waiting in `select()`: the coroutine that
hangs is suspended, so no thread's stack holds it, and the test's name is nowhere near the
end of the output. This timer, when a test passes `timeout`:

1. writes the test's id;
2. if an event loop runs the test in the main thread, prints every task's stack from inside
   that loop, then cancels the test's task: the test fails with `CancelledError` and the
   run goes on;
3. if the test has not ended `CANCEL_GRACE_SECONDS` later (a sync test, or a loop blocked
   in a sync call), dumps every thread's stack and ends the process like pytest-timeout,
   with the test's id as the last line.

Uses pytest-timeout's public hooks (`pytest_timeout_set_timer`/`cancel_timer`).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import threading
import types

import pytest

CANCEL_GRACE_SECONDS = 20.0


def _test_task(main_thread_frame: types.FrameType | None) -> asyncio.Task | None:
    """The task the main thread's event loop is running to completion, if any."""
    frame = main_thread_frame
    while frame is not None:
        loop = frame.f_locals.get("self")
        if frame.f_code.co_name == "run_until_complete" and isinstance(
            loop, asyncio.AbstractEventLoop
        ):
            future = frame.f_locals.get("future")
            return future if isinstance(future, asyncio.Task) else None
        frame = frame.f_back
    return None


def _tasks_stacks_then_cancel(
    task: asyncio.Task, nodeid: str, report: list[str], recorded: threading.Event
) -> None:
    """Runs inside the test's loop: records every task's stack, then cancels the test."""
    report.extend(_await_chain(each) for each in asyncio.all_tasks(task.get_loop()))
    recorded.set()
    task.cancel(msg=f"timed out: {nodeid}")


def _await_chain(task: asyncio.Task) -> str:
    """Where a task waits: its coroutine, and what each coroutine awaits, down to the
    future (`Task.print_stack` shows only the outermost frame of a suspended task)."""
    lines = [f"{task!r}\n"]
    awaited: object = task.get_coro()
    while awaited is not None:
        frame = getattr(awaited, "cr_frame", None) or getattr(awaited, "gi_frame", None)
        if frame is None:
            lines.append(f"  waiting on {awaited!r}\n")
            break
        lines.append(f'  File "{frame.f_code.co_filename}", line {frame.f_lineno}, in ')
        lines.append(f"{frame.f_code.co_name}\n")
        awaited = getattr(awaited, "cr_await", None) or getattr(awaited, "gi_yieldfrom", None)
    return "".join(lines)


class _HangTimer:
    def __init__(self, item: pytest.Item, timeout: float) -> None:
        self.item = item
        self.ended = threading.Event()
        self.thread = threading.Thread(
            target=self._watch, args=(timeout,), name=f"hang timer {item.nodeid}", daemon=True
        )

    def start(self) -> None:
        self.thread.start()

    def cancel(self) -> None:
        self.ended.set()
        self.thread.join()

    def _watch(self, timeout: float) -> None:
        if self.ended.wait(timeout):
            return
        nodeid = self.item.nodeid
        self._write(f"Timeout: {nodeid} ran past {timeout:g} s", "")
        main_frame = sys._current_frames().get(threading.main_thread().ident)
        task = _test_task(main_frame)
        if task is not None:
            report: list[str] = []
            recorded = threading.Event()
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                task.get_loop().call_soon_threadsafe(
                    _tasks_stacks_then_cancel, task, nodeid, report, recorded
                )
            if recorded.wait(CANCEL_GRACE_SECONDS):
                self._write(f"asyncio tasks of {nodeid} (cancelled now)", "".join(report))
            if self.ended.wait(CANCEL_GRACE_SECONDS):
                return
        self._end_process(nodeid)

    def _write(self, title: str, text: str) -> None:
        """Writes past pytest's capture of fd 1 and 2, as pytest-timeout does."""
        capture = self.item.config.pluginmanager.getplugin("capturemanager")
        if capture:
            capture.suspend_global_capture(in_=True)
        try:
            terminal = self.item.config.get_terminal_writer()
            terminal.line()
            terminal.sep("+", title=title)
            if text:
                terminal.write(text)
            terminal.flush()
        finally:
            if capture:
                capture.resume_global_capture()

    def _end_process(self, nodeid: str) -> None:
        from pytest_timeout import dump_stacks

        capture = self.item.config.pluginmanager.getplugin("capturemanager")
        if capture:
            capture.suspend_global_capture(in_=True)
        terminal = self.item.config.get_terminal_writer()
        try:
            dump_stacks(terminal)
        finally:
            terminal.sep("+", title=f"Timeout: {nodeid} did not end; the run stops here")
            terminal.flush()
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(1)


@pytest.hookimpl(tryfirst=True)
def pytest_timeout_set_timer(item: pytest.Item, settings) -> bool:
    if not settings.timeout:
        return True
    timer = _HangTimer(item, settings.timeout)
    item.stash[_timer_key] = timer
    timer.start()
    return True


@pytest.hookimpl(tryfirst=True)
def pytest_timeout_cancel_timer(item: pytest.Item) -> bool:
    timer = item.stash.get(_timer_key, None)
    if timer is not None:
        timer.cancel()
        del item.stash[_timer_key]
    return True


_timer_key = pytest.StashKey[_HangTimer]()
