import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="viterbo: atlas of systolic ratios")


@app.cell
def _():
    # Every import in one cell, first.
    from pathlib import Path

    import altair as alt
    import marimo as mo
    import numpy as np
    import pandas as pd

    import viterbo as vb
    import viterbo.atlas as atlas

    return Path, alt, atlas, mo, np, pd, vb


@app.cell(hide_code=True)
def _(mo):
    mo.md(r"""
    # An atlas of systolic ratios

    Each row of an atlas is one polytope $K \subset \mathbb{R}^4$ with its exact, certified capacity
    $c_{\mathrm{EHZ}}(K)$, its volume and $\mathrm{sys}(K) = c^2 / (2\,\mathrm{vol})$ (built by
    `viterbo atlas build` or `viterbo search`; columns in README.md, "Atlases").
    Viterbo's conjecture said $\mathrm{sys} \le 1$; the Haim-Kislev–Ostrover product of pentagons has
    $(\sqrt5 + 3)/5 \approx 1.0472$. Below: how sys is distributed by family and vertex count, the best
    polytopes of the atlas, the second action $A_2$ against $2A_1$, and the rows behind any part of the chart.
    """)
    return


@app.cell
def _(Path, mo):
    # The atlas to open: the small one shipped in artefacts/, or any other (`-- --atlas PATH` as a script).
    _default = Path(__file__).resolve().parents[1] / "artefacts" / "atlas" / "small.parquet"
    atlas_path = mo.ui.text(value=str(mo.cli_args().get("atlas") or _default), label="atlas file", full_width=True)
    atlas_path
    return (atlas_path,)


@app.cell
def _(atlas, atlas_path, mo):
    try:
        rows = atlas.load(atlas_path.value)
    except atlas.AtlasStoreError as _exc:
        mo.stop(True, mo.callout(mo.md(f"**Cannot open the atlas.** {_exc}"), kind="danger"))
    rows = rows.assign(kind=rows.family.str.split(":").str[0])
    certified = rows[rows.certified].copy()
    mo.md(f"**{len(rows)}** polytopes, **{len(certified)}** certified "
          f"({len(certified) / max(len(rows), 1):.1%}); families: "
          + ", ".join(f"`{f}` ({n})" for f, n in rows.family.value_counts().items()))
    return certified, rows


@app.cell
def _(alt, certified, mo):
    # The distribution of sys by vertex count, coloured by family; drag a box to select rows.
    _brush = alt.selection_interval(encodings=["x", "y"])
    _points = alt.Chart(certified[["index", "family", "n_vertices", "n_facets", "systolic_ratio", "method"]]).mark_circle(
        size=40, opacity=0.6).encode(
        x=alt.X("n_vertices:Q", title="vertices"),
        y=alt.Y("systolic_ratio:Q", title="systolic ratio", scale=alt.Scale(zero=False)),
        color=alt.Color("family:N"),
        tooltip=["family", "index", "n_vertices", "n_facets", "systolic_ratio", "method"],
    ).add_params(_brush).properties(width=560, height=320, title="sys by vertex count (drag to select)")
    distribution = mo.ui.altair_chart(_points)
    distribution
    return (distribution,)


@app.cell
def _(certified, distribution, mo):
    # The rows behind the brushed region (all certified rows when nothing is selected).
    _sel = distribution.value
    _shown = _sel if len(_sel) else certified
    _cols = ["family", "index", "n_vertices", "n_facets", "capacity", "volume", "systolic_ratio", "method",
             "orbit_type", "rotation"]
    mo.vstack([mo.md(f"**{len(_shown)}** row(s) {'selected' if len(_sel) else '(select a region above)'}"),
               mo.ui.table(certified.loc[_shown.index, _cols] if len(_sel) else certified[_cols],
                           selection=None, page_size=10)])
    return


@app.cell
def _(alt, certified, mo, pd):
    # Largest sys per family and vertex count, against the reference lines 3/4, 1 and (sqrt 5 + 3)/5.
    _best = certified.groupby(["family", "n_vertices"], as_index=False).systolic_ratio.max()
    _lines = pd.DataFrame({"y": [0.75, 1.0, (5**0.5 + 3) / 5],
                           "label": ["3/4 (simplices)", "1 (ball)", "(sqrt 5 + 3)/5 (pentagon product)"]})
    _chart = alt.Chart(_best).mark_line(point=True).encode(
        x=alt.X("n_vertices:Q", title="vertices"), y=alt.Y("systolic_ratio:Q", title="max sys", scale=alt.Scale(zero=False)),
        color="family:N", tooltip=["family", "n_vertices", "systolic_ratio"])
    _rules = alt.Chart(_lines).mark_rule(strokeDash=[4, 4], color="gray").encode(y="y:Q", tooltip=["label"])
    mo.vstack([mo.md("### The largest ratios"), (_chart + _rules).properties(width=560, height=260)])
    return


