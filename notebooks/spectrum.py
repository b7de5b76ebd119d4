import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="viterbo: capacity and Reeb spectrum")


@app.cell
def _():
    # Every import in one cell, first: later cells re-run without paying for torch again.
    import importlib
    import importlib.util
    from pathlib import Path

    import altair as alt
    import marimo as mo
    import pandas as pd

    import viterbo as vb
    from viterbo import notebook_support as nbs
    from viterbo import profiling
    from viterbo.errors import (MethodNotApplicableError, TimeBudgetExceededError, VerificationError,
                                ViterboError)

    return (MethodNotApplicableError, Path, TimeBudgetExceededError, VerificationError, ViterboError, alt,
            importlib, mo, nbs, pd, profiling, vb)


@app.cell(hide_code=True)
def _(mo):
    mo.md(r"""
    # Capacity, witness and Reeb spectrum of a 4D polytope

    Pick a polytope, pick the search levers, read off $c_{\mathrm{EHZ}}(K)$, the systolic ratio
    $c^2 / (2\,\mathrm{vol}(K))$, the witness closed characteristic and the short Reeb orbits.
    Every number comes from the public `viterbo` API and its witness is re-checked by
    `result.verify()`. Computations on polytopes with many facets wait for a click on **run**.
    """)
    return


@app.cell
def _(mo, nbs):
    # Controls: which polytope. Defaults can come from the command line
    # (`marimo run notebooks/spectrum.py -- --family cross_polytope --symplectic_seed 3`).
    _args = mo.cli_args()
    _labels = {name: label for label, name in nbs.FAMILY_CHOICES.items()}
    source = mo.ui.radio(options=["family", "paste vertices", "upload file"], value="family",
                         label="polytope from", inline=True)
    family = mo.ui.dropdown(options=nbs.FAMILY_CHOICES, value=_labels.get(str(_args.get("family", "cube")), "cube"),
                            label="family")
    hull_points = mo.ui.number(start=6, stop=400, step=1, value=20, label="random hull: points")
    hull_seed = mo.ui.number(start=0, stop=1_000_000, step=1, value=0, label="random hull: seed")
    symplectic = mo.ui.switch(value="symplectic_seed" in _args, label="move by a random symplectic map")
    symplectic_seed = mo.ui.number(start=0, stop=1_000_000, step=1, value=int(_args.get("symplectic_seed", 0)),
                                   label="symplectic map: seed")
    pasted = mo.ui.text_area(placeholder="one vertex per line, e.g.\n1, 0, 0, 0\n-1, 0, 0, 0\n...",
                             label="vertices (CSV rows or a JSON list)", full_width=True, rows=6)
    upload = mo.ui.file(filetypes=[".csv", ".json", ".txt"], label="upload vertices (CSV / JSON)")
    mo.vstack([
        source,
        mo.hstack([family, hull_points, hull_seed], justify="start"),
        mo.hstack([symplectic, symplectic_seed], justify="start"),
        mo.accordion({"paste or upload vertices": mo.vstack([pasted, upload])}),
    ])
    return family, hull_points, hull_seed, pasted, source, symplectic, symplectic_seed, upload


@app.cell
def _(Path, ViterboError, family, hull_points, hull_seed, mo, nbs, pasted, source, symplectic, symplectic_seed,
      upload, vb):
    # The polytope K (validated once, by the Polytope constructor).
    try:
        if source.value == "paste vertices":
            mo.stop(not pasted.value.strip(), mo.callout(mo.md("Paste vertices to continue."), kind="info"))
            _base = nbs.polytope_from_text(pasted.value, name="pasted")
        elif source.value == "upload file":
            mo.stop(not upload.value, mo.callout(mo.md("Upload a CSV or JSON file of vertices."), kind="info"))
            _base = nbs.polytope_from_text(upload.contents().decode("utf-8"), name=Path(upload.name()).stem)
        else:
            _base = nbs.build_polytope(family.value, n_points=int(hull_points.value), seed=int(hull_seed.value))
        K = vb.families.symplectic_image(_base, int(symplectic_seed.value)) if symplectic.value else _base
    except (ViterboError, UnicodeDecodeError) as _exc:
        mo.stop(True, mo.callout(mo.md(f"**Cannot build the polytope.** {_exc}"), kind="danger"))
    return (K,)


