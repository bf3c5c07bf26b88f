#!/usr/bin/env python3
"""Sweeps that survive: resume, SIGKILL at random moments and at named crash
points, SIGTERM/SIGUSR1 stops, refused resumes, disk full, unwritable and
corrupt outputs. Every resumed cube must equal an uninterrupted run's
/results bitwise, and nothing already done may be computed again.

    resume.py HETSWEEP_BINARY SOURCE_ROOT
"""
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
import unittest

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import helpers  # noqa: E402
from helpers import hetsweep, mpirun, read, results_datasets, write_job  # noqa: E402

FAULT = None
TOTAL = 96  # networks in tests/jobs/fault.yaml
RNG = random.Random(20261128)  # fixed: the trials are the same every run
BATCH_ENV = dict(os.environ, HETSWEEP_MAX_BATCH="2")  # many small items
# a checkpoint before each of rank 0's items: a crash point counted in
# checkpoints falls at the same item however fast the machine
COUNTED_ENV = dict(BATCH_ENV, HETSWEEP_CHECKPOINT_EACH_ITEM="1")


def start(ranks, cube, env=None, extra=()):
    """Start a run in its own process group; ranks 0 means without mpirun."""
    args = ["run", FAULT, "-o", cube] + list(extra)
    cmd = [helpers.BINARY] + args if ranks == 0 else helpers.mpirun_command(ranks, *args)
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env or BATCH_ENV, start_new_session=True)


def rank_pids(proc, ranks):
    """The processes computing: the run itself, or mpirun's children."""
    if ranks == 0:
        return [proc.pid]
    out = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]


def wait_until_started(cube, proc, limit=30.0):
    """Wait until the run holds its lock (the job is validated, handlers are in)."""
    t0 = time.monotonic()
    while not os.path.exists(cube + ".lock") and proc.poll() is None:
        if time.monotonic() - t0 > limit:
            raise AssertionError("the run did not start")
        time.sleep(0.01)


def side_files(cube):
    directory, base = os.path.split(cube)
    return sorted(f for f in os.listdir(directory) if f.startswith(base))


