#!/usr/bin/env python3
"""cv = 0 computed once for every profile (docs/model.md#cv--0-is-computed-once):
every profile at cv = 0 gives the same network, bit for bit; a sweep that shares
computes fewer networks and writes the same /results as one that computes every
column (HETSWEEP_NO_SHARE=1), with 1 and 2 ranks, after kills, and in parts.

    share_test.py HETSWEEP_BINARY SOURCE_ROOT
"""
import os
import re
import signal
import sys
import unittest

import h5py

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import helpers  # noqa: E402
from helpers import hetsweep, mpirun, results_datasets, write_job  # noqa: E402

# train_ms long enough that a 2-rank run of SHARED reaches its second checkpoint (every
# 0.05 s), where test_resume_after_kills kills it: at 1200 ms, after the normal draws were
# vectorised, it computed in about 0.1 s and finished first; with 3000 ms and a checkpoint
# every 0.1 s it made 2 or 3 checkpoints (about 0.25 s), and with 2 the kill came too late.
TIME = """time:
  washout_ms: 100
  train_ms: 3000
  validation_ms: 300
  test_ms: 300
tasks:
  components: [1, 3]
  degrees: [1, 2]
  delay_count: 3
  delay_range: [-1.0, 1.0]
lif:
  target_rate_hz: 10
"""

# 3 profiles x cv [0, 0.5], rate and LIF: 2 x 2 x 2 units of 6 columns, 16 of the
# 48 networks copies (profiles 2 and 3 at cv = 0).
SHARED = "name: share\nseed: 5\n" + TIME + """network:
  tau_file: TAU_FILE
sweep:
  model: [rate, lif]
  profile: [lognormal, uniform, file]
  heterogeneity: [0.0, 0.5]
  n: [20, 30]
  input_gain: [1.0]
  seeds: [0, 1]
run:
  checkpoint_every_s: 0.05
  progress_every_s: 0
"""
TOTAL, COPIES = 48, 16

# Every profile at cv = 0 only, computed column by column: the fact behind sharing.
EVERY_PROFILE = "name: every_profile\nseed: 9\n" + TIME + """network:
  tau_file: TAU_FILE
sweep:
  model: [rate, lif]
  profile: [lognormal, gamma, normal, uniform, file]
  heterogeneity: [0.0]
  tau_mean_ms: [15, 20]
  n: [25]
  input_gain: [1.0, 0.5]
  noise: [0.1]
  seeds: [3]
"""

NO_SHARE = dict(os.environ, HETSWEEP_NO_SHARE="1")
SMALL_ITEMS = dict(os.environ, HETSWEEP_MAX_BATCH="1")  # many items: kills land mid-sweep


def counts(stdout):
    """(networks done in this run, of them copies) from the summary line."""
    done = int(re.search(r"(\d+) computed in this run", stdout).group(1))
    found = re.search(r"\((\d+) simulated, (\d+) copies at cv = 0\)", stdout)
    copies = int(found.group(2)) if found else 0
    if found:
        assert int(found.group(1)) + copies == done, stdout
    return done, copies


