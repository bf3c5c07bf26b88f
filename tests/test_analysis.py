#!/usr/bin/env python3
"""Tests of the analysis package (`python3 -m analysis CUBE --out DIR`) on a small
cube that the engine computes during the test (tests/jobs/analysis.yaml, 2 ranks):
every panel whose data exist is drawn (PNG and PDF) and the others are listed as
skipped; the numbers in summary.md equal numbers computed here directly from the
cube with h5py and numpy; a copy of the cube with half the task axis NaN still
works and summary.md lists what is missing.

    test_analysis.py HETSWEEP_BINARY SOURCE_ROOT
"""
import math
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
import warnings

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import helpers  # noqa: E402
from helpers import mpirun  # noqa: E402

AXES = ("model", "profile", "heterogeneity", "tau_mean_ms", "n",
        "input_gain", "recurrent_gain", "noise", "seed")
LEVEL = AXES.index("heterogeneity")
ROBUSTNESS = {"fig3_size": "n", "fig3_noise": "noise", "fig3_input_gain": "input_gain",
              "fig3_recurrent_gain": "recurrent_gain"}
COSTS = {"fig4_flops": ("sim_flops", "inference_flops"), "fig4_memory": ("memory_bytes",),
         "fig4_atp": ("atp",), "fig4_loihi2": ("loihi2_j",), "fig4_spinnaker2": ("spinnaker2_j",)}


def nanmean(values, axis=None):
    """np.nanmean, quiet about all-NaN slices (they give NaN)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(values, axis=axis)


def run_analysis(cube, out, *extra):
    return subprocess.run([sys.executable, "-m", "analysis", cube, "--out", out, *extra],
                          cwd=helpers.ROOT, capture_output=True, text=True, timeout=600)


def cell(text):
    text = text.strip().replace("\\|", "|")
    if text == "n/a":
        return math.nan
    try:
        return float(text)
    except ValueError:
        return text


def parse_tables(markdown):
    """[(section, caption, columns, rows)] of every table in summary.md."""
    tables, section, caption = [], "", ""
    lines = markdown.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("## "):
            section = line[3:].split(":")[0]
        elif line.startswith("**") and line.endswith("**"):
            caption = line.strip("*")
        elif line.startswith("| ") and i + 1 < len(lines) and lines[i + 1].startswith("|---"):
            columns = [c.strip() for c in line.strip("|").split(" | ")]
            rows, i = [], i + 2
            while i < len(lines) and lines[i].startswith("| "):
                rows.append([cell(c) for c in lines[i].strip()[2:-2].split(" | ")])
                i += 1
            tables.append((section, caption, columns, rows))
            continue
        i += 1
    return tables


def find_table(tables, section, caption_start=""):
    for s, caption, columns, rows in tables:
        if s == section and caption.startswith(caption_start):
            return columns, [dict(zip(columns, r)) for r in rows]
    raise AssertionError(f"summary.md has no table {caption_start!r} in section {section!r}")


class Direct:
    """The cube's numbers, computed here with numpy only (not with the analysis package)."""

    def __init__(self, path):
        with h5py.File(path, "r") as f:
            self.axes = {a: f["axes"][a][...] for a in AXES}
            self.score = f["results/score"][...].astype(np.float64)
            self.alignment = f["results/alignment"][...].astype(np.float64)
            self.status = f["results/status"][...]
            self.pr = f["results/dimensionality"][...].astype(np.float64)
            self.costs = {k: f["results/costs"][k][...] for k in f["results/costs"]}
            self.complexity = f["tasks/complexity"][...]
        with np.errstate(invalid="ignore"):
            self.clipped = np.clip(self.score, 0, None)
        self.levels = self.axes["heterogeneity"]

    def per_task(self, li):
        """Task vector at level li: mean over seeds and all other axes (model 0)."""
        block = np.take(self.clipped[0], li, axis=LEVEL - 1)
        return nanmean(block.reshape(-1, block.shape[-1]), axis=0)

    def level_mean(self, li):
        v = self.per_task(li)
        v = v[np.isfinite(v)]
        return v.mean(), v.mean() - 1.96 * v.std(ddof=1) / np.sqrt(v.size), v.size

    def beats(self, li):
        het, hom = self.per_task(li), self.per_task(0)
        both = np.isfinite(het) & np.isfinite(hom)
        return float((het[both] > hom[both]).mean())

    def performance(self):
        perf = nanmean(self.clipped, axis=-1)
        return np.where(self.status == 0, perf, np.nan)

    def estar(self, cost_names, li, bin_index, cumulative=False):
        perf = self.performance()[0, :, li].ravel()
        cost = sum(self.costs[c] for c in cost_names)[0, :, li].ravel()
        bins = np.floor(perf / 0.02)
        keep = np.isfinite(perf) & np.isfinite(cost)
        inside = (bins >= bin_index) if cumulative else (bins == bin_index)
        chosen = cost[keep & inside]
        return chosen.min() if chosen.size else math.nan

    def tier_mean(self, axis, x_index, li, tier):
        """Fig. 3: mean over the tier's tasks at one axis value and level."""
        a = AXES.index(axis) - 2  # after dropping model and heterogeneity
        block = np.take(np.take(self.clipped[0], li, axis=LEVEL - 1), x_index, axis=a)
        per_task = nanmean(block.reshape(-1, block.shape[-1]), axis=0)
        c = self.complexity
        select = [(c >= 0) & (c < 1 / 3), (c >= 1 / 3) & (c < 2 / 3), (c >= 2 / 3) & (c <= 1)][tier]
        v = per_task[select]
        return v[np.isfinite(v)].mean()

    def expected_panels(self):
        drawn = {"fig2a", "fig2b", "fig2c", "fig2d", "alignment", "dimensionality"}
        drawn |= {p for p, a in ROBUSTNESS.items() if len(self.axes[a]) >= 2}
        drawn |= {p for p, parts in COSTS.items()
                  if np.isfinite(sum(self.costs[c] for c in parts)).any()}
        if len(self.axes["tau_mean_ms"]) >= 2:
            drawn.add("fig5a")
        if len(self.axes["profile"]) >= 2:
            drawn.add("fig5b")
        return drawn


