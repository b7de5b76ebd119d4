import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="viterbo: the pentagon counterexample")


@app.cell
def _():
    # Every import in one cell, first.
    import math

    import altair as alt
    import marimo as mo
    import pandas as pd

    import viterbo as vb
    from viterbo import notebook_support as nbs

    return alt, math, mo, nbs, pd, vb


@app.cell(hide_code=True)
def _(mo):
    mo.md(r"""
    # The Haim-Kislev–Ostrover counterexample to Viterbo's conjecture

    $K = P \times R_{90^\circ} P \subset \mathbb{R}^2_q \times \mathbb{R}^2_p$: a regular pentagon $P$ in the
    q-plane times the same pentagon turned by $90^\circ$ in the p-plane
    (P. Haim-Kislev, Y. Ostrover, *A counterexample to Viterbo's conjecture*, 2024).
    Viterbo's conjecture says $\mathrm{sys}(K) = c_{\mathrm{EHZ}}(K)^2 / (2\,\mathrm{vol}(K)) \le 1$
    for convex $K$; this $K$ has $\mathrm{sys}(K) = (\sqrt5 + 3)/5 \approx 1.0472$.
    Below: the capacity by every exact method that applies; the witness, a closed billiard trajectory,
    told segment by segment (which segments bounce, which cross $P$); and the ratio as the second
    pentagon turns.
    """)
    return


@app.cell
def _(nbs, pd, vb):
    K = vb.families.pentagon_counterexample()
    _info = nbs.polytope_summary(K)
    summary = pd.DataFrame([{"property": k, "value": nbs.fmt_number(v) if not isinstance(v, str) else v}
                            for k, v in _info.items()])
    wanted = ("billiard", "haim_kislev")
    registered = [m for m in wanted if m in vb.method_names()]
    missing = [m for m in wanted if m not in registered]
    return K, missing, registered, summary


@app.cell
def _(K, nbs, pd, registered, vb):
    # The capacity by each exact method, each witness re-checked.
    results = {}
    _rows = []
    for _m in registered:
        try:
            _r = vb.capacity(K, method=_m, time_budget=120.0)
            _r.verify()
            results[_m] = _r
            _rows.append({"method": _m, "capacity": nbs.fmt_number(_r.value),
                          "systolic ratio": nbs.fmt_number(_r.systolic_ratio()),
                          "time": nbs.fmt_seconds(_r.stats.get("seconds")), "witness": "verified"})
        except vb.ViterboError as _exc:
            _rows.append({"method": _m, "capacity": "–", "systolic ratio": "–", "time": "–",
                          "witness": f"not computed: {nbs.round_numbers_in(str(_exc))}"})
    capacities = pd.DataFrame(_rows, columns=["method", "capacity", "systolic ratio", "time", "witness"])
    return capacities, results


@app.cell
def _(capacities, math, missing, mo, nbs, results, summary):
    _notes = []
    if missing:
        _notes.append(mo.callout(mo.md("Not available in this build: " + ", ".join(f'"{m}"' for m in missing)
                                       + ". Reinstall viterbo from this repository."), kind="warn"))
    _disagreement = nbs.methods_disagreement(results)
    if _disagreement:
        _notes.append(mo.callout(mo.md(f"**The exact methods disagree** ({nbs.round_numbers_in(_disagreement)}). "
                                       "Independent exact methods must agree: this is a bug in one of them; "
                                       "please report it."), kind="danger"))
    if results:
        _ratio = next(iter(results.values())).systolic_ratio()
        _notes.append(mo.callout(
            mo.md(f"sys(K) = **{_ratio:.10f}** {'>' if _ratio > 1 else '<='} 1 "
                  f"(published: (√5 + 3)/5 = {(math.sqrt(5) + 3) / 5:.10f})."),
            kind="success" if _ratio > 1 else "danger"))
    mo.vstack([mo.md("### The polytope"),
               mo.ui.table(summary, selection=None, pagination=False, show_column_summaries=False,
                           show_data_types=False, show_search=False),
               mo.md("### Capacity"),
               mo.ui.table(capacities, selection=None, pagination=False, show_column_summaries=False,
                           show_data_types=False, show_search=False, wrapped_columns=["witness"]),
               *_notes])
    return


@app.cell
def _(mo):
    # Controls: the turn of the second pentagon and the grid of the curve.
    angle = mo.ui.slider(start=0, stop=72, step=1, value=18, label="turn of the second pentagon (degrees)",
                         show_value=True)
    grid_points = mo.ui.number(start=3, stop=145, step=1, value=13, label="grid points on [0, 72] degrees")
    curve_run = mo.ui.run_button(label="compute the curve")
    mo.vstack([mo.md("### Turning the second pentagon\nThe product depends on the angle modulo 72 degrees; "
                     "18 degrees is the counterexample (90 = 72 + 18). The witness below follows the slider."),
               mo.hstack([angle, grid_points, curve_run], justify="start", wrap=True)])
    return angle, curve_run, grid_points


