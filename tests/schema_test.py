#!/usr/bin/env python3
"""The results schema with one more field, end to end. The hetsweep built with
-DHS_TEST_EXTRA_RESULT_FIELD has one more row in src/results.c's table
("/results/test_extra", float64, units "s", holding simulated_seconds) and no
other change: the field must appear in the cube with its units, fill the same
networks as simulated_seconds, survive a crash through the journal, and be
listed by `status`; the other datasets stay bitwise those of the plain build,
and the plain build's structural check refuses the extra dataset.

    schema_test.py EXTRA_FIELD_BINARY PLAIN_BINARY SOURCE_ROOT
"""
import json
import os
import shutil
import signal
import sys
import tempfile
import unittest

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import helpers  # noqa: E402
from helpers import hetsweep, job_path, results_datasets, run_binary  # noqa: E402

PLAIN = None


class ExtraField(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="hetsweep-schema-")
        cls.extra = os.path.join(cls.dir, "extra.h5")
        cls.plain = os.path.join(cls.dir, "plain.h5")
        for binary, cube in ((helpers.BINARY, cls.extra), (PLAIN, cls.plain)):
            r = run_binary(binary, "run", job_path("fault.yaml"), "-o", cube, "--quiet")
            assert r.returncode == 0, r.stderr

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir)

    def test_the_field_is_in_the_cube_with_its_units(self):
        with h5py.File(self.extra, "r") as f:
            extra, simulated = f["results/test_extra"], f["results/simulated_seconds"]
            self.assertEqual(extra.dtype, np.dtype("<f8"))
            self.assertEqual(extra.attrs["units"], "s")
            self.assertEqual(extra.shape, simulated.shape)
            self.assertEqual(extra.fillvalue.tobytes(), np.float64(np.nan).tobytes())
            self.assertEqual(list(extra.attrs["dimensions"]), list(simulated.attrs["dimensions"]))
            self.assertEqual(extra[...].tobytes(), simulated[...].tobytes())
            self.assertTrue(np.isfinite(extra[...]).all())

    def test_the_other_datasets_are_the_plain_builds(self):
        extra = results_datasets(self.extra)
        self.assertIn("test_extra", extra)
        del extra["test_extra"]
        self.assertEqual(extra, results_datasets(self.plain))

    def test_status_lists_the_field(self):
        r = hetsweep("status", self.extra)
        self.assertEqual(r.returncode, 0, r.stderr)
        line = next(l for l in r.stdout.splitlines() if l.startswith("results: "))
        self.assertTrue(line.endswith(", test_extra (s)"), line)
        r = hetsweep("status", self.extra, "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        fields = json.loads(r.stdout)["results"]
        self.assertEqual(fields[-1], {"name": "test_extra", "inner": None, "units": "s"})

    def test_units_attributes_are_the_schemas(self):
        """Each /results dataset of the plain build's cube has the units status names
        (the schema's), and no attribute where it names none."""
        r = run_binary(PLAIN, "status", self.plain, "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        fields = json.loads(r.stdout)["results"]
        self.assertEqual(len(fields), 21)
        units = {f["name"]: f["units"] for f in fields}
        units.update({"done": None, "wall_seconds": "s"})
        with h5py.File(self.plain, "r") as f:
            found = {}
            f["results"].visititems(lambda name, obj: found.__setitem__(
                name, obj.attrs["units"] if "units" in obj.attrs else None)
                if isinstance(obj, h5py.Dataset) else None)
        self.assertEqual(found, units)
        self.assertEqual(units["tau_moments"], "ms (skewness: none)")
        self.assertEqual(units["score"], "R^2")

    def test_the_plain_build_refuses_the_extra_dataset(self):
        r = run_binary(PLAIN, "status", self.extra)
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("/results/test_extra is not a dataset of a hetsweep cube", r.stderr)

    def test_the_field_survives_a_crash_through_the_journal(self):
        cube = os.path.join(self.dir, "crashed.h5")
        env = dict(os.environ, HETSWEEP_MAX_BATCH="2", HETSWEEP_CRASH_AT="journal-torn:7")
        r = hetsweep("run", job_path("fault.yaml"), "-o", cube, "--quiet", env=env)
        self.assertEqual(r.returncode, -signal.SIGKILL, r.stderr)
        journals = [n for n in os.listdir(self.dir) if n.startswith("crashed.h5.journal.")]
        self.assertTrue(journals)
        r = hetsweep("run", job_path("fault.yaml"), "-o", cube)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(results_datasets(cube), results_datasets(self.extra))


if __name__ == "__main__":
    helpers.setup(sys.argv[1], sys.argv[3])
    PLAIN = os.path.abspath(sys.argv[2])
    unittest.main(argv=sys.argv[:1], verbosity=2)
