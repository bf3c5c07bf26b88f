#!/usr/bin/env python3
"""The cube's identity hashes the contents of the input files, not their paths
(docs/guarantees.md): a network.tau_file or network.source_file moved or
copied to another path resumes its cube; an edited one is refused (exit 2)
naming the key and saying the file's contents differ. The attributes of a
source cube (which change when it is stamped) are not part of it.

    identity_test.py HETSWEEP_BINARY SOURCE_ROOT
"""
import os
import shutil
import sys
import tempfile
import unittest

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import helpers  # noqa: E402
from helpers import hetsweep, write_job  # noqa: E402

# Seconds to run: one rate network of 20 neurons, two tasks.
SMALL = """name: identity
seed: 3
time:
  washout_ms: 50
  train_ms: 600
  validation_ms: 200
  test_ms: 200
tasks:
  components: [1]
  degrees: [1, 2]
  delay_count: 1
  delay_range: [0.0, 0.0]
sweep:
  model: [rate]
  profile: [PROFILE]
  heterogeneity: [0.5]
  tau_mean_ms: [20]
  n: [20]
  seeds: [0]
"""

TAUS = [5.0 + 0.75 * i for i in range(40)]


def small_job(directory, name, profile="file", extra=""):
    return write_job(directory, name, SMALL.replace("PROFILE", profile) + extra)


def attrs(cube):
    with h5py.File(cube, "r") as f:
        def text(name):
            value = f.attrs[name] if name in f.attrs else f[name][()]
            value = value[0] if isinstance(value, np.ndarray) else value
            return value.decode() if isinstance(value, bytes) else str(value)
        return text("identity"), text("job_canonical")


class TauFile(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="hetsweep-identity-")
        self.cube = os.path.join(self.dir, "cube.h5")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def write_taus(self, path, values):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as fh:
            fh.write("# time constants (ms)\n" + "\n".join(repr(v) for v in values) + "\n")

    def job_with(self, tau_file, name="job.yaml"):
        return small_job(self.dir, name, extra=f"network:\n  tau_file: '{tau_file}'\n")

    def run_job(self, job):
        return hetsweep("run", job, "-o", self.cube, "--quiet")

    def test_moved_file_resumes_and_edited_file_is_refused(self):
        first = os.path.join(self.dir, "a", "taus.txt")
        self.write_taus(first, TAUS)
        r = self.run_job(self.job_with(first))
        self.assertEqual(r.returncode, 0, r.stderr)
        identity, canonical = attrs(self.cube)
        self.assertIn("network.tau_file_sha256=", canonical)
        self.assertNotIn(first, canonical)

        # moved, with other comments and spacing: the same values, the same cube
        moved = os.path.join(self.dir, "b", "renamed.txt")
        os.makedirs(os.path.dirname(moved))
        with open(moved, "w") as fh:
            fh.write("\n".join(f"  {v!r}  " for v in TAUS) + "\n# moved\n")
        os.remove(first)
        r = self.run_job(self.job_with(moved, "moved.yaml"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(attrs(self.cube)[0], identity)

        # edited: other science, refused and left as it is
        self.write_taus(moved, TAUS[:-1] + [TAUS[-1] + 1.0])
        r = self.run_job(self.job_with(moved, "moved.yaml"))
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("network.tau_file: the file's contents differ", r.stderr)
        self.assertEqual(attrs(self.cube)[0], identity)

    def test_hdf5_dataset_hashes_its_values_not_the_file(self):
        first = os.path.join(self.dir, "taus.h5")
        with h5py.File(first, "w") as f:
            f["taus"] = np.array(TAUS)
        r = self.run_job(self.job_with(first + ":/taus"))
        self.assertEqual(r.returncode, 0, r.stderr)
        identity = attrs(self.cube)[0]
        # another file, the same values, and more besides: the same cube
        other = os.path.join(self.dir, "other.h5")
        with h5py.File(other, "w") as f:
            f["unused"] = np.arange(7.0)
            f["group/taus"] = np.array(TAUS)
            f.attrs["note"] = "stamped"
        r = self.run_job(self.job_with(other + ":/group/taus", "other.yaml"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(attrs(self.cube)[0], identity)
        with h5py.File(other, "a") as f:
            f["group/taus"][0] = TAUS[0] + 0.5
        r = self.run_job(self.job_with(other + ":/group/taus", "other.yaml"))
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("network.tau_file: the file's contents differ", r.stderr)

    def test_jobs_without_input_files_keep_their_canonical_text(self):
        r = hetsweep("run", small_job(self.dir, "plain.yaml", profile="gamma"), "-o",
                     self.cube, "--quiet")
        self.assertEqual(r.returncode, 0, r.stderr)
        identity, canonical = attrs(self.cube)
        self.assertIn("network.tau_file=null\n", canonical)
        self.assertIn("network.source_file=null\n", canonical)
        self.assertNotIn("_sha256", canonical)


class SourceFile(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="hetsweep-identity-")
        self.cube = os.path.join(self.dir, "cube.h5")
        self.stored = os.path.join(self.dir, "stored.h5")
        job = small_job(self.dir, "stored.yaml", profile="gamma",
                        extra="output:\n  store_networks: true\n")
        r = hetsweep("run", job, "-o", self.stored, "--quiet")
        self.assertEqual(r.returncode, 0, r.stderr)

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def run_from(self, source, name):
        job = small_job(self.dir, name, profile="gamma",
                        extra=f"network:\n  source: file\n  source_file: '{source}'\n")
        return hetsweep("run", job, "-o", self.cube, "--quiet")

    def test_copied_source_resumes_and_edited_networks_are_refused(self):
        r = self.run_from(self.stored, "first.yaml")
        self.assertEqual(r.returncode, 0, r.stderr)
        identity, canonical = attrs(self.cube)
        self.assertIn("network.source_file_sha256=", canonical)

        copy = os.path.join(self.dir, "copy", "source.h5")
        os.makedirs(os.path.dirname(copy))
        shutil.copy(self.stored, copy)
        with h5py.File(copy, "a") as f:  # attributes are not the data the job uses
            f.attrs["stamped_note"] = "stamped later"
        r = self.run_from(copy, "copy.yaml")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(attrs(self.cube)[0], identity)

        with h5py.File(copy, "a") as f:
            group = f["networks/rate_n20_s0"]
            data = group["W_data"][...]
            data[0] *= 1.5
            group["W_data"][...] = data
        r = self.run_from(copy, "copy.yaml")
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("network.source_file: the file's contents differ", r.stderr)
        self.assertEqual(attrs(self.cube)[0], identity)


if __name__ == "__main__":
    helpers.setup(sys.argv[1], sys.argv[2])
    unittest.main(argv=sys.argv[:1], verbosity=2)