@app.cell
def _(K, mo, nbs, pd):
    # What K is: summary and which methods apply.
    _info = nbs.polytope_summary(K)
    _stats = [mo.stat(value=str(_info[k]), label=k) for k in ("facets", "vertices")]
    _stats.append(mo.stat(value=f"{_info['volume']:.6g}", label="volume"))
    _stats.append(mo.stat(value="yes" if _info["centrally symmetric"] else "no", label="symmetric"))
    if "Lagrangian 2-faces" in _info:
        _stats.append(mo.stat(value=f"{_info['Lagrangian 2-faces']} of {_info['2-faces']}",
                              label="Lagrangian 2-faces"))
    _methods = pd.DataFrame(nbs.method_table(K))
    mo.vstack([
        mo.md(f"### {_info['name']} in $\\mathbb{{R}}^{{{_info['dim']}}}$"),
        mo.hstack(_stats, justify="start"),
        mo.ui.table(_methods, selection=None, pagination=False, label="capacity methods on this polytope"),
    ])
    return


@app.cell
def _(mo, vb):
    # Controls: method and search levers (levers a method does not have are ignored for it).
    _args = mo.cli_args()
    facet_threshold = int(_args.get("facet_threshold", 30))
    method = mo.ui.dropdown(options=vb.method_names(), value="auto", label="method")
    # 2 suffices for c_EHZ (Chaidez-Hutchings, Cor 1.15); a smaller cap could report a non-minimal action.
    rotation_cap = mo.ui.slider(start=2.0, stop=4.0, step=0.25, value=2.0, label="rotation_cap", show_value=True)
    use_cF_budgets = mo.ui.switch(value=True, label="use_cF_budgets")
    use_memo = mo.ui.switch(value=True, label="use_memo")
    max_action = mo.ui.number(start=0.0, stop=1e6, step=0.1, value=0.0, label="spectrum max_action (0: default)")
    time_budget = mo.ui.number(start=1, stop=3600, step=1, value=60, label="time budget (s)")
    run = mo.ui.run_button(label=f"run (needed above {facet_threshold} facets)")
    mo.vstack([
        mo.md("### Levers"),
        mo.hstack([method, rotation_cap, use_cF_budgets, use_memo], justify="start"),
        mo.hstack([max_action, time_budget, run], justify="start"),
    ])
    return facet_threshold, max_action, method, rotation_cap, run, time_budget, use_cF_budgets, use_memo


@app.cell
def _(K, facet_threshold, mo, rotation_cap, run, use_cF_budgets, use_memo):
    # The gate shared by every search: small polytopes run at once, large ones on a click.
    mo.stop(K.n_facets > facet_threshold and not run.value,
            mo.callout(mo.md(f"K has {K.n_facets} facets (more than {facet_threshold}): "
                             "click **run** to compute."), kind="warn"))
    levers = {"rotation_cap": float(rotation_cap.value), "use_cF_budgets": bool(use_cF_budgets.value),
              "use_memo": bool(use_memo.value)}
    return (levers,)


@app.cell
def _(K, MethodNotApplicableError, TimeBudgetExceededError, VerificationError, levers, method, mo, nbs,
      time_budget, vb):
    # The capacity with its witness, re-checked by verify().
    try:
        method_used, levers_used = nbs.method_levers(K, method.value, levers)
        with mo.status.spinner(title=f'capacity(method="{method_used}") ...'):
            result = vb.capacity(K, method=method_used, time_budget=float(time_budget.value), **levers_used)
        result.verify()
    except MethodNotApplicableError as _exc:
        mo.stop(True, mo.callout(mo.md(f"**No capacity with this method.** {_exc}"), kind="warn"))
    except TimeBudgetExceededError as _exc:
        mo.stop(True, mo.callout(mo.md(f"**Out of time.** {_exc}"), kind="warn"))
    except VerificationError as _exc:
        mo.stop(True, mo.callout(mo.md(f"**The witness failed verification.** {_exc}"), kind="danger"))
    return levers_used, method_used, result


