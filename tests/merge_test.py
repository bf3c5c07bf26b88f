#!/usr/bin/env python3
"""Job arrays without SLURM: `run --part K/M` and `merge`.

The tiny job is run as 3 parts (work items of 2 columns, so that units are split
between parts) with different rank counts, and merged: /results equal a whole run's
bitwise. Overlapping parts, a part of another job, an existing output and corrupt
parts are refused with exit 2 and nothing written; a missing part gives a warning
naming the units, and a later `run` of the merged cube computes just those. A part
resumes as the same part (and only as it), stopped at any point. Parts and cubes
whose "<cube>.sum" is in the formats of earlier releases (2: a CRC-32 per 64 KiB
block; old: one CRC-32 of the whole file) pass `status`, merge and resume.

    merge_test.py HETSWEEP_BINARY SOURCE_ROOT
"""
import os
import re
import shutil
import signal
import sys
import tempfile
import unittest
import zlib

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import helpers  # noqa: E402
from helpers import hetsweep, mpirun, read, results_datasets, write_job  # noqa: E402

TINY = None
TOTAL = 96  # networks of tests/jobs/tiny.yaml
PART_ENV = dict(os.environ, HETSWEEP_MAX_BATCH="2",  # 48 items: parts split units
                HETSWEEP_NO_SHARE="1")  # parts of 32 each (share_test.py: parts sharing cv = 0)


def earlier_sum(path, fmt):
    """The text of "<cube>.sum" for the file at path as an earlier release wrote it:
    format 2 (CRC-32 of each 64 KiB block) or "old" (CRC-32 of the whole file)."""
    data = read(path, "rb")
    if fmt == "old":
        return f"hetsweep-sum\ncrc32 {zlib.crc32(data):08x} size {len(data)}\n"
    crcs = "".join(f"{zlib.crc32(data[at:at + 65536]):08x}" for at in range(0, len(data), 65536))
    return f"hetsweep-sum 2\nblocks 65536 size {len(data)}" + (f" {crcs}" if crcs else "") + "\n"


def copy_with_earlier_sum(path, directory, fmt):
    """A copy of the cube at path in directory, its .sum in an earlier format."""
    copy = os.path.join(directory, os.path.basename(path))
    shutil.copy(path, copy)
    with open(copy + ".sum", "w") as f:
        f.write(earlier_sum(copy, fmt))
    return copy


