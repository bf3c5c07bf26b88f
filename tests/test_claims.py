#!/usr/bin/env python3
"""Tests of the claims report (`python3 -m analysis CUBE... --claims`, analysis/claims.py)
on constructed cubes whose verdicts are known: small HDF5 files written here with the
cube layout (axes, /results/score [axes..., task], status, costs, dimensions attributes),
with a planted performance per network, and one cube computed by the engine
(tests/jobs/analysis.yaml, 2 ranks) whose /results/score is overwritten with a planted
effect. Each verdict is checked: supported, not supported, inconclusive, not testable
(a missing axis, with the jobs that would add it), and a half-finished cube (networks
with status -1 and NaN scores), one cube at a time and several at once.

    test_claims.py HETSWEEP_BINARY SOURCE_ROOT
"""
import math
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import helpers  # noqa: E402

AXES = ("model", "profile", "heterogeneity", "tau_mean_ms", "n",
        "input_gain", "recurrent_gain", "noise", "seed")
BASE = {"model": ["rate"], "profile": ["lognormal"], "heterogeneity": [0.0, 0.5, 1.0],
        "tau_mean_ms": [20.0], "n": [100], "input_gain": [1.0], "recurrent_gain": [1.0],
        "noise": [0.1], "seed": [0, 1, 2, 3, 4]}
SPREAD = np.array([0.05, -0.05, 0.02, -0.02])  # per task; the mean over tasks is 0
JITTER = np.array([0.004, -0.004, 0.002, -0.002, 0.0])  # per seed; mean 0
claims = None  # analysis.claims, imported once the source root is known
Cube = None


def axes_with(**changes):
    axes = {k: list(v) for k, v in BASE.items()}
    axes.update({k: list(v) for k, v in changes.items()})
    return axes


def coord(axes, name):
    """The values of axis `name`, shaped to broadcast over the 9 axes."""
    shape = [1] * len(AXES)
    shape[AXES.index(name)] = len(axes[name])
    values = axes[name]
    if name in ("model", "profile"):
        return np.array(values, dtype=object).reshape(shape)
    return np.asarray(values, dtype=np.float64).reshape(shape)


def write_cube(path, axes, perf, status=None, job_name="constructed", extra=None):
    """A cube with the engine's layout whose networks have performance `perf` (mean
    clipped score over the tasks; every score within [0, 1]); status -1 networks get NaN.
    Costs: FLOPs n * 1e6, memory n * 100 bytes, the others NaN unless in `extra`."""
    shape = tuple(len(axes[a]) for a in AXES)
    perf = np.broadcast_to(np.asarray(perf, dtype=np.float64), shape)
    status = np.zeros(shape, np.int8) if status is None else status.astype(np.int8)
    score = (perf[..., None] + SPREAD).astype(np.float32)
    score[status != 0] = np.nan
    n = np.broadcast_to(coord(axes, "n"), shape)
    with h5py.File(path, "w") as f:
        f.attrs["layout_version"] = np.int32(1)
        f.attrs["job_name"] = job_name
        for a in AXES:
            kind = "S16" if a in ("model", "profile") else (np.int64 if a in ("n", "seed")
                                                           else np.float64)
            f.create_dataset("axes/" + a, data=np.array(axes[a], dtype=kind))
        dims = np.array(AXES, dtype="S")
        f.create_dataset("results/score", data=score).attrs["dimensions"] = \
            np.array(AXES + ("task",), dtype="S")
        f.create_dataset("results/status", data=status).attrs["dimensions"] = dims
        costs = {"sim_flops": n * 1e6, "inference_flops": np.zeros(shape),
                 "memory_bytes": n * 100.0, "atp": np.full(shape, np.nan),
                 "loihi2_j": np.full(shape, np.nan), "spinnaker2_j": np.full(shape, np.nan)}
        costs.update({k: np.broadcast_to(v, shape) for k, v in (extra or {}).items()})
        for name, values in costs.items():
            values = np.where(status == 0, values, np.nan)
            f.create_dataset("results/costs/" + name, data=values).attrs["dimensions"] = dims
        f["tasks/complexity"] = np.array([0.1, 0.4, 0.7, 0.9])
    return path


def seed_jitter(axes):
    return np.asarray(JITTER[:len(axes["seed"])]).reshape(coord(axes, "seed").shape)


