"""viterbo.notebook_support: what the notebooks show, and in which words."""

import dataclasses
import datetime as dt
import functools
import math

import numpy as np
import pytest

import viterbo as vb
from viterbo import notebook_support as nbs
from viterbo import snapshot
from viterbo.capacity import _registry as registry

pytestmark = pytest.mark.smoke


# ------------------------------------------------------------------------------------------------ input


def test_parse_points_text_formats():
    expected = [[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0]]
    assert nbs.parse_points_text("1, 0\n0 1\n# note\n\n-1;-1\n").tolist() == expected
    assert nbs.parse_points_text("[[1, 0], [0, 1], [-1, -1]]").tolist() == expected
    assert nbs.parse_points_text('{"vertices": [[1, 0], [0, 1], [-1, -1]]}').tolist() == expected


def test_a_csv_header_row_is_accepted():
    text = "q1,q2,p1,p2\n1,0,0,0\n-1,0,0,0\n0,1,0,0\n0,-1,0,0\n0,0,1,0\n0,0,-1,0\n0,0,0,1\n0,0,0,-1\n"
    K = nbs.polytope_from_text(text)
    assert K.n_facets == 16 and K.volume() == pytest.approx(2 / 3)


@pytest.mark.parametrize("text, message", [
    ("", "no points given"),
    ("# only a comment", "every line is empty or a comment"),
    ("q1,q2\n# nothing else", "every line is empty or a comment"),
    ("1, 0\n1, 2, 3", "line 2 has 3 coordinates but line 1 has 2"),
    ("1, a\n0, 1", "line 1, coordinate 2 is 'a', not a number"),
    ("# header comment\n1, 0\n\n0, 1\nfoo bar baz\n-1, -1", "line 5 has 3 coordinates but line 2 has 2"),
    ("q1,q2\n1, 0\n0, 1\nfoo, bar\n-1, -1", "line 4, coordinate 1 is 'foo', not a number"),
    ("1,0,0,0\n0,1,0,0\n0,0,1,nan", "line 3, coordinate 4 is 'nan', not a finite number"),
    ("q1,q2,p1\n1,0,0,0\n0,1,0,0\n2, 1, 0", "line 4 has 3 coordinates but line 2 has 4"),
    ("[[1, 0], 3]", "JSON points must be a list of lists"),
    ('{"normals": []}', "JSON points must be a list of lists"),
    ("[[1, 0], [0, 1, 2]]", "point 2 has 3 coordinates"),
    ("[[1, 0],\n [0, 1],", "not valid JSON .* at line 2"),
])
def test_parse_errors_name_the_line(text, message):
    with pytest.raises(vb.PolytopeError, match=message):
        nbs.parse_points_text(text)


def test_parse_family_arg():
    assert nbs.parse_family_arg("cell24") == ("cell24", nbs.DEFAULT_HULL_POINTS, nbs.DEFAULT_HULL_SEED, None)
    assert nbs.parse_family_arg("random_hull:40:3") == ("random_hull", 40, 3, None)
    assert nbs.parse_family_arg("random_hull") == ("random_hull", 20, 0, None)  # the naming module's default
    assert nbs.parse_family_arg("symplectic_image:random_hull:12:1:5") == ("random_hull", 12, 1, 5)
    with pytest.raises(vb.PolytopeError, match="unknown family 'dodecahedron'"):
        nbs.parse_family_arg("dodecahedron")
    with pytest.raises(vb.PolytopeError, match="not a whole number"):
        nbs.parse_family_arg("random_hull:x")
    with pytest.raises(vb.PolytopeError, match="the picker offers random_hull, cell24"):
        nbs.parse_family_arg("random_halfspaces:9:1")


