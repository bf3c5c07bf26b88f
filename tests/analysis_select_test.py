#!/usr/bin/env python3
"""The analysis answering a user's own question: --where/--by select and facet
the axes, figures and summary.md say what their error bars are and which axes
were pooled, and analysis.to_xarray(cube) gives a labelled xarray Dataset whose
values are the cube's.

    analysis_select_test.py HETSWEEP_BINARY SOURCE_ROOT
"""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
from unittest import mock

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import helpers  # noqa: E402

CUBE = DIR = None


def setUpModule():
    global CUBE, DIR
    DIR = tempfile.mkdtemp(prefix="hetsweep-select-")
    CUBE = os.path.join(DIR, "tiny.h5")
    r = helpers.mpirun(2, "run", helpers.job_path("tiny.yaml"), "-o", CUBE, "--quiet")
    if r.returncode != 0:
        raise RuntimeError(r.stderr)


def tearDownModule():
    shutil.rmtree(DIR, ignore_errors=True)


def analysis(*args):
    return subprocess.run([sys.executable, "-m", "analysis", CUBE] + list(args),
                          cwd=helpers.ROOT, capture_output=True, text=True, timeout=600)


class Xarray(unittest.TestCase):
    def test_labelled_dataset_matches_the_cube(self):
        import analysis
        ds = analysis.to_xarray(CUBE)
        self.assertEqual(list(ds.score.dims), ["model", "profile", "heterogeneity",
                                               "tau_mean_ms", "n", "input_gain",
                                               "recurrent_gain", "noise", "seed", "task"])
        self.assertEqual(list(ds.profile.values), ["lognormal", "gamma"])
        self.assertEqual(list(ds.n.values), [20, 30])
        self.assertEqual(ds.tau_moments.dims[-1], "moment")
        self.assertEqual(ds.done.dims, ("model", "n", "seed"))
        with h5py.File(CUBE, "r") as f:
            score = f["results/score"][...]
            k = f["tasks/k"][...]
            spikes = f["results/counters/spikes"][...]
        picked = ds.score.sel(model="lif", profile="gamma", n=30, input_gain=0.5).values
        np.testing.assert_array_equal(picked, score[1, 1, :, :, 1, 1])
        np.testing.assert_array_equal(ds.task_k.values, k)
        np.testing.assert_array_equal(ds.spikes.values, spikes)
        self.assertEqual(ds.score.attrs["units"], "1")
        self.assertEqual(ds.wall_seconds.attrs["units"], "s")
        self.assertEqual(ds.task_delta_ms.attrs["units"], "ms")
        self.assertIsInstance(ds.attrs["job_name"], str)
        self.assertEqual(ds.attrs["job_name"], "tiny")
        mean = ds.score.clip(min=0).mean(["task", "seed"]).sel(heterogeneity=1.0)
        self.assertEqual(mean.dims, ("model", "profile", "tau_mean_ms", "n", "input_gain",
                                     "recurrent_gain", "noise"))


