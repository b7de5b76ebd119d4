"""method="reeb" and the Reeb-orbit spectrum: the Chaidez–Hutchings search on 4D symplectic polytopes.

Modules: flow_graph (2-faces, charts, transfer maps, domains), rotation
(Sp(2) classes, the lift tracker, c_F), orbit_fit (fixed points, one-shot
reconstruction, validation), search_reference (pure-Python search),
method (registration, result assembly), spectrum (ReebOrbit, spectrum()).
Spec: docs/math/reeb-dynamics-4d.md.
"""

from .method import reeb_capacity, why_not_reeb
from .spectrum import ReebOrbit, Spectrum, spectrum

__all__ = ["reeb_capacity", "why_not_reeb", "ReebOrbit", "Spectrum", "spectrum"]
