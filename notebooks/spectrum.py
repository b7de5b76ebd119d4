import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="viterbo: capacity and Reeb spectrum")


@app.cell
def _():
    # Every import in one cell, first: later cells re-run without paying for torch again.
    import json

    import altair as alt
    import marimo as mo
    import pandas as pd

    import viterbo as vb
    from viterbo import notebook_support as nbs
    from viterbo import snapshot

    return alt, json, mo, nbs, pd, snapshot, vb


@app.cell(hide_code=True)
def _(mo):
    mo.md(r"""
    # Capacity, witness and Reeb spectrum of a 4D polytope

    For a convex polytope $K \subset \mathbb{R}^4$: the Ekeland–Hofer–Zehnder capacity $c_{\mathrm{EHZ}}(K)$,
    the systolic ratio $c^2 / (2\,\mathrm{vol}\,K)$, a witness (a closed characteristic on $\partial K$ with
    action $c_{\mathrm{EHZ}}(K)$, re-checked by `result.verify()`) and the spectrum of short closed Reeb
    orbits. Below them: the search's levers, what they prune, and the last two settings side by side.
    """)
    return


@app.cell
def _(mo, nbs, vb):
    # Controls: which polytope. Defaults can come from the command line in the one naming syntax, e.g.
    # `marimo edit notebooks/spectrum.py -- --family cell24` (or random_hull:N:SEED, symplectic_image:cube:3).
    _args = mo.cli_args()
    try:
        _family, _points, _seed, _moved = nbs.parse_family_arg(_args.get("family"))
        cli_problem = None
    except vb.ViterboError as _exc:
        _family, _points, _seed, _moved = nbs.parse_family_arg(None)
        cli_problem = str(_exc)
    _labels = {name: label for label, name in nbs.FAMILY_CHOICES.items()}
    source = mo.ui.radio(options=["family", "paste vertices", "upload file"], value="family",
                         label="polytope from", inline=True)
    family = mo.ui.dropdown(options=nbs.FAMILY_CHOICES, value=_labels[_family], label="family")
    hull_points = mo.ui.number(start=5, stop=max(400, _points), step=1, value=_points, label="random hull: points")
    hull_seed = mo.ui.number(start=0, stop=1_000_000, step=1, value=_seed, label="seed")
    symplectic = mo.ui.switch(value=_moved is not None, label="move by a random symplectic map")
    symplectic_seed = mo.ui.number(start=0, stop=1_000_000, step=1, value=_moved or 0, label="map seed")
    pasted = mo.ui.text_area(placeholder="one vertex per line, e.g.\nq1,q2,p1,p2\n1, 0, 0, 0\n-1, 0, 0, 0\n...",
                             label="vertices (CSV rows, an optional header row, or a JSON list)", full_width=True,
                             rows=6)
    upload = mo.ui.file(filetypes=[".csv", ".json", ".txt"], label="upload vertices (CSV / JSON)")
    mo.vstack([
        source,
        mo.hstack([family, hull_points, hull_seed, symplectic, symplectic_seed], justify="start", wrap=True),
        mo.accordion({"paste or upload vertices": mo.vstack([pasted, upload])}),
    ])
    return cli_problem, family, hull_points, hull_seed, pasted, source, symplectic, symplectic_seed, upload