@app.cell
def _(K, alt, mo, nbs, result):
    # Result: capacity, systolic ratio, and the witness projected to the q- and p-planes.
    _head = mo.hstack([
        mo.stat(value=f"{result.value:.10g}", label="capacity c_EHZ"),
        mo.stat(value=f"{result.systolic_ratio():.10g}", label="systolic ratio"),
        mo.stat(value=result.method, label="method"),
        mo.stat(value=f"{float(result.stats.get('seconds', float('nan'))):.3g} s", label="time"),
        mo.stat(value="verified", label="witness"),
        mo.stat(value="yes" if result.certified else "no", label="certified"),
    ], justify="start")
    _uncertified = (mo.callout(mo.md(f"**Not certified** (the witness verifies, but minimality is not proved): "
                                     f"{result.reason}"), kind="warn") if not result.certified else None)
    if K.dim == 4:
        _orbit = nbs.orbit_frame(result.orbit)
        _verts = nbs.vertex_frame(K)
        _planes = []
        for _x, _y, _title in (("q1", "q2", "q-plane"), ("p1", "p2", "p-plane")):
            _shadow = alt.Chart(_verts).mark_point(color="lightgray", filled=True).encode(x=_x, y=_y)
            _loop = alt.Chart(_orbit).mark_line(point=True, color="crimson").encode(
                x=alt.X(_x, title=_x), y=alt.Y(_y, title=_y), order="step",
                tooltip=["step", "facet", "q1", "q2", "p1", "p2"])
            _planes.append((_shadow + _loop).properties(title=f"witness in the {_title}", width=260, height=260))
        _picture = alt.hconcat(*_planes)
    else:
        _picture = mo.md(f"(orbit pictures are drawn for R^4; K is in R^{K.dim})")
    mo.vstack([mo.md("### Capacity"), _head, _uncertified, _picture])
    return


@app.cell
def _(alt, mo, nbs, result):
    # Search counters per lever / pruning rule.
    _counters = nbs.counters_frame(result.stats)
    if _counters.empty:
        _shown = mo.md(f'Method "{result.method}" reports no search counters (only seconds).')
    else:
        _bars = alt.Chart(_counters).mark_bar().encode(
            x=alt.X("count:Q"), y=alt.Y("counter:N", sort="-x"), color="kind:N",
            tooltip=["counter", "count", "kind"]).properties(width=420, title="search counters")
        _shown = mo.hstack([mo.ui.table(_counters, selection=None, pagination=False, label="counters"), _bars])
    mo.vstack([mo.md("### Search counters"), _shown])
    return


@app.cell
def _(K, MethodNotApplicableError, TimeBudgetExceededError, levers, max_action, mo, nbs, time_budget, vb):
    # The action spectrum (needs "reeb", i.e. a 4D polytope without Lagrangian 2-faces).
    _reeb = {row["method"]: row for row in nbs.method_table(K)}.get("reeb")
    mo.stop(_reeb is None or not hasattr(vb, "spectrum"),
            mo.callout(mo.md('**Spectrum unavailable:** `viterbo.spectrum` (which needs method "reeb") is '
                             "not available in this build."), kind="warn"))
    mo.stop(not _reeb["applies"],
            mo.callout(mo.md(f'**Spectrum unavailable for this polytope:** {_reeb["why not"]}. '
                             "Choose a symplectic polytope (cross-polytope, 24-cell, a random hull, or a "
                             "symplectic image of one)."), kind="warn"))
    try:
        with mo.status.spinner(title="spectrum ..."):
            orbits = vb.spectrum(K, max_action=float(max_action.value) or None, rotation_cap=levers["rotation_cap"],
                                 use_cF_budgets=levers["use_cF_budgets"], use_memo=levers["use_memo"],
                                 time_budget=float(time_budget.value))
    except TimeBudgetExceededError as _exc:
        mo.stop(True, mo.callout(mo.md(f"**Spectrum out of time.** {_exc}"), kind="warn"))
    except MethodNotApplicableError as _exc:
        mo.stop(True, mo.callout(mo.md(f"**No spectrum.** {_exc}"), kind="warn"))
    return (orbits,)


