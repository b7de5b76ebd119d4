"""``viterbo atlas summary``: counts, certified fraction and the largest systolic ratios of an atlas."""

from __future__ import annotations

import pandas as pd

__all__ = ["summary_tables", "format_summary"]


def summary_tables(df: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Per family and per (family, vertex count): rows, certified fraction, max/median sys, median seconds.

    Returns
    -------
    dict
        ``"by_family"``, ``"by_vertices"`` and ``"uncertified"`` (reason -> count) tables.
    """
    def agg(g: pd.DataFrame) -> pd.Series:
        cert = g[g.certified]
        return pd.Series({"rows": len(g), "certified": float(g.certified.mean()) if len(g) else float("nan"),
                          "max_sys": cert.systolic_ratio.max() if len(cert) else float("nan"),
                          "median_sys": cert.systolic_ratio.median() if len(cert) else float("nan"),
                          "median_s": g.seconds.median()})

    by_family = df.groupby("family").apply(agg, include_groups=False)
    by_vertices = df.groupby(["family", "n_vertices"]).apply(agg, include_groups=False)
    bad = df[~df.certified]
    reasons = (bad.reason.fillna("(no reason)").str.slice(0, 120).value_counts().rename("rows").to_frame()
               if len(bad) else pd.DataFrame({"rows": []}))
    return {"by_family": by_family, "by_vertices": by_vertices, "uncertified": reasons}


def format_summary(df: pd.DataFrame, path: str = "") -> str:
    """The text ``viterbo atlas summary`` prints."""
    t = summary_tables(df)
    lines = [f"{path}: {len(df)} polytope(s), {int(df.certified.sum())} certified "
             f"({df.certified.mean():.1%})" if len(df) else f"{path}: empty atlas"]
    if not len(df):
        return lines[0]
    if "systolic_ratio" in df and df.certified.any():
        best = df[df.certified].sort_values("systolic_ratio", ascending=False).iloc[0]
        lines.append(f"largest certified systolic ratio: {best.systolic_ratio:.10f} (family {best.family}, "
                     f"index {best['index']}, {best.n_vertices} vertices, {best.n_facets} facets, {best.method})")
    fmt = {"certified": "{:.1%}".format, "max_sys": "{:.6f}".format, "median_sys": "{:.6f}".format,
           "median_s": "{:.4f}".format, "rows": "{:.0f}".format}
    lines += ["", "by family:", t["by_family"].to_string(formatters=fmt)]
    lines += ["", "by family and vertex count:", t["by_vertices"].to_string(formatters=fmt)]
    if len(t["uncertified"]):
        lines += ["", "uncertified rows by reason:", t["uncertified"].to_string()]
    return "\n".join(lines)