@app.cell
def _(cli_problem, family, hull_points, hull_seed, mo, nbs, pasted, source, symplectic, symplectic_seed, upload,
      vb):
    # The polytope K (validated once, by the Polytope constructor).
    try:
        if source.value == "paste vertices":
            mo.stop(not pasted.value.strip(),
                    mo.callout(mo.md("Paste vertices above (one per line) to continue."), kind="info"))
            _base = nbs.polytope_from_text(pasted.value, name="pasted")
        elif source.value == "upload file":
            mo.stop(not upload.value, mo.callout(mo.md("Upload a CSV or JSON file of vertices to continue."),
                                                 kind="info"))
            _base = nbs.polytope_from_upload(upload.contents(), upload.name())
        else:
            _base = nbs.build_polytope(family.value, n_points=int(hull_points.value), seed=int(hull_seed.value),
                                       symplectic_seed=int(symplectic_seed.value) if symplectic.value else None)
        K = (vb.families.symplectic_image(_base, int(symplectic_seed.value))
             if symplectic.value and source.value != "family" else _base)
    except vb.ViterboError as _exc:
        mo.stop(True, mo.callout(mo.md(f"**Cannot build the polytope.** {_exc} Correct the points (or the file), "
                                       "or pick a family."), kind="danger"))
    (mo.callout(mo.md(f"**Command line ignored:** {cli_problem} The notebook opened on its default polytope."),
                kind="warn") if cli_problem else mo.md(""))
    return (K,)


@app.cell
def _(K, mo, nbs, pd):
    # What K is: size, volume, symmetry, Lagrangian 2-faces, and which capacity methods apply.
    _info = nbs.polytope_summary(K)
    _facts = [f"{_info['facets']} facets", f"{_info['vertices']} vertices",
              f"volume {nbs.fmt_number(_info['volume'], 6)}",
              "centrally symmetric" if _info["centrally symmetric"] else "not centrally symmetric"]
    if "Lagrangian 2-faces" in _info:
        _facts.append(f"{_info['Lagrangian 2-faces']} of {_info['2-faces']} 2-faces Lagrangian")
    _methods = mo.ui.table(pd.DataFrame(nbs.method_table(K)), selection=None, pagination=False, show_download=False,
                           show_column_summaries=False, show_data_types=False, show_search=False,
                           wrapped_columns=["why not", "what it does"], label="capacity methods on this polytope")
    mo.vstack([
        mo.md(f"### {nbs.md_escape(_info['name'])} in $\\mathbb{{R}}^{{{_info['dim']}}}$\n{', '.join(_facts)}."),
        mo.accordion({"which capacity methods apply, and why not": _methods}),
    ])
    return


@app.cell
def _(mo):
    # Memory of the last runs (the compute cell below is the only one that reads or writes it).
    get_runs, set_runs = mo.state([])
    return get_runs, set_runs


@app.cell
def _(mo, nbs):
    # Controls: method, levers (generated from the method registry), spectrum range, when to compute.
    facet_threshold = int(mo.cli_args().get("facet_threshold", 30))
    method = mo.ui.dropdown(options=nbs.method_names(), value="auto", label="method")
    lever_info = nbs.lever_catalogue()

    def _control(_l):
        if _l.kind == "bool":
            return mo.ui.switch(value=bool(_l.default), label=_l.name)
        if _l.kind == "choice":
            return mo.ui.dropdown(options=list(_l.choices), value=_l.default, label=_l.name)
        return mo.ui.slider(start=_l.low, stop=_l.high, step=_l.step, value=_l.default, label=_l.name, show_value=True)

    levers = mo.ui.dictionary({_m: mo.ui.dictionary({_l.name: _control(_l) for _l in _infos})
                               for _m, _infos in lever_info.items()})
    implementation = mo.ui.dropdown(options=nbs.IMPLEMENTATION_CHOICES, value="compiled when available",
                                    label="implementation")
    spectrum_action = mo.ui.number(start=1.0, stop=10.0, step=0.5, value=nbs.DEFAULT_ACTION_FACTOR,
                                   label="spectrum: actions up to (x c_EHZ)")
    spectrum_rotation = mo.ui.slider(start=1.0, stop=4.0, step=0.5, value=3.0, label="spectrum: rotation up to",
                                     show_value=True)
    time_budget = mo.ui.number(start=1, stop=3600, step=1, value=60, label="time budget (s)")
    recompute = mo.ui.switch(value=False, label="recompute on every change")
    run = mo.ui.run_button(label="run")
    return (facet_threshold, implementation, lever_info, levers, method, recompute, run, spectrum_action,
            spectrum_rotation, time_budget)