@app.cell
def _(alt, mo, nbs, orbits):
    _frame = nbs.spectrum_frame(orbits)
    _top_rotation = float(_frame["rotation"].max()) + 0.5 if len(_frame) else 1.0
    _top_action = 1.1 * float(_frame["action"].max()) if len(_frame) else 1.0
    _chart = alt.Chart(_frame).mark_point(filled=True, size=80).encode(
        x=alt.X("rotation:Q", title="rotation number", scale=alt.Scale(domain=[0, _top_rotation])),
        y=alt.Y("action:Q", title="action", scale=alt.Scale(domain=[0, _top_action])),
        color=alt.Color("cz:N", title="CZ index"), shape=alt.Shape("simple:N"),
        tooltip=["action", "rotation", "cz", "multiplicity", "simple", "segments", "facets", "verified"],
    ).properties(width=480, height=320, title="action spectrum")
    mo.vstack([
        mo.md(f"### Action spectrum ({len(_frame)} orbits)"),
        _chart,
        mo.ui.table(_frame, selection=None, label="orbits by action"),
    ])
    return


@app.cell
def _(mo):
    # Controls: lever sweep.
    sweep_repeats = mo.ui.number(start=1, stop=50, step=1, value=3, label="repeats per combination")
    sweep_run = mo.ui.run_button(label="run the lever sweep")
    mo.vstack([mo.md("### Lever sweep\nEvery combination of the method's on/off levers, repeated; "
                     "the values must agree."), mo.hstack([sweep_repeats, sweep_run], justify="start")])
    return sweep_repeats, sweep_run


@app.cell
def _(K, TimeBudgetExceededError, method_used, mo, profiling, sweep_repeats, sweep_run, time_budget):
    mo.stop(not sweep_run.value, mo.md("_Click **run the lever sweep** to start._"))
    try:
        _total = len(profiling.lever_grid(method_used)) * int(sweep_repeats.value)
        with mo.status.progress_bar(total=_total, title="lever sweep", remove_on_exit=True) as _bar:
            sweep = profiling.lever_sweep(K, method_used, int(sweep_repeats.value),
                                          time_budget=float(time_budget.value),
                                          progress=lambda done, total: _bar.update(increment=1))
    except TimeBudgetExceededError as _exc:
        mo.stop(True, mo.callout(mo.md(f"**Sweep out of time.** {_exc}"), kind="warn"))
    return (sweep,)


@app.cell
def _(alt, mo, profiling, sweep):
    _problem = profiling.sweep_disagreement(sweep)
    _summary = profiling.sweep_summary(sweep)
    _charts = []
    _work = profiling.work_counter(sweep)
    for _col, _title in (("seconds", "seconds"), (_work, (_work or "").replace("_", " "))):
        if f"{_col}_median" not in _summary:
            continue
        _base = alt.Chart(_summary).encode(y=alt.Y("combo:N", title=None))
        _rule = _base.mark_rule().encode(x=alt.X(f"{_col}_min:Q", title=_title), x2=f"{_col}_max:Q")
        _dot = _base.mark_point(filled=True, size=70).encode(
            x=f"{_col}_median:Q", tooltip=["combo", f"{_col}_min", f"{_col}_median", f"{_col}_max", "runs"])
        _charts.append((_rule + _dot).properties(width=300, title=f"{_title} (min, median, max)"))
    _verdict = (mo.callout(mo.md(f"**VALUES DISAGREE.** {_problem}"), kind="danger") if _problem else
                mo.callout(mo.md(f"All {len(sweep)} runs agree: c = {sweep['value'].iloc[0]:.12g}."), kind="success"))
    mo.vstack([_verdict, mo.hstack(_charts, justify="start"),
               mo.ui.table(_summary, selection=None, pagination=False, label="per combination")])
    return


