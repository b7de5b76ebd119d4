"""Turning what callers pass (lists, numpy arrays, torch tensors) into finite float64 arrays.

torch is never imported here: a tensor can only exist if the caller imported torch already.
Every refusal is a PolytopeError that names the problem and the fix.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from ..errors import PolytopeError

__all__ = ["to_numpy", "torch_module"]


def torch_module():
    import torch  # deferred: torch costs seconds to import and no computation needs it

    return torch


def is_tensor(data: Any) -> bool:
    torch = sys.modules.get("torch")  # a tensor exists only if torch was imported by the caller
    return torch is not None and isinstance(data, torch.Tensor)


def to_numpy(data: Any, who: str, name: str) -> tuple[np.ndarray, str]:
    """A finite float64 array from a list, numpy array or torch tensor, and the device to answer on."""
    device = "cpu"
    if is_tensor(data):
        device = str(data.device)
        if data.device.type == "meta":
            raise PolytopeError(f"{who}: {name} is a torch tensor on the 'meta' device, which holds no values. "
                                "Create it on a real device (e.g. torch.tensor(..., device='cpu')).")
        if data.is_complex():
            raise PolytopeError(f"{who}: {name} is a complex tensor; coordinates must be real. Pass "
                                "(q, p) = (z.real, z.imag) as separate real coordinates.")
        arr = data.detach().to("cpu").double().numpy()
    else:
        try:
            raw = np.asarray(data)
            if raw.dtype.kind == "c":
                raise PolytopeError(f"{who}: {name} holds complex numbers; coordinates must be real. Pass "
                                    "(q, p) = (z.real, z.imag) as separate real coordinates.")
            if raw.dtype.kind not in "biuf":
                raise TypeError(f"entries of type {raw.dtype}")
            arr = raw.astype(np.float64)
        except PolytopeError:
            raise
        except OverflowError as exc:
            raise PolytopeError(f"{who}: {name} has entries too large for float64 (|x| > 1.8e308): {exc}. "
                                "Rescale the input (capacity scales as t^2 under x -> t x).") from exc
        except (TypeError, ValueError) as exc:
            try:  # lists of Python ints beyond float64 come in as objects
                arr = np.asarray(data, dtype=np.float64)
            except OverflowError as exc2:
                raise PolytopeError(f"{who}: {name} has entries too large for float64 (|x| > 1.8e308). "
                                    "Rescale the input (capacity scales as t^2 under x -> t x).") from exc2
            except (TypeError, ValueError):
                raise PolytopeError(
                    f"{who}: {name} must be an array of real numbers (list, numpy array or torch tensor); "
                    f"could not convert it ({exc})."
                ) from exc
    if not np.all(np.isfinite(arr)):
        bad = int((~np.isfinite(arr)).sum())
        raise PolytopeError(
            f"{who}: {name} contains {bad} NaN or infinite entr{'y' if bad == 1 else 'ies'}; "
            "every coordinate must be a finite number. Remove or repair those rows."
        )
    return np.ascontiguousarray(arr), device
