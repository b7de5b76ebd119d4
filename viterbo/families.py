"""Built-in polytopes (re-exported from :mod:`viterbo.geometry.families`)."""

from .geometry.families import *  # noqa: F401,F403
from .geometry.families import __all__  # noqa: F401
