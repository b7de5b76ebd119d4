"""Loading the compiled extension ``viterbo._native``.

The extension is an implementation detail of the methods: callers ask
:func:`native_available` which path is in use, and ``VITERBO_PURE_PYTHON=1``
forces the pure-Python reference everywhere (parity tests and debugging).
"""

from __future__ import annotations

import os
from types import ModuleType

from .errors import NativeExtensionError

_IMPORT_ERROR: str | None = None
try:  # pragma: no cover - depends on the build
    from . import _native as _NATIVE_MODULE
except ImportError as exc:  # pragma: no cover - depends on the build
    _NATIVE_MODULE = None
    _IMPORT_ERROR = str(exc)


def pure_python_forced() -> bool:
    """True when the environment variable ``VITERBO_PURE_PYTHON`` is set to 1/true/yes."""
    return os.environ.get("VITERBO_PURE_PYTHON", "").strip().lower() in {"1", "true", "yes"}


def native_available() -> bool:
    """Whether the compiled kernels are in use.

    Returns
    -------
    bool
        False when the extension failed to build or import, or when
        ``VITERBO_PURE_PYTHON=1`` forces the pure-Python reference path.

    Examples
    --------
    >>> import viterbo
    >>> isinstance(viterbo.native_available(), bool)
    True
    """
    return _NATIVE_MODULE is not None and not pure_python_forced()


def native_module() -> ModuleType | None:
    """The extension module when it is in use, else None (pure-Python path)."""
    return _NATIVE_MODULE if native_available() else None


def require_native(what: str) -> ModuleType:
    """Return the extension, or raise a clear error naming ``what`` needed it."""
    module = native_module()
    if module is None:
        if pure_python_forced():
            reason = "VITERBO_PURE_PYTHON=1 is set"
        else:
            reason = f"the extension failed to import ({_IMPORT_ERROR})"
        raise NativeExtensionError(
            f"{what} needs the compiled extension viterbo._native, but {reason}. "
            "Reinstall with a C++17 compiler present: "
            "pip install -c constraints.txt -e '.[dev]'"
        )
    return module