@app.cell
def _(K, implementation, levers, method, nbs, spectrum_action, spectrum_rotation):
    # What the controls ask for (only the levers of the method that runs count).
    request = nbs.make_request(K, method.value, levers.value, action_factor=float(spectrum_action.value),
                               rotation=float(spectrum_rotation.value), implementation=implementation.value)
    return (request,)


@app.cell
def _(K, facet_threshold, get_runs, levers, mo, nbs, recompute, request, run, set_runs, time_budget):
    # Compute: at once for small polytopes and for the first result; above the facet threshold on a
    # click on run (or on every change when asked). The previous runs stay in memory.
    _history = get_runs()
    _automatic = K.n_facets <= facet_threshold or recompute.value or not _history
    if run.value or (_automatic and not nbs.has_run(_history, request)):
        with mo.status.spinner(title=f"computing the capacity and spectrum of {K.name or 'K'} ..."):
            _run = nbs.compute_run(K, request, levers.value, time_budget=float(time_budget.value))
        _history = nbs.remember(_history, _run)
        set_runs(_history)
    elif nbs.recall(_history, request) is not None:  # settings seen before: their result, without recomputing
        _history = nbs.recall(_history, request)
        set_runs(_history)
    runs = _history
    return (runs,)


@app.cell
def _(nbs, request, runs):
    # The run on screen: the one for the current settings, else the last one that worked (marked stale).
    screen = nbs.run_on_screen(runs, request)
    shown = screen.run
    return screen, shown


@app.cell
def _(json, mo, nbs, request, run, screen, shown):
    # Capacity: the numbers, whether they are proved, and what to do when they are not.
    _parts = [mo.md(f"### Capacity of {nbs.md_escape(request.polytope_name)}")]
    if screen.failure is not None:
        _kept = (" The last result that worked on this polytope stays below, marked stale." if shown is not None
                 and shown.request.polytope == request.polytope else "")
        _parts.append(mo.callout(mo.md(f"**No capacity for these settings.** {screen.failure.error}{_kept}"),
                                 kind="warn"))
    elif screen.changes:
        _parts.append(mo.callout(mo.vstack([
            mo.md(f"**Stale:** the result below is for earlier settings; since then {', '.join(screen.changes)} "
                  "changed. Click **run** to compute the new one."), run]), kind="warn"))
    _view = nbs.certification_view(shown.result, shown.result.polytope) if shown is not None else None
    recheck = mo.ui.run_button(label=f're-check with "{_view.settle_with[0]}"' if _view and _view.settle_with
                               else "re-check", kind="warn", disabled=not (_view and _view.settle_with))
    if shown is None:
        _parts.append(mo.md("_Nothing to show yet._" if screen.failure else "_Nothing computed yet: click **run**._"))
    else:
        _r = shown.result
        if screen.failure is None and screen.changes and shown.request.polytope != request.polytope:
            _parts.append(mo.md(f"<small>Shown: {nbs.md_escape(shown.request.polytope_name)}.</small>"))
        _parts.append(mo.hstack([
            mo.stat(value=nbs.fmt_number(_r.value), label="capacity c_EHZ", caption=_view.label),
            mo.stat(value=nbs.fmt_number(_r.systolic_ratio()), label="systolic ratio"),
            mo.stat(value=_r.method, label="method"),
            mo.stat(value=nbs.fmt_seconds(_r.stats.get("seconds", shown.seconds)), label="time"),
            mo.stat(value="verified", label="witness"),
        ], justify="start", wrap=True))
        _params = {_k: _v for _k, _v in _r.params.items() if _v is not None}
        _details = [f"levers: {nbs.fmt_levers(_params)}", f"implementation: {_r.stats.get('implementation', '–')}"]
        _details += [f"{k}: {v}" for k, v in nbs.witness_facts(_r.stats).items()]
        if "note" in _r.stats:
            _details.append(nbs.round_numbers_in(str(_r.stats["note"])))
        _parts.append(mo.md("<small>" + "; ".join(_details) + "</small>"))
        if not _view.certified:
            _parts.append(mo.callout(mo.vstack([mo.md(f"**Not proved minimal.** {_view.sentence}")]
                                               + ([recheck] if _view.settle_with else [])), kind="warn"))
        _parts.append(mo.hstack([mo.download(data=json.dumps(_r.to_dict(), indent=1).encode(), filename="capacity.json",
                                             mimetype="application/json", label="result with full precision (JSON)")],
                                justify="start"))
    mo.vstack(_parts)
    return (recheck,)


