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
    """One sentence on what a spectrum claims: whether the list is complete, and which orbits were re-checked.

    "Certified" is a claim about a list (nothing below the cap is missing: ``Spectrum.complete``);
    each orbit carries ``verified`` (it was rebuilt and re-checked as a closed characteristic).
    """
    listed = list(orbits)
    complete = bool(getattr(orbits, "complete", True))
    unverified = sum(not o.verified for o in listed)
    if complete:
        head = ("The list is complete: every orbit through the interiors of 2-faces (Type 1) below the caps is "
                "listed (the search domains are closed, nothing was lost to rounding).")
    else:
        head = ("The list may be incomplete: "
                + round_numbers_in(str(getattr(orbits, "reason", None) or "the search did not say why")) + ".")
    if not listed:
        return head + " No orbit below the action cap."
    tail = (f" All {len(listed)} orbits passed the independent re-check." if not unverified else
            f" {unverified} of {len(listed)} orbits did not pass the independent re-check (column 'verified').")
    return head + tail
