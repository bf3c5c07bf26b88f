#!/usr/bin/env python3
"""Stopping and progress as a user at a terminal meets them.

Ctrl-C is sent as a terminal sends it: SIGINT to the whole foreground process
group (the test starts the run in a new session and signals that group).
- `hetsweep run --ranks 2`: the first Ctrl-C prints "stopping: finishing N
  items in flight" at once and ends with exit 3 and a resumable cube; a second
  one exits 3 within 2 s with the journals kept. Resumed, both give the
  reference results bitwise.
- plain `mpirun -np 2 hetsweep run`: Open MPI's mpirun handles Ctrl-C itself
  and exits 1; the ranks say so at once, and nothing finished is lost.
- progress: a first line within 2 s, then at run.progress_every_s, with
  percent, networks/s and ETA; a bar when stderr is a terminal; idle time of
  ranks waiting at the end is reported as idle.

    stop_test.py HETSWEEP_BINARY SOURCE_ROOT
"""
import os
import pty
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import helpers  # noqa: E402
from helpers import hetsweep, results_datasets, write_job  # noqa: E402

JOB = None
ENV = dict(os.environ, HETSWEEP_MAX_BATCH="1",  # one network per item
           HETSWEEP_NO_SHARE="1")  # and every one computed (no cv = 0 copies)
STOPPING = re.compile(r"hetsweep: stopping: finishing (\d+) items? in flight "
                      r"\(Ctrl-C again to stop now\)")


class Run:
    """A run in its own session, its stderr lines read with their arrival times."""

    def __init__(self, cmd, cwd=None, env=None):
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, env=env or ENV, cwd=cwd, start_new_session=True)
        self.lines = []  # (monotonic time, line)
        self.started = time.monotonic()
        self.reader = threading.Thread(target=self.read, daemon=True)
        self.reader.start()

    def read(self):
        for line in self.proc.stderr:
            self.lines.append((time.monotonic(), line))

    def ctrl_c(self):
        os.killpg(self.proc.pid, signal.SIGINT)
        return time.monotonic()

    def wait_for(self, pattern, limit=60.0):
        t0 = time.monotonic()
        while time.monotonic() - t0 < limit:
            for when, line in list(self.lines):
                if re.search(pattern, line):
                    return when
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        raise AssertionError(f"no {pattern!r} in {self.stderr()}")

    def finish(self, limit=120):
        out = self.proc.stdout.read()
        self.proc.wait(timeout=limit)
        self.reader.join(timeout=10)
        self.proc.stdout.close()
        self.proc.stderr.close()
        return out

    def stderr(self):
        return "".join(line for _, line in self.lines)


class Stops(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="hetsweep-stop-")
        reference = os.path.join(cls.dir, "reference.h5")
        r = subprocess.run(helpers.mpirun_command(1, "run", JOB, "-o", reference, "--quiet"),
                           capture_output=True, text=True, env=ENV, timeout=600)
        if r.returncode != 0:
            raise RuntimeError(r.stderr)
        cls.reference = results_datasets(reference)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def setUp(self):
        self.trial = tempfile.mkdtemp(dir=self.dir)
        self.cube = os.path.join(self.trial, "cube.h5")

    def start_ranks(self):
        run = Run([helpers.BINARY, "run", JOB, "-o", self.cube, "--ranks", "2"])
        run.wait_for(r"networks \(")  # computing: the first progress line is out
        return run

    def side_files(self):
        return sorted(os.listdir(self.trial))

    def resume_and_compare(self):
        r = subprocess.run([helpers.BINARY, "run", JOB, "-o", self.cube, "-n", "2", "--quiet"],
                           capture_output=True, text=True, env=ENV, timeout=600)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(results_datasets(self.cube), self.reference)

    def test_first_ctrl_c_finishes_items_in_flight_and_exits_3(self):
        run = self.start_ranks()
        sent = run.ctrl_c()
        said = run.wait_for(STOPPING.pattern)
        out = run.finish()
        self.assertLess(said - sent, 1.0, run.stderr())  # at once, not after a time chunk
        self.assertEqual(run.proc.returncode, 3, run.stderr())
        self.assertEqual(int(STOPPING.search(run.stderr()).group(1)), 2)
        self.assertIn("stopped (resumable, exit 3)", out)
        self.assertNotIn("-" * 20, run.stderr())  # no Open MPI banner
        self.assertEqual(self.side_files(), ["cube.h5", "cube.h5.lock", "cube.h5.sum"])
        status = hetsweep("status", self.cube)
        self.assertEqual(status.returncode, 0, status.stderr)
        self.resume_and_compare()

    def test_second_ctrl_c_stops_at_once_with_journals_kept(self):
        run = self.start_ranks()
        run.ctrl_c()
        run.wait_for(STOPPING.pattern)
        second = run.ctrl_c()
        said = run.wait_for("second stop signal")
        run.finish()
        # the ranks end at once: within the 2 s the guarantees promise (1 s flaked on a
        # loaded 2-core machine, at 1.01 s)
        self.assertLess(said - second, 2.0)
        self.assertLess(time.monotonic() - second, 5.0)  # mpirun's own teardown included
        self.assertEqual(run.proc.returncode, 3, run.stderr())
        self.assertIn("second stop signal: abandoning work in flight", run.stderr())
        files = self.side_files()
        self.assertIn("cube.h5", files)
        self.assertIn("cube.h5.journal.0", files)
        self.assertIn("cube.h5.journal.1", files)
        self.resume_and_compare()

    def test_ctrl_c_under_plain_mpirun_is_explained_and_loses_nothing(self):
        run = Run(helpers.mpirun_command(2, "run", JOB, "-o", self.cube))
        run.wait_for(r"networks \(")
        run.ctrl_c()
        run.wait_for("mpirun is ending the run")  # relayed by mpirun when it gets to it
        run.finish()
        self.assertIn("hetsweep run --ranks N", run.stderr())
        # Open MPI 4.1's mpirun decides this exit status itself (see launch.h)
        self.assertEqual(run.proc.returncode, 1, run.stderr())
        self.assertNotIn("stopping: finishing", run.stderr())  # it would not be true here
        self.resume_and_compare()