def test_build_polytope_families_and_symplectic_image():
    for label, name in nbs.FAMILY_CHOICES.items():
        K = nbs.build_polytope(name, n_points=12, seed=2)
        assert K.dim == 4, label
    hull = nbs.build_polytope("random_hull", n_points=12, seed=2)
    assert hull.name == "random_hull:12:2" and hull.equals(vb.families.random_hull(12, 4, 2))
    moved = nbs.build_polytope("cross_polytope", symplectic_seed=3)
    assert moved.name == "symplectic_image:cross_polytope:3" and moved.volume() == pytest.approx(2 / 3)
    assert not moved.equals(vb.families.cross_polytope())


def test_uploaded_files():
    K = nbs.polytope_from_upload(b"q1,q2,p1,p2\n1,0,0,0\n-1,0,0,0\n0,1,0,0\n0,-1,0,0\n0,0,1,0\n0,0,-1,0\n"
                                 b"0,0,0,1\n0,0,0,-1\n", "cross.csv")
    assert K.name == "cross" and K.n_facets == 16
    with pytest.raises(vb.PolytopeError, match="data.bin: a binary file"):
        nbs.polytope_from_upload(b"\x00\x01", "data.bin")
    with pytest.raises(vb.PolytopeError, match="x.csv: not UTF-8 text"):
        nbs.polytope_from_upload("1,0\n0,é\n".encode("latin-1"), "x.csv")
    with pytest.raises(vb.PolytopeError, match="x.csv: line 2, coordinate 1 is 'a'"):
        nbs.polytope_from_upload(b"1,0\na,1\n", "x.csv")


def test_default_polytope_shows_every_part():
    """The opening polytope: reeb proves its capacity, its levers prune, its spectrum has several orbits."""
    K = nbs.build_polytope(nbs.DEFAULT_FAMILY)
    result = vb.capacity(K)
    assert result.method == "reeb" and result.certified and result.stats["pruned_cF_budget"] > 0
    off = vb.capacity(K, method="reeb", use_cF_budgets=False)
    assert off.stats["nodes_expanded"] > result.stats["nodes_expanded"]
    assert len(vb.spectrum(K, max_action=2.5 * result.value, rotation_cap=3.0)) >= 5


def test_polytope_summary_cube():
    info = nbs.polytope_summary(vb.families.cube())
    assert info["facets"] == 8 and info["vertices"] == 16 and info["volume"] == pytest.approx(16.0)
    assert info["centrally symmetric"] is True and info["symplectic polytope"] is False
    assert info["Lagrangian 2-faces"] == len(vb.lagrangian_two_faces(vb.families.cube())) > 0


# ------------------------------------------------------------------------------------------------ methods


def _no_method_applies():
    """A 21-gon x 21-gon moved by a symplectic map: Lagrangian 2-faces (no reeb), 42 facets without central
    symmetry (no haim_kislev), no longer in coordinate planes (no split_product, no billiard)."""
    F = vb.families
    K = F.symplectic_image(F.symplectic_product(F.regular_polygon(21), F.regular_polygon(21)), 1)
    assert all(s.why_not(K) is not None for s in registry.methods())
    return K


def test_method_table_and_resolution():
    rows = {r["method"]: r for r in nbs.method_table(vb.families.regular_polygon(5))}
    assert rows["area"]["applies"] == "yes" and rows["area"]["auto"] == "runs first" and rows["area"]["why not"] == ""
    cube = {r["method"]: r for r in nbs.method_table(vb.families.cube())}
    assert cube["reeb"]["applies"] == "no" and "Use method" not in cube["reeb"]["why not"]
    assert nbs.resolve_method(vb.families.regular_polygon(5), "auto") == "area"
    with pytest.raises(vb.MethodNotApplicableError, match='Method "reeb" does not apply .* Choose method "auto" '
                                                          r'\(it runs "split_product" here\)'):
        nbs.resolve_method(vb.families.cube(), "reeb")
    with pytest.raises(vb.MethodNotApplicableError, match="No exact method applies to this polytope"):
        nbs.resolve_method(_no_method_applies(), "auto")