class Sharing(helpers.TrialCase):
    PREFIX = "hetsweep-share-"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        tau_file = os.path.join(cls.dir, "tau.txt")
        with open(tau_file, "w") as fh:
            fh.write("\n".join(str(v) for v in (4.0, 9.5, 12.0, 18.0, 26.0, 33.0, 60.0)) + "\n")
        cls.job = write_job(cls.dir, "share.yaml", SHARED.replace("TAU_FILE", tau_file))
        cls.every = write_job(cls.dir, "every.yaml", EVERY_PROFILE.replace("TAU_FILE", tau_file))
        cls.reference = os.path.join(cls.dir, "reference.h5")
        r = hetsweep("run", cls.job, "-o", cls.reference, env=NO_SHARE)
        if r.returncode != 0:
            raise RuntimeError(r.stdout + r.stderr)
        if counts(r.stdout) != (TOTAL, 0):
            raise RuntimeError("HETSWEEP_NO_SHARE=1 still shared:\n" + r.stdout)
        cls.reference_results = results_datasets(cls.reference)

    def assert_reference(self, path):
        results = results_datasets(path)
        self.assertEqual(sorted(results), sorted(self.reference_results))
        for name, data in self.reference_results.items():
            self.assertEqual(results[name], data, f"/results/{name} differs from computing every column")

    def assert_complete(self, path):
        r = hetsweep("status", path, "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('"complete": true', r.stdout)
        with h5py.File(path, "r") as f:
            self.assertTrue(f["results/done"][...].all())
            self.assertEqual(int((f["results/status"][...] >= 0).sum()), TOTAL)

    def test_every_profile_at_cv0_is_the_same_network(self):
        r = hetsweep("run", self.every, "-o", self.cube, env=NO_SHARE)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        with h5py.File(self.cube, "r") as f:
            checked = 0
            def visit(name, obj):
                nonlocal checked
                if not isinstance(obj, h5py.Dataset) or name.endswith(("wall_seconds", "done")):
                    return
                data = obj[...]
                self.assertEqual(data.shape[1], 5, name)  # axis 1: profile
                for p in range(1, 5):
                    self.assertEqual(data[:, p].tobytes(), data[:, 0].tobytes(),
                                     f"/results/{name}: profile {p} differs from profile 0")
                checked += 1
            f["results"].visititems(visit)
            self.assertGreater(checked, 10)
            self.assertTrue((f["results/status"][...] == 0).all())
        r = hetsweep("check", self.every)
        self.assertIn("networks:                   40 (32 copies: cv = 0 computed once for every "
                      "profile)", r.stdout)

    def test_fewer_networks_same_results_one_rank(self):
        r = hetsweep("check", self.job)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(f"networks:                   {TOTAL} ({COPIES} copies: cv = 0 computed "
                      "once for every profile)", r.stdout)
        off = hetsweep("check", self.job, env=NO_SHARE)
        flops = lambda out: float(re.search(r"FLOPs \(estimate\): +(\S+)", out).group(1))
        self.assertAlmostEqual(flops(r.stdout) / flops(off.stdout), (TOTAL - COPIES) / TOTAL,
                               places=2)
        r = hetsweep("run", self.job, "-o", self.cube)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn(f"networks: {TOTAL} ({COPIES} copies: cv = 0 computed once for every "
                      "profile, as lognormal", r.stdout)
        self.assertEqual(counts(r.stdout), (TOTAL, COPIES))
        self.assert_reference(self.cube)
        self.assert_complete(self.cube)

    def test_fewer_networks_same_results_two_ranks(self):
        r = mpirun(2, "run", self.job, "-o", self.cube, env=SMALL_ITEMS)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(counts(r.stdout), (TOTAL, COPIES))
        self.assert_reference(self.cube)
        self.assert_complete(self.cube)

    def resume(self, ranks=1, env=None):
        """Resume to the end: what was done is not computed again."""
        r = mpirun(ranks, "run", self.job, "-o", self.cube, env=env)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        found = re.search(r"resuming: (\d+) of (\d+) networks done", r.stdout)
        self.assertIsNotNone(found, r.stdout)
        done_before = int(found.group(1))
        done, copies = counts(r.stdout)
        self.assertEqual(done_before + done, TOTAL, r.stdout)
        self.assert_reference(self.cube)
        self.assert_complete(self.cube)
        return done_before, copies

    def test_resume_after_kills(self):
        for point, ranks in (("journal-torn:3", 1), ("journal-reset:2", 2),
                             ("checkpoint-write:2", 2)):
            with self.subTest(point=point, ranks=ranks):
                env = dict(SMALL_ITEMS, HETSWEEP_CRASH_AT=point)
                r = mpirun(ranks, "run", self.job, "-o", self.cube, "--quiet", env=env)
                self.assertNotEqual(r.returncode, 0, point)
                with h5py.File(self.cube, "r") as f:  # a copy is done exactly when its source is
                    status = f["results/status"][...]
                    zero = status[:, :, 0]  # [model, profile, cv = 0, ...]
                    for p in (1, 2):
                        self.assertEqual((zero[:, p] >= 0).tobytes(), (zero[:, 0] >= 0).tobytes())
                done_before, _ = self.resume(ranks, SMALL_ITEMS)
                if point.startswith("journal-torn"):  # the others depend on timing
                    self.assertGreater(done_before, 0, point)
                self.assertLess(done_before, TOTAL, point)
                for name in os.listdir(self.trial):
                    os.unlink(os.path.join(self.trial, name))

    def test_resume_a_cube_of_a_run_without_sharing(self):
        """A source done without its copies: the copies are computed on their own."""
        # one item of one column journaled (the first in cost order: a source at cv = 0), the
        # next torn (the journal's first write is its header)
        env = dict(SMALL_ITEMS, HETSWEEP_NO_SHARE="1", HETSWEEP_CRASH_AT="journal-torn:3")
        r = hetsweep("run", self.job, "-o", self.cube, "--quiet", env=env)
        self.assertEqual(r.returncode, -signal.SIGKILL, r.stdout + r.stderr)
        done_before, copies = self.resume(1, SMALL_ITEMS)
        self.assertEqual(done_before, 1)
        self.assertEqual(copies, COPIES - 2)  # its two copies were simulated

    def test_parts_and_merge(self):
        parts = []
        for k in (0, 1, 2):
            part = os.path.join(self.trial, f"part{k}.h5")
            r = hetsweep("run", self.job, "-o", part, "--part", f"{k}/3")
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            share = int(re.search(r"part \d/3: (\d+) of the sweep", r.stdout).group(1))
            self.assertEqual(counts(r.stdout)[0], share)
            r = hetsweep("status", part, "--json")
            self.assertIn('"complete": true', r.stdout)
            parts.append(part)
        merged = os.path.join(self.trial, "merged.h5")
        r = hetsweep("merge", merged, *parts)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assert_reference(merged)
        self.assert_complete(merged)


if __name__ == "__main__":
    helpers.setup(sys.argv[1], sys.argv[2])
    unittest.main(argv=[sys.argv[0], "-v"])
