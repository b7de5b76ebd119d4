"""Display logic for the marimo notebooks (``notebooks/``): which polytope, what to show, in which words.

The notebooks only lay out what these functions return; everything here is plain, tested library
code on top of the public API.  Frames are pandas DataFrames (pandas is a dev extra, imported lazily).
The method registry is read in :mod:`._methods` only.
"""

from ._certification import *  # noqa: F401,F403
from ._certification import __all__ as _certification_all
from ._counterexample import *  # noqa: F401,F403
from ._counterexample import __all__ as _counterexample_all
from ._counters import *  # noqa: F401,F403
from ._counters import __all__ as _counters_all
from ._format import *  # noqa: F401,F403
from ._format import __all__ as _format_all
from ._input import *  # noqa: F401,F403
from ._input import __all__ as _input_all
from ._methods import *  # noqa: F401,F403
from ._methods import __all__ as _methods_all
from ._pictures import *  # noqa: F401,F403
from ._pictures import __all__ as _pictures_all
from ._runs import *  # noqa: F401,F403
from ._runs import __all__ as _runs_all
from ._trends import *  # noqa: F401,F403
from ._trends import __all__ as _trends_all

__all__ = [*_certification_all, *_counterexample_all, *_counters_all, *_format_all, *_input_all, *_methods_all,
           *_pictures_all, *_runs_all, *_trends_all]
