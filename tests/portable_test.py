#!/usr/bin/env python3
"""The host-ISA build (-march=native, the default) and the portable build
(-Dnative=false, baseline x86-64) give bitwise the same /results: no
contraction, no reassociation, and kernels of basic operations only.

    portable_test.py HETSWEEP_BINARY SOURCE_ROOT

The portable binary comes from $HETSWEEP_PORTABLE_BINARY (scripts/test builds
it); without it the test is skipped (exit 77).
"""
import os
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import helpers
from helpers import results_datasets


class Portable(unittest.TestCase):
    def test_native_and_portable_builds_agree(self):
        portable = os.environ["HETSWEEP_PORTABLE_BINARY"]
        directory = tempfile.mkdtemp(prefix="hetsweep-portable-")
        try:
            for job in ("tiny.yaml", "threads.yaml"):
                cubes = []
                for binary in (helpers.BINARY, portable):
                    cube = os.path.join(directory, f"{len(cubes)}-{job}.h5")
                    r = helpers.run_binary(binary, "run", helpers.job_path(job), "-o", cube,
                                           "--quiet")
                    self.assertEqual(r.returncode, 0, r.stderr)
                    cubes.append(results_datasets(cube))
                self.assertEqual(cubes[0], cubes[1], job)
        finally:
            shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    helpers.setup(sys.argv[1], sys.argv[2])
    portable = os.environ.get("HETSWEEP_PORTABLE_BINARY", "")
    if not os.access(portable, os.X_OK):
        print("skipped: HETSWEEP_PORTABLE_BINARY is not set (scripts/test builds it)")
        sys.exit(77)
    unittest.main(argv=[sys.argv[0], "-v"])