def test_lever_catalogue_comes_from_the_registry():
    catalogue = nbs.lever_catalogue()
    reeb = {lever.name: lever for lever in catalogue["reeb"]}
    contract = registry.get_method("reeb")
    assert list(reeb) == list(contract.lever_names)
    assert reeb["rotation_cap"].kind == "float" and reeb["rotation_cap"].low == 2.0
    assert reeb["use_cF_budgets"].description == ("Fast pass: defer paths whose c_F sum plus the cheapest return "
                                                  "exceeds the cap to the certification pass.")
    assert reeb["use_memo"].counter == "pruned_memo"
    hk = {lever.name: lever for lever in catalogue["haim_kislev"]}
    assert set(hk) == {"variant", "swap_rule", "commute_rule", "inertia_rule"}  # progress (None) is output only
    assert hk["variant"].kind == "choice" and hk["variant"].choices == ("auto", "general", "symmetric")
    assert set(catalogue) == {m.name for m in registry.methods() if m.levers}


def test_lever_notes_say_when_a_lever_cannot_act():
    reeb = {lever.name: lever for lever in nbs.lever_catalogue()["reeb"]}
    assert "cannot act on the capacity search" in nbs.lever_note(reeb["use_memo"], "reeb")
    assert nbs.lever_note(reeb["use_cF_budgets"], "reeb") == ""
    assert nbs.lever_note(reeb["use_cF_budgets"], "reeb", {"pruned_cF_budget": 7}) == \
        "pruned_cF_budget = 7 in the run shown"
    assert 'lever of "reeb", which does not run here' in nbs.lever_note(reeb["use_memo"], "split_product")
    assert nbs.lever_note(reeb["use_memo"], None) == ""


def test_settling_methods():
    assert nbs.settling_methods(vb.families.cell24(), exclude="reeb") == ["haim_kislev"]
    assert nbs.settling_methods(vb.families.random_hull(36, 4, 1), exclude="reeb") == []


def test_sweep_table_fits_the_page():
    sweep = nbs.lever_sweep(vb.families.cross_polytope(), "reeb", 2)
    table = nbs.sweep_table(nbs.sweep_summary(sweep))
    assert list(table.columns) == ["levers", "runs", "capacity", "seconds", "nodes_expanded"] and len(table) == 4
    assert table["capacity"].tolist() == ["1"] * 4 and table["nodes_expanded"].str.match(r"\d+ \(\d+ – \d+\)").all()


# ------------------------------------------------------------------------------------------------ display


def test_number_formats():
    assert nbs.fmt_number(1.9999999999999998) == "2" and nbs.fmt_number(float("nan")) == "–"
    assert nbs.fmt_seconds(0.17e-3) == "170 µs" and nbs.fmt_seconds(12.345) == "12.3 s"
    assert nbs.round_numbers_in("gave 0.30901699437494745 and 7") == "gave 0.3090169944 and 7"
    assert nbs.fmt_levers({}) == "no levers"


def test_counters_grouped_and_described():
    r = vb.capacity(vb.families.cross_polytope(), method="reeb")
    frame = nbs.counters_frame(r.stats, r.method)
    assert list(frame.columns) == ["group", "counter", "count", "what"]
    groups = dict(zip(frame["counter"], frame["group"]))
    assert groups["nodes_expanded"] == "search work" and groups["two_faces"] == "polytope size"
    assert "segments" not in groups and "rotation" not in groups  # witness facts, shown with the witness
    assert list(frame["group"]) == sorted(frame["group"], key=nbs.COUNTER_GROUPS.index)
    assert frame.iloc[0]["counter"] == registry.get_method("reeb").work_counter == "nodes_expanded"
    assert all(frame["what"].str.len() > 10) and not frame["what"].str.contains("no description").any()
    assert (frame["count"] >= 0).all()
    assert nbs.witness_facts(r.stats)["segments"] == str(r.orbit.n_segments)
    unknown = nbs.counters_frame({"mystery_counter": 3}, "newmethod")
    assert unknown.iloc[0]["group"] == "search work" and 'reported by "newmethod"' in unknown.iloc[0]["what"]