class Merge(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="hetsweep-merge-")
        cls.whole = os.path.join(cls.dir, "whole.h5")
        r = hetsweep("run", TINY, "-o", cls.whole, "--quiet")
        if r.returncode != 0:
            raise RuntimeError(r.stderr)
        cls.reference = results_datasets(cls.whole)
        cls.parts = []
        for k, ranks in enumerate([1, 2, 3]):
            part = os.path.join(cls.dir, f"part-{k}.h5")
            r = mpirun(ranks, "run", TINY, "-o", part, "--part", f"{k}/3", env=PART_ENV)
            if r.returncode != 0:
                raise RuntimeError(r.stdout + r.stderr)
            cls.parts.append(part)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def setUp(self):
        self.trial = tempfile.mkdtemp(prefix="trial-", dir=self.dir)

    def tearDown(self):
        shutil.rmtree(self.trial, ignore_errors=True)

    def out(self, name="merged.h5"):
        return os.path.join(self.trial, name)

    def assert_whole(self, path):
        other = results_datasets(path)
        self.assertEqual(sorted(other), sorted(self.reference))
        for name, data in self.reference.items():
            self.assertEqual(other[name], data, f"/results/{name} differs from a whole run")

    def assert_nothing_written(self):
        self.assertEqual(os.listdir(self.trial), [])

    def test_parts_are_disjoint_and_record_their_part(self):
        computed = np.zeros(TOTAL, dtype=int)
        for k, part in enumerate(self.parts):
            with h5py.File(part, "r") as f:
                self.assertEqual(f.attrs["part"], f"{k}/3")
                self.assertEqual(int(f.attrs["part_batch"]), 2)
                status = f["results/status"][...].ravel()
                computed += status >= 0
                # a complete part marks the units whose share it computed as done
                self.assertTrue(f["results/done"][...].all())
            r = hetsweep("status", part)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn(f"part: {k}/3", r.stdout)
            self.assertIn("(this part complete)", r.stdout)
            r = hetsweep("status", part, "--json")
            self.assertIn(f'"part": "{k}/3"', r.stdout)
        self.assertTrue((computed == 1).all(), computed)

    def test_merged_parts_equal_a_whole_run(self):
        out = self.out()
        r = hetsweep("merge", out, *self.parts)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(f"{TOTAL} of {TOTAL} networks computed", r.stdout)
        self.assertEqual(r.stderr, "")
        self.assert_whole(out)
        self.assertEqual(sorted(os.listdir(self.trial)), ["merged.h5", "merged.h5.sum"])
        with h5py.File(out, "r") as f:
            self.assertNotIn("part", f.attrs)
            self.assertNotIn("part_batch", f.attrs)
            self.assertIn("part-2.h5 (part 2/3)", f.attrs["merged_from"])
            self.assertEqual(list(f.attrs["ranks_used"]), [1, 2, 3])
            self.assertTrue(f["results/done"][...].all())
            self.assertTrue((f["results/wall_seconds"][...] > 0).all())
            self.assertEqual(len(f["results/score"].dims[0]), 1)  # scales kept
        r = hetsweep("status", out, "--json")
        self.assertIn('"complete": true', r.stdout)
        self.assertIn('"part": null', r.stdout)
        # the merged cube is an ordinary, complete cube of the job
        r = hetsweep("run", TINY, "-o", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("0 computed in this run", r.stdout)
        self.assert_whole(out)

    def assert_sum_is_format_3(self, path):
        with open(path + ".sum") as f:
            self.assertTrue(f.read().startswith("hetsweep-sum 3\nblocks 65536 size "))

    def test_sums_of_earlier_formats_are_read(self):
        for fmt in ("2", "old"):
            with self.subTest(sum_format=fmt):
                trial = tempfile.mkdtemp(prefix=f"sum-{fmt}-", dir=self.trial)
                parts = [copy_with_earlier_sum(p, trial, fmt) for p in self.parts]
                for part in parts:  # status trusts them: no checksum warning
                    r = hetsweep("status", part)
                    self.assertEqual(r.returncode, 0, r.stderr)
                    self.assertNotIn("does not match", r.stdout + r.stderr)
                # a complete part resumes as itself, computing nothing
                r = hetsweep("run", TINY, "-o", parts[0], "--part", "0/3", env=PART_ENV)
                self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
                self.assertIn("0 computed in this run", r.stdout)
                out = os.path.join(trial, "merged.h5")
                r = hetsweep("merge", out, parts[0], parts[2])
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assert_sum_is_format_3(out)
                # the merged cube, its .sum rewritten as an earlier release would
                # have, resumes: the missing part computed, checkpointed in format 3
                with open(out + ".sum", "w") as f:
                    f.write(earlier_sum(out, fmt))
                r = hetsweep("run", TINY, "-o", out)
                self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
                self.assertIn("resuming: 64 of 96 networks done", r.stdout)
                self.assert_whole(out)
                self.assert_sum_is_format_3(out)
                r = hetsweep("status", out)
                self.assertNotIn("does not match", r.stdout + r.stderr)
                # a changed byte is caught by the earlier format's own CRC
                data = bytearray(read(parts[1], "rb"))
                data[len(data) // 2] ^= 0xFF
                with open(parts[1], "wb") as f:
                    f.write(data)
                r = hetsweep("status", parts[1])
                self.assertIn("does not match", r.stdout + r.stderr)
                r = hetsweep("run", TINY, "-o", parts[1], "--part", "1/3", env=PART_ENV)
                self.assertEqual(r.returncode, 2, r.stdout + r.stderr)

    def test_parts_in_any_order(self):
        out = self.out()
        r = hetsweep("merge", out, self.parts[2], self.parts[0], self.parts[1])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assert_whole(out)

    def test_stored_networks_of_every_part(self):
        job = write_job(self.trial, "stored.yaml",
                        read(TINY) + "output:\n  store_networks: true\n")
        whole = os.path.join(self.trial, "whole.h5")
        self.assertEqual(hetsweep("run", job, "-o", whole, "--quiet").returncode, 0)
        parts = []
        for k in range(3):
            parts.append(os.path.join(self.trial, f"stored-{k}.h5"))
            r = hetsweep("run", job, "-o", parts[-1], "--part", f"{k}/3", "--quiet",
                         env=PART_ENV)
            self.assertEqual(r.returncode, 0, r.stderr)
        out = self.out()
        r = hetsweep("merge", out, *parts)
        self.assertEqual(r.returncode, 0, r.stderr)
        stored = {}
        with h5py.File(whole, "r") as a, h5py.File(out, "r") as b:
            self.assertEqual(sorted(a["networks"]), sorted(b["networks"]))
            b["networks"].visititems(lambda name, obj: stored.setdefault(name, obj[...].tobytes())
                                     if isinstance(obj, h5py.Dataset) else None)
            for name, data in stored.items():
                self.assertEqual(a["networks/" + name][...].tobytes(), data, name)
        self.assertTrue(stored)

    def test_overlapping_parts_are_refused(self):
        out = self.out()
        for parts in ([self.parts[0], self.parts[1], self.parts[1]],
                      [self.whole, self.parts[2]]):
            r = hetsweep("merge", out, *parts)
            self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
            self.assertIn("present twice", r.stderr)
            self.assertRegex(r.stderr, r"model=\w+ profile=\w+ heterogeneity=\S+ .* seed=\d+: "
                                       r"in \S+ and \S+")
            self.assertIn("nothing was written", r.stderr)
            self.assert_nothing_written()

    def test_missing_part_warns_and_can_be_completed(self):
        out = self.out()
        r = hetsweep("merge", out, self.parts[0], self.parts[2])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("warning: 32 of 96 networks are missing", r.stderr)
        self.assertRegex(r.stderr, r"unit model=\w+ n=\d+ seed=\d+: \d+ of 8 networks missing")
        self.assertIn("64 of 96 networks computed", r.stdout)
        with h5py.File(out, "r") as f:
            self.assertEqual(int((f["results/status"][...] >= 0).sum()), 64)
            self.assertFalse(f["results/done"][...].all())
        r = hetsweep("status", out, "--json")
        self.assertIn('"complete": false', r.stdout)
        # a run of the job on the merged cube computes just the missing networks
        r = hetsweep("run", TINY, "-o", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("resuming: 64 of 96 networks done", r.stdout)
        self.assertIn("32 computed in this run", r.stdout)
        self.assert_whole(out)

    def test_part_of_another_job_is_refused(self):
        other_job = write_job(self.trial, "other.yaml",
                              read(TINY).replace("seed: 7", "seed: 8"))
        other = os.path.join(self.trial, "other-1.h5")
        r = hetsweep("run", other_job, "-o", other, "--part", "1/3", "--quiet", env=PART_ENV)
        self.assertEqual(r.returncode, 0, r.stderr)
        before = sorted(os.listdir(self.trial))
        r = hetsweep("merge", self.out(), self.parts[0], other, self.parts[2])
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn(f"{other} belongs to another job", r.stderr)
        self.assertIn("seed: first part has 7, this part has 8", r.stderr)
        self.assertEqual(sorted(os.listdir(self.trial)), before)

    def test_existing_output_is_refused(self):
        out = self.out()
        with open(out, "w") as fh:
            fh.write("precious\n")
        r = hetsweep("merge", out, *self.parts)
        self.assertEqual(r.returncode, 2)
        self.assertIn("exists: merge never overwrites", r.stderr)
        self.assertEqual(read(out), "precious\n")
        os.unlink(out)
        r = hetsweep("merge", self.parts[0], *self.parts)  # a part as the output
        self.assertEqual(r.returncode, 2)

    def test_bad_parts_are_refused(self):
        truncated = os.path.join(self.trial, "truncated.h5")
        data = read(self.parts[1], "rb")
        with open(truncated, "wb") as fh:
            fh.write(data[: len(data) // 2])
        foreign = os.path.join(self.trial, "foreign.h5")
        with h5py.File(foreign, "w") as f:
            f["data"] = np.arange(3)
        for bad, message in ((truncated, "not a readable HDF5 cube"),
                             (foreign, "not a hetsweep cube"),
                             (os.path.join(self.trial, "absent.h5"), "No such file")):
            r = hetsweep("merge", self.out(), self.parts[0], bad, self.parts[2])
            self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
            self.assertIn(message, r.stderr)
            self.assertFalse(os.path.exists(self.out()))
        self.assertEqual(hetsweep("merge", self.out()).returncode, 2)  # no parts
        self.assertEqual(hetsweep("merge", self.out(), "--fresh", self.parts[0]).returncode, 2)

    def test_bad_part_syntax_is_a_usage_error(self):
        cube = self.out("cube.h5")
        for bad in ["3/3", "-1/3", "1/0", "a/3", "1", "1/3x", "1//3", "/3", " 1/3", ""]:
            with self.subTest(part=bad):
                r = hetsweep("run", TINY, "-o", cube, "--part", bad)
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertIn("--part", r.stderr)
                self.assertIn("usage:", r.stderr)
        r = hetsweep("run", TINY, "-o", cube, "--part")
        self.assertEqual(r.returncode, 2)
        self.assert_nothing_written()

    def test_a_part_resumes_only_as_itself(self):
        cube = self.out("cube.h5")
        shutil.copy(self.parts[0], cube)
        shutil.copy(self.parts[0] + ".sum", cube + ".sum")
        before = read(cube, "rb")
        cases = [(["--part", "1/3"], "holds part 0/3, but this run asks for part 1/3"),
                 ([], "holds part 0/3, but this run asks for the whole sweep"),
                 (["--part", "0/2"], "holds part 0/3, but this run asks for part 0/2")]
        for extra, message in cases:
            r = hetsweep("run", TINY, "-o", cube, *extra, env=PART_ENV)
            self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
            self.assertIn(message, r.stderr)
        # the same part cut into items of another width would change its share
        r = hetsweep("run", TINY, "-o", cube, "--part", "0/3")
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("work items of up to 2 columns; this run's plan has 8", r.stderr)
        self.assertEqual(read(cube, "rb"), before)
        # a whole cube is not resumed as a part either
        r = hetsweep("run", TINY, "-o", self.whole, "--part", "0/3")
        self.assertEqual(r.returncode, 2)
        self.assertIn("holds the whole sweep, but this run asks for part 0/3", r.stderr)
        # the right part resumes, with nothing left to do
        r = hetsweep("run", TINY, "-o", cube, "--part", "0/3", env=PART_ENV)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("resuming: 32 of 32 networks done", r.stdout)

    def test_a_part_cut_off_resumes_to_the_same_part(self):
        cube = self.out("cube.h5")
        for point in ("journal-torn:3", "checkpoint-write:2"):
            with self.subTest(point=point):
                env = dict(PART_ENV, HETSWEEP_CRASH_AT=point, HETSWEEP_CHECKPOINT_EACH_ITEM="1")
                r = hetsweep("run", TINY, "-o", cube, "--part", "1/3", "--quiet", env=env)
                self.assertEqual(r.returncode, -signal.SIGKILL, r.stderr)
                # merging it now warns: finished work may still be in its journals
                early = self.out("early.h5")
                r = hetsweep("merge", early, self.parts[0], cube, self.parts[2])
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertIn("journal file(s) left by a run that was cut off", r.stderr)
                self.assertIn("networks are missing", r.stderr)
                os.unlink(early)
                os.unlink(early + ".sum")
                # reversed hand-out order: the part is still the same items
                env = dict(PART_ENV, HETSWEEP_ITEM_ORDER="reverse")
                r = mpirun(2, "run", TINY, "-o", cube, "--part", "1/3", env=env)
                self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
                done = int(re.search(r"resuming: (\d+) of 32 networks done", r.stdout).group(1))
                computed = int(re.search(r"(\d+) computed in this run", r.stdout).group(1))
                self.assertGreater(done, 0)
                self.assertEqual(done + computed, 32, r.stdout)
                self.assertEqual(results_datasets(cube), results_datasets(self.parts[1]))
            for name in os.listdir(self.trial):  # after a failure too
                os.unlink(os.path.join(self.trial, name))


if __name__ == "__main__":
    helpers.setup(sys.argv[1], sys.argv[2])
    TINY = helpers.job_path("tiny.yaml")
    unittest.main(argv=[sys.argv[0], "-v"])
