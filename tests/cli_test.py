#!/usr/bin/env python3
"""The command line as a user meets it: every command's --help, `help CMD`,
unknown options and commands named with "did you mean", git-style long
options (--output=X, --output X, -oX), and one-line refusals under mpirun
(no Open MPI banners) with the right exit status.

    cli_test.py HETSWEEP_BINARY SOURCE_ROOT
"""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import helpers  # noqa: E402
from helpers import hetsweep, read, results_datasets  # noqa: E402

TINY = None
COMMANDS = {
    "run": ["--output", "-o, --output CUBE.h5", "--fresh", "--quiet", "--part K/M",
            "-n, --ranks N", "JOB.yaml", "exit status"],
    "check": ["--print-job", "JOB.yaml", "exit status"],
    "status": ["--json", "CUBE.h5", "exit status"],
    "merge": ["OUT.h5", "PART.h5...", "exit status"],
    "bench": ["--repeats K", "exit status"],
}
BANNER = "-" * 20  # Open MPI's help messages are framed by lines of dashes


class Help(unittest.TestCase):
    def test_every_command_explains_every_option(self):
        for name, expected in COMMANDS.items():
            for form in ([name, "--help"], [name, "-h"], ["help", name],
                         [name, "--frsh", "--help"]):  # --help wins over a mistake
                with self.subTest(form=form):
                    r = hetsweep(*form)
                    self.assertEqual(r.returncode, 0, r.stderr)
                    self.assertTrue(r.stdout.startswith(f"usage: hetsweep {name}"), r.stdout)
                    self.assertIn("-h, --help", r.stdout)
                    for text in expected:
                        self.assertIn(text, r.stdout)
                    self.assertEqual(r.stderr, "")

    def test_overview(self):
        for form in (["--help"], ["-h"], ["help"]):
            r = hetsweep(*form)
            self.assertEqual(r.returncode, 0, r.stderr)
            for name in COMMANDS:
                self.assertIn(f"hetsweep {name}", r.stdout)
            self.assertIn("hetsweep COMMAND --help", r.stdout)
        r = hetsweep()
        self.assertEqual(r.returncode, 2)
        self.assertIn("usage:", r.stderr)

    def test_help_of_an_unknown_command(self):
        r = hetsweep("help", "rnu")
        self.assertEqual(r.returncode, 2)
        self.assertIn("unknown command 'rnu' (did you mean 'run'?)", r.stderr)


class Mistakes(unittest.TestCase):
    """Exit 2 and one message that names the argument and what would be valid."""

    def refused(self, *args, expect):
        r = hetsweep(*args)
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn(expect, r.stderr)
        self.assertEqual(r.stdout, "")
        return r

    def test_unknown_option_did_you_mean(self):
        r = self.refused("run", TINY, "-o", "x.h5", "--frsh",
                         expect="unknown option '--frsh' (did you mean '--fresh'?)")
        self.assertIn("hetsweep run --help", r.stderr)
        self.assertIn("usage: hetsweep run JOB.yaml -o CUBE.h5", r.stderr)
        self.refused("run", TINY, "--ouptut=x.h5",
                     expect="unknown option '--ouptut=x.h5' (did you mean '--output'?)")
        self.refused("check", TINY, "--print-jbo",
                     expect="unknown option '--print-jbo' (did you mean '--print-job'?)")
        self.refused("status", "x.h5", "--jsn", expect="(did you mean '--json'?)")
        self.refused("bench", "--repeat", "3", expect="(did you mean '--repeats'?)")
        self.refused("merge", "out.h5", "--frobnicate", "a.h5",
                     expect="unknown option '--frobnicate'")
        self.refused("check", TINY, "--fresh", expect="unknown option '--fresh'")
        self.refused("run", TINY, "-x", expect="unknown option '-x'")

    def test_unknown_command_did_you_mean(self):
        self.refused("rnu", expect="unknown command 'rnu' (did you mean 'run'?)")
        self.refused("stauts", expect="(did you mean 'status'?)")
        self.refused("frobnicate", expect="unknown command 'frobnicate'")
        self.refused("--vresion", expect="unknown option '--vresion' (did you mean '--version'?)")

    def test_values(self):
        self.refused("run", TINY, "-o", expect="option '-o' needs a value: -o CUBE.h5")
        self.refused("run", TINY, "--output", expect="option '--output' needs a value")
        self.refused("run", TINY, "-o", "a.h5", "--output=b.h5",
                     expect="option '--output' is given twice")
        self.refused("run", TINY, "-o", "a.h5", "--fresh=yes",
                     expect="option '--fresh' takes no value (got '--fresh=yes')")
        self.refused("run", TINY, expect="missing -o CUBE.h5")
        self.refused("run", "-o", "a.h5", expect="missing arguments")
        self.refused("run", TINY, TINY, "-o", "a.h5", expect=f"unexpected argument '{TINY}'")
        self.refused("run", TINY, "-o", "a.h5", "--part", "3/2",
                     expect="--part takes K/M, two integers with 0 <= K < M")
        self.refused("run", TINY, "-o", "a.h5", "--part=x", expect="not 'x'")
        self.refused("run", TINY, "-o", "a.h5", "--ranks", "0",
                     expect="--ranks takes an integer in [1, 4096], not '0'")
        self.refused("bench", "--repeats", "0", expect="--repeats takes an integer in [1, 100]")
        self.refused("bench", "--repeats=1x", expect="not '1x'")
        self.refused("bench", "extra", expect="unexpected argument 'extra'")
        self.refused("check", expect="missing arguments\nusage: hetsweep check JOB.yaml")
        self.refused("check", "a.yaml", "b.yaml", expect="unexpected argument 'b.yaml'")
        self.refused("merge", "out.h5", expect="missing arguments")


