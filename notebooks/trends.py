import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium")


@app.cell
def _():
    import os
    from pathlib import Path

    import altair as alt
    import marimo as mo

    from viterbo import snapshot as snap

    alt.data_transformers.disable_max_rows()
    return Path, alt, mo, os, snap


@app.cell(hide_code=True)
def _(mo):
    mo.md(r"""
    # Trends: weekly snapshots and benchmarks

    Every CSV in `artefacts/snapshots/` (one per ISO week, written by `viterbo snapshot`
    or folded from pytest-benchmark by `viterbo snapshot --from-benchmarks`) is read here.
    The plot shows the median seconds of each configuration (polytope | method | levers)
    week by week, one panel per machine. Below it: **regressions** (a median more than 25%
    slower than the previous week on the same machine) and **capacity changes** (a computed
    capacity must never change). The checks live in `viterbo.snapshot`
    (`find_regressions`, `find_capacity_changes`); see docs/performance.md.
    """)
    return


@app.cell
def _(Path, mo, os):
    # Where the snapshots are: `-- --snapshots DIR` on the command line, then
    # VITERBO_SNAPSHOTS_DIR, then artefacts/snapshots next to this notebook's folder.
    _arg = mo.cli_args().get("snapshots")
    _env = os.environ.get("VITERBO_SNAPSHOTS_DIR")
    if _arg:
        snapshots_dir = Path(str(_arg))
    elif _env:
        snapshots_dir = Path(_env)
    else:
        snapshots_dir = (mo.notebook_dir() or Path.cwd()) / ".." / "artefacts" / "snapshots"
    snapshots_dir = snapshots_dir.resolve()
    return (snapshots_dir,)


@app.cell
def _(mo, snap):
    export_roster = mo.ui.dropdown(options=snap.roster_names(), value="smoke", label="roster")
    export_button = mo.ui.run_button(label="Export snapshot")
    return export_button, export_roster


@app.cell
def _(export_button, export_roster, mo, snap, snapshots_dir):
    # Runs only when the button is pressed; the load cell below depends on
    # export_note, so a fresh export is read back at once.
    if export_button.value:
        with mo.status.spinner(title=f"Running the {export_roster.value} roster ..."):
            _rows = snap.collect_rows(export_roster.value)
            _path = snap.write_rows(_rows, snapshots_dir)
        _counts = snap.summarize(_rows)
        export_note = f"Wrote {len(_rows)} row(s) to `{_path}`: " + ", ".join(
            f"{_k} {_v}" for _k, _v in _counts.items()
        )
    else:
        export_note = "No export in this session."
    return (export_note,)


@app.cell
def _(export_note, mo, snap, snapshots_dir):
    trends = snap.load_snapshots(snapshots_dir)
    if trends.empty:
        _msg = (
            f"**No snapshots yet** in `{snapshots_dir}` (the folder is missing or holds no "
            "`YYYY-Www.csv`). Run `viterbo snapshot` (or the export button at the bottom) to write one."
        )
    else:
        _msg = (
            f"Read **{len(trends)} row(s)** from **{trends['week'].nunique()} week(s)** "
            f"({', '.join(sorted(trends['week'].unique()))}) on "
            f"**{trends['machine'].nunique()} machine(s)** in `{snapshots_dir}`."
        )
    mo.md(_msg + f"\n\n_{export_note}_")
    return (trends,)


@app.cell
def _(mo, trends):
    method_filter = mo.ui.multiselect(options=sorted(trends["method"].unique()), label="methods (none = all)")
    machine_filter = mo.ui.multiselect(options=sorted(trends["machine"].unique()), label="machines (none = all)")
    polytope_filter = mo.ui.multiselect(options=sorted(trends["polytope"].unique()), label="polytopes (none = all)")
    mo.hstack([method_filter, machine_filter, polytope_filter], justify="start") if len(trends) else None
    return machine_filter, method_filter, polytope_filter


@app.cell
def _(machine_filter, method_filter, polytope_filter, trends):
    _keep = (trends["status"] == "ok") & (trends["seconds_median"] > 0)
    if method_filter.value:
        _keep &= trends["method"].isin(method_filter.value)
    if machine_filter.value:
        _keep &= trends["machine"].isin(machine_filter.value)
    if polytope_filter.value:
        _keep &= trends["polytope"].isin(polytope_filter.value)
    timings = trends[_keep]
    return (timings,)


@app.cell
def _(alt, mo, timings):
    if timings.empty:
        _out = mo.md("Nothing to plot: no `ok` rows with timings (for the current filters).")
    else:
        _chart = (
            alt.Chart(timings)
            .mark_line(point=True)
            .encode(
                x=alt.X("week:O", title="ISO week"),
                y=alt.Y("seconds_median:Q", scale=alt.Scale(type="log"), title="median seconds (log)"),
                color=alt.Color("configuration:N", legend=alt.Legend(labelLimit=500, columns=1)),
                tooltip=["week", "machine", "polytope", "method", "levers", "benchmark", "seconds_min",
                         "seconds_median", "seconds_max", "repeats", "nodes", "pruned", "capacity",
                         "git_commit"],
            )
            .properties(width=520, height=260)
            .facet(row=alt.Row("machine:N", title="machine"))
        )
        _out = _chart
    _out
    return


@app.cell
def _(mo, snap, trends):
    regressions = snap.find_regressions(trends)
    capacity_changes = snap.find_capacity_changes(trends)
    _problems = trends[trends["status"].isin(["disagree", "error"])]
    _parts = [mo.md("## Regressions (median > 1.25 x the previous week, same machine)")]
    _parts.append(mo.ui.table(regressions, selection=None) if len(regressions) else mo.md("None."))
    _parts.append(mo.md("## Capacity changes (must never happen)"))
    _parts.append(mo.ui.table(capacity_changes, selection=None) if len(capacity_changes) else mo.md("None."))
    _parts.append(mo.md("## Rows with status disagree or error"))
    _parts.append(
        mo.ui.table(_problems[["week", "machine", "polytope", "method", "levers", "status", "note"]],
                    selection=None)
        if len(_problems)
        else mo.md("None.")
    )
    mo.vstack(_parts)
    return


@app.cell(hide_code=True)
def _(export_button, export_roster, mo, snapshots_dir):
    mo.vstack([
        mo.md(
            f"## Export snapshot\n\nRuns the chosen roster through every applicable method and lever "
            f"combination and merges the rows into this week's CSV in `{snapshots_dir}` "
            "(the `deep` roster takes long)."
        ),
        mo.hstack([export_roster, export_button], justify="start"),
    ])
    return


if __name__ == "__main__":
    app.run()
