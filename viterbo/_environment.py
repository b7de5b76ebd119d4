"""Facts about the machine and the software stack, recorded beside every timing.

A timing means little without the machine, the versions and the build that
produced it; snapshots and benchmark folds stamp each row with these facts so
that trends compare like with like.  Everything here is cheap and cached.
"""

from __future__ import annotations

import functools
import os
import platform
import socket
import subprocess
from pathlib import Path

__all__ = ["environment", "machine_id", "git_commit", "cpu_model"]

_PACKAGE_DIR = Path(__file__).resolve().parent


def machine_id() -> str:
    """A name for this machine: ``VITERBO_MACHINE_ID`` if set, else the hostname.

    Set ``VITERBO_MACHINE_ID`` on machines whose hostname changes between runs
    (containers, CI runners), so that week-to-week comparisons line up.
    """
    override = os.environ.get("VITERBO_MACHINE_ID", "").strip()
    return override or socket.gethostname() or "unknown"


@functools.lru_cache(maxsize=1)
def git_commit() -> str:
    """The commit of the viterbo checkout in use, ``-dirty`` appended for local changes.

    Returns ``"unknown"`` when viterbo is not imported from a git checkout
    (an installed wheel) or git is not available.
    """
    repo = _PACKAGE_DIR.parent
    try:
        top = subprocess.run(["git", "-C", str(repo), "rev-parse", "--show-toplevel"],
                             capture_output=True, text=True, timeout=10, check=True).stdout.strip()
        if Path(top).resolve() != repo:
            return "unknown"  # viterbo lives inside some other repository (e.g. site-packages in a repo)
        head = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"],
                              capture_output=True, text=True, timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(repo), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=30, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{head}-dirty" if dirty else head


@functools.lru_cache(maxsize=1)
def cpu_model() -> str:
    """The CPU's model name (``/proc/cpuinfo`` on Linux, ``platform.processor()`` elsewhere)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def _version(module: str) -> str:
    try:
        mod = __import__(module)
    except ImportError:
        return ""
    return str(getattr(mod, "__version__", ""))


def environment(*, dtype: str = "float64", device: str = "cpu") -> dict[str, str]:
    """The environment columns of a snapshot row.

    Parameters
    ----------
    dtype, device : str
        The tensor dtype and device the computation used.

    Returns
    -------
    dict of str to str
        ``viterbo_version``, ``git_commit``, ``python``, ``torch``, ``numpy``,
        ``scipy``, ``dtype``, ``device``, ``cpu``, ``cores``, ``native``
        (``"1"`` when the compiled kernels are in use, else ``"0"``) and
        ``machine`` (see :func:`machine_id`).

    Examples
    --------
    >>> env = environment()
    >>> env["dtype"], env["native"] in {"0", "1"}
    ('float64', True)
    """
    from . import __version__
    from ._native_support import native_available

    return {
        "viterbo_version": __version__,
        "git_commit": git_commit(),
        "python": platform.python_version(),
        "torch": _version("torch"),
        "numpy": _version("numpy"),
        "scipy": _version("scipy"),
        "dtype": dtype,
        "device": device,
        "cpu": cpu_model(),
        "cores": str(os.cpu_count() or ""),
        "native": "1" if native_available() else "0",
        "machine": machine_id(),
    }
