"""Loading the compiled extension ``viterbo._native``.

The extension is an implementation detail of the methods: callers ask
:func:`native_available` which path is in use, and ``VITERBO_PURE_PYTHON=1``
forces the pure-Python reference everywhere (parity tests and debugging).
``VITERBO_REQUIRE_NATIVE=1`` (set by CI) turns every silent fallback to the
reference into a :class:`~viterbo.errors.NativeExtensionError`.

A method with a compiled kernel takes ``implementation=None | "native" | "python"``
and asks :func:`kernel_module` which path to run; it records the path that ran
as ``result.stats["implementation"]``.
"""

from __future__ import annotations

import os
from types import ModuleType

from .errors import LeverError, NativeExtensionError

#: Values of a method's ``implementation`` keyword (None: the compiled kernel when available).
IMPLEMENTATIONS: tuple[str, ...] = ("native", "python")

_IMPORT_ERROR: str | None = None
try:  # pragma: no cover - depends on the build
    from . import _native as _NATIVE_MODULE
except ImportError as exc:  # pragma: no cover - depends on the build
    _NATIVE_MODULE = None
    _IMPORT_ERROR = str(exc)


def pure_python_forced() -> bool:
    """True when the environment variable ``VITERBO_PURE_PYTHON`` is set to 1/true/yes."""
    return os.environ.get("VITERBO_PURE_PYTHON", "").strip().lower() in {"1", "true", "yes"}


def native_required() -> bool:
    """True when ``VITERBO_REQUIRE_NATIVE`` is 1/true/yes: no method may fall back to the reference silently."""
    return os.environ.get("VITERBO_REQUIRE_NATIVE", "").strip().lower() in {"1", "true", "yes"}


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


def check_implementation(implementation: str | None, what: str) -> str | None:
    """``implementation`` itself when it is None, "native" or "python"; otherwise a LeverError."""
    if implementation is None or implementation in IMPLEMENTATIONS:
        return implementation
    raise LeverError(f'{what}: implementation={implementation!r}; choose "native" (the compiled kernel), '
                     '"python" (the pure-Python reference) or None (native when available).')


def kernel_module(implementation: str | None, kernel: str, what: str) -> ModuleType | None:
    """The extension module when the compiled ``kernel`` is to run, None for the pure-Python reference.

    Parameters
    ----------
    implementation : {None, "native", "python"}
        None: the compiled kernel when the extension is in use and has ``kernel``, else the
        reference (unless ``VITERBO_REQUIRE_NATIVE=1``); "native": the compiled kernel or an error;
        "python": the reference.
    kernel : str
        Name of the function in ``viterbo._native`` (the registry's ``Method.kernel``).
    what : str
        Who asks, for the error message.

    Raises
    ------
    LeverError
        ``implementation`` is not one of the three values.
    NativeExtensionError
        "native" was asked for (or ``VITERBO_REQUIRE_NATIVE=1`` is set) and the kernel is not there.
    """
    if check_implementation(implementation, what) == "python":
        return None
    module = native_module()
    if module is not None and hasattr(module, kernel):
        return module
    if implementation == "native" or native_required():
        if module is not None:
            raise NativeExtensionError(f"{what} needs the compiled kernel viterbo._native.{kernel}, but the "
                                       "extension was built without it. Rebuild: "
                                       "pip install --no-build-isolation -e .")
        require_native(what)
    return None
