"""Profiling and lever sweeps: the notebooks and ``viterbo profile`` are thin clients of these functions.

* :mod:`~viterbo.profiling.profile`: a capacity computation under cProfile, written to
  ``.profiles/<polytope>-<method>-<timestamp>.prof``, and its top functions;
* :mod:`~viterbo.profiling.snakeviz`: the command that serves a profile, or a managed snakeviz process;
* :mod:`~viterbo.profiling.sweep`: one method under every lever combination of its registry row,
  tabulated (time, work counters, value; the value must not depend on the levers: they only prune).
"""

from .profile import (PROFILE_DIR, ProfileError, ProfileRun, format_top, profile_call, profile_capacity,
                      profile_path, resolve_method, top_functions, writable_folder)
from .snakeviz import SnakevizServer, free_port, snakeviz_command, start_snakeviz
from .sweep import (WORK_COUNTERS, lever_defaults, lever_grid, lever_sweep, sweep_disagreement, sweep_summary,
                    work_counter)

__all__ = ["PROFILE_DIR", "ProfileRun", "ProfileError", "profile_path", "profile_call", "profile_capacity",
           "writable_folder", "top_functions", "format_top", "snakeviz_command", "free_port", "SnakevizServer",
           "start_snakeviz", "resolve_method", "lever_defaults", "lever_grid", "WORK_COUNTERS", "work_counter",
           "lever_sweep", "sweep_summary", "sweep_disagreement"]