def test_certification_view():
    K = vb.families.cell24()
    # reeb certifies the 24-cell itself; an uncertified result of the same run stands in for one that is not.
    uncertified = dataclasses.replace(vb.capacity(K, method="reeb"), certified=False,
                                      reason="not excluded: a test stand-in")
    view = nbs.certification_view(uncertified, K)
    assert not view.certified and view.settle_with == ("haim_kislev",) and view.label == "upper bound"
    assert "c_EHZ(K) <= 2." in view.sentence and 're-check with "haim_kislev"' in view.sentence
    assert "1.9999999999999998" not in view.sentence
    proved = nbs.certification_view(vb.capacity(K), K)
    assert proved.certified and proved.settle_with == () and proved.kind == "success"


def test_spectrum_unavailable_reason_names_no_method_without_spectrum():
    cube = nbs.spectrum_unavailable_reason(vb.families.cube())
    assert "Lagrangian" in cube and "cross-polytope" in cube
    assert "haim_kislev" not in cube and "billiard" not in cube
    assert nbs.spectrum_unavailable_reason(vb.families.cross_polytope()) is None
    assert "R^2" in nbs.spectrum_unavailable_reason(vb.families.regular_polygon(5))


def test_spectrum_groups_count_equal_orbits():
    groups = nbs.spectrum_groups(vb.spectrum(vb.families.cell24(), max_action=2.5))
    first = groups.iloc[0]
    assert first["action"] == pytest.approx(2.0) and first["orbits"] == 8
    orbits = vb.spectrum(vb.families.cross_polytope(), max_action=2.5)
    grouped = nbs.spectrum_groups(orbits)
    assert grouped["orbits"].sum() == len(orbits) and list(grouped["action"]) == sorted(grouped["action"])
    assert len(nbs.spectrum_frame(orbits)) == len(orbits)


def test_witness_planes_and_outlines():
    cube = vb.families.cube()
    assert nbs.witness_planes(cube, vb.capacity(cube).orbit).planes == (("q1", "p1"), ("q2", "p2"))
    pentagons = vb.families.pentagon_counterexample()
    choice = nbs.witness_planes(pentagons, vb.capacity(pentagons).orbit)
    assert choice.planes == (("q1", "q2"), ("p1", "p2")) and choice.why.startswith("The witness is drawn")
    outline = nbs.outline_frame(pentagons, "q1", "q2")
    assert len(outline) == 6 and np.allclose(outline.iloc[0][["q1", "q2"]], outline.iloc[-1][["q1", "q2"]])
    square = nbs.outline_frame(cube, "q1", "p1")
    assert sorted(map(tuple, square[["q1", "p1"]].values[:-1].tolist())) == [(-1, -1), (-1, 1), (1, -1), (1, 1)]


def test_orbit_frame_closes_the_loop():
    orbit = vb.Orbit(vb.families.cube().vertices[[0, 1, 3]], (0, 1, 2))
    frame = nbs.orbit_frame(orbit)
    assert list(frame["step"]) == [0, 1, 2, 3] and list(frame["facet"]) == [0, 1, 2, 0]
    assert np.allclose(frame.iloc[0][["q1", "q2", "p1", "p2"]], frame.iloc[-1][["q1", "q2", "p1", "p2"]])
    with pytest.raises(ValueError, match="need R\\^4"):
        nbs.orbit_frame(vb.capacity(vb.families.regular_polygon(4)).orbit)


# ------------------------------------------------------------------------------------------------ runs


def _request(K, **reeb):
    chosen = {"reeb": {"rotation_cap": 2.0, "use_cF_budgets": True, "use_memo": True, **reeb},
              "haim_kislev": {"swap_rule": True}}
    return nbs.make_request(K, "auto", chosen), chosen


