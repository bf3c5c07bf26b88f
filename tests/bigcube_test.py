#!/usr/bin/env python3
"""The big-cube path, short (bench/bigcube.sh runs it at 10^5 networks): a sweep
of 10^4 tiny networks (bench/jobs/big100k.yaml with 10 seeds instead of 100)
runs; a second run is killed with SIGKILL midway and resumed; two parts
(`run --part K/2`, K = 0, 1) are merged. The resumed and merged cubes' /results equal
the uninterrupted run's bitwise. `status` is timed on the big cube and the
time printed, not asserted (the machine may be loaded).

    bigcube_test.py HETSWEEP_BINARY SOURCE_ROOT
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import helpers  # noqa: E402
from helpers import hetsweep, results_datasets, write_job  # noqa: E402

NETWORKS = 10000


def big_job_text():
    """bench/jobs/big100k.yaml with seeds 0..9: 10 units x 1000 columns."""
    path = os.path.join(helpers.ROOT, "bench", "jobs", "big100k.yaml")
    text = helpers.read(path)
    text = re.sub(r"(?m)^name: .*$", "name: big10k", text)
    seeds = re.compile(r"(?m)^  seeds: \[.*\]$")
    if not seeds.search(text):
        raise RuntimeError(f"{path}: no `  seeds: [...]` line to shorten")
    return seeds.sub("  seeds: [" + ", ".join(str(s) for s in range(10)) + "]", text)


def journal_bytes(cube):
    path = cube + ".journal.0"
    return os.path.getsize(path) if os.path.exists(path) else 0


class BigCube(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="hetsweep-bigcube-")
        cls.job = write_job(cls.dir, "big10k.yaml", big_job_text())
        cls.whole = os.path.join(cls.dir, "whole.h5")
        t0 = time.monotonic()
        r = hetsweep("run", cls.job, "-o", cls.whole)
        cls.wall = time.monotonic() - t0
        if r.returncode != 0:
            raise RuntimeError(r.stdout + r.stderr)
        print(f"\nbig10k: {NETWORKS} networks in {cls.wall:.1f} s on 1 rank", file=sys.stderr)
        print(r.stdout.strip().splitlines()[-1], file=sys.stderr)
        cls.reference = results_datasets(cls.whole)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def assert_reference(self, path):
        other = results_datasets(path)
        self.assertEqual(sorted(other), sorted(self.reference))
        for name, data in self.reference.items():
            self.assertEqual(other[name], data, f"/results/{name} differs from the whole run")

    def test_kill_midway_and_resume(self):
        cube = os.path.join(self.dir, "killed.h5")
        proc = subprocess.Popen([helpers.BINARY, "run", self.job, "-o", cube, "--quiet"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        # midway: once the journal holds records (past its header), and about
        # half the uninterrupted run's time has gone
        t0 = time.monotonic()
        while proc.poll() is None and (journal_bytes(cube) < 4096 or
                                       time.monotonic() - t0 < self.wall / 2):
            time.sleep(0.05)
        killed_at = time.monotonic() - t0
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
        self.assertEqual(proc.returncode, -signal.SIGKILL, "the run ended before the kill")
        r = hetsweep("run", self.job, "-o", cube)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        found = re.search(r"resuming: (\d+) of (\d+) networks done", r.stdout)
        self.assertIsNotNone(found, r.stdout)
        done = int(found.group(1))
        self.assertGreater(done, 0, r.stdout)
        computed = int(re.search(r"(\d+) computed in this run", r.stdout).group(1))
        self.assertEqual(done + computed, NETWORKS, r.stdout)
        print(f"\nkilled after {killed_at:.1f} s; resumed with {done} networks done",
              file=sys.stderr)
        self.assert_reference(cube)

    def test_two_parts_merge(self):
        parts = []
        for k in (0, 1):
            part = os.path.join(self.dir, f"part{k}.h5")
            r = hetsweep("run", self.job, "-o", part, "--part", f"{k}/2", "--quiet")
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            parts.append(part)
        merged = os.path.join(self.dir, "merged.h5")
        t0 = time.monotonic()
        r = hetsweep("merge", merged, *parts)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        print(f"\nmerge of 2 parts: {time.monotonic() - t0:.2f} s", file=sys.stderr)
        self.assert_reference(merged)

    def test_status_time_is_printed(self):
        for args in ([], ["--json"]):
            t0 = time.monotonic()
            r = hetsweep("status", self.whole, *args)
            seconds = time.monotonic() - t0
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            print(f"\nstatus {' '.join(args)} of {NETWORKS} networks: {seconds:.3f} s",
                  file=sys.stderr)


if __name__ == "__main__":
    helpers.setup(sys.argv[1], sys.argv[2])
    unittest.main(argv=[sys.argv[0], "-v"])