def hetero(axes):
    return (coord(axes, "heterogeneity") > 0).astype(np.float64)


def run_claims(*args):
    return subprocess.run([sys.executable, "-m", "analysis", *args, "--claims"],
                          cwd=helpers.ROOT, capture_output=True, text=True, timeout=600)


class Constructed(unittest.TestCase):
    """Cubes written here; each claim evaluated with the package's own functions."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="hetsweep-claims-")
        self.jobs = os.path.join(helpers.ROOT, "jobs")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def outcome(self, claim, axes, perf, status=None):
        path = write_cube(os.path.join(self.dir, f"c{claim}.h5"), axes, perf, status)
        return claims.evaluate(claim, [("c.h5", Cube(path))], self.jobs)

    def primary(self, outcome):
        rows = [r for r in outcome.rows if r.primary]
        self.assertEqual(len(rows), 1, outcome.rows)
        return rows[0]

    def test_t_interval(self):
        mean, low, high, count = claims.t_interval([1.0, 2.0, 3.0, np.nan])
        self.assertEqual((mean, count), (2.0, 3))
        self.assertAlmostEqual(high - mean, 4.303 / math.sqrt(3), places=6)
        self.assertAlmostEqual(claims.t975(40), 2.021, places=3)
        self.assertAlmostEqual(claims.t975(120), 1.980, places=3)
        self.assertTrue(math.isnan(claims.t_interval([5.0])[1]))

    def test_claim1_supported(self):
        axes = axes_with()
        o = self.outcome(1, axes, 0.3 + hetero(axes) * (0.05 + seed_jitter(axes)))
        row = self.primary(o)
        self.assertEqual(o.verdict, "supported")
        self.assertAlmostEqual(row.effect, 0.05, places=5)
        self.assertLess(row.low, 0.05)
        self.assertGreater(row.low, 0.0)
        self.assertEqual(row.seeds, 5)

    def test_claim1_not_supported(self):
        axes = axes_with()
        o = self.outcome(1, axes, 0.4 - hetero(axes) * (0.05 + seed_jitter(axes)))
        self.assertEqual(o.verdict, "not supported")
        self.assertAlmostEqual(self.primary(o).effect, -0.05, places=5)

    def test_claim1_inconclusive(self):
        axes = axes_with()
        o = self.outcome(1, axes, 0.3 + hetero(axes) * 10 * seed_jitter(axes))
        row = self.primary(o)
        self.assertEqual(o.verdict, "inconclusive")
        self.assertLess(row.low, 0.0)
        self.assertGreater(row.high, 0.0)

    def test_claim2_skewed_and_symmetric(self):
        axes = axes_with(profile=["lognormal", "gamma", "normal", "uniform"],
                         heterogeneity=[0.0, 0.2, 0.4])
        skewed = np.isin(coord(axes, "profile"), ["lognormal", "gamma"]).astype(float)
        for sign, expected in ((1, "supported"), (-1, "not supported")):
            perf = 0.3 + hetero(axes) * skewed * sign * (0.02 + seed_jitter(axes))
            o = self.outcome(2, axes, perf)
            self.assertEqual(o.verdict, expected)
            self.assertAlmostEqual(self.primary(o).effect, sign * 0.02, places=5)

    def size_perf(self, axes, het_factor):
        """Homogeneous performance 0.21 + 0.1 log2(n / 50); a heterogeneous network of
        size n performs like a homogeneous one of size het_factor * n."""
        n = coord(axes, "n") * np.where(hetero(axes) > 0, het_factor, 1.0)
        return 0.21 + 0.1 * np.log2(n / 50) + seed_jitter(axes)

    def test_claim3_size_ratio(self):
        axes = axes_with(n=[50, 100, 200, 400], heterogeneity=[0.0, 1.0])
        o = self.outcome(3, axes, self.size_perf(axes, 2.0))
        self.assertEqual(o.verdict, "supported")
        for row in o.rows:
            self.assertAlmostEqual(row.effect, 2.0, places=3)
        self.assertEqual(len(o.rows), 4)  # N 50, 100, 200 and the pooled row

    def test_claim3_smaller_is_not_supported(self):
        axes = axes_with(n=[50, 100, 200, 400], heterogeneity=[0.0, 1.0])
        o = self.outcome(3, axes, self.size_perf(axes, 0.5))
        self.assertEqual(o.verdict, "not supported")
        below = [r for r in o.rows if r.comparison == "cv 1, N 50"][0]
        self.assertIn("5 of 5 below the smallest homogeneous N", below.note)

    def test_claim4_robustness(self):
        axes = axes_with(recurrent_gain=[1.0, 1.5, 2.0])
        top = (coord(axes, "recurrent_gain") == 2.0).astype(float)
        for het_loss, expected in ((0.02, "supported"), (0.15, "not supported")):
            loss = np.where(hetero(axes) > 0, het_loss + seed_jitter(axes), 0.1)
            o = self.outcome(4, axes, 0.5 - top * loss)
            self.assertEqual(o.verdict, expected)
            self.assertAlmostEqual(self.primary(o).effect, 0.1 - het_loss, places=5)
            self.assertIn("recurrent_gain 1 -> 2", self.primary(o).comparison)

    def test_claim5_estar(self):
        axes = axes_with(n=[50, 100, 200, 400], heterogeneity=[0.0, 1.0])
        for factor, expected in ((2.0, "supported"), (0.5, "not supported")):
            o = self.outcome(5, axes, self.size_perf(axes, factor))
            rows = [r for r in o.rows if r.primary]
            self.assertEqual([r.comparison for r in rows],
                             ["FLOPs, every level > 0", "memory, every level > 0"])
            for r in rows:
                self.assertEqual(r.verdict, expected)
                self.assertAlmostEqual(r.effect, factor, places=6)
            self.assertEqual(o.verdict, expected)
            self.assertTrue(any("need spiking networks" in n for n in o.notes))

    def test_claim5_mixed_across_cost_models(self):
        axes = axes_with(model=["rate", "lif"], n=[50, 100, 200, 400],
                         heterogeneity=[0.0, 1.0])
        lif = coord(axes, "model") == "lif"
        # LIF ATP: a heterogeneous network costs 4 times a homogeneous one of its size
        atp = np.where(lif, coord(axes, "n") * 1e9 * np.where(hetero(axes) > 0, 4.0, 1.0),
                       np.nan)
        path = write_cube(os.path.join(self.dir, "mixed.h5"), axes,
                          self.size_perf(axes, 2.0), extra={"atp": atp})
        o = claims.evaluate(5, [("mixed.h5", Cube(path))], self.jobs)
        verdicts = {(r.model, r.comparison.split(",")[0]): r for r in o.rows if r.primary}
        self.assertEqual(sorted(verdicts), [("lif", "ATP"), ("lif", "FLOPs"), ("lif", "memory"),
                                            ("rate", "FLOPs"), ("rate", "memory")])
        self.assertEqual(verdicts[("lif", "ATP")].verdict, "not supported")
        self.assertAlmostEqual(verdicts[("lif", "ATP")].effect, 0.5, places=6)
        self.assertEqual(o.verdict, "mixed (not supported: 1, supported: 4 rows)")
        self.assertFalse(any("need spiking networks" in n for n in o.notes))

    def test_not_testable_names_axis_and_jobs(self):
        axes = axes_with(heterogeneity=[0.0])
        path = write_cube(os.path.join(self.dir, "flat.h5"), axes, 0.3)
        cubes = [("flat.h5", Cube(path))]
        expected_jobs = {1: "jobs/fig2.yaml", 2: "jobs/fig5-profiles.yaml",
                         3: "jobs/fig4-cost.yaml", 4: "jobs/fig3-robustness.yaml",
                         5: "jobs/fig4-cost.yaml"}
        for claim, job in expected_jobs.items():
            o = claims.evaluate(claim, cubes, self.jobs)
            self.assertTrue(o.verdict.startswith("not testable with these cubes"), o.verdict)
            self.assertIn("a heterogeneity level > 0", o.verdict)
            self.assertEqual(o.rows, [])
            self.assertIn(f"`{job}`", " ".join(o.notes))
        o = claims.evaluate(2, cubes, self.jobs)
        self.assertIn("a symmetric profile (normal or uniform)", o.verdict)
        self.assertNotIn("jobs/fig2.yaml", " ".join(o.notes))

    def test_job_files_with_defaults(self):
        if claims.yaml is None:
            self.skipTest("python3-yaml is not installed")
        jobs = os.path.join(self.dir, "jobs")
        os.makedirs(jobs)
        helpers.write_job(jobs, "plain.yaml", "name: plain\nsweep:\n  model: [lif]\n")
        helpers.write_job(jobs, "one.yaml", "sweep:\n  heterogeneity: [0.0]\n")
        helpers.write_job(jobs, "broken.yaml", "sweep: [\n")
        self.assertEqual(claims.jobs_for(1, jobs), ["jobs/plain.yaml"])
        self.assertEqual(claims.jobs_for(5, jobs, lif=True), ["jobs/plain.yaml"])
        self.assertEqual(claims.jobs_for(2, jobs), [])
        self.assertEqual(claims.jobs_for(4, jobs), [])

    def test_half_finished(self):
        axes = axes_with()
        perf = 0.3 + hetero(axes) * (0.05 + seed_jitter(axes))
        status = np.zeros(tuple(len(axes[a]) for a in AXES), np.int8)
        status[:, :, 2, ..., 3:] = -1  # cv 1: seeds 3 and 4 not computed yet
        o = self.outcome(1, axes, perf, status)
        row = [r for r in o.rows if r.comparison == "cv 1 - cv 0"][0]
        self.assertEqual(row.seeds, 3)
        self.assertIn("3 of 5 seeds computed", row.note)
        self.assertAlmostEqual(row.effect, 0.05 + JITTER[:3].mean(), places=5)
        self.assertEqual(o.verdict, "supported")
        status[:, :, 0] = -1  # no homogeneous network computed yet
        o = self.outcome(1, axes, perf, status)
        self.assertEqual(o.verdict, "not testable with these cubes (c.h5: not computed yet)")
        self.assertTrue(all("not computed yet" in r.note for r in o.rows))

    def test_half_finished_compares_only_cells_computed_on_both_sides(self):
        axes = axes_with(tau_mean_ms=[10.0, 20.0])
        perf = 0.2 + 0.2 * (coord(axes, "tau_mean_ms") == 20.0) + hetero(axes) * (
            0.05 + seed_jitter(axes))
        status = np.zeros(tuple(len(axes[a]) for a in AXES), np.int8)
        status[:, :, 2, 0] = -1  # cv 1 at E[tau] 10 ms (the worse one) not computed yet
        o = self.outcome(1, axes, perf, status)
        row = [r for r in o.rows if r.comparison == "cv 1 - cv 0"][0]
        self.assertAlmostEqual(row.effect, 0.05, places=5)  # not 0.15

    def test_half_finished_report_says_what_is_missing(self):
        axes = axes_with()
        status = np.zeros(tuple(len(axes[a]) for a in AXES), np.int8)
        status[..., 3:] = -1
        path = write_cube(os.path.join(self.dir, "half.h5"), axes, 0.3, status)
        out = os.path.join(self.dir, "out")
        r = run_claims(path, "--out", out)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        text = helpers.read(os.path.join(out, "claims.md"))
        self.assertIn("networks with status 0: 9 of 15", text)
        self.assertIn("networks not computed (status -1): 6 of 15", text)
        self.assertIn("3 of 5 seeds computed", text)

    def test_several_cubes_one_report(self):
        one = axes_with()
        write_cube(os.path.join(self.dir, "one.h5"), one,
                   0.3 + hetero(one) * (0.05 + seed_jitter(one)))
        two = axes_with(profile=["lognormal", "normal"], heterogeneity=[0.0, 0.3])
        symmetric = (coord(two, "profile") == "normal").astype(float)
        write_cube(os.path.join(self.dir, "two.h5"), two,
                   0.3 + hetero(two) * (0.05 + 0.03 * symmetric + seed_jitter(two)))
        out = os.path.join(self.dir, "report")
        r = run_claims(os.path.join(self.dir, "one.h5"), os.path.join(self.dir, "two.h5"),
                       "--out", out)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("claim 1: supported", r.stdout)
        self.assertIn("claim 2: not supported", r.stdout)
        self.assertIn("claim 4: not testable with these cubes (one.h5: needs 2 or more "
                      "values of recurrent_gain, input_gain or noise; two.h5:", r.stdout)
        text = helpers.read(os.path.join(out, "claims.md"))
        for name in ("one.h5", "two.h5"):
            self.assertIn(f"| yes | {name} | rate | every level > 0 - cv 0 |", text)
        for ext, magic in (("png", b"\x89PNG"), ("pdf", b"%PDF")):
            with open(os.path.join(out, "claims." + ext), "rb") as fh:
                self.assertEqual(fh.read(4), magic)

    def test_command_line_errors(self):
        r = run_claims(helpers.write_job(self.dir, "notes.h5", "not hdf5\n"))
        self.assertEqual(r.returncode, 2)
        self.assertIn("cannot read", r.stderr)
        r = subprocess.run([sys.executable, "-m", "analysis", "x.h5"], cwd=helpers.ROOT,
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 2)
        self.assertIn("--out is required", r.stderr)


class EngineCube(unittest.TestCase):
    """A cube computed by the engine, its scores overwritten with a planted effect."""

    def test_planted_effect_in_a_real_cube(self):
        if not os.path.exists(helpers.BINARY):
            self.skipTest("no hetsweep binary")
        directory = tempfile.mkdtemp(prefix="hetsweep-claims-engine-")
        self.addCleanup(shutil.rmtree, directory, True)
        path = os.path.join(directory, "real.h5")
        r = helpers.mpirun(2, "run", helpers.job_path("analysis.yaml"), "-o", path, "--quiet")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        with h5py.File(path, "r+") as f:
            score = f["results/score"]
            levels = f["axes/heterogeneity"][...]
            seeds = f["axes/seed"][...]
            planted = 0.3 + 0.04 * (levels > 0)[:, None] + 0.002 * (seeds[None, :] % 2)
            shape = [1] * (score.ndim - 1)
            shape[2], shape[8] = planted.shape
            values = np.broadcast_to(planted.reshape(shape), score.shape[:-1])
            score[...] = (values[..., None] + np.linspace(-0.1, 0.1, score.shape[-1]))
        cubes = [("real.h5", Cube(path))]
        jobs = os.path.join(helpers.ROOT, "jobs")
        one = claims.evaluate(1, cubes, jobs)
        self.assertEqual(one.verdict, "supported")
        self.assertAlmostEqual([r for r in one.rows if r.primary][0].effect, 0.04, places=5)
        self.assertIn("symmetric profile", claims.evaluate(2, cubes, jobs).verdict)
        four = claims.evaluate(4, cubes, jobs)
        axes = {r.comparison.split(" ")[0] for r in four.rows if r.primary}
        self.assertEqual(axes, {"recurrent_gain", "input_gain", "noise"})
        for row in four.rows:
            self.assertAlmostEqual(row.effect, 0.0, places=5)


    def test_a_part_of_a_run_is_a_half_finished_cube(self):
        if not os.path.exists(helpers.BINARY):
            self.skipTest("no hetsweep binary")
        directory = tempfile.mkdtemp(prefix="hetsweep-claims-part-")
        self.addCleanup(shutil.rmtree, directory, True)
        path = os.path.join(directory, "part.h5")
        r = helpers.mpirun(2, "run", helpers.job_path("analysis.yaml"), "-o", path,
                           "--part", "1/2", "--quiet",  # every column its own: each seed paired
                           env=dict(os.environ, HETSWEEP_NO_SHARE="1"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        with h5py.File(path, "r") as f:
            status = f["results/status"][...]
        seeds = int((status == 0).reshape(-1, status.shape[-1]).any(axis=0).sum())
        self.assertTrue((status == -1).any() and (status == 0).any(), "not half-finished")
        out = os.path.join(directory, "report")
        r = run_claims(path, "--out", out)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        text = helpers.read(os.path.join(out, "claims.md"))
        self.assertIn(f"networks not computed (status -1): {int((status == -1).sum())} of "
                      f"{status.size}", text)
        one = claims.evaluate(1, [("part.h5", Cube(path))], os.path.join(helpers.ROOT, "jobs"))
        row = [r for r in one.rows if r.primary][0]
        self.assertEqual(row.seeds, seeds)
        if seeds < status.shape[-1]:
            self.assertIn(f"{seeds} of {status.shape[-1]} seeds computed", row.note)


if __name__ == "__main__":
    helpers.setup(sys.argv[1], sys.argv[2])
    sys.path.insert(0, helpers.ROOT)
    from analysis import claims  # noqa: E402,F811
    from analysis.cube import Cube  # noqa: E402,F811
    unittest.main(argv=[sys.argv[0], "-v"])