def test_runs_stale_and_comparison():
    K = vb.families.random_hull(14, 4, 7)
    first_request, first_levers = _request(K)
    assert dict(first_request.levers) == {"rotation_cap": 2.0, "use_cF_budgets": True, "use_memo": True}
    # A lever of a method that does not run leaves the request as it was.
    assert nbs.make_request(K, "auto", {**first_levers, "haim_kislev": {"swap_rule": False}}) == first_request
    first = nbs.compute_run(K, first_request, first_levers)
    assert first.ok and first.result.verify() and len(first.spectrum) >= 5 and first.spectrum_note is None
    history = nbs.remember([], first)
    second_request, second_levers = _request(K, use_cF_budgets=False)
    screen = nbs.run_on_screen(history, second_request)
    assert screen.run is first and screen.changes == ("use_cF_budgets on -> off",) and screen.failure is None
    assert nbs.has_run(history, first_request) and not nbs.has_run(history, second_request)
    assert nbs.comparison_pair(history) is None
    history = nbs.remember(history, nbs.compute_run(K, second_request, second_levers))
    assert nbs.run_on_screen(history, second_request).changes == ()
    before, after = nbs.comparison_pair(history)
    frame = nbs.comparison_frame(before, after).set_index("quantity")
    assert frame.loc["capacity", "before"] == frame.loc["capacity", "after"] == nbs.fmt_number(first.result.value)
    assert frame.loc["pruned_cF_budget", "after"] == "0" and frame.loc["pruned_cF_budget", "change"].startswith("-")
    assert frame.loc["time", "change"].endswith("x") and frame.loc["two_faces", "change"] == "same"
    # Back to the first settings: their run comes back last, the comparison turns round, nothing recomputed.
    assert nbs.recall(history, second_request) is None  # already last
    history = nbs.recall(history, first_request)
    assert history[-1] is first and nbs.comparison_pair(history)[1] is first
    assert nbs.remember(history, first) == history and len(history) == 2
    many = [nbs.Run(nbs.make_request(K, "auto", {"reeb": {"rotation_cap": 2.0 + i / 8}})) for i in range(12)]
    assert len(functools.reduce(nbs.remember, many, [])) == 8


def test_a_failed_setting_keeps_the_last_result_on_screen():
    cube = vb.families.cube()
    good = nbs.compute_run(cube, nbs.make_request(cube, "auto", {}), {})
    bad_request = nbs.make_request(cube, "reeb", {})
    bad = nbs.compute_run(cube, bad_request, {})
    assert not bad.ok and bad.error.startswith('Method "reeb" does not apply to this polytope')
    assert 'Choose method "auto" (it runs "split_product" here)' in bad.error
    screen = nbs.run_on_screen([good, bad], bad_request)
    assert screen.run is good and screen.failure is bad and screen.changes == ("method auto -> reeb",)
    other = vb.families.cross_polytope()
    screen = nbs.run_on_screen([good], nbs.make_request(other, "auto", {}))
    assert screen.run is good and screen.changes == ("the polytope (cube -> cross_polytope)",)
    assert nbs.run_on_screen([], bad_request) == nbs.Screen(None)


def test_runs_report_errors_in_words():
    K = _no_method_applies()
    request, levers = _request(K)
    run = nbs.compute_run(K, request, levers)
    assert not run.ok and run.error.startswith("No exact method applies")
    cube = vb.families.cube()
    request = nbs.make_request(cube, "auto", {})
    run = nbs.compute_run(cube, request, {})
    assert run.result.value == pytest.approx(4.0) and run.spectrum == () and "Lagrangian" in run.spectrum_note
    lever = nbs.compute_run(cube, nbs.make_request(cube, "split_product", {}, implementation="native"), {})
    assert lever.error.startswith("These settings do not fit the method") and "no compiled kernel" in lever.error
    budget = nbs.compute_run(vb.families.random_hull(40, 4, 0), nbs.make_request(vb.families.random_hull(40, 4, 0),
                                                                                   "auto", {}), {}, time_budget=1e-9)
    assert "time budget" in budget.error and "Raise the time budget" in budget.error