class LongOptions(unittest.TestCase):
    """--output=X, --output X, -o X and -oX write the same cube."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="hetsweep-cli-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_output_spellings_and_double_dash(self):
        job = os.path.join(self.dir, "job.yaml")
        shutil.copy(TINY, job)
        spellings = {"a.h5": ["--output=a.h5"], "b.h5": ["--output", "b.h5"],
                     "c.h5": ["-oc.h5"], "d.h5": ["--quiet", "-o", "d.h5", "--", "job.yaml"]}
        for name, args in spellings.items():
            with self.subTest(args=args):
                full = ["run"] + ([] if "--" in args else ["job.yaml"]) + args
                if "--quiet" not in args:
                    full.append("--quiet")
                r = subprocess.run([helpers.BINARY] + full, cwd=self.dir, capture_output=True,
                                   text=True, timeout=600)
                self.assertEqual(r.returncode, 0, r.stderr)
        reference = results_datasets(os.path.join(self.dir, "a.h5"))
        for name in ("b.h5", "c.h5", "d.h5"):
            self.assertEqual(results_datasets(os.path.join(self.dir, name)), reference)


class UnderMpirun(unittest.TestCase):
    """A mistake under mpirun -np 2: one line, the right exit status, no banner."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="hetsweep-cli-mpi-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def one_line(self, cmd, status, expect):
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        self.assertEqual(r.returncode, status, r.stdout + r.stderr)
        self.assertIn(expect, r.stderr)
        self.assertNotIn(BANNER, r.stderr + r.stdout)
        self.assertEqual(r.stderr.count(expect), 1, r.stderr)  # one rank speaks
        return r

    def mpirun_quiet(self, *args):
        return ["mpirun", "--quiet", "-np", "2", "--oversubscribe", helpers.BINARY] + list(args)

    def test_missing_job_and_folder_with_mpirun_quiet(self):
        missing = os.path.join(self.dir, "none.yaml")
        cube = os.path.join(self.dir, "cube.h5")
        self.one_line(self.mpirun_quiet("run", missing, "-o", cube), 2,
                      "cannot read " + missing)
        self.one_line(self.mpirun_quiet("run", TINY, "-o", os.path.join(self.dir, "no", "c.h5")),
                      1, "output directory")
        self.one_line(self.mpirun_quiet("run", TINY, "-o", cube, "--frsh"), 2,
                      "unknown option '--frsh' (did you mean '--fresh'?)")
        self.assertEqual(os.listdir(self.dir), [])

    def test_missing_job_and_folder_with_ranks(self):
        missing = os.path.join(self.dir, "none.yaml")
        cube = os.path.join(self.dir, "cube.h5")
        self.one_line([helpers.BINARY, "run", missing, "-o", cube, "--ranks", "2"], 2,
                      "cannot read " + missing)
        self.one_line([helpers.BINARY, "run", TINY, "-o", os.path.join(self.dir, "no", "c.h5"),
                       "-n", "2"], 1, "output directory")
        bad = os.path.join(self.dir, "bad.yaml")
        with open(bad, "w") as fh:
            fh.write("sweep:\n  hetrogeneity: [0, 1]\n")
        self.one_line([helpers.BINARY, "run", bad, "-o", cube, "-n2"], 2, "bad.yaml:2:")
        self.assertEqual(sorted(os.listdir(self.dir)), ["bad.yaml"])

    def test_ranks_runs_the_sweep(self):
        cube = os.path.join(self.dir, "cube.h5")
        r = subprocess.run([helpers.BINARY, "run", "--ranks=2", TINY, "--output", cube],
                           capture_output=True, text=True, timeout=600)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("2 rank(s)", r.stdout)
        self.assertIn("done: 96/96 networks", r.stdout)
        self.assertNotIn(BANNER, r.stderr)

    def test_ranks_under_mpirun_is_refused(self):
        r = subprocess.run(helpers.mpirun_command(1, "run", TINY, "-o",
                                                  os.path.join(self.dir, "c.h5"), "-n", "2"),
                           capture_output=True, text=True, timeout=300)
        self.assertEqual(r.returncode, 2)
        self.assertIn("--ranks starts mpirun itself", r.stderr)

    def test_missing_launcher(self):
        env = dict(os.environ, HETSWEEP_MPIRUN="/nonexistent/mpirun")
        r = subprocess.run([helpers.BINARY, "run", TINY, "-o", os.path.join(self.dir, "c.h5"),
                            "-n", "2"], capture_output=True, text=True, timeout=300, env=env)
        self.assertEqual(r.returncode, 1)
        self.assertIn("cannot start /nonexistent/mpirun", r.stderr)


if __name__ == "__main__":
    helpers.setup(sys.argv[1], sys.argv[2])
    TINY = helpers.job_path("tiny.yaml")
    unittest.main(argv=[sys.argv[0], "-v"])