@app.cell
def _(mo, nbs, recheck, shown, time_budget, vb):
    # One-click re-check of an unproved value by a method that can prove it.
    mo.stop(not recheck.value or shown is None or not shown.ok)
    _first = shown.result
    _other = nbs.certification_view(_first, _first.polytope).settle_with[0]
    try:
        with mo.status.spinner(title=f'capacity(method="{_other}") ...'):
            _second = vb.capacity(_first.polytope, method=_other, time_budget=float(time_budget.value))
            _second.verify()
    except vb.ViterboError as _exc:
        mo.stop(True, mo.callout(mo.md(f'**The re-check with "{_other}" did not finish:** '
                                       f"{nbs.round_numbers_in(str(_exc))} Raise the time budget under Levers and "
                                       "click the button again."), kind="warn"))
    _agree = nbs.methods_disagreement({_first.method: _first, _other: _second}) is None
    mo.callout(mo.md(
        f'**Re-checked with "{_other}":** c_EHZ = {nbs.fmt_number(_second.value)} '
        f'({"proved" if _second.certified else "not proved either"}, {nbs.fmt_seconds(_second.stats.get("seconds"))}). '
        + (f'It agrees with "{_first.method}": the value {nbs.fmt_number(_first.value)} is c_EHZ(K).'
           if _agree and _second.certified else
           f'"{_first.method}" reported {nbs.fmt_number(_first.value)}; the proved value is the one above.')),
        kind="success" if _second.certified else "warn")
    return


@app.cell
def _(alt, mo, nbs, shown):
    # The witness, drawn over the outline of K's projection in the planes that show it best.
    mo.stop(shown is None or not shown.ok)
    _r = shown.result
    _P = _r.polytope
    if _P.dim != 4:
        _out = mo.md(f"_(witness pictures are drawn in R^4; K is in R^{_P.dim})_")
    else:
        _choice = nbs.witness_planes(_P, _r.orbit)
        _orbit = nbs.orbit_frame(_r.orbit)
        _charts = []
        for _x, _y in _choice.planes:
            _dx, _dy = nbs.plane_domains(_P, _x, _y)
            _outline = alt.Chart(nbs.outline_frame(_P, _x, _y)).mark_line(color="#9aa0a6").encode(
                x=alt.X(f"{_x}:Q", title=_x, scale=alt.Scale(domain=_dx, nice=False)),
                y=alt.Y(f"{_y}:Q", title=_y, scale=alt.Scale(domain=_dy, nice=False)), order="order:Q")
            _loop = alt.Chart(_orbit).mark_line(point=True, color="crimson").encode(
                x=f"{_x}:Q", y=f"{_y}:Q", order="step:Q",
                tooltip=["step", "facet", alt.Tooltip("q1:Q", format=".12g"), alt.Tooltip("q2:Q", format=".12g"),
                         alt.Tooltip("p1:Q", format=".12g"), alt.Tooltip("p2:Q", format=".12g")])
            _charts.append((_outline + _loop).properties(title=f"witness in the {nbs.plane_label(_x, _y)}",
                                                         width=250, height=250))
        _caption = f"{_choice.why} Grey: the outline of K's projection; red: the witness (hover for coordinates)."
        _out = mo.vstack([alt.hconcat(*_charts), mo.md(f"<small>{_caption}</small>")])
    _out
    return