@app.cell
def _(mo):
    # Controls: profiling.
    profile_top = mo.ui.number(start=5, stop=100, step=5, value=20, label="top functions")
    profile_run = mo.ui.run_button(label="profile this computation")
    mo.vstack([mo.md("### Profile\nRuns the capacity computation above under cProfile and writes "
                     "`.profiles/<polytope>-<method>-<timestamp>.prof`."),
               mo.hstack([profile_top, profile_run], justify="start")])
    return profile_run, profile_top


@app.cell
def _(K, levers_used, method_used, mo, profile_run, profiling, time_budget):
    mo.stop(not profile_run.value, mo.md("_Click **profile this computation** to profile._"))
    with mo.status.spinner(title="profiling ..."):
        profile = profiling.profile_capacity(K, method_used, time_budget=float(time_budget.value), **levers_used)
    return (profile,)


@app.cell
def _(alt, mo, pd, profile, profile_top, profiling):
    _tables = {}
    _charts = []
    for _sort, _col in (("cumulative", "cumulative_seconds"), ("own", "own_seconds")):
        _rows = pd.DataFrame(profile.top(n=int(profile_top.value), sort=_sort))
        _tables[f"by {_sort} time"] = mo.ui.table(
            _rows[["function", "calls", "own_seconds", "cumulative_seconds"]], selection=None, pagination=False)
        _charts.append(alt.Chart(_rows).mark_bar().encode(
            x=alt.X(f"{_col}:Q", title=f"{_sort} seconds"), y=alt.Y("function:N", sort="-x", title=None),
            tooltip=["function", "calls", "own_seconds", "cumulative_seconds"],
        ).properties(width=360, title=f"top functions by {_sort} time"))
    snakeviz_start = mo.ui.run_button(label="start snakeviz")
    mo.vstack([
        mo.md(f"Profile written to `{profile.path}` ({profile.seconds:.3g} s). Open it with\n\n"
              f"```\n{profiling.snakeviz_command(profile.path)}\n```"),
        mo.ui.tabs(_tables),
        mo.hstack(_charts, justify="start"),
        snakeviz_start,
    ])
    return (snakeviz_start,)


@app.cell
def _(mo, profile, profiling, snakeviz_start):
    mo.stop(not snakeviz_start.value)
    try:
        _server = profiling.start_snakeviz(profile.path)
    except (OSError, RuntimeError) as _exc:
        mo.stop(True, mo.callout(mo.md(f"**snakeviz did not start.** {_exc}"), kind="danger"))
    mo.md(f"snakeviz is serving the profile at [{_server.url}]({_server.url}) (ends with this notebook).")
    return


@app.cell
def _(importlib, mo):
    # Snapshot export exists once viterbo.snapshot is installed; the controls stay hidden until then.
    snapshot_module = importlib.import_module("viterbo.snapshot") if importlib.util.find_spec("viterbo.snapshot") else None
    _rosters = list(getattr(snapshot_module, "roster_names", lambda: ["default"])()) if snapshot_module else ["default"]
    snapshot_roster = mo.ui.dropdown(options=_rosters, value="smoke" if "smoke" in _rosters else _rosters[0],
                                     label="roster")
    snapshot_run = mo.ui.run_button(label="export snapshot")
    (mo.vstack([mo.md("### Snapshot\nRuns a roster of polytopes over every method and lever and merges the rows "
                      "into this ISO week's CSV in `artefacts/snapshots/`."),
                mo.hstack([snapshot_roster, snapshot_run], justify="start")])
     if snapshot_module is not None else None)
    return snapshot_module, snapshot_roster, snapshot_run


@app.cell
def _(mo, snapshot_module, snapshot_roster, snapshot_run):
    mo.stop(snapshot_module is None or not snapshot_run.value)
    with mo.status.spinner(title=f"snapshot of roster {snapshot_roster.value!r} ..."):
        _written = snapshot_module.export(roster=snapshot_roster.value)
    mo.callout(mo.md(f"Snapshot written: `{_written}`"), kind="success")
    return


if __name__ == "__main__":
    app.run()
