"""Incremental checkpoints (checkpoint.h): rank 0 writes the new results into
the shadow in place and swaps it with the cube. The cube equals the one made
by full copies only (HETSWEEP_NO_EXCHANGE=1), bitwise, with 1 and 3 ranks,
and with /results written through HDF5 rather than raw; a
reader that holds the old cube open is never written under; the finished
cube's checksum matches (a second run resumes it); no side file is left."""
import os
import re
import shutil
import signal
import sys
import tempfile
import unittest

import h5py

import helpers
from helpers import hetsweep, mpirun, results_datasets

FAULT = None
BATCH_ENV = dict(os.environ, HETSWEEP_MAX_BATCH="2",  # many small items, checkpoint every 0.1 s
                 HETSWEEP_VERIFY_SHADOW="1")  # every catch-up compared with the cube


def side_files(cube):
    directory, base = os.path.split(cube)
    return sorted(f for f in os.listdir(directory) if f.startswith(base))


def networks_datasets(path):
    """{name: bytes} of every /networks dataset."""
    out = {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                out[name] = obj[...].tobytes()
        f["networks"].visititems(visit)
    return out


def checkpoint_counts(stdout):
    found = re.search(r"checkpoints: (\d+), by rank 0 while the others computed \((\d+) "
                      r"incremental, writing only what was new; (\d+) full\)", stdout)
    if not found:
        raise AssertionError("no checkpoint summary in:\n" + stdout)
    return int(found.group(1)), int(found.group(2)), int(found.group(3))


class Incremental(helpers.TrialCase):
    PREFIX = "hetsweep-checkpoint-"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.reference = os.path.join(cls.dir, "full-copies.h5")
        env = dict(BATCH_ENV, HETSWEEP_NO_EXCHANGE="1")
        r = mpirun(1, "run", FAULT, "-o", cls.reference, env=env)
        if r.returncode != 0:
            raise RuntimeError(r.stdout + r.stderr)
        total, incremental, full = checkpoint_counts(r.stdout)
        if incremental != 0 or full != total or total < 3:
            raise RuntimeError("without a name swap every checkpoint must be full:\n" + r.stdout)
        cls.reference_results = results_datasets(cls.reference)

    def assert_reference(self):
        self.assertEqual(results_datasets(self.cube), self.reference_results)

    def test_incremental_equals_full_copies(self):
        for ranks in (1, 3):
            with self.subTest(ranks=ranks):
                r = mpirun(ranks, "run", FAULT, "-o", self.cube, "--fresh", env=BATCH_ENV)
                self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
                total, incremental, full = checkpoint_counts(r.stdout)
                self.assertGreater(incremental, 0, r.stdout)
                self.assertEqual(total, incremental + full)
                self.assert_reference()
                self.assertEqual(side_files(self.cube),
                                 ["cube.h5", "cube.h5.lock", "cube.h5.sum"])
                again = mpirun(1, "run", FAULT, "-o", self.cube, env=BATCH_ENV)
                self.assertEqual(again.returncode, 0, again.stdout + again.stderr)
                self.assertIn("0 computed in this run", again.stdout)

    def test_results_written_through_hdf5_equal_those_written_raw(self):
        # a run that creates the cube writes /results raw at the chunks' mapped
        # addresses (the reference too); HETSWEEP_NO_RAW_CHUNKS=1 writes them
        # through HDF5, as a run that resumes an older cube does
        env = dict(BATCH_ENV, HETSWEEP_NO_RAW_CHUNKS="1")
        r = mpirun(1, "run", FAULT, "-o", self.cube, "--fresh", env=env)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertGreater(checkpoint_counts(r.stdout)[1], 0, r.stdout)
        self.assert_reference()

    def test_stored_networks_through_incremental_checkpoints(self):
        # output.store_networks: /networks groups of the units of the last two
        # checkpoints are added to the shadow in place
        with open(FAULT) as fh:
            text = fh.read().replace("name: fault", "name: fault-networks")
        job = helpers.write_job(self.trial, "networks.yaml",
                                text + "output:\n  store_networks: true\n")
        full = os.path.join(self.trial, "full.h5")
        r = mpirun(1, "run", job, "-o", full, env=dict(BATCH_ENV, HETSWEEP_NO_EXCHANGE="1"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        r = mpirun(2, "run", job, "-o", self.cube, env=BATCH_ENV)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertGreater(checkpoint_counts(r.stdout)[1], 0, r.stdout)
        self.assertEqual(results_datasets(self.cube), results_datasets(full))
        self.assertEqual(networks_datasets(self.cube), networks_datasets(full))

    def test_a_reader_of_the_old_cube_is_never_written_under(self):
        # a first run killed at its third checkpoint leaves a part-done cube
        env = dict(BATCH_ENV, HETSWEEP_CHECKPOINT_EACH_ITEM="1",
                   HETSWEEP_CRASH_AT="checkpoint-write:3")
        r = hetsweep("run", FAULT, "-o", self.cube, "--quiet", env=env)
        self.assertEqual(r.returncode, -signal.SIGKILL, r.stderr)
        with h5py.File(self.cube, "r") as reader:  # holds the file (and its flock)
            before = {name: reader["results"][name][...].tobytes()
                      for name in ("score", "status", "done")}
            r = mpirun(2, "run", FAULT, "-o", self.cube, env=BATCH_ENV)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            total, incremental, full = checkpoint_counts(r.stdout)
            self.assertGreaterEqual(full, 2, r.stdout)  # the held file is skipped over
            after = {name: reader["results"][name][...].tobytes() for name in before}
            self.assertEqual(after, before)
        self.assert_reference()
        self.assertEqual(side_files(self.cube), ["cube.h5", "cube.h5.lock", "cube.h5.sum"])

    def test_checkpoint_each_item_knob(self):
        # the crash-point tests count checkpoints; with the knob rank 0 makes one
        # after every item, even where run.checkpoint_every_s would make none
        with open(FAULT) as fh:
            text = fh.read().replace("checkpoint_every_s: 0.05", "checkpoint_every_s: 30")
        job = helpers.write_job(self.trial, "slow-checkpoints.yaml", text)
        r = mpirun(1, "run", job, "-o", self.cube, "--fresh", env=BATCH_ENV)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(checkpoint_counts(r.stdout)[0], 2, r.stdout)  # the first, the last
        r = mpirun(1, "run", job, "-o", self.cube, "--fresh",
                   env=dict(BATCH_ENV, HETSWEEP_CHECKPOINT_EACH_ITEM="1"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertGreater(checkpoint_counts(r.stdout)[0], 20, r.stdout)
        self.assert_reference()

    def test_a_stale_shadow_is_removed_and_never_trusted(self):
        env = dict(BATCH_ENV, HETSWEEP_CHECKPOINT_EACH_ITEM="1",
                   HETSWEEP_CRASH_AT="checkpoint-rename:4")
        r = hetsweep("run", FAULT, "-o", self.cube, "--quiet", env=env)
        self.assertEqual(r.returncode, -signal.SIGKILL, r.stderr)
        self.assertIn("cube.h5.shadow", side_files(self.cube))
        with open(self.cube + ".shadow", "r+b") as fh:  # whatever it holds is not used
            fh.seek(4096)
            fh.write(b"\xff" * 4096)
        r = mpirun(1, "run", FAULT, "-o", self.cube, env=BATCH_ENV)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assert_reference()
        self.assertEqual(side_files(self.cube), ["cube.h5", "cube.h5.lock", "cube.h5.sum"])


# 4 heterogeneities x 10 noises x 3 seeds: `score` chunks hold 10 noises, so each
# unit (seed) has 4 chunks of 35 kB.
SEVERAL_CHUNKS = """name: chunks
seed: 1
time: {dt_ms: 1, washout_ms: 20, train_ms: 200, validation_ms: 0, test_ms: 200}
readout:
  lambdas: {min: 1.0e-6, max: 1.0e-6, count: 1}
  selection: fixed
sweep:
  model: [rate]
  heterogeneity: [0, 0.5, 1, 1.5]
  n: [20]
  noise: [0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08, 0.09, 0.1]
  seeds: [0, 1, 2]
"""

N_AXES = 9  # model, profile, heterogeneity, tau_mean_ms, n, input_gain, recurrent_gain, noise, seed
UNIT_AXES = (0, 4, 8)  # model, n, seed


class ChunkPlacement(unittest.TestCase):
    """A unit's chunks lie together in the file (a checkpoint writes one run a unit)."""

    def test_each_units_chunks_are_one_run_of_the_file(self):
        trial = tempfile.mkdtemp(prefix="hetsweep-chunks-")
        try:
            job = helpers.write_job(trial, "chunks.yaml", SEVERAL_CHUNKS)
            cube = os.path.join(trial, "cube.h5")
            r = hetsweep("run", job, "-o", cube, "--quiet")
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            with h5py.File(cube, "r") as f:
                by_unit = chunks_by_unit(f["results"])
            self.assertEqual(len(by_unit), 3)
            self.assertEqual({len(c) for c in by_unit.values()}, {27})  # 4 score, 4 alignment
            runs = {unit: runs_of(chunks) for unit, chunks in by_unit.items()}
            # every unit's chunks of every field make one run of the file; the
            # first unit's may be cut by the chunk indexes' first nodes, which
            # HDF5 allocates when the first chunk of each dataset is written
            self.assertGreaterEqual(sorted(runs.values()).count(1), len(runs) - 1, runs)
        finally:
            shutil.rmtree(trial, ignore_errors=True)


def chunks_by_unit(results):
    """(byte offset, size) of every chunk of the per-network datasets, by unit."""
    by_unit = {}

    def visit(name, obj):
        if isinstance(obj, h5py.Dataset) and obj.ndim >= N_AXES:
            for i in range(obj.id.get_num_chunks()):
                info = obj.id.get_chunk_info(i)
                unit = tuple(info.chunk_offset[a] for a in UNIT_AXES)
                by_unit.setdefault(unit, []).append((info.byte_offset, info.size))

    results.visititems(visit)
    return by_unit


def runs_of(chunks):
    """How many separate runs of the file these chunks make."""
    chunks = sorted(chunks)
    return 1 + sum(1 for (o, s), (following, _) in zip(chunks, chunks[1:]) if o + s != following)


if __name__ == "__main__":
    helpers.setup(sys.argv[1], sys.argv[2])
    FAULT = helpers.job_path("fault.yaml")
    unittest.main(argv=[sys.argv[0], "-v"])