@app.cell
def _(alt, mo, nbs, shown):
    # The action spectrum: closed Reeb orbits up to the chosen action and rotation.
    mo.stop(shown is None or not shown.ok)
    if shown.spectrum_note is not None:
        mo.stop(True, mo.vstack([mo.md(f"### Action spectrum of {nbs.md_escape(shown.request.polytope_name)}"),
                                 mo.callout(mo.md(shown.spectrum_note), kind="info")]))
    _groups = nbs.spectrum_groups(shown.spectrum)
    _req = shown.request
    _top = nbs.fmt_number(_req.spectrum_action_factor * shown.result.value, 6)
    _chart = alt.Chart(_groups).mark_circle(opacity=0.85).encode(
        x=alt.X("rotation:Q", title="rotation number",
                scale=alt.Scale(domain=[0, float(_req.spectrum_rotation) + 0.25], nice=False)),
        y=alt.Y("action:Q", title="action",
                scale=alt.Scale(domain=[0, _req.spectrum_action_factor * float(shown.result.value)], nice=False)),
        size=(alt.Size("orbits:Q", title="orbits", scale=alt.Scale(range=[80, 600]))
              if len(_groups) and _groups["orbits"].max() > 1 else alt.value(120)),
        color=alt.Color("cz:N", title="CZ index"),
        tooltip=[alt.Tooltip("action:Q", format=".12g"), alt.Tooltip("rotation:Q", format=".12g"), "cz",
                 "orbits", "multiplicity", "segments", "verified"],
    ).properties(width=420, height=280, title="action spectrum (one dot per group of equal orbits)")
    _labels = alt.Chart(_groups[_groups["orbits"] > 1]).mark_text(dx=14, align="left").encode(
        x="rotation:Q", y="action:Q", text=alt.Text("orbits:Q", format="d"))
    _count = int(_groups["orbits"].sum()) if len(_groups) else 0
    mo.vstack([
        mo.md(f"### Action spectrum of {nbs.md_escape(_req.polytope_name)}: "
              f"{_count} orbit{'s' if _count != 1 else ''} in {len(_groups)} group{'s' if len(_groups) != 1 else ''}\n"
              f"<small>Closed Reeb orbits with action up to {_top} and rotation up to "
              f"{nbs.fmt_number(_req.spectrum_rotation, 3)}, found in {nbs.fmt_seconds(shown.spectrum_seconds)}. "
              f"{nbs.spectrum_certification(shown.spectrum)}</small>"),
        (_chart + _labels) if len(_groups) else mo.md("_No orbit in this range._"),
        mo.ui.table(_groups, selection=None, pagination=len(_groups) > 12, page_size=12, label="orbits by action",
                    show_column_summaries=False, show_data_types=False,
                    format_mapping={"action": "{:.8g}".format, "rotation": "{:.6g}".format}),
        mo.hstack([mo.download(data=nbs.spectrum_frame(shown.spectrum).to_csv(index=False).encode(),
                               filename="spectrum.csv", mimetype="text/csv",
                               label="every orbit with full precision (CSV)")], justify="start"),
    ])
    return