@app.cell
def _(certified, mo):
    # Pick one of the best polytopes of the atlas.
    top = certified.sort_values("systolic_ratio", ascending=False).head(10)
    choice = mo.ui.dropdown(
        options={f"{r.systolic_ratio:.8f}  {r.family} #{r['index']} ({r.n_vertices} vertices)": i
                 for i, r in top.iterrows()},
        value=None if top.empty else f"{top.iloc[0].systolic_ratio:.8f}  {top.iloc[0].family} "
                                     f"#{top.iloc[0]['index']} ({top.iloc[0].n_vertices} vertices)",
        label="polytope")
    turn = mo.ui.slider(start=0, stop=180, step=5, value=30, label="3D view: turn (degrees)", show_value=True)
    mo.vstack([mo.md("### The best polytopes"), mo.hstack([choice, turn], justify="start")])
    return choice, top, turn


@app.cell
def _(certified, choice, mo, np, vb):
    # Its witness orbit, recomputed (the atlas stores the facet sequence, not the breakpoints).
    mo.stop(choice.value is None, mo.md("_No certified polytope in this atlas._"))
    best_row = certified.loc[choice.value]
    best_K = vb.Polytope.from_vertices(np.stack(best_row.vertices))
    best_result = vb.capacity(best_K)
    best_result.verify()
    return best_K, best_result, best_row


@app.cell
def _(alt, best_K, best_result, best_row, mo, np, pd, turn):
    # q-plane, p-plane and a turning 3D projection (q1, q2, p1) of the vertices, hull edges and witness.
    _V = best_K.vertices_np
    _X = best_result.orbit.breakpoints.numpy()
    _names = ["q1", "q2", "p1", "p2"]
    _edges = pd.DataFrame([{"edge": k, "end": e, **dict(zip(_names, _V[v]))}
                           for k, (a, b) in enumerate(best_K.edges()) for e, v in enumerate((a, b))])
    _orbit = pd.DataFrame(np.vstack([_X, _X[:1]]), columns=_names).assign(step=range(len(_X) + 1))
    _t = np.radians(turn.value)
    _R = np.array([[np.cos(_t), 0, np.sin(_t)], [0, 1, 0]])  # turn about the q2 axis, then drop depth
    for _df in (_edges, _orbit):
        _P = _df[["q1", "q2", "p1"]].to_numpy() @ _R.T
        _df["u"], _df["v"] = _P[:, 0], _P[:, 1]

    def _view(x, y, title):
        _e = alt.Chart(_edges).mark_line(color="lightgray").encode(x=f"{x}:Q", y=f"{y}:Q", detail="edge:N")
        _o = alt.Chart(_orbit).mark_line(point=True, color="crimson").encode(x=f"{x}:Q", y=f"{y}:Q", order="step:Q")
        return (_e + _o).properties(width=230, height=230, title=title)

    mo.vstack([
        mo.md(f"sys = **{best_row.systolic_ratio:.10f}** ({best_row.family} #{best_row['index']}, "
              f"{best_K.n_vertices} vertices, {best_K.n_facets} facets; recomputed: c = {best_result.value:.10g} "
              f"by {best_result.method}, witness verified)"),
        alt.hconcat(_view("q1", "q2", "q-plane"), _view("p1", "p2", "p-plane"),
                    _view("u", "v", f"3D (q1, q2, p1), turned {turn.value} deg")),
    ])
    return


@app.cell
def _(alt, mo, pd, rows):
    # A_2 / (2 A_1) against 1 (Chaidez–Hutchings conjecture A_2 <= 2 A_1), where the spectrum gave A_2.
    _a2 = rows.loc[rows.certified & rows.A2.notna(), ["family", "index", "capacity", "A2"]].assign(
        ratio=lambda d: d.A2 / (2 * d.capacity))
    mo.stop(_a2.empty, mo.md("### A_2 / (2 A_1)\n_This atlas has no A_2 column values (build with `--spectrum`)._"))
    _hist = alt.Chart(_a2).mark_bar().encode(x=alt.X("ratio:Q", bin=alt.Bin(maxbins=40), title="A_2 / (2 A_1)"),
                                             y=alt.Y("count():Q", title="polytopes"), color="family:N")
    _one = alt.Chart(pd.DataFrame({"x": [1.0]})).mark_rule(color="crimson").encode(x="x:Q")
    mo.vstack([mo.md(f"### A_2 / (2 A_1)\n{len(_a2)} polytopes; largest ratio **{_a2.ratio.max():.6f}** "
                     f"({'above' if _a2.ratio.max() > 1 else 'not above'} 1)."),
               (_hist + _one).properties(width=560, height=220)])
    return


if __name__ == "__main__":
    app.run()
