import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="viterbo: trends")


@app.cell
def _():
    # Every import in one cell, first.
    import os
    from pathlib import Path

    import altair as alt
    import marimo as mo

    from viterbo import notebook_support as nbs
    from viterbo import snapshot as snap

    _transformers = alt.data_transformers.disable_max_rows()  # a roster has a few hundred rows per week
    return Path, alt, mo, nbs, os, snap


@app.cell(hide_code=True)
def _(mo):
    mo.md(r"""
    # Trends: weekly snapshots and benchmarks

    Every CSV in `artefacts/snapshots/` (one per ISO week, written by `viterbo snapshot`
    or folded from pytest-benchmark by `viterbo snapshot --from-benchmarks`) is read here.
    The charts show the median seconds of each configuration (polytope, method, levers) week by
    week, one panel per polytope, one colour per method. Below them: **regressions** (slower than the
    previous week on the same machine, past the noise floor), **capacity changes** (a computed capacity
    must never change) and rows whose status is not ok. See docs/performance.md.
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
    # Controls: snapshot export (shown at the bottom).
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
def _(mo):
    # The filters' choices, kept here so that re-reading the snapshots (after an export) keeps them.
    get_filters, set_filters = mo.state({"method": [], "machine": [], "polytope": []})
    return get_filters, set_filters


@app.cell
def _(get_filters, mo, set_filters, trends):
    # Controls: filters (their options follow the data; their choices survive a reload).
    def _keep(column):
        return lambda chosen: set_filters(lambda f: {**f, column: list(chosen)})

    def _filter(column, label):
        _options = sorted(trends[column].unique())
        return mo.ui.multiselect(options=_options, value=[v for v in get_filters()[column] if v in _options],
                                 label=label, on_change=_keep(column))

    method_filter = _filter("method", "methods (none = all)")
    machine_filter = _filter("machine", "machines (none = all)")
    polytope_filter = _filter("polytope", "polytopes (none = all)")
    _filters = mo.hstack([method_filter, machine_filter, polytope_filter], justify="start", wrap=True)
    _filters if len(trends) else mo.md("")
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
    # One panel per polytope (three per row), one colour per method; levers and benchmark in the tooltip.
    _tooltip = ["week", "machine", "polytope", "method", "levers", "benchmark",
                alt.Tooltip("seconds_min:Q", format=".3g"), alt.Tooltip("seconds_median:Q", format=".3g"),
                alt.Tooltip("seconds_max:Q", format=".3g"), "repeats", "nodes", "capacity", "git_commit"]
    if timings.empty:
        _out = mo.md("Nothing to plot: no `ok` rows with timings (for the current filters).")
    elif timings["week"].nunique() == 1:
        # One week: no trend yet; each configuration's median with its min-max range.
        _base = alt.Chart(timings).encode(
            y=alt.Y("configuration:N", title=None, sort=alt.EncodingSortField("seconds_median", order="descending"),
                    axis=alt.Axis(labelLimit=320)))
        _range = _base.mark_rule().encode(x=alt.X("seconds_min:Q", scale=alt.Scale(type="log"),
                                                  axis=alt.Axis(format="~s", tickCount=6),
                                                  title="seconds (log): min, median, max"), x2="seconds_max:Q")
        _dots = _base.mark_point(filled=True, size=60).encode(
            x="seconds_median:Q", color=alt.Color("method:N", legend=alt.Legend(orient="top")), tooltip=_tooltip)
        _out = mo.vstack([
            mo.md(f"Only week {timings['week'].iloc[0]} so far: each configuration's seconds (a trend appears "
                  "from the second week)."),
            (_range + _dots).properties(width=420, height=alt.Step(14)).facet(
                row=alt.Row("machine:N", title="machine")).resolve_scale(y="independent"),
        ])
    else:
        _out = (
            alt.Chart(timings)
            .mark_line(point=True)
            .encode(
                x=alt.X("week:O", title="ISO week", axis=alt.Axis(labelAngle=0, labelExpr="slice(datum.label, 5)")),
                y=alt.Y("seconds_median:Q", scale=alt.Scale(type="log"), axis=alt.Axis(format="~s", tickCount=5),
                        title="median seconds (log)"),
                color=alt.Color("method:N", legend=alt.Legend(orient="top")),
                detail=["levers:N", "benchmark:N", "machine:N"],
                strokeDash=alt.StrokeDash("machine:N", legend=alt.Legend(orient="top")),
                tooltip=_tooltip,
            )
            .properties(width=240, height=160)
            .facet(facet=alt.Facet("polytope:N", title=None), columns=3)
        )
    _out
    return


@app.cell
def _(mo):
    # Controls: the noise floor below which a slow-down is not called a regression.
    floor_ms = mo.ui.number(start=0.0, stop=10_000.0, step=0.5, value=1.0,
                            label="ignore slow-downs smaller than (ms)")
    floor_ms
    return (floor_ms,)


@app.cell
def _(floor_ms, mo, nbs, snap, trends):
    regressions, noise = nbs.regressions_past_noise(trends, floor_seconds=float(floor_ms.value) / 1e3)
    capacity_changes = snap.find_capacity_changes(trends)
    _problems = trends[trends["status"].isin(["disagree", "error", "timeout"])]

    def _table(frame):
        _shown = nbs.regressions_for_display(frame)
        return mo.ui.table(_shown, selection=None, show_column_summaries=False, show_data_types=False,
                           wrapped_columns=[c for c in ("configuration", "why") if c in _shown.columns])

    _parts = [mo.md(f"## Regressions\nA median more than 1.25 x the previous week's on the same machine, slower by "
                    f"at least {floor_ms.value:g} ms, with the fastest repeat slower than the previous week's "
                    "slowest.")]
    _parts.append(_table(regressions) if len(regressions) else mo.md("No regression."))
    if len(noise):
        _parts.append(mo.accordion({f"{len(noise)} slow-down(s) within the noise, not flagged": _table(noise)}))
    _parts.append(mo.md("## Capacity changes (must never happen)"))
    _parts.append(mo.ui.table(capacity_changes, selection=None) if len(capacity_changes) else
                  mo.md("No capacity changed."))
    _parts.append(mo.md("## Rows with status disagree, error or timeout"))
    _parts.append(mo.ui.table(_problems[["week", "machine", "polytope", "method", "levers", "status", "note"]],
                              selection=None, show_column_summaries=False, show_data_types=False,
                              wrapped_columns=["levers", "note"]) if len(_problems) else mo.md("Every row is ok."))
    mo.vstack(_parts)
    return


@app.cell(hide_code=True)
def _(export_button, export_roster, mo, snapshots_dir):
    mo.vstack([
        mo.md(
            f"## Export snapshot\n\nRuns the chosen roster through every applicable method and lever "
            f"combination and merges the rows into this week's CSV in `{snapshots_dir}` "
            "(the `deep` roster takes long). The filters above keep their choices."
        ),
        mo.hstack([export_roster, export_button], justify="start"),
    ])
    return


if __name__ == "__main__":
    app.run()