@app.cell
def _(K, facet_threshold, implementation, lever_info, levers, method, mo, nbs, recompute, request, run, screen,
      spectrum_action, spectrum_rotation, time_budget, vb):
    # The controls, each lever with what it does and, when it cannot act here, why not.
    # The method whose levers act: the one that gave the value shown for this polytope, else the one that would run.
    _current = screen.run if screen.run is not None and screen.run.request.polytope == request.polytope else None
    try:
        _used = _current.result.method if _current is not None else nbs.resolve_method(K, method.value)
    except vb.MethodNotApplicableError:
        _used = None
    _stats = _current.result.stats if _current is not None and _current.result.method == _used else None

    def _lever_rows(_m):
        _rows = []
        for _l in lever_info[_m]:
            _note = nbs.lever_note(_l, _used, _stats)
            _rows.append(mo.hstack([levers[_m][_l.name],
                                    mo.md(f"<small>{_l.description}" + (f" <b>Here:</b> {_note}." if _note else "")
                                          + "</small>")], justify="start", align="center", widths=[1, 3]))
        return _rows

    _mine = _lever_rows(_used) if _used in lever_info else [
        mo.md(f'<small>"{_used}" has no levers: it computes the capacity directly.</small>' if _used else
              "<small>The chosen method cannot run on this polytope (the message under Capacity says why), so "
              "no lever acts.</small>")]
    _others = {f'levers of "{_m}" (not used for this capacity{"; they act on the spectrum" if _m == "reeb" else ""})':
               mo.vstack(_lever_rows(_m)) for _m in lever_info if _m != _used}
    _when = (f"K has {K.n_facets} facets, more than {facet_threshold}: a change waits for **run**, and the last "
             "result stays on screen (marked stale) until then, unless *recompute on every change* is on."
             if K.n_facets > facet_threshold else
             f"K has {K.n_facets} facets (at most {facet_threshold}): every change recomputes at once.")
    mo.vstack([
        mo.md("### Method and levers"),
        mo.hstack([method, implementation, time_budget], justify="start", wrap=True),
        mo.hstack([spectrum_action, spectrum_rotation], justify="start", wrap=True),
        *_mine,
        mo.accordion(_others) if _others else mo.md(""),
        mo.hstack([recompute, run], justify="start", align="center"),
        mo.md(f"<small>{_when}</small>"),
    ])
    return


@app.cell
def _(mo, nbs, pd, runs):
    # The last two settings on this polytope, side by side.
    _pair = nbs.comparison_pair(runs)
    if _pair is None:
        _out = mo.md("### Comparison\n_Change a lever and compute again: the last two settings on this polytope "
                     "appear here side by side._")
    else:
        _before, _after = _pair
        _frame = nbs.comparison_frame(_before, _after)
        _out = mo.vstack([
            mo.md("### Comparison of the last two settings"),
            mo.md(f"<small>before: {_before.request.describe()}<br>after: {_after.request.describe()}</small>"),
            mo.ui.table(pd.DataFrame(_frame), selection=None, pagination=False, show_download=True,
                        label="comparison (before -> after)"),
        ])
    _out
    return


@app.cell
def _(alt, mo, nbs, shown):
    # Search counters, in two groups.
    mo.stop(shown is None or not shown.ok)
    _counters = nbs.counters_frame(shown.result.stats, shown.result.method)
    _blurb = {"search work": "what the search did: paths extended, candidates closed, and what each pruning rule "
                             "cut (a rule that is switched off cuts nothing).",
              "polytope size": "how big the problem is; no lever changes these."}
    _parts = [mo.md("### Counters")]
    if _counters.empty:
        _parts.append(mo.md(f'Method "{shown.result.method}" computes its value in closed form and reports no '
                            "search counters (only its time)."))
    for _group in nbs.COUNTER_GROUPS:
        _rows = _counters[_counters["group"] == _group].drop(columns="group")
        if _rows.empty:
            continue
        _parts.append(mo.md(f"**{_group}**: {_blurb[_group]}"))
        _table = mo.ui.table(_rows, selection=None, pagination=False, show_download=False,
                             show_column_summaries=False, show_data_types=False, show_search=False,
                             wrapped_columns=["what"], label=f"{_group} counters")
        if _group == "search work":
            _bars = alt.Chart(_rows).mark_bar().encode(
                x=alt.X("count:Q", title="count"), y=alt.Y("counter:N", sort="-x", title=None),
                tooltip=["counter", "count", "what"]).properties(width=320, title="search work")
            _parts.append(mo.vstack([_bars, _table]))
        else:
            _parts.append(_table)
    mo.vstack(_parts)
    return


