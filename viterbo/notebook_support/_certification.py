"""What "certified" means for a result or a spectrum, in the notebooks' words (one place to adapt)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..geometry.polytope import Polytope
from ._format import fmt_number, round_numbers_in
from ._methods import settling_methods

__all__ = ["CertificationView", "certification_view", "spectrum_certification"]


@dataclass(frozen=True)
class CertificationView:
    """How to show a capacity result's certification.

    ``settle_with`` lists the exact methods that apply to K and could prove the value (empty when
    certified, or when none applies).
    """

    certified: bool
    label: str
    kind: str
    sentence: str
    settle_with: tuple[str, ...] = ()


def certification_view(result: Any, K: Polytope) -> CertificationView:
    """The certification of ``result`` in plain words, and which methods could settle it when it is open.

    A verified witness is a closed characteristic of K with action ``value``, so c_EHZ(K) <= value
    always; certification is the proof that no shorter one exists.
    """
    if result.certified:
        return CertificationView(True, "proved", "success",
                                 f'"{result.method}" proved that no closed characteristic is shorter than the '
                                 "witness, so this value is c_EHZ(K).")
    value = fmt_number(result.value)
    reason = round_numbers_in(str(result.reason or "the method gave no reason"))
    settle = tuple(settling_methods(K, exclude=result.method))
    if settle:
        todo = f'Click below to re-check with "{settle[0]}", which can prove or correct it.'
    else:
        todo = ("No other exact method applies to this polytope (each one's reason is in the methods table), "
                "so this stays an upper bound; a polytope with at most 24 facets can be settled by haim_kislev.")
    sentence = (f"The witness is a genuine closed characteristic (it passed the independent re-check), so "
                f"c_EHZ(K) <= {value}. What is not proved is that no shorter one exists: {reason}. {todo}")
    return CertificationView(False, "upper bound", "warn", sentence, settle)


def spectrum_certification(orbits) -> str:
    """One sentence on which orbits of a spectrum are certified (each orbit carries its own flag)."""
    orbits = list(orbits)
    if not orbits:
        return "No orbit below the action cap."
    open_ = [o for o in orbits if not o.certified]
    if not open_:
        return f"All {len(orbits)} orbits are certified (none touches the edges or vertices of K)."
    return (f"{len(open_)} of {len(orbits)} orbits touch the edges or vertices of K within tolerance (column "
            "'certified'): they are closed orbits the search found, but orbits through edges and vertices (Type 2) "
            "are not searched exhaustively, so near them the list may be incomplete.")
