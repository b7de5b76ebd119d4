"""trends.py: which slow-downs between weekly snapshots are worth a reader's attention."""

from __future__ import annotations

import math
from typing import Any

__all__ = ["NOISE_FLOOR_SECONDS", "regressions_past_noise", "regressions_for_display"]

#: Slow-downs smaller than this many seconds (median against median) are timing noise on these machines.
NOISE_FLOOR_SECONDS = 1e-3

_KEY = ("machine", "polytope", "method", "levers", "benchmark")


def regressions_past_noise(df, threshold: float = 0.25, floor_seconds: float = NOISE_FLOOR_SECONDS) -> tuple[Any, Any]:
    """Slow-downs since the previous week, split into regressions and noise.

    A configuration whose median grew by more than ``threshold`` (as
    :func:`viterbo.snapshot.find_regressions` finds them) is a regression only when also

    * the median grew by at least ``floor_seconds`` (an absolute minimum), and
    * the new fastest repeat is slower than the old slowest one (``seconds_min`` this week above
      ``seconds_max`` the previous week: the spread of the repeats does not explain it); rows
      without min and max (e.g. folded from elsewhere) skip this test.

    Parameters
    ----------
    df : pandas.DataFrame
        As returned by :func:`viterbo.snapshot.load_snapshots`.

    Returns
    -------
    (regressions, noise) : pandas.DataFrame, pandas.DataFrame
        The columns of ``find_regressions`` plus ``slower_by`` (seconds) and ``why`` (for noise:
        which test it failed, in words).
    """
    import pandas as pd

    from .. import snapshot

    candidates = snapshot.find_regressions(df, threshold=threshold)
    columns = [*candidates.columns, "slower_by", "why"]
    if candidates.empty:
        return pd.DataFrame(columns=columns), pd.DataFrame(columns=columns)
    ok = df[df["status"] == "ok"].sort_values(["week", "timestamp"])
    last = ok.groupby([*_KEY, "week"], sort=False).last()
    flagged, noise = [], []
    for row in candidates.to_dict("records"):
        key = tuple(row[k] for k in _KEY)
        new, old = last.loc[(*key, row["week"])], last.loc[(*key, row["previous_week"])]
        slower_by = float(row["seconds_median"] - row["previous_seconds_median"])
        reasons = []
        if slower_by < floor_seconds:
            reasons.append(f"slower by {slower_by * 1e3:.3g} ms, under the {floor_seconds * 1e3:.3g} ms floor")
        fastest_now, slowest_before = float(new["seconds_min"]), float(old["seconds_max"])
        known = not (math.isnan(fastest_now) or math.isnan(slowest_before))  # rows folded without min/max
        if known and not fastest_now > slowest_before:
            reasons.append("the repeats overlap (fastest now <= slowest before)")
        (noise if reasons else flagged).append({**row, "slower_by": slower_by, "why": "; ".join(reasons)})
    return pd.DataFrame(flagged, columns=columns), pd.DataFrame(noise, columns=columns)


def regressions_for_display(frame) -> Any:
    """A regressions (or noise) frame in five columns that fit the page, numbers rounded.

    Columns ``machine``, ``configuration`` (polytope | method | levers), ``weeks`` ("W47 -> W48"),
    ``median seconds`` ("1.2 ms -> 2.5 ms"), ``ratio``, plus ``why`` when present.
    """
    import pandas as pd

    from ._format import fmt_seconds

    rows = []
    for r in frame.to_dict("records"):
        config = " | ".join(str(r[k]) for k in ("polytope", "method", "levers") if r.get(k))
        if r.get("benchmark"):
            config += f" | {r['benchmark']}"
        row = {"machine": r["machine"], "configuration": config,
               "weeks": f"{str(r['previous_week'])[-3:]} -> {str(r['week'])[-3:]}",
               "median seconds": f"{fmt_seconds(r['previous_seconds_median'])} -> {fmt_seconds(r['seconds_median'])}",
               "ratio": f"{float(r['ratio']):.2f}x"}
        if "why" in r and r["why"]:
            row["why"] = r["why"]
        rows.append(row)
    columns = ["machine", "configuration", "weeks", "median seconds", "ratio"]
    if any("why" in r for r in rows):
        columns.append("why")
    return pd.DataFrame(rows, columns=columns)
