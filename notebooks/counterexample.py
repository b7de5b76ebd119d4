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
    from viterbo.errors import MethodNotApplicableError, TimeBudgetExceededError, VerificationError

    return MethodNotApplicableError, TimeBudgetExceededError, VerificationError, alt, math, mo, nbs, pd, vb


@app.cell(hide_code=True)
def _(mo):
    mo.md(r"""
    # The Haim-Kislev–Ostrover counterexample to Viterbo's conjecture

    $K = P \times R_{90^\circ} P \subset \mathbb{R}^2_q \times \mathbb{R}^2_p$: a regular pentagon in the
    q-plane times the same pentagon turned by $90^\circ$ in the p-plane
    (P. Haim-Kislev, Y. Ostrover, *A counterexample to Viterbo's conjecture*, 2024).
    Viterbo's conjecture says $\mathrm{sys}(K) = c_{\mathrm{EHZ}}(K)^2 / (2\,\mathrm{vol}(K)) \le 1$
    for convex $K$; this $K$ has $\mathrm{sys}(K) = (\sqrt5 + 3)/5 \approx 1.0472$.
    Below, the capacity is computed by every exact method that applies, its witness (a closed billiard
    trajectory, 2 bounces for this K) is drawn in both planes, and the ratio is followed as the second pentagon turns.
    """)
    return


@app.cell
def _(nbs, pd, vb):
    K = vb.families.pentagon_counterexample()
    _info = nbs.polytope_summary(K)
    summary = pd.DataFrame([{"property": k, "value": str(v)} for k, v in _info.items()])
    wanted = ("billiard", "haim_kislev")
    registered = [m for m in wanted if m in vb.method_names()]
    missing = [m for m in wanted if m not in registered]
    return K, missing, registered, summary


@app.cell
def _(K, MethodNotApplicableError, TimeBudgetExceededError, VerificationError, pd, registered, vb):
    # The capacity by each exact method available, each witness re-checked.
    results = {}
    _rows = []
    for _m in registered:
        try:
            _r = vb.capacity(K, method=_m, time_budget=120.0)
            _r.verify()
            results[_m] = _r
            _rows.append({"method": _m, "capacity": _r.value, "systolic ratio": _r.systolic_ratio(),
                          "seconds": float(_r.stats.get("seconds", float("nan"))), "witness": "verified"})
        except (MethodNotApplicableError, TimeBudgetExceededError, VerificationError) as _exc:
            _rows.append({"method": _m, "capacity": float("nan"), "systolic ratio": float("nan"),
                          "seconds": float("nan"), "witness": f"{type(_exc).__name__}: {_exc}"})
    capacities = pd.DataFrame(_rows, columns=["method", "capacity", "systolic ratio", "seconds", "witness"])
    return capacities, results


@app.cell
def _(capacities, math, missing, mo, nbs, results, summary):
    _notes = []
    if missing:
        _notes.append(mo.callout(mo.md("Not available in this build: " + ", ".join(f'`"{m}"`' for m in missing)
                                       + "."), kind="warn"))
    _disagreement = nbs.methods_disagreement(results)
    if _disagreement:
        _notes.append(mo.callout(mo.md(f"**{_disagreement.upper()}.** Independent exact methods must agree: "
                                       "this is a bug in one of them."), kind="danger"))
    if results:
        _ratio = next(iter(results.values())).systolic_ratio()
        _notes.append(mo.callout(
            mo.md(f"sys(K) = **{_ratio:.10f}** {'>' if _ratio > 1 else '<='} 1 "
                  f"(published: (sqrt 5 + 3)/5 = {(math.sqrt(5) + 3) / 5:.10f})."),
            kind="success" if _ratio > 1 else "danger"))
    mo.vstack([mo.md("### The polytope"), mo.ui.table(summary, selection=None, pagination=False),
               mo.md("### Capacity"), mo.ui.table(capacities, selection=None, pagination=False), *_notes])
    return


@app.cell
def _(K, alt, mo, nbs, results):
    # The witness in both planes, over the two pentagons.
    mo.stop(not results, mo.md("_No witness: no exact method for Lagrangian products is available._"))
    _m, _r = next(iter(results.items()))
    _orbit = nbs.orbit_frame(_r.orbit)
    _verts = nbs.vertex_frame(K)
    _planes = []
    for _x, _y, _title in (("q1", "q2", "q-plane (first pentagon)"), ("p1", "p2", "p-plane (turned pentagon)")):
        _shape = alt.Chart(_verts).mark_point(color="gray", filled=True, size=60).encode(x=_x, y=_y)
        _loop = alt.Chart(_orbit).mark_line(point=True, color="crimson").encode(
            x=alt.X(_x, scale=alt.Scale(domain=[-1.1, 1.1])), y=alt.Y(_y, scale=alt.Scale(domain=[-1.1, 1.1])),
            order="step", tooltip=["step", "facet", "q1", "q2", "p1", "p2"])
        _planes.append((_shape + _loop).properties(title=_title, width=260, height=260))
    _bounces = f", {_r.stats['bounces']} bounces" if "bounces" in _r.stats else ""
    mo.vstack([mo.md(f"### Witness ({_r.orbit.n_segments} segments{_bounces}, method {_m}, action {_r.value:.10g})"),
               alt.hconcat(*_planes)])
    return


@app.cell
def _(mo):
    # Controls: the turn of the second pentagon and the grid of the curve.
    angle = mo.ui.slider(start=0, stop=72, step=1, value=18, label="turn of the second pentagon (degrees)",
                         show_value=True)
    grid_points = mo.ui.number(start=3, stop=145, step=1, value=13, label="grid points on [0, 72] degrees")
    curve_run = mo.ui.run_button(label="compute the curve")
    mo.vstack([mo.md("### Turning the second pentagon\nThe product depends on the angle modulo 72 degrees; "
                     "18 degrees is the counterexample (90 = 72 + 18)."),
               mo.hstack([angle, grid_points, curve_run], justify="start")])
    return angle, curve_run, grid_points


@app.cell
def _(MethodNotApplicableError, angle, math, mo, nbs, vb):
    # The ratio at the chosen angle, with the fastest exact method that applies ("auto").
    try:
        angle_result = vb.capacity(nbs.rotated_pentagon_product(math.radians(angle.value)), time_budget=60.0)
    except MethodNotApplicableError as _exc:
        mo.stop(True, mo.callout(mo.md(f"**No exact method applies to pentagon products in this build.** {_exc}"),
                                 kind="warn"))
    mo.md(f"At {angle.value} degrees: c = {angle_result.value:.10g}, sys = **{angle_result.systolic_ratio():.10f}** "
          f"(method {angle_result.method}, {float(angle_result.stats.get('seconds', 0.0)):.3g} s).")
    return (angle_result,)


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
        tooltip=["angle_deg", "capacity", "volume", "systolic_ratio", "method"])
    _one = alt.Chart(pd.DataFrame({"y": [1.0]})).mark_rule(strokeDash=[4, 4], color="gray").encode(y="y:Q")
    _here = alt.Chart(pd.DataFrame({"angle_deg": [float(angle.value)],
                                    "systolic_ratio": [angle_result.systolic_ratio()]})).mark_point(
        color="crimson", size=120, filled=True).encode(x="angle_deg:Q", y="systolic_ratio:Q")
    mo.vstack([mo.md(f"Above the dashed line (sys = 1) Viterbo's conjecture fails; "
                     f"max over the grid: {curve['systolic_ratio'].max():.10f}."),
               (_line + _one + _here).properties(width=520, height=300, title="systolic ratio of P x R P")])
    return


if __name__ == "__main__":
    app.run()