def close(a, b, rel=2e-5):
    return math.isclose(a, b, rel_tol=rel, abs_tol=1e-9) or (math.isnan(a) and math.isnan(b))


class Analysis(unittest.TestCase):
    """One cube made by the engine; the analysis run once on it."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="hetsweep-analysis-")
        cls.cube = os.path.join(cls.dir, "analysis.h5")
        r = mpirun(2, "run", helpers.job_path("analysis.yaml"), "-o", cls.cube, "--quiet")
        if r.returncode != 0:
            raise RuntimeError(f"engine run failed: {r.stdout}{r.stderr}")
        cls.out = os.path.join(cls.dir, "figures")
        cls.result = run_analysis(cls.cube, cls.out)
        print(cls.result.stdout, file=sys.stderr)
        cls.direct = Direct(cls.cube)
        cls.summary = helpers.read(os.path.join(cls.out, "summary.md")) \
            if cls.result.returncode == 0 else ""
        cls.tables = parse_tables(cls.summary)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_runs(self):
        self.assertEqual(self.result.returncode, 0, self.result.stdout + self.result.stderr)

    def test_every_panel_with_data_is_drawn(self):
        expected = self.direct.expected_panels()
        self.assertGreaterEqual(len(expected), 14, "the test job should give every rate panel")
        for name in sorted(expected):
            for ext, magic in (("png", b"\x89PNG"), ("pdf", b"%PDF")):
                path = os.path.join(self.out, f"{name}.{ext}")
                self.assertTrue(os.path.exists(path), f"{name}.{ext} missing")
                with open(path, "rb") as fh:
                    self.assertEqual(fh.read(4), magic, path)
                self.assertGreater(os.path.getsize(path), 1000, path)
            self.assertIn(f"drew {name}:", self.result.stdout)
            self.assertIn(f"- `{name}`:", self.summary)

    def test_panels_without_data_are_skipped_and_listed(self):
        for name in ("fig4_atp", "fig4_loihi2", "fig4_spinnaker2"):
            self.assertFalse(os.path.exists(os.path.join(self.out, f"{name}.png")))
            self.assertIn(f"skipped {name}: no network has a finite", self.result.stdout)
            self.assertIn(f"- `{name}`: no network has a finite", self.summary)

    def test_level_means_equal_direct(self):
        _, rows = find_table(self.tables, "Mean score per level")
        self.assertEqual(len(rows), len(self.direct.levels))
        for li, row in enumerate(rows):
            mean, low, count = self.direct.level_mean(li)
            self.assertEqual(row["level"], float(self.direct.levels[li]))
            self.assertTrue(close(row["mean"], mean), (row, mean))
            self.assertTrue(close(row["CI low"], low), (row, low))
            self.assertEqual(row["tasks"], count)

    def test_hetero_beats_homo_fraction_equals_direct(self):
        _, rows = find_table(self.tables, "fig2d")
        self.assertEqual(len(rows), len(self.direct.levels) - 1)
        for row in rows:
            li = list(self.direct.levels).index(row["level"])
            self.assertTrue(close(row["fraction better"], self.direct.beats(li)), row)

    def test_estar_equals_direct(self):
        columns, rows = find_table(self.tables, "fig4_flops", "E* = least FLOPs")
        checked = 0
        for row in rows:
            bin_index = round(float(row["performance bin"].strip("[").split(",")[0]) / 0.02)
            for li, level in enumerate(self.direct.levels):
                value = row[f"cv={level:g}"]
                direct = self.direct.estar(COSTS["fig4_flops"], li, bin_index)
                self.assertTrue(close(value, direct), (row, level, direct))
                checked += np.isfinite(direct)
        self.assertGreater(checked, 3)

    def test_cumulative_estar_equals_direct(self):
        out = os.path.join(self.dir, "cumulative")
        r = run_analysis(self.cube, out, "--cumulative", "--only", "fig4_memory")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        _, rows = find_table(parse_tables(helpers.read(os.path.join(out, "summary.md"))),
                             "fig4_memory", "E* = least memory")
        self.assertGreater(len(rows), 1)
        for row in rows:
            bin_index = round(float(row["performance bin"].replace(">=", "")) / 0.02)
            for li, level in enumerate(self.direct.levels):
                direct = self.direct.estar(COSTS["fig4_memory"], li, bin_index, cumulative=True)
                self.assertTrue(close(row[f"cv={level:g}"], direct), (row, level, direct))

    def test_correlations_equal_direct(self):
        perf = self.direct.performance()
        pr = np.where(self.direct.status == 0, self.direct.pr, np.nan)
        keep = np.isfinite(perf) & np.isfinite(pr)
        r = np.corrcoef(pr[keep], perf[keep])[0, 1]
        _, rows = find_table(self.tables, "dimensionality")
        self.assertTrue(close(rows[0]["r"], r), (rows[0], r))
        self.assertEqual(rows[0]["count"], keep.sum())
        ok = (self.direct.status == 0)[..., None]
        a = np.where(ok, self.direct.alignment, np.nan).ravel()
        s = np.where(ok, self.direct.clipped, np.nan).ravel()
        keep = np.isfinite(a) & np.isfinite(s)
        r = np.corrcoef(a[keep], s[keep])[0, 1]
        _, rows = find_table(self.tables, "alignment")
        pairs = [row for row in rows if str(row["over"]).startswith("pairs")][0]
        self.assertTrue(close(pairs["r"], r), (pairs, r))

    def test_robustness_tier_mean_equals_direct(self):
        _, rows = find_table(self.tables, "fig3_size")
        tiers = {"low": 0, "mid": 1, "high": 2}
        n_values = list(self.direct.axes["n"])
        for row in rows:
            li = list(self.direct.levels).index(row["level"])
            direct = self.direct.tier_mean("n", n_values.index(row["n"]), li, tiers[row["tier"]])
            self.assertTrue(close(row["mean"], direct), (row, direct))

    def test_half_nan_task_axis(self):
        half = os.path.join(self.dir, "half.h5")
        shutil.copy(self.cube, half)
        with h5py.File(half, "r+") as f:
            for name in ("results/score", "results/alignment"):
                values = f[name][...]
                values[..., :values.shape[-1] // 2] = np.nan
                f[name][...] = values
            n_tasks = f["results/score"].shape[-1]
        out = os.path.join(self.dir, "half-figures")
        r = run_analysis(half, out)
        print(r.stdout, file=sys.stderr)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        summary = helpers.read(os.path.join(out, "summary.md"))
        missing = f"{n_tasks // 2} of {n_tasks} tasks have no finite value"
        self.assertIn(f"- score: {missing}", summary)
        self.assertIn(f"- alignment: {missing}", summary)
        self.assertIn(f"task indices 0-{n_tasks // 2 - 1}", summary)
        for name in ("fig2a", "fig2b", "fig2d", "fig3_size", "fig4_flops", "alignment"):
            self.assertTrue(os.path.exists(os.path.join(out, f"{name}.png")), name)
        direct = Direct(half)
        _, rows = find_table(parse_tables(summary), "Mean score per level")
        for li, row in enumerate(rows):
            mean, _, count = direct.level_mean(li)
            self.assertEqual(count, n_tasks - n_tasks // 2)
            self.assertTrue(close(row["mean"], mean), (row, mean))
        # what was not drawn is listed with its reason, on stdout and in summary.md
        for line in r.stdout.splitlines():
            if line.startswith("skipped "):
                name, reason = line[len("skipped "):].split(": ", 1)
                self.assertIn(f"- `{name}`: {reason}", summary)

    def test_not_a_cube(self):
        path = helpers.write_job(self.dir, "notes.h5", "not hdf5\n")
        r = run_analysis(path, os.path.join(self.dir, "none"))
        self.assertEqual(r.returncode, 2)
        self.assertIn("cannot read", r.stderr)


if __name__ == "__main__":
    helpers.setup(sys.argv[1], sys.argv[2])
    unittest.main(argv=[sys.argv[0], "-v"])