class Selection(unittest.TestCase):
    def test_a_view_slices_every_dataset(self):
        from analysis.cube import Cube
        cube = Cube(CUBE)
        view = cube.select({"profile": ["gamma"], "n": [30]})
        self.assertEqual(list(view.axes["profile"]), ["gamma"])
        self.assertEqual(list(view.axes["n"]), [30])
        self.assertEqual(list(cube.axes["n"]), [20, 30])  # the cube itself is unchanged
        with h5py.File(CUBE, "r") as f:
            score = f["results/score"][...]
            done = f["results/done"][...]
            k = f["tasks/k"][...]
        np.testing.assert_array_equal(view.read("results/score"), score[:, 1:2, :, :, 1:2])
        np.testing.assert_array_equal(view.read("results/done"), done[:, 1:2])
        np.testing.assert_array_equal(view.read("tasks/k"), k)
        narrower = view.select({"model": ["lif"]})
        np.testing.assert_array_equal(narrower.read("results/score"), score[1:2, 1:2, :, :, 1:2])
        self.assertEqual(narrower.selection, {"profile": ["gamma"], "n": [30], "model": ["lif"]})

    def test_summary_numbers_follow_the_selection(self):
        from analysis import summary
        from analysis.cube import Cube
        view = Cube(CUBE).select({"profile": ["gamma"], "n": [20]})
        table = summary.level_means(view)
        with h5py.File(CUBE, "r") as f:
            score = np.clip(f["results/score"][:, 1:2, :, :, 0:1], 0, None).astype(np.float64)
        for model, level, mean, *_ in table.rows:
            m = ["rate", "lif"].index(model)
            li = [0.0, 1.0].index(float(level))
            per_task = score[m, :, li].reshape(-1, score.shape[-1]).mean(axis=0)
            self.assertAlmostEqual(mean, per_task.mean(), places=6)

    def test_where_and_by_on_the_command_line(self):
        out = os.path.join(DIR, "by-n")
        r = analysis("--out", out, "--where", "profile=gamma", "--by", "n", "--only", "fig5b",
                     "fig2c")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(sorted(os.listdir(out)), ["n=20", "n=30"])
        for n in (20, 30):
            text = helpers.read(os.path.join(out, f"n={n}", "summary.md"))
            self.assertIn(f"- data: profile = gamma; n = {n}", text)
            self.assertIn("Averaged over (pooled): input_gain (2 values)", text)
            self.assertIn("Bands: 95% confidence interval of the mean across seeds", text)
        self.assertIn("profile = gamma; n = 30", r.stdout)

    def test_wrong_where_and_by_are_named(self):
        cases = [(["--where", "profle=gamma"], "unknown axis 'profle' (did you mean 'profile'?)"),
                 (["--where", "profile=gama"], "profile has no value 'gama'; the cube has "
                                               "lognormal, gamma"),
                 (["--where", "n=25"], "n has no value '25'; the cube has 20, 30"),
                 (["--where", "profile"], "write AXIS=VALUE"),
                 (["--where", "n=20", "--where", "n=30"], "names n twice"),
                 (["--by", "size"], "unknown axis 'size'"),
                 (["--where", "n=20", "--by", "n"], "--by n: --where already keeps one value")]
        for extra, message in cases:
            with self.subTest(args=extra):
                r = analysis("--out", os.path.join(DIR, "bad"), *extra)
                self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
                self.assertIn(message, r.stderr)
                self.assertNotIn("Traceback", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(DIR, "bad")))


class Captions(unittest.TestCase):
    """Every figure states what its error bars are, in the PNG/PDF itself."""

    def texts_of_saved_figures(self, draw):
        import matplotlib.figure
        seen = []
        original = matplotlib.figure.Figure.savefig

        def record(fig, *args, **kw):
            seen.append(" ".join(t.get_text() for t in fig.texts))
            return original(fig, *args, **kw)

        with mock.patch.object(matplotlib.figure.Figure, "savefig", record):
            draw()
        return seen

    def test_every_panel(self):
        from analysis import panels, style
        from analysis.cube import Cube

        class Options:
            cumulative = False

        out = os.path.join(DIR, "captions")
        os.makedirs(out, exist_ok=True)
        style.apply()
        drawn = []
        texts = self.texts_of_saved_figures(
            lambda: drawn.extend(panels.draw_all(Cube(CUBE), Options(), out)[0]))
        self.assertGreater(len(drawn), 5)
        self.assertEqual(len(texts), 2 * len(drawn))  # PNG and PDF
        for text in texts:
            self.assertRegex(text, r"(No error bars|Bands: |Error bars: )")
            self.assertIn("Averaged over (pooled):", text)
        for result in drawn:
            self.assertTrue(any("Averaged over (pooled)" in note for note in result.notes))

    def test_demo_figure(self):
        from analysis import demo
        from analysis.cube import Cube
        table = demo.level_table(Cube(CUBE))
        path = os.path.join(DIR, "demo.png")
        texts = self.texts_of_saved_figures(lambda: demo.draw(table, path, "tiny"))
        self.assertEqual(len(texts), 1)
        self.assertIn("Error bars: +-1 standard deviation across seeds", texts[0])
        self.assertGreater(os.path.getsize(path), 1000)


if __name__ == "__main__":
    helpers.setup(sys.argv[1], sys.argv[2])
    sys.path.insert(0, helpers.ROOT)
    unittest.main(argv=[sys.argv[0], "-v"])
