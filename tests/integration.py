#!/usr/bin/env python3
"""Integration tests of the hetsweep binary: MPI runs with 1, 2 and 3 ranks,
bitwise reproducibility, the cube's layout, stored networks read back, the
status command and the refusals of `run`, `check` and `status`.

    integration.py HETSWEEP_BINARY SOURCE_ROOT
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from helpers import hetsweep, mpirun, read, results_datasets, write_job
import helpers

TINY = None


class Runs(unittest.TestCase):
    """One reference cube, computed once, compared against other runs."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="hetsweep-it-")
        cls.reference = os.path.join(cls.dir, "np1.h5")
        r = mpirun(1, "run", TINY, "-o", cls.reference, "--quiet")
        if r.returncode != 0:
            raise RuntimeError(f"reference run failed: {r.stdout}{r.stderr}")
        cls.reference_results = results_datasets(cls.reference)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def assert_same_results(self, path):
        other = results_datasets(path)
        self.assertEqual(sorted(other), sorted(self.reference_results))
        for name, data in self.reference_results.items():
            self.assertEqual(other[name], data, f"/results/{name} differs")

    def test_ranks_2_and_3_bitwise_equal(self):
        for ranks in (2, 3):
            path = os.path.join(self.dir, f"np{ranks}.h5")
            r = mpirun(ranks, "run", TINY, "-o", path, "--quiet")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assert_same_results(path)
            with h5py.File(path, "r") as f:
                self.assertEqual(int(f.attrs["ranks_used"]), ranks)

    def assert_run_with_env_matches(self, name, ranks, **variables):
        """A run with extra environment variables gives the reference /results."""
        path = os.path.join(self.dir, name)
        r = mpirun(ranks, "run", TINY, "-o", path, "--quiet", env=dict(os.environ, **variables))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assert_same_results(path)

    def test_threads_bitwise_equal(self):
        """OMP_NUM_THREADS 1 and 3, 1 and 2 ranks: the same /results, on the tiny job
        and on one whose rate step is large enough to share rows among threads."""
        self.assert_run_with_env_matches("omp3.h5", 1, OMP_NUM_THREADS="3")
        self.assert_run_with_env_matches("np2omp3.h5", 2, OMP_NUM_THREADS="3")
        job = helpers.job_path("threads.yaml")
        cubes = {}
        for name, ranks, threads in (("t1", 1, "1"), ("t3", 1, "3"), ("np2t2", 2, "2")):
            cubes[name] = os.path.join(self.dir, name + ".h5")
            r = mpirun(ranks, "run", job, "-o", cubes[name],
                       env=dict(os.environ, OMP_NUM_THREADS=threads))
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn(f"x {threads} OpenMP thread(s)", r.stdout)
        reference = results_datasets(cubes["t1"])
        for name in ("t3", "np2t2"):
            self.assertEqual(results_datasets(cubes[name]), reference, name)

    def test_lif_target_rate(self):
        """lif.target_rate_hz: every LIF network's post-washout rate near the target, its
        calibrated bias stored, and the cube bitwise the same for 1 rank and 2 ranks x 2
        threads."""
        job = write_job(self.dir, "matched.yaml", read(helpers.job_path("threads.yaml"))
                        + "lif: {target_rate_hz: 15}\n")
        cubes = []
        for ranks, threads in ((1, "1"), (2, "2")):
            cubes.append(os.path.join(self.dir, f"matched{ranks}.h5"))
            r = mpirun(ranks, "run", job, "-o", cubes[-1], "--quiet",
                       env=dict(os.environ, OMP_NUM_THREADS=threads))
            self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(results_datasets(cubes[0]), results_datasets(cubes[1]))
        with h5py.File(cubes[0], "r") as f:
            models = [m.decode() if isinstance(m, bytes) else m for m in f["axes/model"][...]]
            lif = models.index("lif")
            rates = f["results/activity/mean_rate_hz"][...].take(lif, axis=0)
            bias = f["results/activity/lif_bias"][...]
            self.assertTrue(np.all(np.abs(rates - 15) < 1.5), rates)
            self.assertTrue(np.all(np.isnan(bias.take(1 - lif, axis=0))))
            self.assertGreater(np.ptp(bias.take(lif, axis=0)), 0.01)

    def test_a_lone_item_is_split_for_two_ranks(self):
        """No idle rank: one unit's columns are cut into one item per rank."""
        job = write_job(self.dir, "one-unit.yaml", read(TINY).replace(
            "model: [rate, lif]", "model: [rate]").replace("n: [20, 30]", "n: [20]").replace(
            "seeds: [0, 1, 2]", "seeds: [0]").replace(  # one profile: no copies at cv = 0
            "profile: [lognormal, gamma]", "profile: [lognormal]"))
        path = os.path.join(self.dir, "one-unit.h5")
        r = mpirun(2, "run", job, "-o", path)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("1 units x 4 columns", r.stdout)
        self.assertIn("work items of up to 2 columns", r.stdout)
        with h5py.File(path, "r") as f:
            self.assertTrue((f["results/done"][...] == 1).all())

    def test_a_non_finite_state_fails_only_its_networks(self):
        """An input gain of 1e308 drives the rate state to inf - inf: those
        networks end with status 1 (non-finite) and NaN scores (the feature
        copy's finiteness check stops their readouts; the solve's check of the
        statistics would too); their neighbours in the same work items, on 2
        threads, are scored as usual."""
        job = write_job(self.dir, "nonfinite.yaml", read(TINY).replace(
            "model: [rate, lif]", "model: [rate]").replace(
            "input_gain: [1.0, 0.5]", "input_gain: [1.0, 1.0e308]"))
        path = os.path.join(self.dir, "nonfinite.h5")
        r = mpirun(2, "run", job, "-o", path, "--quiet", env=dict(os.environ, OMP_NUM_THREADS="2"))
        self.assertEqual(r.returncode, 0, r.stderr)
        with h5py.File(path, "r") as f:
            axis = list(f["results/status"].attrs["dimensions"]).index("input_gain")
            status = np.moveaxis(f["results/status"][...], axis, 0)
            score = np.moveaxis(f["results/score"][...], axis, 0)
        self.assertTrue((status[0] == 0).all(), status[0])
        self.assertTrue(np.isfinite(score[0]).all())
        self.assertTrue((status[1] == 1).all(), status[1])
        self.assertTrue(np.isnan(score[1]).all())

    def test_batch_split_bitwise_equal(self):
        self.assert_run_with_env_matches("batch1.h5", 2, HETSWEEP_MAX_BATCH="1")

    def test_singleton_without_mpirun(self):
        path = os.path.join(self.dir, "singleton.h5")
        r = hetsweep("run", TINY, "-o", path, "--quiet")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assert_same_results(path)

    def test_layout(self):
        with h5py.File(self.reference, "r") as f:
            for attr in ("layout_version", "tool_version", "git_revision", "job_text",
                         "identity", "created", "checkpointed", "ranks_used", "blas_config"):
                self.assertIn(attr, f.attrs)
            self.assertEqual(len(f.attrs["identity"]), 64)
            score = f["results/score"]
            self.assertEqual(score.shape, (2, 2, 2, 1, 2, 2, 1, 1, 3, 20))
            self.assertEqual(list(score.attrs["dimensions"]),
                             ["model", "profile", "heterogeneity", "tau_mean_ms", "n",
                              "input_gain", "recurrent_gain", "noise", "seed", "task"])
            self.assertEqual(score.dims[4][0].name, "/axes/n")
            self.assertEqual(list(f["axes/n"][...]), [20, 30])
            self.assertEqual(f["results/done"][...].sum(), 12)
            self.assertTrue((f["results/status"][...] == 0).all())
            self.assertEqual(f["results/lambda_index"].dtype, np.int8)
            self.assertTrue(np.isfinite(score[...]).all())
            self.assertEqual(f["stimulus/u"].shape, (1900, 3))
            u = f["stimulus/u"][...]
            np.testing.assert_allclose(u.mean(axis=0), 0, atol=1e-12)
            np.testing.assert_allclose(u.std(axis=0), 1, atol=1e-12)
            self.assertEqual(f["tasks/similarity"].shape, (20, 20))
            self.assertEqual(list(f["tasks/k"][:5]), [1] * 5)
            self.assertEqual(list(f["tasks/delta_steps"][:5]), [-50, -25, 0, 25, 50])
            moments = f["results/tau_moments"][0, :, 1, 0, 0, 0, 0, 0, 0]
            np.testing.assert_allclose(moments[:, 0], 20, rtol=1e-12)
            np.testing.assert_allclose(moments[:, 1], 20, rtol=1e-12)
            homogeneous = f["results/tau_moments"][0, 0, 0, 0, 0, 0, 0, 0, 0]
            self.assertEqual(list(homogeneous[:4]), [20, 0, 20, 20])
            updates = f["results/counters/neuron_updates"][0, 0, 0, 0, :, 0, 0, 0, 0]
            self.assertEqual(list(updates), [20 * 1900, 30 * 1900])
            spikes = f["results/counters/spikes"][...]
            self.assertTrue((spikes[0] == -1).all())  # rate networks have none
            self.assertTrue((spikes[1] > 0).all())
            events = f["results/counters/synaptic_events"][1]
            self.assertTrue((events > 0).all())
            lif_updates = f["results/counters/neuron_updates"][1, 0, 0, 0, :, 0, 0, 0, 0]
            self.assertTrue((lif_updates <= np.array([20, 30]) * 1900 * 4).all())
            # rate and LIF units of one (n, seed) share tau (and W, Win)
            np.testing.assert_array_equal(f["results/tau_moments"][0], f["results/tau_moments"][1])
            atp = f["results/costs/atp"][...]
            self.assertTrue(np.isnan(atp[0]).all() and np.isfinite(atp[1]).all())
            rate_hz = f["results/activity/mean_rate_hz"][1]
            self.assertTrue((rate_hz > 0).all() and (rate_hz < 200).all())

    def test_every_dimension_has_a_label_and_a_scale(self):
        """For h5py, xarray and netCDF tools: /results and /tasks datasets have a label
        and a dimension scale on every dimension (/axes, /scales/task, /scales/moment)."""
        with h5py.File(self.reference, "r") as f:
            self.assertEqual([m.decode() for m in f["scales/moment"][...]],
                             ["mean", "sd", "min", "max", "skewness"])
            self.assertEqual(list(f["scales/task"][...]), list(range(f["tasks/k"].shape[0])))
            checked = []

            def visit(name, obj):
                if not isinstance(obj, h5py.Dataset):
                    return
                for d, dim in enumerate(obj.dims):
                    self.assertTrue(dim.label, f"{name} dimension {d} has no label")
                    self.assertEqual(len(dim), 1, f"{name} dimension {d} has no scale")
                    self.assertEqual(dim[0].name.rsplit("/", 1)[1], dim.label, name)
                checked.append(name)
            f["results"].visititems(lambda n, o: visit("results/" + n, o))
            f["tasks"].visititems(lambda n, o: visit("tasks/" + n, o))
            self.assertIn("results/score", checked)
            self.assertIn("tasks/similarity", checked)
            self.assertEqual([d.label for d in f["stimulus/u"].dims], ["sample", "component"])
            for name in ("identity", "job_name", "job_canonical", "created", "checkpointed"):
                self.assertIsInstance(f.attrs[name], str, name)  # h5py reads str, not bytes
            self.assertIsInstance(f["results/score"].attrs["units"], str)

    def test_status(self):
        r = hetsweep("status", self.reference)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("units done: 12 / 12 (complete)", r.stdout)
        self.assertIn("  seed            0: 32/32, 1: 32/32, 2: 32/32\n", r.stdout)
        self.assertIn("  model           rate: 48/48, lif: 48/48\n", r.stdout)
        r = hetsweep("status", self.reference, "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        status = json.loads(r.stdout)
        self.assertTrue(status["complete"])
        self.assertEqual(status["job"], "tiny")
        self.assertEqual(status["networks"], 96)
        self.assertEqual(status["axes"]["seed"], [32, 32, 32])
        self.assertEqual(status["axis_values"]["n"], ["20", "30"])

    def test_status_text_and_json_agree(self):
        """Every fact the text shows is in the JSON, with the same value."""
        text = hetsweep("status", self.reference).stdout
        facts = json.loads(hetsweep("status", self.reference, "--json").stdout)
        lines = dict(line.split(": ", 1) for line in text.splitlines()
                     if ": " in line and not line.startswith("  "))
        for key in ("job", "identity", "tool_version", "created", "checkpointed"):
            self.assertEqual(lines[key], facts[key], key)
        for key in ("layout_version", "numerics_version"):
            self.assertEqual(int(lines[key]), facts[key], key)
        self.assertEqual(lines["ranks_used"], ", ".join(map(str, facts["ranks_used"])))
        self.assertEqual(lines["units done"].split(" (")[0],
                         f"{facts['units_done']} / {facts['units']}")
        self.assertEqual(lines["networks"],
                         f"{facts['networks']} (ok {facts['ok']}, failed non-finite "
                         f"{facts['failed']}, moments infeasible {facts['infeasible']}, "
                         f"not computed {facts['not_computed']})")
        for axis, values in facts["axis_values"].items():
            per = facts["networks_per_value"][axis]
            shown = ", ".join(f"{v}: {d}/{per}" for v, d in zip(values, facts["axes"][axis]))
            self.assertIn(f"  {axis:<15} {shown}\n", text)
        self.assertEqual(len(facts["runs"]), 1)
        for i, run in enumerate(facts["runs"]):
            shares = ", ".join(f"{k} {run[k + '_percent']:.1f}%" for k in
                               ("compute", "journal", "checkpoints", "scheduling", "idle", "rest"))
            self.assertIn(f" run {i + 1}: {run['ranks']} rank(s), {run['wall_s']:.1f} s, "
                          f"{run['networks']} networks computed; rank time: {shares}\n", text)

    def test_status_keeps_every_run_accounting(self):
        """The final checkpoint of each run stores where its rank time went; status
        lists one entry per run, a stopped run too; a damaged line is left out."""
        cube = os.path.join(self.dir, "accounting.h5")
        r = mpirun(2, "run", TINY, "-o", cube, "--quiet")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = hetsweep("run", TINY, "-o", cube, "--quiet")
        self.assertEqual(r.returncode, 0, r.stderr)
        runs = json.loads(hetsweep("status", cube, "--json").stdout)["runs"]
        self.assertEqual([(x["ranks"], x["networks"]) for x in runs], [(2, 96), (1, 0)])
        first = runs[0]
        total = sum(first[k + "_percent"] for k in
                    ("compute", "journal", "checkpoints", "scheduling", "idle", "rest"))
        self.assertAlmostEqual(total, 100.0, delta=0.1)
        self.assertGreater(first["compute_percent"], 0)
        with h5py.File(cube, "r+") as f:
            text = f.attrs["run_accounting"]
            f.attrs["run_accounting"] = np.bytes_(("ranks=x garbage\n" + text).encode())
        r = hetsweep("status", cube, "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(json.loads(r.stdout)["runs"]), 2)

    def test_status_of_several_cubes(self):
        missing = os.path.join(self.dir, "missing.h5")
        r = hetsweep("status", self.reference, missing, self.reference)
        self.assertEqual(r.returncode, 2)
        self.assertEqual(r.stdout.count("units done: 12 / 12"), 2)
        self.assertIn(f"== {missing}", r.stdout)
        self.assertIn("missing.h5 does not exist", r.stderr)
        r = hetsweep("status", self.reference, self.reference, "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual([c["job"] for c in json.loads(r.stdout)], ["tiny", "tiny"])

    def test_status_counts_what_the_journals_hold(self):
        """Killed during a checkpoint: status counts the networks the journals hold
        beyond the cube, as many as the resume then takes in."""
        cube = os.path.join(self.dir, "journals.h5")
        env = dict(os.environ, HETSWEEP_CHECKPOINT_EACH_ITEM="1",
                   HETSWEEP_CRASH_AT="checkpoint-write:3")
        r = hetsweep("run", helpers.job_path("fault.yaml"), "-o", cube, "--quiet", env=env)
        self.assertEqual(r.returncode, -9, r.stderr)
        facts = json.loads(hetsweep("status", cube, "--json").stdout)
        held = facts["journal_networks"]
        self.assertGreater(held, 0)
        self.assertIn(f"journals: {held} networks finished after the last checkpoint",
                      hetsweep("status", cube).stdout)
        r = hetsweep("run", helpers.job_path("fault.yaml"), "-o", cube)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(f", {held} from 1 journal file(s)", r.stdout)
        self.assertEqual(json.loads(hetsweep("status", cube, "--json").stdout)
                         ["journal_networks"], 0)

    def test_reversed_item_order_bitwise_equal(self):
        self.assert_run_with_env_matches("reversed.h5", 3, HETSWEEP_ITEM_ORDER="reverse")

    def test_status_json_escapes_the_job_name(self):
        path = os.path.join(self.dir, "renamed.h5")
        shutil.copy(self.reference, path)
        name = 'a "quoted"\\name\nwith a newline'
        with h5py.File(path, "r+") as f:
            f.attrs.create("job_name", np.bytes_(name.encode()))
        r = hetsweep("status", path, "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["job"], name)

    def test_existing_complete_cube_resumes_with_nothing_to_do(self):
        path = os.path.join(self.dir, "keep.h5")
        shutil.copy(self.reference, path)
        r = mpirun(2, "run", TINY, "-o", path)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("resuming: 96 of 96 networks done", r.stdout)
        self.assertIn("0 computed in this run", r.stdout)
        self.assert_same_results(path)
        r = mpirun(2, "run", TINY, "-o", path, "--fresh")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn("resuming", r.stdout)
        self.assertIn("96 computed in this run", r.stdout)
        self.assert_same_results(path)

    def test_store_networks_and_run_from_file(self):
        text = read(TINY)
        stored_job = write_job(self.dir, "stored.yaml",
                               text + "output:\n  store_networks: true\n")
        stored = os.path.join(self.dir, "stored.h5")
        r = mpirun(2, "run", stored_job, "-o", stored, "--quiet")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assert_same_results(stored)
        with h5py.File(stored, "r") as f:
            group = f["networks/rate_n30_s2"]
            indptr = group["W_indptr"][...]
            self.assertEqual(indptr.shape, (31,))
            self.assertEqual(indptr[-1], group["W_data"].shape[0])
            self.assertEqual(group["Win"].shape, (30, 3))
            tau = group["tau"][...]
            self.assertEqual(tau.shape, (2, 2, 1, 30))
            np.testing.assert_allclose(tau.mean(axis=-1), 20, rtol=1e-12)
            lif = f["networks/lif_n30_s2"]
            for name in ("W_indptr", "W_indices", "W_data", "Win", "tau"):
                np.testing.assert_array_equal(lif[name][...], group[name][...])
        source_job = write_job(
            self.dir, "from_file.yaml",
            text + f"network:\n  source: file\n  source_file: {stored}\n")
        replay = os.path.join(self.dir, "replay.h5")
        r = mpirun(3, "run", source_job, "-o", replay, "--quiet")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assert_same_results(replay)

    def test_demo_analysis_runs(self):
        r = subprocess.run([sys.executable, "-m", "analysis.demo", self.reference,
                            "--figure", os.path.join(self.dir, "tiny.png")],
                           cwd=ROOT, capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("lognormal", r.stdout)
        self.assertTrue(os.path.getsize(os.path.join(self.dir, "tiny.png")) > 1000)


class Refusals(unittest.TestCase):
    """Bad input: exit status 2, a message naming the problem, nothing written."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="hetsweep-bad-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def refused_run(self, job_text, expect, ranks=2):
        job = write_job(self.dir, "bad.yaml", job_text)
        cube = os.path.join(self.dir, "cube.h5")
        r = mpirun(ranks, "run", job, "-o", cube)
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn(expect, r.stderr)
        self.assertEqual(sorted(os.listdir(self.dir)), ["bad.yaml"])
        return r

    def test_yaml_syntax(self):
        self.refused_run("sweep: [1, 2\n", "bad.yaml:")

    def test_unknown_key(self):
        r = self.refused_run("sweep:\n  hetrogeneity: [0, 1]\n", "bad.yaml:2:")
        self.assertIn("heterogeneity", r.stderr)

    def test_scalar_for_list(self):
        self.refused_run("sweep:\n  n: 100\n", "expected a list")

    def test_infeasible_profile(self):
        self.refused_run("sweep:\n  profile: [normal]\n  heterogeneity: [0.6]\n",
                         "sweep.heterogeneity")

    def test_step_ratio(self):
        # the key the job gives is named, with its line (never line 0 of time.dt_ms)
        r = self.refused_run("stimulus:\n  time_scale_ms: 30\nsweep: {n: [100]}\n",
                             "bad.yaml:2: stimulus.time_scale_ms: time.dt_ms = 1")
        self.assertNotIn(":0:", r.stderr)
        self.refused_run("time: {dt_ms: 0.7}\nsweep: {n: [100]}\n", "bad.yaml:1: time.dt_ms:")

    def test_segment_too_short(self):
        self.refused_run("time:\n  test_ms: 80\nsweep: {n: [100]}\n", "time.test_ms")

    def test_memory_budget(self):
        r = self.refused_run("sweep:\n  n: [2000]\nrun:\n  memory_budget_mb: 100\n",
                             "bad.yaml:2: sweep.n: 2000 needs about")
        self.assertIn("more than run.memory_budget_mb = 100 MB", r.stderr)

    def test_memory_checked_before_any_allocation(self):
        """Plans beyond the budget or the machine are refused naming the key that makes
        them large, never line 0 of a key the user did not write."""
        self.refused_run("time: {train_ms: 1.0e9}\nsweep: {n: [100]}\n",
                         "bad.yaml:1: time.train_ms: needs about")
        self.refused_run("sweep: {n: [50000]}\nrun: {memory_budget_mb: 1.0e9}\n",
                         "bad.yaml:1: sweep.n: 50000 needs about")
        r = self.refused_run("sweep: {n: [50000]}\nrun: {memory_budget_mb: 1.0e9}\n",
                             "MB this machine has")
        self.assertNotIn(":0:", r.stderr)
        job = write_job(self.dir, "n2000.yaml", "sweep: {n: [2000]}\n")
        r = hetsweep("check", job, env=dict(os.environ, SLURM_MEM_PER_NODE="100"))
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("sweep.n: 2000 needs about", r.stderr)
        self.assertIn("the SLURM allocation (SLURM_MEM_PER_NODE = 100 MB)", r.stderr)
        self.assertEqual(hetsweep("check", job).returncode, 0)
        os.remove(job)

    def test_missing_source_file(self):
        self.refused_run("network:\n  source: file\n  source_file: /nonexistent/cube.h5\n"
                         "sweep: {n: [100]}\n",
                         "network.source_file")

    def test_unreachable_target_rate(self):
        self.refused_run("sweep:\n  model: [lif]\nlif:\n  target_rate_hz: 500\n",
                         "bad.yaml:4: lif.target_rate_hz: 500 Hz cannot be reached")

    def test_lif_step_must_divide_dt(self):
        self.refused_run("sweep:\n  model: [lif]\nlif:\n  dt_ms: 0.3\n", "lif.dt_ms")

    def test_job_without_a_sweep(self):
        for text in ("", "# only a comment\n"):
            self.refused_run(text, "bad.yaml:1: the job file is empty")
        self.refused_run("sweep:\n", "bad.yaml:1: sweep: the section is empty")
        self.refused_run("lif:\n  bias: 0.3\n", "no 'sweep:' section")

    def test_job_file_as_output_is_refused(self):
        job = write_job(self.dir, "job.yaml", read(TINY))
        for extra in ([], ["--fresh"]):
            r = mpirun(1, "run", job, "-o", job, *extra)
            self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
            self.assertIn("names the job file itself", r.stderr)
            self.assertEqual(read(job), read(TINY))
            self.assertEqual(os.listdir(self.dir), ["job.yaml"])

    def assert_untouched_refusal(self, target, extra, expect):
        before = sorted(os.listdir(self.dir))
        content = read(target, "rb") if os.path.isfile(target) else None
        r = mpirun(1, "run", TINY, "-o", target, *extra)
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn(expect, r.stderr)
        self.assertEqual(sorted(os.listdir(self.dir)), before)
        if content is not None:
            self.assertEqual(read(target, "rb"), content)

    def test_fresh_never_removes_what_is_not_a_cube(self):
        notes = write_job(self.dir, "notes.txt", "my notes\n")
        foreign = os.path.join(self.dir, "foreign.h5")
        with h5py.File(foreign, "w") as f:
            f["x"] = np.arange(3)
        folder = os.path.join(self.dir, "folder.h5")
        os.mkdir(folder)
        for extra in ([], ["--fresh"]):
            self.assert_untouched_refusal(notes, extra, "not a hetsweep cube (it is not an HDF5 file)")
            self.assert_untouched_refusal(foreign, extra, "not a hetsweep cube")
            self.assert_untouched_refusal(folder, extra, "is a directory, not a hetsweep cube")
        r = mpirun(1, "run", TINY, "-o", notes, "--fresh")
        self.assertIn("--fresh only ever replaces a hetsweep cube", r.stderr)

    def test_fresh_replaces_a_cube_even_when_damaged(self):
        cube = os.path.join(self.dir, "cube.h5")
        self.assertEqual(mpirun(1, "run", TINY, "-o", cube, "--quiet").returncode, 0)
        reference = results_datasets(cube)
        with open(cube, "r+b") as fh:  # truncated: its .sum no longer matches
            fh.truncate(os.path.getsize(cube) // 2)
        r = mpirun(1, "run", TINY, "-o", cube, "--quiet")
        self.assertEqual(r.returncode, 2, r.stderr)
        r = mpirun(1, "run", TINY, "-o", cube, "--quiet", "--fresh")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(results_datasets(cube), reference)

    def test_cube_of_other_numerics_is_refused(self):
        """A cube computed with another numerics version is never resumed or merged."""
        cube = os.path.join(self.dir, "cube.h5")
        self.assertEqual(mpirun(1, "run", TINY, "-o", cube, "--quiet").returncode, 0)
        with h5py.File(cube, "r+") as f:
            canonical = f.attrs["job_canonical"]
            canonical = canonical.decode() if isinstance(canonical, bytes) else canonical
            line = [l for l in canonical.splitlines() if l.startswith("numerics_version=")][0]
            ours = int(line.split("=")[1])
            # fixed-length strings, as hetsweep writes them
            f.attrs["job_canonical"] = np.bytes_(
                canonical.replace(line, f"numerics_version={ours - 1}"))
            f.attrs["identity"] = np.bytes_("0" * 64)
        os.remove(cube + ".sum")
        before = read(cube, "rb")
        expect = f"computed with numerics version {ours - 1}, and this hetsweep computes with version {ours}"
        r = mpirun(1, "run", TINY, "-o", cube)
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn(expect, r.stderr)
        r = hetsweep("merge", os.path.join(self.dir, "merged.h5"), cube)
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn(expect, r.stderr)
        self.assertEqual(read(cube, "rb"), before)
        self.assertFalse(os.path.exists(os.path.join(self.dir, "merged.h5")))

    def test_missing_job_file(self):
        cube = os.path.join(self.dir, "cube.h5")
        r = mpirun(1, "run", os.path.join(self.dir, "none.yaml"), "-o", cube)
        self.assertEqual(r.returncode, 2)
        self.assertIn("none.yaml", r.stderr)
        self.assertEqual(os.listdir(self.dir), [])

    def test_output_directory_missing(self):
        r = mpirun(1, "run", TINY, "-o", os.path.join(self.dir, "no", "cube.h5"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("does not exist", r.stderr)

    @unittest.skipIf(os.geteuid() == 0, "root writes anywhere")
    def test_output_directory_unwritable(self):
        os.chmod(self.dir, 0o500)
        r = mpirun(1, "run", TINY, "-o", os.path.join(self.dir, "cube.h5"))
        os.chmod(self.dir, 0o700)
        self.assertEqual(r.returncode, 1)

    def test_command_line(self):
        self.assertEqual(hetsweep().returncode, 2)
        self.assertEqual(hetsweep("frobnicate").returncode, 2)
        self.assertEqual(hetsweep("run", TINY).returncode, 2)
        self.assertEqual(hetsweep("check").returncode, 2)
        self.assertEqual(hetsweep("status").returncode, 2)
        self.assertEqual(hetsweep("--version").returncode, 0)
        self.assertEqual(hetsweep("--help").returncode, 0)

    def test_check(self):
        r = hetsweep("check", os.path.join(ROOT, "jobs", "demo.yaml"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("units (model x n x seed):   4", r.stdout)
        self.assertIn("memory per rank", r.stdout)
        r = hetsweep("check", TINY, "--print-job")
        self.assertEqual(r.returncode, 0, r.stderr)
        printed = write_job(self.dir, "printed.yaml", r.stdout)
        self.assertEqual(hetsweep("check", printed).returncode, 0)
        # the predicted time uses the rate `hetsweep bench` cached, or says it assumed one
        cache = os.path.join(self.dir, "cache")
        os.mkdir(cache)
        r = hetsweep("check", TINY, env=dict(os.environ, XDG_CACHE_HOME=cache))
        self.assertIn("at an assumed 10 GFLOP/s per core (run `hetsweep bench`", r.stdout)
        write_job(cache, "hetsweep-rate", "25.5\n")
        r = hetsweep("check", TINY, env=dict(os.environ, XDG_CACHE_HOME=cache))
        self.assertIn("at 25.5 GFLOP/s per core, as `hetsweep bench` measured here", r.stdout)
        bad = write_job(self.dir, "bad.yaml", "seed: -1\n")
        r = hetsweep("check", bad)
        self.assertEqual(r.returncode, 2)
        self.assertIn("bad.yaml:1: seed", r.stderr)

    def test_status_of_foreign_files(self):
        text = write_job(self.dir, "notes.h5", "not hdf5\n")
        r = hetsweep("status", text)
        self.assertEqual(r.returncode, 2)
        self.assertIn("not an HDF5 file", r.stderr)
        foreign = os.path.join(self.dir, "foreign.h5")
        with h5py.File(foreign, "w") as f:
            f["x"] = np.arange(3)
        r = hetsweep("status", foreign)
        self.assertEqual(r.returncode, 2)
        self.assertIn("not a hetsweep cube", r.stderr)
        r = hetsweep("status", os.path.join(self.dir, "missing.h5"))
        self.assertEqual(r.returncode, 2)


if __name__ == "__main__":
    helpers.setup(sys.argv[1], sys.argv[2])
    ROOT = helpers.ROOT
    TINY = helpers.job_path("tiny.yaml")
    sys.path.insert(0, ROOT)
    unittest.main(argv=[sys.argv[0], "-v"])