@app.cell
def _(mo):
    # Controls: lever sweep.
    sweep_repeats = mo.ui.number(start=1, stop=50, step=1, value=3, label="repeats per combination")
    sweep_run = mo.ui.run_button(label="run the lever sweep")
    mo.vstack([mo.md("### Lever sweep\nEvery combination of the running method's on/off levers, repeated; the "
                     "values must agree (levers only prune)."), mo.hstack([sweep_repeats, sweep_run], justify="start")])
    return sweep_repeats, sweep_run


@app.cell
def _(mo, nbs, shown, sweep_repeats, sweep_run, time_budget, vb):
    mo.stop(not sweep_run.value, mo.md("_Click **run the lever sweep** to start._"))
    mo.stop(shown is None or not shown.ok, mo.md("_The sweep needs a capacity result above._"))
    _method = shown.result.method
    try:
        _total = len(nbs.lever_grid(_method)) * int(sweep_repeats.value)
        with mo.status.progress_bar(total=_total, title="lever sweep", remove_on_exit=True) as _bar:
            sweep = nbs.lever_sweep(shown.result.polytope, _method, int(sweep_repeats.value),
                                    time_budget=float(time_budget.value),
                                    progress=lambda done, total: _bar.update(increment=1))
    except vb.ViterboError as _exc:
        mo.stop(True, mo.callout(mo.md(f"**The sweep stopped:** {nbs.round_numbers_in(str(_exc))} Raise the time "
                                       "budget or lower the repeats."), kind="warn"))
    return (sweep,)


@app.cell
def _(alt, mo, nbs, sweep):
    _problem = nbs.sweep_disagreement(sweep)
    _summary = nbs.sweep_summary(sweep)
    _charts = []
    _work = nbs.work_counter(sweep)
    for _col, _title in (("seconds", "seconds"), (_work, (_work or "").replace("_", " "))):
        if f"{_col}_median" not in _summary:
            continue
        _base = alt.Chart(_summary).encode(y=alt.Y("combo:N", title=None))
        _rule = _base.mark_rule().encode(x=alt.X(f"{_col}_min:Q", title=_title), x2=f"{_col}_max:Q")
        _dot = _base.mark_point(filled=True, size=70).encode(
            x=f"{_col}_median:Q", tooltip=["combo", f"{_col}_min", f"{_col}_median", f"{_col}_max", "runs"])
        _charts.append((_rule + _dot).properties(width=260, title=f"{_title} (min, median, max)"))
    _verdict = (mo.callout(mo.md(f"**The lever combinations disagree.** {_problem}"), kind="danger") if _problem else
                mo.callout(mo.md(f"All {len(sweep)} runs agree: c = {nbs.fmt_number(sweep['value'].iloc[0])}."),
                           kind="success"))
    mo.vstack([_verdict, mo.hstack(_charts, justify="start", wrap=True),
               mo.ui.table(nbs.sweep_table(_summary), selection=None, pagination=False, show_column_summaries=False,
                           show_data_types=False, label="per combination: median (min – max)"),
               mo.download(data=sweep.to_csv(index=False).encode(), filename="lever-sweep.csv", mimetype="text/csv",
                           label="every run with full precision (CSV)")])
    return


@app.cell
def _(mo):
    # Controls: profiling.
    profile_top = mo.ui.number(start=5, stop=100, step=5, value=20, label="top functions")
    profile_run = mo.ui.run_button(label="profile this computation")
    mo.vstack([mo.md("### Profile\nRuns the capacity computation shown above under cProfile and writes "
                     "`.profiles/<polytope>-<method>-<timestamp>.prof`."),
               mo.hstack([profile_top, profile_run], justify="start")])
    return profile_run, profile_top


