"""Serving a profile with snakeviz: the command to type, or a managed subprocess (:func:`start_snakeviz`)."""

from __future__ import annotations

import atexit
import importlib.util
import shlex
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

__all__ = ["snakeviz_command", "free_port", "SnakevizServer", "start_snakeviz"]


def _snakeviz_program(for_display: bool) -> list[str]:
    # Show the short `snakeviz` when it is on PATH; launch through this interpreter when it can import
    # snakeviz, so a pyenv shim or another environment's script is never the one that runs.
    if for_display and shutil.which("snakeviz"):
        return ["snakeviz"]
    if not for_display and importlib.util.find_spec("snakeviz") is not None:
        return [sys.executable, "-m", "snakeviz"]
    exe = shutil.which("snakeviz")
    return [exe] if exe else [sys.executable, "-m", "snakeviz"]


def _snakeviz_argv(path: str | Path, port: int, host: str, for_display: bool) -> list[str]:
    return _snakeviz_program(for_display) + ["-s", "-H", host, "-p", str(port), str(path)]


def snakeviz_command(path: str | Path, port: int = 8080, host: str = "127.0.0.1") -> str:
    """The shell command that serves ``path`` in snakeviz without opening a browser.

    Examples
    --------
    >>> snakeviz_command("a.prof", 8123).endswith("-s -H 127.0.0.1 -p 8123 a.prof")
    True
    """
    return shlex.join(_snakeviz_argv(path, port, host, for_display=True))


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port on ``host`` that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


@dataclass
class SnakevizServer:
    """A running ``snakeviz`` process serving one profile; :meth:`stop` ends it (also at exit)."""

    process: subprocess.Popen
    url: str
    path: Path

    def running(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout: float = 5.0) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=timeout)


def _wait_for_port(host: str, port: int, process: subprocess.Popen, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            with socket.create_connection((host, port), timeout=0.2):
                return True
        except OSError:
            time.sleep(0.1)
    return False


def start_snakeviz(path: str | Path, port: int | None = None, host: str = "127.0.0.1",
                   timeout: float = 15.0) -> SnakevizServer:
    """Serve ``path`` with snakeviz on ``host:port`` in a subprocess and wait until it answers.

    Raises
    ------
    FileNotFoundError
        ``path`` does not exist.
    RuntimeError
        snakeviz exited or did not listen within ``timeout`` seconds (its output is quoted).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"start_snakeviz: no profile at {path}; run a profile first.")
    port = port or free_port(host)
    cmd = _snakeviz_argv(path, port, host, for_display=False)
    process = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    server = SnakevizServer(process=process, url=f"http://{host}:{port}/snakeviz/{urllib.parse.quote(str(path.resolve()), safe='')}", path=path)
    if not _wait_for_port(host, port, process, timeout):
        server.stop()
        output = process.stdout.read() if process.stdout else ""
        raise RuntimeError(f"start_snakeviz: `{shlex.join(cmd)}` did not start listening on {host}:{port} "
                           f"within {timeout:g} s; output: {output.strip()[:500]!r}. Is snakeviz installed "
                           "(pip install snakeviz)?")
    atexit.register(server.stop)
    return server