class Progress(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="hetsweep-progress-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def job(self, every):
        with open(JOB) as fh:
            text = fh.read()
        return write_job(self.dir, "job.yaml", text + f"run:\n  progress_every_s: {every}\n")

    def test_first_line_early_then_at_the_interval(self):
        run = Run(helpers.mpirun_command(2, "run", self.job(3600), "-o",
                                         os.path.join(self.dir, "cube.h5")))
        first = run.wait_for(r"hetsweep: \d+/\d+ units, \d+/\d+ networks")
        out = run.finish()
        self.assertEqual(run.proc.returncode, 0, run.stderr())
        self.assertLess(first - run.started, 8.0)  # start-up (mpirun, stimulus) included
        lines = [line for _, line in run.lines if " networks (" in line]
        self.assertEqual(len(lines), 1, run.stderr())  # then only every 3600 s
        self.assertRegex(lines[0], r"\d+/8 networks \(\d+\.\d%\), \d+\.\d\d networks/s, "
                                   r".* ETA (\?|\d+ s|\d+:\d\d)")
        self.assertIn("hetsweep: stop: 2 units x 4 columns", out)
        self.assertRegex(out, r"idle \(waiting for other ranks\) \d+\.\d%")

    def test_lines_at_the_interval_not_only_when_an_item_finishes(self):
        run = Run([helpers.BINARY, "run", self.job(0.25), "-o", os.path.join(self.dir, "c.h5")])
        run.finish()
        self.assertEqual(run.proc.returncode, 0, run.stderr())
        lines = [line for _, line in run.lines if " networks (" in line]
        self.assertGreater(len(lines), 8 + 2, run.stderr())  # more lines than items
        self.assertRegex(run.stderr(), r"ETA \d+ s")

    def test_quiet_prints_no_progress(self):
        r = subprocess.run([helpers.BINARY, "run", self.job(0.25), "-o",
                            os.path.join(self.dir, "c.h5"), "--quiet"],
                           capture_output=True, text=True, env=ENV, timeout=600)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout + r.stderr, "")

    def bar_on_a_terminal(self, extra):
        master, slave = pty.openpty()
        proc = subprocess.Popen([helpers.BINARY, "run", self.job(0.25), "-o",
                                 os.path.join(self.dir, "c.h5"), "--fresh"] + extra,
                                stdout=subprocess.DEVNULL, stderr=slave, env=ENV)
        os.close(slave)
        data = b""
        while True:
            ready, _, _ = select.select([master], [], [], 60)
            if not ready:
                break
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the terminal closed with the process
                break
            if not chunk:
                break
            data += chunk
        proc.wait(timeout=60)
        os.close(master)
        text = data.decode()
        self.assertEqual(proc.returncode, 0, text)
        self.assertRegex(text, r"\rhetsweep: \[[#.]{24}\] +\d+\.\d%  \d+/8 networks  "
                               r"\d+\.\d\d/s  ETA ")
        self.assertNotIn("units,", text)  # no plain lines on a terminal

    def test_bar_on_a_terminal(self):
        self.bar_on_a_terminal([])

    def test_bar_on_a_terminal_through_mpirun(self):
        self.bar_on_a_terminal(["--ranks", "2"])  # the ranks' stderr is a pipe to mpirun


if __name__ == "__main__":
    helpers.setup(sys.argv[1], sys.argv[2])
    JOB = helpers.job_path("stop.yaml")
    unittest.main(argv=[sys.argv[0], "-v"])
