#!/usr/bin/env python3
"""Growing a finished sweep: `run BIG.yaml -o NEW.h5 --extend OLD.h5`.

OLD is the tiny job with two heterogeneities and seeds [0, 1]; BIG adds a
heterogeneity and a seed. The grown cube's /results equal a from-scratch run of
BIG bitwise (1 and 2 ranks), only the new networks are computed, a grown run cut
off by kill -9 resumes to the same cube, and every refusal exits 2 naming what is
wrong with OLD and NEW left as they were.

    extend_test.py HETSWEEP_BINARY SOURCE_ROOT
"""
import os
import re
import shutil
import signal
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import helpers  # noqa: E402
from helpers import hetsweep, mpirun, read, results_datasets, write_job  # noqa: E402

TINY = None
OLD_NETWORKS = 64   # tiny.yaml with heterogeneity [0, 1] and seeds [0, 1]
BIG_NETWORKS = 144  # with heterogeneity [0, 0.5, 1] and seeds [0, 1, 2]


def computed_in_run(stdout):
    m = re.search(r"(\d+) computed in this run", stdout)
    return int(m.group(1)) if m else None


class Extend(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="hetsweep-extend-")
        text = read(TINY)
        cls.small_job = write_job(cls.dir, "small.yaml",
                                  text.replace("seeds: [0, 1, 2]", "seeds: [0, 1]"))
        cls.big_text = text.replace("heterogeneity: [0.0, 1.0]", "heterogeneity: [0.0, 0.5, 1.0]")
        cls.big_job = write_job(cls.dir, "big.yaml", cls.big_text)
        cls.old = os.path.join(cls.dir, "old.h5")
        cls.scratch = os.path.join(cls.dir, "scratch.h5")
        for job, cube in ((cls.small_job, cls.old), (cls.big_job, cls.scratch)):
            r = hetsweep("run", job, "-o", cube, "--quiet")
            if r.returncode != 0:
                raise RuntimeError(r.stderr)
        cls.reference = results_datasets(cls.scratch)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def setUp(self):
        self.trial = tempfile.mkdtemp(prefix="trial-", dir=self.dir)
        self.old_bytes = read(self.old, "rb")

    def tearDown(self):
        self.assertEqual(read(self.old, "rb"), self.old_bytes, "the old cube was changed")
        shutil.rmtree(self.trial, ignore_errors=True)

    def test_grown_cube_equals_the_larger_job_from_scratch(self):
        for ranks in (1, 2):
            new = os.path.join(self.trial, f"grown-{ranks}.h5")
            r = mpirun(ranks, "run", self.big_job, "-o", new, "--extend", self.old)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertIn(f"{OLD_NETWORKS} of its networks taken in", r.stdout)
            self.assertEqual(computed_in_run(r.stdout), BIG_NETWORKS - OLD_NETWORKS, r.stdout)
            self.assertEqual(results_datasets(new), self.reference, f"{ranks} rank(s)")
            status = hetsweep("status", new)
            self.assertIn(f"{BIG_NETWORKS}/{BIG_NETWORKS}", status.stdout)

    def test_grown_run_killed_and_resumed(self):
        new = os.path.join(self.trial, "grown.h5")
        env = dict(os.environ, HETSWEEP_CRASH_AT="checkpoint-rename:2", HETSWEEP_MAX_BATCH="2",
                   HETSWEEP_CHECKPOINT_EACH_ITEM="1")
        r = hetsweep("run", self.big_job, "-o", new, "--extend", self.old, env=env)
        self.assertEqual(r.returncode, -signal.SIGKILL, r.stdout + r.stderr)
        r = hetsweep("run", self.big_job, "-o", new, "--extend", self.old)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(results_datasets(new), self.reference)
        r = hetsweep("run", self.big_job, "-o", new, "--extend", self.old)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(computed_in_run(r.stdout), 0, r.stdout)

    def refused(self, job, needle, *extra, old=None):
        new = os.path.join(self.trial, "new.h5")
        r = hetsweep("run", job, "-o", new, "--extend", old or self.old, *extra)
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn(needle, r.stderr)
        self.assertFalse(os.path.exists(new), "a refused --extend wrote its output")

    def test_refusals(self):
        text = self.big_text
        self.refused(write_job(self.trial, "seed.yaml", text.replace("seed: 7", "seed: 8")),
                     "seed differs")
        self.refused(write_job(self.trial, "drop.yaml",
                               text.replace("seeds: [0, 1, 2]", "seeds: [1, 2]")),
                     "sweep.seeds: the cube has the value 0")
        self.refused(self.big_job, "--extend and --part", "--part", "0/2")
        self.refused(self.big_job, "no such file", old=os.path.join(self.trial, "missing.h5"))
        self.refused(self.big_job, "not a hetsweep cube", old=self.small_job)
        part = os.path.join(self.trial, "part.h5")
        r = hetsweep("run", self.small_job, "-o", part, "--part", "0/2", "--quiet")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.refused(self.big_job, "merge the parts first", old=part)

    def test_extend_onto_itself_is_refused(self):
        r = hetsweep("run", self.big_job, "-o", self.old, "--extend", self.old)
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("names the output cube itself", r.stderr)


if __name__ == "__main__":
    helpers.setup(sys.argv[1], sys.argv[2])
    TINY = helpers.job_path("tiny.yaml")
    unittest.main(argv=[sys.argv[0], "-v"])