class Survival(helpers.TrialCase):
    PREFIX = "hetsweep-resume-"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.reference = os.path.join(cls.dir, "reference.h5")
        started = time.monotonic()
        r = mpirun(1, "run", FAULT, "-o", cls.reference, "--quiet", env=BATCH_ENV)
        # how long the sweep runs on this machine, start-up included: the random
        # kills and stops below are timed in fractions of it, so that they land
        # mid-sweep on a fast machine and a slow one alike
        cls.duration = time.monotonic() - started
        if r.returncode != 0:
            raise RuntimeError(r.stdout + r.stderr)
        cls.reference_results = results_datasets(cls.reference)

    def clear_trial(self):
        for name in side_files(self.cube):
            os.unlink(os.path.join(self.trial, name))

    def assert_reference(self, path):
        other = results_datasets(path)
        for name, data in self.reference_results.items():
            self.assertEqual(other[name], data, f"/results/{name} differs from the reference")

    def resume_and_check(self, ranks=1):
        """Resume to completion; nothing done before may be computed again."""
        r = mpirun(ranks, "run", FAULT, "-o", self.cube, env=BATCH_ENV)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        found = re.search(r"resuming: (\d+) of (\d+) networks done", r.stdout)
        done_before = int(found.group(1)) if found else 0
        computed = int(re.search(r"(\d+) computed in this run", r.stdout).group(1))
        self.assertEqual(done_before + computed, TOTAL, r.stdout)
        self.assert_reference(self.cube)
        self.assertEqual(side_files(self.cube), ["cube.h5", "cube.h5.lock", "cube.h5.sum"])
        return done_before

    def test_sigkill_at_random_moments(self):
        resumed_with_work_done = 0
        for trial in range(22):
            ranks = RNG.choice([0, 0, 2, 3])
            delay = RNG.uniform(0.25, 1.0) * self.duration
            proc = start(ranks, self.cube)
            time.sleep(delay)
            # every process at once, as when a node fails (mpirun's ranks are
            # in process groups of their own)
            for pid in set(rank_pids(proc, ranks)) | {proc.pid}:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            proc.communicate()
            with self.subTest(trial=trial, ranks=ranks, delay=round(delay, 3)):
                try:
                    done = self.resume_and_check(ranks=RNG.choice([1, 2, 3]))
                    resumed_with_work_done += 0 < done < TOTAL
                finally:
                    self.clear_trial()
        # the kills must have landed mid-sweep, not only before or after it
        self.assertGreaterEqual(resumed_with_work_done, 5)

    def test_sigkill_at_crash_points(self):
        # checkpoint 1 creates the cube, 2 copies it (the old one becomes the
        # shadow), 3 and later write into the shadow in place (incremental)
        points = ["journal-torn:1", "journal-torn:7", "checkpoint-write:1", "checkpoint-write:3",
                  "checkpoint-rename:2", "checkpoint-sum:2", "checkpoint-rename:3",
                  "checkpoint-sum:4", "journal-reset:3"]
        for point in points:
            with self.subTest(point=point):
                try:
                    env = dict(COUNTED_ENV, HETSWEEP_CRASH_AT=point)
                    r = hetsweep("run", FAULT, "-o", self.cube, "--quiet", env=env)
                    self.assertEqual(r.returncode, -signal.SIGKILL, r.stderr)
                    done = self.resume_and_check(ranks=2)
                    if point.startswith("journal-torn:7"):
                        self.assertGreater(done, 0)  # the six good records before it count
                finally:
                    self.clear_trial()

    def test_torn_journal_record_is_dropped(self):
        env = dict(BATCH_ENV, HETSWEEP_CRASH_AT="journal-torn:4")
        r = hetsweep("run", FAULT, "-o", self.cube, "--quiet", env=env)
        self.assertEqual(r.returncode, -signal.SIGKILL)
        r = hetsweep("run", FAULT, "-o", self.cube, env=BATCH_ENV)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("1 torn record(s) dropped", r.stdout)
        self.assert_reference(self.cube)

    def test_kill_between_append_and_sync_loses_nothing(self):
        # the third record is written but its group-commit sync (up to 1 s
        # later) has not run: a process kill keeps it (the page cache holds
        # it), so the resume takes all three records in from the journal
        plain = dict(BATCH_ENV, HETSWEEP_NO_SHARE="1")  # every item 2 networks, no copies
        env = dict(plain, HETSWEEP_CRASH_AT="journal-unsynced:3")
        r = hetsweep("run", FAULT, "-o", self.cube, "--quiet", env=env)
        self.assertEqual(r.returncode, -signal.SIGKILL, r.stderr)
        r = hetsweep("run", FAULT, "-o", self.cube, env=plain)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        found = re.search(r"resuming: (\d+) of \d+ networks done \((\d+) in the cube, "
                          r"(\d+) from 1 journal file\(s\), 0 torn", r.stdout)
        self.assertIsNotNone(found, r.stdout)
        self.assertEqual(int(found.group(1)), 6, r.stdout)  # 3 items of 2 networks
        self.assertGreaterEqual(int(found.group(3)), 2, r.stdout)  # the last one, at least
        computed = int(re.search(r"(\d+) computed in this run", r.stdout).group(1))
        self.assertEqual(computed, TOTAL - 6, r.stdout)
        self.assert_reference(self.cube)

    def test_sigterm_at_random_moments(self):
        stopped = 0
        for trial in range(8):
            ranks = RNG.choice([0, 2])
            delay = RNG.uniform(0.02, 0.5) * self.duration  # after the run took its lock
            proc = start(ranks, self.cube, extra=["--quiet"])
            wait_until_started(self.cube, proc)
            time.sleep(delay)
            for pid in rank_pids(proc, ranks):
                try:
                    os.kill(pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
            out, err = proc.communicate(timeout=120)
            with self.subTest(trial=trial, ranks=ranks, delay=round(delay, 3)):
                try:
                    self.assertIn(proc.returncode, (0, 3), err)
                    stopped += proc.returncode == 3
                    if proc.returncode == 3:
                        self.assertEqual(side_files(self.cube), ["cube.h5", "cube.h5.lock", "cube.h5.sum"])
                    self.resume_and_check(ranks=RNG.choice([1, 3]))
                finally:
                    self.clear_trial()
        self.assertGreater(stopped, 0)

    def test_sigusr1_through_mpirun(self):
        # mpirun itself has been seen to end by the SIGUSR1 it should forward
        # (returncode -10, once in about 15 runs on a loaded machine, the ranks
        # running): that is mpirun's, not ours, so such a try is made again
        # from a clean trial, once
        for attempt in range(2):
            proc = start(2, self.cube)
            wait_until_started(self.cube, proc)
            time.sleep(0.5)
            proc.send_signal(signal.SIGUSR1)  # mpirun forwards SIGUSR1 to every rank
            out, err = proc.communicate(timeout=120)
            if proc.returncode != -signal.SIGUSR1 or attempt == 1:
                break
            self.clear_trial()
        self.assertIn(proc.returncode, (0, 3), err)
        if proc.returncode == 3:
            self.assertIn("stopped (resumable, exit 3)", out)
        self.resume_and_check(ranks=2)

    def test_second_signal_exits_within_two_seconds(self):
        # one big network per item, so that finishing it would take seconds
        slow = write_job(self.trial, "slow.yaml",
                         "name: slow\ntime:\n  train_ms: 20000\ntasks:\n  components: [1]\n"
                         "  degrees: [1]\n  delay_count: 3\nsweep:\n  n: [800]\n"
                         "  heterogeneity: [0.0, 1.0]\n  seeds: [0]\n")
        proc = subprocess.Popen([helpers.BINARY, "run", slow, "-o", self.cube],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=dict(os.environ, HETSWEEP_MAX_BATCH="1"))
        time.sleep(1.5)
        proc.send_signal(signal.SIGTERM)
        time.sleep(0.2)
        t0 = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
        self.assertLess(time.monotonic() - t0, 2.0)
        self.assertEqual(proc.returncode, 3, err)
        self.assertIn("second stop signal", err)
        self.assertTrue(os.path.exists(self.cube))  # the first checkpoint is complete

    def test_two_runs_never_write_one_cube(self):
        first = start(0, self.cube, extra=["--quiet"])
        wait_until_started(self.cube, first)  # it holds the lock from here to its end
        r = hetsweep("run", FAULT, "-o", self.cube)
        first.communicate(timeout=60)
        first_status = first.returncode
        if first_status == 0 and "in use" not in r.stderr:
            self.skipTest("the first run ended before the second started")
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("in use by another hetsweep run", r.stderr)
        self.assertEqual(first_status, 0)
        self.assert_reference(self.cube)

    def test_changed_science_key_is_refused(self):
        shutil.copy(self.reference, self.cube)
        shutil.copy(self.reference + ".sum", self.cube + ".sum")
        before = read(self.cube, "rb")
        changed = write_job(self.trial, "changed.yaml",
                            read(FAULT).replace("seed: 11", "seed: 12")
                            + "network:\n  connectivity: 0.2\n")
        r = mpirun(2, "run", changed, "-o", self.cube)
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("seed: cube has 11, job has 12", r.stderr)
        self.assertIn("network.connectivity: cube has 0.1, job has 0.2", r.stderr)
        self.assertEqual(read(self.cube, "rb"), before)
        self.assertEqual(side_files(self.cube), ["cube.h5", "cube.h5.sum"])

    def test_changed_run_keys_are_accepted(self):
        shutil.copy(self.reference, self.cube)
        relaxed = write_job(self.trial, "relaxed.yaml",
                            read(FAULT).replace("checkpoint_every_s: 0.05",
                                                "checkpoint_every_s: 30")
                            .replace("name: fault", "name: renamed")
                            + "  threads_per_rank: 1\n  memory_budget_mb: 2000\n")
        r = hetsweep("run", relaxed, "-o", self.cube)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("0 computed in this run", r.stdout)
        self.assert_reference(self.cube)

    def test_disk_full_keeps_the_good_cube(self):
        env = dict(COUNTED_ENV, HETSWEEP_CRASH_AT="journal-reset:3")
        r = hetsweep("run", FAULT, "-o", self.cube, "--quiet", env=env)
        self.assertEqual(r.returncode, -signal.SIGKILL)
        # a small file system holding the cube, its checksum and journals, with
        # room for less than one more copy of the cube
        size = sum(os.path.getsize(os.path.join(self.trial, f))
                   for f in side_files(self.cube))
        small = os.path.join(self.trial, "small")
        os.mkdir(small)
        kib = (size + os.path.getsize(self.cube) // 2) // 1024 + 8
        mount = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={kib}k", "tmpfs", small],
                               capture_output=True, text=True)
        if mount.returncode != 0:
            self.skipTest(f"cannot mount a small tmpfs here: {mount.stderr.strip()}")
        try:
            for name in side_files(self.cube):
                shutil.copy(os.path.join(self.trial, name), small)
            cube = os.path.join(small, "cube.h5")
            good = read(cube, "rb")
            r = hetsweep("run", FAULT, "-o", cube, env=BATCH_ENV)
            self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
            # refused before the copy, or (space gone meanwhile) the failed write named
            self.assertRegex(r.stderr, r"not enough free space for a checkpoint|"
                                       r"cannot (write|copy|close)")
            self.assertEqual(read(cube, "rb"), good)
            self.assertNotIn("cube.h5.tmp", os.listdir(small))
            self.assertIn(hetsweep("status", cube).returncode, (0,))
            self.clear_trial()
            for name in os.listdir(small):
                shutil.copy(os.path.join(small, name), self.trial)
        finally:
            subprocess.run(["umount", small])
        self.resume_and_check(ranks=2)

    @unittest.skipUnless(shutil.which("setpriv"), "needs setpriv to drop root")
    def test_unwritable_directory(self):
        locked = os.path.join(self.trial, "locked")
        os.mkdir(locked, 0o755)  # owned by root: nobody may not write here
        os.chmod(self.dir, 0o755)
        os.chmod(self.trial, 0o755)
        job = os.path.join(self.trial, "job.yaml")
        shutil.copy(FAULT, job)
        os.chmod(job, 0o644)
        as_nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        probe = subprocess.run(as_nobody + [helpers.BINARY, "--version"], capture_output=True)
        if probe.returncode != 0:
            self.skipTest("the build is not executable by nobody here")
        r = subprocess.run(as_nobody + [helpers.BINARY, "run", job, "-o",
                                        os.path.join(locked, "cube.h5")],
                           capture_output=True, text=True, env=BATCH_ENV, timeout=120)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("not writable", r.stderr)
        self.assertEqual(os.listdir(locked), [])

    def test_full_file_system_is_refused_before_a_byte_is_written(self):
        """A checkpoint that cannot fit is refused whole (exit 1, the reason named),
        never a crash inside HDF5: on a 256 KiB tmpfs the first checkpoint, with 1
        and 2 ranks. Skipped where a tmpfs cannot be mounted (not root, a container)."""
        small = os.path.join(self.trial, "small")
        os.mkdir(small)
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", small],
                                 capture_output=True)
        if mounted.returncode != 0:
            self.skipTest("cannot mount a tmpfs here")
        try:
            for ranks in (0, 2):
                args = ("run", FAULT, "-o", os.path.join(small, "cube.h5"))
                r = mpirun(ranks, *args) if ranks else hetsweep(*args)
                self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
                self.assertIn("not enough free space for a checkpoint", r.stderr)
                self.assertNotIn("Segmentation fault", r.stdout + r.stderr)
                self.assertEqual(os.listdir(small), [])
        finally:
            subprocess.run(["umount", small], capture_output=True)

    def test_truncated_cube_is_refused_and_left_alone(self):
        data = read(self.reference, "rb")
        with open(self.cube, "wb") as fh:
            fh.write(data[: len(data) // 2])
        for with_sum in (True, False):
            if with_sum:
                shutil.copy(self.reference + ".sum", self.cube + ".sum")
            elif os.path.exists(self.cube + ".sum"):
                os.unlink(self.cube + ".sum")
            before = read(self.cube, "rb")
            r = mpirun(2, "run", FAULT, "-o", self.cube)
            self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
            self.assertIn("left as it is", r.stderr)
            self.assertEqual(read(self.cube, "rb"), before)
            r = hetsweep("status", self.cube)
            self.assertEqual(r.returncode, 2)
            self.assertNotIn("cube.h5.tmp", side_files(self.cube))

    def test_corrupted_bytes_fail_the_checksum(self):
        data = bytearray(read(self.reference, "rb"))
        data[len(data) // 2] ^= 0xFF
        with open(self.cube, "wb") as fh:
            fh.write(data)
        shutil.copy(self.reference + ".sum", self.cube + ".sum")
        r = hetsweep("run", FAULT, "-o", self.cube)
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("checksum", r.stderr)
        self.assertEqual(read(self.cube, "rb"), bytes(data))

    def test_foreign_files_at_the_output_path(self):
        write_job(self.trial, "cube.h5", "not a cube\n")
        r = hetsweep("run", FAULT, "-o", self.cube)
        self.assertEqual(r.returncode, 2)
        self.assertEqual(read(self.cube), "not a cube\n")
        os.unlink(self.cube)
        with h5py.File(self.cube, "w") as f:
            f["data"] = np.arange(4)
        before = read(self.cube, "rb")
        r = hetsweep("run", FAULT, "-o", self.cube)
        self.assertEqual(r.returncode, 2)
        self.assertIn("not a hetsweep cube", r.stderr)
        self.assertEqual(read(self.cube, "rb"), before)

    def test_journal_of_another_job_is_refused(self):
        env = dict(COUNTED_ENV, HETSWEEP_CRASH_AT="journal-reset:2")
        r = hetsweep("run", FAULT, "-o", self.cube, "--quiet", env=env)
        self.assertEqual(r.returncode, -signal.SIGKILL)
        os.unlink(self.cube)
        os.unlink(self.cube + ".sum")
        other = write_job(self.trial, "other.yaml", read(FAULT).replace("seed: 11", "seed: 5"))
        r = hetsweep("run", other, "-o", self.cube)
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("belongs to another job", r.stderr)
        self.assertFalse(os.path.exists(self.cube))
        r = hetsweep("run", other, "-o", self.cube, "--fresh", "--quiet")
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_status_of_a_partial_cube(self):
        # killed after the 20th of 48 items' journal records: partial however
        # fast the machine (a checkpoint count depends on the run's speed:
        # journal-reset:4 became the final checkpoint once the run took 0.3 s)
        env = dict(BATCH_ENV, HETSWEEP_CRASH_AT="journal-unsynced:20")
        r = hetsweep("run", FAULT, "-o", self.cube, "--quiet", env=env)
        self.assertEqual(r.returncode, -signal.SIGKILL)
        r = hetsweep("status", self.cube, "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('"complete": false', r.stdout)
        self.resume_and_check(ranks=1)

    def test_quiet_prints_nothing(self):
        r = hetsweep("run", FAULT, "-o", self.cube, "--quiet", env=BATCH_ENV)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "")


if __name__ == "__main__":
    helpers.setup(sys.argv[1], sys.argv[2])
    FAULT = helpers.job_path("fault.yaml")
    unittest.main(argv=[sys.argv[0], "-v"])
