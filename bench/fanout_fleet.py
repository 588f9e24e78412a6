"""The fan-out benchmark's subscribers (a Node process, `bench/fanout_client/client.mjs`)
and what the benchmark reads of the processes it measures (CPU time, RSS).

The subscribers run in Node because 1,000 sockets in one Python process cost tens of
milliseconds per event on their own: the benchmark measured its client as much as the
server. The Node client's own CPU is reported beside every figure, so that the server's
share is visible.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

CLIENT_DIR = Path(__file__).resolve().parent / "fanout_client"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def ensure_client() -> None:
    """Installs the client's one dependency (`ws`) from its lock file when missing."""
    if shutil.which("node") is None:
        raise SystemExit("the fan-out benchmark's client needs Node.js (node) on the PATH")
    if not (CLIENT_DIR / "node_modules" / "ws").exists():
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=CLIENT_DIR,
            check=True,
        )


class Fleet:
    """Subscribers held by one Node process, driven by one JSON command per line."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self._process = process
        self.pid = process.pid

    @classmethod
    async def start(cls) -> Fleet:
        process = await asyncio.create_subprocess_exec(
            "node",
            str(CLIENT_DIR / "client.mjs"),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=64 * 1024 * 1024,  # a report of many events is one long line
        )
        return cls(process)

    async def command(self, **command: Any) -> dict[str, Any]:
        assert self._process.stdin is not None and self._process.stdout is not None
        self._process.stdin.write(json.dumps(command).encode() + b"\n")
        await self._process.stdin.drain()
        line = await self._process.stdout.readline()
        if not line:
            raise SystemExit("the Node subscriber client exited")
        answer = json.loads(line)
        if "error" in answer:
            raise SystemExit(f"the Node subscriber client failed: {answer['error']}")
        return answer

    async def open(
        self,
        url: str,
        query: str,
        operation: str,
        variables: dict[str, Any],
        count: int,
        tokens: list[str | None] | None = None,
    ) -> None:
        """`count` subscribers; the n-th signs in with `tokens[n]` when that is given."""
        await self.command(
            cmd="open",
            url=url,
            query=query,
            operationName=operation,
            variables=variables,
            count=count,
            tokens=tokens or [],
        )

    async def report(self) -> dict[str, Any]:
        return await self.command(cmd="report")

    async def reset(self) -> None:
        await self.command(cmd="reset")

    async def close(self) -> None:
        assert self._process.stdin is not None
        self._process.stdin.close()
        try:
            await asyncio.wait_for(self._process.wait(), 10)
        except TimeoutError:
            self._process.kill()
            await self._process.wait()


def listening_pid(port: int) -> int:
    """The process listening on a local TCP port (a daphne the benchmark started)."""
    output = subprocess.run(
        ["ss", "-Hltnp", f"sport = :{port}"], capture_output=True, text=True, check=True
    ).stdout
    found = re.search(r"pid=(\d+)", output)
    if found is None:
        raise SystemExit(f"no process listens on port {port}")
    return int(found.group(1))


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise SystemExit(f"no VmRSS for process {pid}")


class CpuMeter:
    """CPU used by each measured process between `start()` and `shares()`, as a share of
    one core over the wall time (1.0 = one core busy the whole time)."""

    def __init__(self, pids: dict[str, int], fleet: Fleet) -> None:
        self.pids = pids
        self.fleet = fleet

    async def start(self) -> None:
        self._wall = asyncio.get_running_loop().time()
        self._cpu = {name: cpu_seconds(pid) for name, pid in self.pids.items()}
        self._client = _client_seconds(await self.fleet.report())

    async def shares(self) -> dict[str, float]:
        wall = asyncio.get_running_loop().time() - self._wall
        shares = {
            name: round((cpu_seconds(pid) - self._cpu[name]) / wall, 2)
            for name, pid in self.pids.items()
        }
        shares["node client"] = round(
            (_client_seconds(await self.fleet.report()) - self._client) / wall, 2
        )
        return shares


def _client_seconds(report: dict[str, Any]) -> float:
    return (report["cpuMicros"]["user"] + report["cpuMicros"]["system"]) / 1e6
