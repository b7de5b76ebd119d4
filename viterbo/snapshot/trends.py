"""Trends over the weekly CSVs (pandas): load every week, flag slowdowns and capacities that changed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..capacity.agreement import AGREEMENT_REL_TOL, values_agree
from .schema import COLUMNS, NUMERIC, WEEK_FILE
from .store import read_file

__all__ = ["load_snapshots", "configuration_label", "find_regressions", "find_capacity_changes",
           "REGRESSION_COLUMNS", "CAPACITY_CHANGE_COLUMNS"]

_CONFIG = ("polytope", "method", "levers", "benchmark")


def load_snapshots(folder: str | Path = "artefacts/snapshots"):
    """Every ``YYYY-Www.csv`` in ``folder`` as one pandas DataFrame over :data:`COLUMNS`.

    A missing or empty folder gives an empty frame with the same columns.
    Numeric columns are floats (NaN where empty); text columns are strings;
    a ``configuration`` column labels (polytope, method, levers, benchmark).
    Rows that cannot be read are left out and listed in ``df.attrs["problems"]``.
    """
    import pandas as pd

    p = Path(folder)
    files = sorted(f for f in p.glob("*.csv") if WEEK_FILE.match(f.name)) if p.is_dir() else []
    rows, problems = [], []
    for f in files:
        good, bad = read_file(f)
        problems.extend(bad)
        for r in good:
            if not r["week"]:
                r["week"] = f.stem
            rows.append(r)
    df = pd.DataFrame(rows, columns=list(COLUMNS)).astype(str)
    for c in NUMERIC:
        df[c] = pd.to_numeric(df[c], errors="coerce").astype(float)
    df["configuration"] = [configuration_label(r) for r in df[list(_CONFIG)].to_dict("records")]
    df.attrs["problems"] = problems
    return df


def configuration_label(row: dict[str, Any]) -> str:
    """``"polytope | method | levers"``, plus ``" | benchmark"`` for benchmark rows."""
    parts = [str(row.get("polytope", "")), str(row.get("method", "")), str(row.get("levers", ""))]
    if row.get("benchmark"):
        parts.append(str(row["benchmark"]))
    return " | ".join(parts)


REGRESSION_COLUMNS = ("machine", "polytope", "method", "levers", "benchmark", "week", "previous_week",
                      "seconds_median", "previous_seconds_median", "ratio")
CAPACITY_CHANGE_COLUMNS = ("polytope", "method", "levers", "benchmark", "week", "machine", "capacity",
                           "previous_week", "previous_machine", "previous_capacity", "rel_change")


def find_regressions(df, threshold: float = 0.25):
    """Configurations whose median seconds grew by more than ``threshold`` since their previous week.

    Compares each ``ok`` row with the latest earlier week holding the same
    (polytope, method, levers, benchmark) on the same machine.

    Parameters
    ----------
    df : pandas.DataFrame
        As returned by :func:`load_snapshots`.
    threshold : float
        0.25 flags a median more than 25% slower.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`REGRESSION_COLUMNS`, one row per regression, ``ratio`` = new / old median.
    """
    import pandas as pd

    flagged = []
    if len(df):
        ok = df[(df["status"] == "ok") & (df["seconds_median"] > 0)]
        ok = ok.sort_values(["week", "timestamp"])
        for _, group in ok.groupby(["machine", *_CONFIG], sort=True):
            per_week = group.groupby("week", sort=True).last()
            previous = None
            for week, row in per_week.iterrows():
                if previous is not None:
                    ratio = row["seconds_median"] / previous[1]["seconds_median"]
                    if ratio > 1.0 + threshold:
                        flagged.append({"machine": row["machine"], "polytope": row["polytope"],
                                        "method": row["method"], "levers": row["levers"],
                                        "benchmark": row["benchmark"], "week": week,
                                        "previous_week": previous[0], "seconds_median": row["seconds_median"],
                                        "previous_seconds_median": previous[1]["seconds_median"],
                                        "ratio": ratio})
                previous = (week, row)
    return pd.DataFrame(flagged, columns=list(REGRESSION_COLUMNS))


def find_capacity_changes(df, rel_tol: float = AGREEMENT_REL_TOL):
    """Computed capacities that changed: they never may.

    For each (polytope, method, levers, benchmark), rows with a capacity are
    taken in order of week and timestamp (all machines together); a row whose
    capacity differs by more than ``rel_tol`` (relative) from the row before
    it is flagged.  Disagreement between methods within a run is the
    ``disagree`` status instead.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`CAPACITY_CHANGE_COLUMNS`.
    """
    import pandas as pd

    flagged = []
    if len(df):
        valued = df[df["capacity"].notna() & df["status"].isin(["ok", "disagree"])]
        valued = valued.sort_values(["week", "timestamp", "machine"])
        for _, group in valued.groupby(list(_CONFIG), sort=True):
            previous = None
            for _, row in group.iterrows():
                if previous is not None and not values_agree(row["capacity"], previous["capacity"], rel_tol):
                    change = abs(row["capacity"] - previous["capacity"]) / max(abs(row["capacity"]),
                                                                               abs(previous["capacity"]))
                    flagged.append({"polytope": row["polytope"], "method": row["method"],
                                    "levers": row["levers"], "benchmark": row["benchmark"],
                                    "week": row["week"], "machine": row["machine"],
                                    "capacity": row["capacity"], "previous_week": previous["week"],
                                    "previous_machine": previous["machine"],
                                    "previous_capacity": previous["capacity"], "rel_change": change})
                previous = row
    return pd.DataFrame(flagged, columns=list(CAPACITY_CHANGE_COLUMNS))
