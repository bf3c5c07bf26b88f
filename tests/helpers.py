"""Shared helpers of the Python integration tests: running hetsweep (with and
without mpirun) and comparing cubes' /results bitwise."""
import os
import shutil
import subprocess
import tempfile
import unittest

import h5py

BINARY = None  # set by each test program from its command line
ROOT = None


def setup(binary, root):
    global BINARY, ROOT
    BINARY = os.path.abspath(binary)
    ROOT = os.path.abspath(root)


def job_path(name):
    return os.path.join(ROOT, "tests", "jobs", name)


def mpirun_command(np_ranks, *args):
    return ["mpirun", "-np", str(np_ranks), "--oversubscribe", BINARY] + list(args)


def mpirun(np_ranks, *args, env=None):
    return subprocess.run(mpirun_command(np_ranks, *args), capture_output=True, text=True,
                          env=env, timeout=600)


def hetsweep(*args, env=None):
    return run_binary(BINARY, *args, env=env)


def run_binary(binary, *args, env=None):
    return subprocess.run([binary] + list(args), capture_output=True, text=True, env=env,
                          timeout=600)


def results_datasets(path):
    """{name: bytes} of every /results dataset except wall_seconds."""
    out = {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset) and not name.endswith("wall_seconds"):
                out[name] = obj[...].tobytes()
        f["results"].visititems(visit)
    return out


def read(path, mode="r"):
    with open(path, mode) as fh:
        return fh.read()


def write_job(directory, name, text):
    path = os.path.join(directory, name)
    with open(path, "w") as fh:
        fh.write(text)
    return path


class TrialCase(unittest.TestCase):
    """A folder for the test class (cls.dir, made before the class's own set-up)
    and, for each test, a trial folder in it (self.trial, with self.cube the
    cube's path there); both are removed afterwards. A subclass's setUpClass
    and setUp call the base's first."""
    PREFIX = "hetsweep-"

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix=cls.PREFIX)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def setUp(self):
        self.trial = tempfile.mkdtemp(prefix="trial-", dir=self.dir)
        self.cube = os.path.join(self.trial, "cube.h5")

    def tearDown(self):
        shutil.rmtree(self.trial, ignore_errors=True)