@app.cell
def _(angle, math, mo, nbs, vb):
    # The capacity at the chosen angle, with the fastest exact method that applies ("auto").
    angle_K = nbs.rotated_pentagon_product(math.radians(angle.value))
    try:
        angle_result = vb.capacity(angle_K, time_budget=60.0)
        angle_result.verify()
    except vb.ViterboError as _exc:
        mo.stop(True, mo.callout(mo.md(f"**No capacity at {angle.value} degrees:** "
                                       f"{nbs.round_numbers_in(str(_exc))}"), kind="warn"))
    mo.md(f"At {angle.value} degrees: c = {nbs.fmt_number(angle_result.value)}, "
          f"sys = **{angle_result.systolic_ratio():.10f}** "
          f"(method {angle_result.method}, {nbs.fmt_seconds(angle_result.stats.get('seconds'))}).")
    return angle_K, angle_result


@app.cell
def _(alt, angle, angle_K, angle_result, mo, nbs):
    # The witness at the chosen angle in both planes, over the two pentagons, told as a billiard.
    _orbit = nbs.orbit_frame(angle_result.orbit)
    _planes = []
    for _x, _y, _title in (("q1", "q2", "q-plane: the pentagon P"), ("p1", "p2", "p-plane: the turned pentagon T")):
        _shape = alt.Chart(nbs.outline_frame(angle_K, _x, _y)).mark_line(color="#5f6368").encode(
            x=alt.X(f"{_x}:Q", scale=alt.Scale(domain=[-1.1, 1.1])),
            y=alt.Y(f"{_y}:Q", scale=alt.Scale(domain=[-1.1, 1.1])), order="order:Q")
        _loop = alt.Chart(_orbit).mark_line(point=True, color="crimson").encode(
            x=f"{_x}:Q", y=f"{_y}:Q", order="step:Q",
            tooltip=["step", "facet", alt.Tooltip("q1:Q", format=".6f"), alt.Tooltip("q2:Q", format=".6f"),
                     alt.Tooltip("p1:Q", format=".6f"), alt.Tooltip("p2:Q", format=".6f")])
        _labels = alt.Chart(nbs.point_labels(_orbit, _x, _y)).mark_text(dx=10, dy=-8, color="crimson").encode(
            x=f"{_x}:Q", y=f"{_y}:Q", text="label:N")
        _planes.append((_shape + _loop + _labels).properties(title=_title, width=250, height=250))
    _segments = nbs.billiard_segments(angle_K, angle_result.orbit)
    _segments["segment"] = _segments["segment"].astype(str)
    mo.vstack([
        mo.md(f"### The witness at {angle.value} degrees (method {angle_result.method}, action "
              f"{nbs.fmt_number(angle_result.value)})"),
        alt.hconcat(*_planes),
        mo.md(nbs.describe_billiard_witness(angle_K, angle_result.orbit)
              + "\n\n<small>Numbers on the pictures: segment k starts at the point labelled k.</small>"),
        mo.accordion({"segment by segment": mo.ui.table(_segments, selection=None, pagination=False,
                                                        show_column_summaries=False, show_data_types=False,
                                                        show_search=False)}),
    ])
    return


@app.cell
def _(angle_result, curve_run, grid_points, mo, nbs):
    # The curve runs at once when the whole grid is predicted to take under 5 s, else on a click.
    _seconds = float(angle_result.stats.get("seconds", 0.0)) * int(grid_points.value)
    mo.stop(_seconds > 5.0 and not curve_run.value,
            mo.callout(mo.md(f"The curve needs about {_seconds:.0f} s: click **compute the curve**."), kind="info"))
    _angles = [72.0 * i / (int(grid_points.value) - 1) for i in range(int(grid_points.value))]
    with mo.status.spinner(title="systolic ratio over the grid ..."):
        curve = nbs.systolic_ratio_curve(_angles, method=angle_result.method)
    return (curve,)


@app.cell
def _(alt, angle, angle_result, curve, mo, pd):
    _line = alt.Chart(curve).mark_line(point=True).encode(
        x=alt.X("angle_deg:Q", title="turn (degrees)"),
        y=alt.Y("systolic_ratio:Q", title="systolic ratio", scale=alt.Scale(zero=False)),
        tooltip=[alt.Tooltip("angle_deg:Q", title="turn (degrees)"), alt.Tooltip("capacity:Q", format=".10g"),
                 alt.Tooltip("volume:Q", format=".10g"), alt.Tooltip("systolic_ratio:Q", format=".10f"), "method"])
    _one = alt.Chart(pd.DataFrame({"y": [1.0]})).mark_rule(strokeDash=[4, 4], color="gray").encode(y="y:Q")
    _here = alt.Chart(pd.DataFrame({"angle_deg": [float(angle.value)],
                                    "systolic_ratio": [angle_result.systolic_ratio()]})).mark_point(
        color="crimson", size=120, filled=True).encode(x="angle_deg:Q", y="systolic_ratio:Q")
    mo.vstack([mo.md(f"Above the dashed line (sys = 1) Viterbo's conjecture fails; "
                     f"max over the grid: {curve['systolic_ratio'].max():.10f}. The red dot is the slider's angle."),
               (_line + _one + _here).properties(width=520, height=300, title="systolic ratio of P x R P")])
    return


if __name__ == "__main__":
    app.run()