# ------------------------------------------------------------------------------------------------ counterexample


def test_billiard_witness_told_in_words():
    K = vb.families.pentagon_counterexample()
    result = vb.capacity(K, method="billiard")
    frame = nbs.billiard_segments(K, result.orbit)
    assert len(frame) == result.orbit.n_segments and set(frame["kind"]) == {"travel", "bounce"}
    text = nbs.describe_billiard_witness(K, result.orbit)
    assert f"**{result.stats['bounces']} bounces**" in text
    assert "turns at (-0.382, 0) inside P" in text  # the corner of the q-triangle inside the pentagon
    assert "e-16" not in text
    labels = nbs.point_labels(nbs.orbit_frame(result.orbit), "q1", "q2")
    assert sorted(labels["label"]) == ["1, 5, 6", "2", "3, 4"]  # q rests while p moves: one label per point
    with pytest.raises(ValueError, match="not a Lagrangian product"):
        nbs.billiard_segments(vb.families.cross_polytope(), vb.capacity(vb.families.cross_polytope()).orbit)


def test_systolic_ratio_curve_hits_the_counterexample():
    assert nbs.rotated_pentagon_product(math.pi / 2).equals(vb.families.pentagon_counterexample())
    curve = nbs.systolic_ratio_curve([0.0, 18.0])
    assert curve["systolic_ratio"].iloc[1] == pytest.approx((math.sqrt(5) + 3) / 5, rel=1e-9)
    assert curve["systolic_ratio"].iloc[0] <= curve["systolic_ratio"].iloc[1]


# ------------------------------------------------------------------------------------------------ trends


def _trend_rows(folder, weeks):
    for week, rows in weeks.items():
        when = dt.datetime.fromisocalendar(int(week[:4]), int(week[-2:]), 2).replace(tzinfo=dt.timezone.utc)
        full = []
        for polytope, lo, med, hi in rows:
            row = {c: "" for c in snapshot.COLUMNS}
            row.update(week=week, timestamp=when.strftime("%Y-%m-%dT%H:%M:%SZ"), source="snapshot", polytope=polytope,
                       method="reeb", levers="-", capacity=1.0, seconds_min=lo, seconds_median=med, seconds_max=hi,
                       repeats=3, status="ok", machine="m")
            full.append(row)
        snapshot.write_rows(full, folder, now=when)
    return snapshot.load_snapshots(folder)


def test_regressions_need_to_clear_the_noise_floor(tmp_path):
    df = _trend_rows(tmp_path, {
        "2026-W47": [("tiny", 0.00015, 0.00017, 0.0002), ("overlap", 0.010, 0.011, 0.030),
                     ("real", 0.010, 0.011, 0.012)],
        "2026-W48": [("tiny", 0.00030, 0.00034, 0.0004), ("overlap", 0.016, 0.020, 0.025),
                     ("real", 0.020, 0.021, 0.022)],
    })
    assert set(snapshot.find_regressions(df)["polytope"]) == {"tiny", "overlap", "real"}
    flagged, noise = nbs.regressions_past_noise(df)
    assert list(flagged["polytope"]) == ["real"]
    why = dict(zip(noise["polytope"], noise["why"]))
    assert "under the 1 ms floor" in why["tiny"] and "the repeats overlap" in why["overlap"]
    flagged, _ = nbs.regressions_past_noise(df, floor_seconds=0.0)
    assert set(flagged["polytope"]) == {"tiny", "real"}
    shown = nbs.regressions_for_display(flagged)
    assert list(shown.columns) == ["machine", "configuration", "weeks", "median seconds", "ratio"]
    assert shown.iloc[0]["weeks"] == "W47 -> W48" and shown.iloc[0]["median seconds"] == "11 ms -> 21 ms"
    assert "why" in nbs.regressions_for_display(noise).columns