@app.cell
def _(mo, nbs, profile_run, shown, time_budget, vb):
    mo.stop(not profile_run.value, mo.md("_Click **profile this computation** to profile._"))
    mo.stop(shown is None or not shown.ok, mo.md("_The profiler needs a capacity result above._"))
    try:
        with mo.status.spinner(title="profiling ..."):
            profile = nbs.profile_capacity(shown.result.polytope, shown.result.method,
                                           time_budget=float(time_budget.value), **shown.result.params)
    except vb.ViterboError as _exc:
        mo.stop(True, mo.callout(mo.md(f"**The profiled run stopped:** {nbs.round_numbers_in(str(_exc))} Raise the "
                                       "time budget under Levers and click again."), kind="warn"))
    return (profile,)


@app.cell
def _(alt, mo, nbs, pd, profile, profile_top):
    _tables = {}
    _charts = []
    _formats = {"own_seconds": "{:.3g}".format, "cumulative_seconds": "{:.3g}".format}
    for _sort, _col in (("cumulative", "cumulative_seconds"), ("own", "own_seconds")):
        _rows = pd.DataFrame(profile.top(n=int(profile_top.value), sort=_sort))
        _tables[f"by {_sort} time"] = mo.ui.table(
            _rows[["function", "calls", "own_seconds", "cumulative_seconds"]], selection=None, pagination=False,
            format_mapping=_formats, wrapped_columns=["function"])
        _charts.append(alt.Chart(_rows).mark_bar().encode(
            x=alt.X(f"{_col}:Q", title=f"{_sort} seconds"), y=alt.Y("function:N", sort="-x", title=None),
            tooltip=["function", "calls", "own_seconds", "cumulative_seconds"],
        ).properties(width=300, title=f"top functions by {_sort} time"))
    snakeviz_start = mo.ui.run_button(label="start snakeviz")
    mo.vstack([
        mo.md(f"Profile written to `{profile.path}` ({nbs.fmt_seconds(profile.seconds)}). Open it with "
              f"`{nbs.snakeviz_command(profile.path)}` in a terminal, or click below."),
        mo.ui.tabs(_tables),
        mo.hstack(_charts, justify="start", wrap=True),
        snakeviz_start,
    ])
    return (snakeviz_start,)


@app.cell
def _(mo, nbs, profile, snakeviz_start):
    mo.stop(not snakeviz_start.value)
    try:
        _server = nbs.start_snakeviz(profile.path)
    except (OSError, RuntimeError) as _exc:
        mo.stop(True, mo.callout(mo.md(f"**snakeviz did not start.** {_exc} Run the command above in a terminal "
                                       "instead."), kind="warn"))
    mo.md(f"snakeviz is serving the profile at [{_server.url}]({_server.url}) (it stops with this notebook).")
    return


@app.cell
def _(mo, snapshot):
    # Controls: snapshot export.
    _rosters = list(snapshot.roster_names())
    snapshot_roster = mo.ui.dropdown(options=_rosters, value="smoke" if "smoke" in _rosters else _rosters[0],
                                     label="roster")
    snapshot_run = mo.ui.run_button(label="export snapshot")
    mo.vstack([mo.md("### Snapshot\nRuns a roster of polytopes through every method and lever combination and "
                     "merges the rows into this ISO week's CSV in `artefacts/snapshots/` (read by "
                     "`notebooks/trends.py`)."),
               mo.hstack([snapshot_roster, snapshot_run], justify="start")])
    return snapshot_roster, snapshot_run


@app.cell
def _(mo, snapshot, snapshot_roster, snapshot_run, vb):
    mo.stop(not snapshot_run.value)
    try:
        with mo.status.spinner(title=f"snapshot of roster {snapshot_roster.value!r} ..."):
            _written = snapshot.export(roster=snapshot_roster.value)
    except (OSError, vb.ViterboError) as _exc:
        mo.stop(True, mo.callout(mo.md(f"**The snapshot was not written:** {_exc} Nothing was changed on disk; "
                                       "fix the cause and click again."), kind="warn"))
    mo.callout(mo.md(f"Snapshot written: `{_written}`"), kind="success")
    return


if __name__ == "__main__":
    app.run()
