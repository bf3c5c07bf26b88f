#!/usr/bin/env python3
"""The hostile-input corpus: cube mutants made here from a real cube (without
their checkpoint checksum, so nothing but the structural checks stands between
them and the program), side files that are not regular files, duplicated
journals, and hostile job files. Each case names the command, the expected
exit status and a fragment of the expected message; a refused cube must be
left byte for byte as it was, with no <cube>.tmp beside it.

    hostile.py HETSWEEP_BINARY SOURCE_ROOT
"""
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import unittest
import zlib

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import helpers  # noqa: E402
from helpers import read, results_datasets, write_job  # noqa: E402

TINY = None
LIMIT_S = 60  # a command that takes longer hangs


def run(*args, env=None, ranks=0):
    """hetsweep (ranks 0) or mpirun -np ranks hetsweep, with a time limit."""
    cmd = [helpers.BINARY] + list(args) if ranks == 0 else helpers.mpirun_command(ranks, *args)
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=LIMIT_S)


def replace(f, name, data=None, **kwargs):
    del f[name]
    if data is None:
        f.create_dataset(name, **kwargs)
    else:
        f.create_dataset(name, data=data, **kwargs)


def set_attr(f, name, value):
    if name in f.attrs:
        del f.attrs[name]
    f.attrs[name] = value


# name: (mutation of the open file, fragment of the message)
MUTANTS = {
    "layout_version_int_array": (
        lambda f: set_attr(f, "layout_version", np.ones(4096, dtype=np.int32)), "layout_version"),
    "layout_version_string": (
        lambda f: set_attr(f, "layout_version", np.bytes_(b"1")), "layout_version"),
    "layout_version_zero": (lambda f: set_attr(f, "layout_version", np.int32(0)),
                            "layout_version 0"),
    "layout_version_negative": (lambda f: set_attr(f, "layout_version", np.int32(-1)),
                                "layout_version -1"),
    "layout_version_float": (lambda f: set_attr(f, "layout_version", np.float64(1.5)),
                             "layout_version"),
    "layout_version_newer": (lambda f: set_attr(f, "layout_version", np.int32(99)),
                             "upgrade hetsweep"),
    "identity_missing": (lambda f: f.attrs.__delitem__("identity"), "identity"),
    "identity_int": (lambda f: set_attr(f, "identity", np.int64(7)), "identity"),
    "ranks_used_string": (lambda f: set_attr(f, "ranks_used", np.bytes_(b"2")), "ranks_used"),
    "done_other_shape": (lambda f: replace(f, "results/done", np.ones((4, 4, 4), np.uint8)),
                         "/results/done has shape [4, 4, 4]"),
    "done_float64": (lambda f: replace(f, "results/done", np.ones((2, 2, 3))),
                     "/results/done is float64"),
    "done_flag_7": (lambda f: f["results/done"].__setitem__((0, 0, 0), 7), "/results/done"),
    "score_int8": (lambda f: replace(f, "results/score",
                                     np.zeros(f["results/score"].shape, np.int8)),
                   "/results/score is int8"),
    "score_big_endian": (lambda f: replace(f, "results/score",
                                           np.zeros(f["results/score"].shape, ">f4")),
                         "/results/score is a non-standard float32 (big-endian)"),
    "status_code_99": (lambda f: f["results/status"].__setitem__((0,) * 9, 99), "code 99"),
    "axes_n_one_more": (lambda f: replace(f, "axes/n", np.array([20, 30, 40], np.int64)),
                        "/results/"),
    "lambda_index_missing": (lambda f: f.__delitem__("results/lambda_index"),
                             "/results/lambda_index is missing"),
    "tau_moments_missing": (lambda f: f.__delitem__("results/tau_moments"),
                            "/results/tau_moments is missing"),
    "done_missing": (lambda f: f.__delitem__("results/done"), "/results/done is missing"),
    "unexpected_dataset": (lambda f: f.create_dataset("results/extra", data=np.zeros(3)),
                           "/results/extra"),
    "job_text_two_strings": (lambda f: f.create_dataset("job_text", data=np.array([b"a", b"b"])),
                             "/job_text holds 2 strings"),
    "tasks_similarity_vector": (lambda f: replace(f, "tasks/similarity", np.zeros(20, np.float32)),
                                "/tasks/similarity"),
    "stimulus_huge_declared": (lambda f: replace(f, "stimulus/u", shape=(200_000_000, 3),
                                                 dtype="f8"),
                               "/stimulus/u"),
    "score_huge_declared": (lambda f: replace(f, "results/score", shape=(2,) * 9 + (1 << 30,),
                                              dtype="f4", chunks=(1,) * 9 + (1 << 16,)),
                            "/results/score"),
}


class CubeMutants(unittest.TestCase):
    """Every mutant is refused by status, status --json, run and merge."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="hetsweep-hostile-")
        cls.partial = os.path.join(cls.dir, "partial.h5")
        env = dict(os.environ, HETSWEEP_MAX_BATCH="2", HETSWEEP_CRASH_AT="journal-reset:2",
                   HETSWEEP_CHECKPOINT_EACH_ITEM="1")
        r = run("run", TINY, "-o", cls.partial, "--quiet", env=env)
        if r.returncode != -signal.SIGKILL:
            raise RuntimeError(f"the partial run was not cut off: {r.returncode} {r.stderr}")
        for name in os.listdir(cls.dir):
            if ".journal." in name or name.endswith(".lock") or name.endswith(".sum"):
                os.unlink(os.path.join(cls.dir, name))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def mutant(self, name):
        mutate, _ = MUTANTS[name]
        path = os.path.join(self.dir, name + ".h5")
        shutil.copy(self.partial, path)
        with h5py.File(path, "r+") as f:
            mutate(f)
        return path

    def assert_refused(self, name, r, fragment, path, before):
        self.assertEqual(r.returncode, 2, f"{name}: {r.returncode} {r.stdout} {r.stderr}")
        self.assertIn(fragment, r.stderr, name)
        self.assertEqual(read(path, "rb"), before, f"{name}: the cube was changed")
        self.assertFalse(os.path.exists(path + ".tmp"), name)

    def test_every_mutant_is_refused_everywhere(self):
        for name, (_, fragment) in MUTANTS.items():
            with self.subTest(name=name):
                path = self.mutant(name)
                before = read(path, "rb")
                for args in (["status", path], ["status", path, "--json"],
                             ["run", TINY, "-o", path]):
                    self.assert_refused(name + " " + args[0], run(*args), fragment, path, before)
                out = os.path.join(self.dir, name + "-merged.h5")
                r = run("merge", out, path)
                self.assert_refused(name + " merge", r, fragment, path, before)
                self.assertFalse(os.path.exists(out))

    def test_unchanged_copy_is_accepted(self):
        path = os.path.join(self.dir, "copy.h5")
        shutil.copy(self.partial, path)
        r = run("status", path)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = run("run", TINY, "-o", path, "--quiet")
        self.assertEqual(r.returncode, 0, r.stderr)


def frames(data):
    """[(offset, payload)] of the framed records of a journal."""
    out, offset = [], 0
    while offset + 12 <= len(data):
        magic, length, _ = struct.unpack_from("<III", data, offset)
        if magic != 0x314A5348:
            break
        out.append((offset, data[offset + 12:offset + 12 + length]))
        offset += 12 + length
    return out


def altered_copy(data):
    """The journal with one score of its first item changed and its CRC made
    right again: a valid record that differs from the original."""
    data = bytearray(data)
    offset, payload = frames(bytes(data))[1]
    payload = bytearray(payload)
    payload[-1] ^= 0x01
    data[offset + 12:offset + 12 + len(payload)] = payload
    struct.pack_into("<I", data, offset + 8, zlib.crc32(bytes(payload)) & 0xFFFFFFFF)
    return bytes(data)


class CollectiveFaults(helpers.TrialCase):
    """A journal copied under another name, an altered copy, and one rank
    failing a collective write: every rank exits, with the same status, and
    says why."""

    PREFIX = "hetsweep-collective-"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.reference = os.path.join(cls.dir, "reference.h5")
        r = run("run", TINY, "-o", cls.reference, "--quiet")
        if r.returncode != 0:
            raise RuntimeError(r.stderr)

    def setUp(self):
        super().setUp()
        env = dict(os.environ, HETSWEEP_MAX_BATCH="2", HETSWEEP_CRASH_AT="journal-reset:2",
                   HETSWEEP_CHECKPOINT_EACH_ITEM="1")
        r = run("run", TINY, "-o", self.cube, "--quiet", env=env)
        self.assertEqual(r.returncode, -signal.SIGKILL, r.stderr)
        self.journal = self.cube + ".journal.0"
        self.assertGreater(len(frames(read(self.journal, "rb"))), 1)

    def assert_reference(self):
        self.assertEqual(results_datasets(self.cube), results_datasets(self.reference))
        self.assertFalse(os.path.exists(self.cube + ".tmp"))

    def test_copied_journal_is_replayed_once(self):
        shutil.copy(self.journal, self.cube + ".journal.9")
        r = run("run", TINY, "-o", self.cube, "--quiet", ranks=3)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("journal " + self.cube + ".journal.9 repeats", r.stderr)
        self.assert_reference()

    def test_altered_copy_is_refused_by_name(self):
        with open(self.cube + ".journal.9", "wb") as fh:
            fh.write(altered_copy(read(self.journal, "rb")))
        before = read(self.cube, "rb")
        r = run("run", TINY, "-o", self.cube, ranks=2)
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn(self.journal, r.stderr)
        self.assertIn(self.cube + ".journal.9", r.stderr)
        self.assertEqual(read(self.cube, "rb"), before)

    def test_a_failing_checkpoint_write_stops_every_rank(self):
        # rank 0 writes every checkpoint alone; when its write fails, the
        # others are told to finish, and every rank exits 1 (journals kept)
        before = read(self.cube, "rb")
        for ranks in (1, 3):
            env = dict(os.environ, HETSWEEP_FAIL_AT="cube-write:0")
            r = run("run", TINY, "-o", self.cube, ranks=ranks, env=env)
            self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
            self.assertIn("failure injected by HETSWEEP_FAIL_AT", r.stderr)
            self.assertEqual(read(self.cube, "rb"), before)
            self.assertFalse(os.path.exists(self.cube + ".tmp"))
        r = run("run", TINY, "-o", self.cube, "--quiet", ranks=2)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assert_reference()

    def test_journal_that_is_not_a_regular_file(self):
        os.unlink(self.journal)
        os.symlink("/dev/zero", self.journal)
        r = run("run", TINY, "-o", self.cube)
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("not a regular file", r.stderr)
        os.unlink(self.journal)
        os.mkfifo(self.journal)
        r = run("run", TINY, "-o", self.cube)
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("not a regular file", r.stderr)

    def test_journal_larger_than_the_job_can_fill(self):
        with open(self.journal, "ab") as fh:
            fh.truncate(64 << 20)  # sparse: 64 MiB for a job of 96 networks
        r = run("run", TINY, "-o", self.cube)
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("more than this job's journals can", r.stderr)


class SideFiles(unittest.TestCase):
    """Job and time-constant files that are not regular files or are too big;
    status --json says what status says."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="hetsweep-side-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_fifo_as_job_file(self):
        fifo = os.path.join(self.dir, "job.yaml")
        os.mkfifo(fifo)
        for args in (["check", fifo], ["run", fifo, "-o", os.path.join(self.dir, "c.h5")]):
            r = run(*args)
            self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
            self.assertIn("not a regular file", r.stderr)

    def tau_job(self, tau_file):
        return write_job(self.dir, "tau.yaml", read(TINY).replace(
            "profile: [lognormal, gamma]", "profile: [file]") +
            f"network:\n  tau_file: '{tau_file}'\n")

    def test_tau_file_not_a_regular_file(self):
        fifo = os.path.join(self.dir, "taus.txt")
        os.mkfifo(fifo)
        link = os.path.join(self.dir, "zero.txt")
        os.symlink("/dev/zero", link)
        for path in (fifo, "/dev/zero", link, link + ":/taus"):
            r = run("check", self.tau_job(path))
            self.assertEqual(r.returncode, 2, f"{path}: {r.stdout} {r.stderr}")
            self.assertIn("network.tau_file", r.stderr)
            self.assertIn("not a regular file", r.stderr)

    def test_source_file_not_a_regular_file(self):
        fifo = os.path.join(self.dir, "networks.h5")
        os.mkfifo(fifo)
        for path in (fifo, "/dev/zero"):
            job = write_job(self.dir, "source.yaml", read(TINY) +
                            f"network:\n  source: file\n  source_file: '{path}'\n")
            r = run("check", job)
            self.assertEqual(r.returncode, 2, f"{path}: {r.stdout} {r.stderr}")
            self.assertIn("network.source_file", r.stderr)
            self.assertIn("not a regular file", r.stderr)

    def truncated_hdf5(self, name):
        path = os.path.join(self.dir, name)
        with h5py.File(path, "w") as f:
            f.create_dataset("taus", data=np.linspace(5.0, 50.0, 4000))
            f.create_group("networks").create_dataset("x", data=np.arange(4000.0))
        size = os.path.getsize(path)
        with open(path, "r+b") as f:
            f.truncate(size // 2)
        return path

    def test_truncated_hdf5_inputs_refused_by_the_probe(self):
        """A tau_file or source_file in HDF5 is opened only after the child-process
        probe: a truncated one is refused naming the key, exit 2, left as it is."""
        tau = self.truncated_hdf5("taus.h5")
        source = self.truncated_hdf5("nets.h5")
        before = {}
        for p in (tau, source):
            with open(p, "rb") as f:
                before[p] = f.read()
        jobs = {"network.tau_file": self.tau_job(tau + ":/taus"),
                "network.source_file": write_job(self.dir, "source.yaml", read(TINY) +
                    f"network:\n  source: file\n  source_file: '{source}'\n")}
        for key, job in jobs.items():
            r = run("check", job)
            self.assertEqual(r.returncode, 2, f"{key}: {r.stdout} {r.stderr}")
            self.assertIn(key, r.stderr)
            self.assertIn("not a readable HDF5", r.stderr)
        for path, data in before.items():
            with open(path, "rb") as f:
                self.assertEqual(f.read(), data)

    def test_tau_file_declaring_huge_dataset(self):
        path = os.path.join(self.dir, "taus.h5")
        with h5py.File(path, "w") as f:
            f.create_dataset("taus", shape=(2_000_000_000,), dtype="f8")
        r = run("check", self.tau_job(path + ":/taus"))
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("declares 2000000000 values", r.stderr)

    def test_status_json_carries_the_checksum_warning(self):
        cube = os.path.join(self.dir, "c.h5")
        r = run("run", TINY, "-o", cube, "--quiet")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = run("status", cube, "--json")
        self.assertEqual(json.loads(r.stdout)["warnings"], [])
        with h5py.File(cube, "r+") as f:
            f.attrs["job_name"] = np.bytes_(b"renamed")
        text = run("status", cube)
        self.assertIn("does not match", text.stdout)
        r = run("status", cube, "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        warnings = json.loads(r.stdout)["warnings"]
        self.assertEqual(len(warnings), 1)
        self.assertIn(warnings[0], text.stdout)

    def test_damaged_string_attributes_are_refused_not_a_crash(self):
        """The provenance strings live in HDF5's global heap at the end of the file, which
        libhdf5 follows without checks: a cube whose last byte changed (its .sum no longer
        matches) is read in the child-process probe, attributes too, and refused with exit
        2 by status, never a crash of hetsweep itself."""
        cube = os.path.join(self.dir, "c.h5")
        r = run("run", TINY, "-o", cube, "--quiet")
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(cube, "r+b") as f:
            f.seek(-1, os.SEEK_END)
            last = f.read(1)[0]
            f.seek(-1, os.SEEK_END)
            f.write(bytes([last ^ 0xFF]))
        with open(cube, "rb") as f:
            before = f.read()
        for args in (["status", cube], ["status", cube, "--json"], ["run", TINY, "-o", cube]):
            r = run(*args)
            self.assertEqual(r.returncode, 2, f"{args}: {r.stdout} {r.stderr}")
            self.assertIn("not a readable HDF5 cube", r.stderr) if args[0] == "status" else None
        with open(cube, "rb") as f:
            self.assertEqual(f.read(), before)


class Jobs(unittest.TestCase):
    """Hostile job files: long texts, names with control characters or NULs."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="hetsweep-jobs-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def named(self, name_yaml):
        return write_job(self.dir, "named.yaml", read(TINY).replace("name: tiny", "name: " + name_yaml))

    def test_job_over_64_kib_runs_resumes_and_merges(self):
        comment = "# " + "x" * 98 + "\n"
        text = read(TINY) + comment * 1024  # about 100 KiB of comments
        job = write_job(self.dir, "long.yaml", text)
        r = run("check", job)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        cube = os.path.join(self.dir, "long.h5")
        r = run("run", job, "-o", cube, "--quiet", ranks=2)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        with h5py.File(cube, "r") as f:
            self.assertEqual(f["job_text"][0].decode(), text)
            self.assertNotIn("job_text", f.attrs)
        r = run("status", cube)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("(complete)", r.stdout)
        r = run("run", job, "-o", cube)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("resuming: 96 of 96 networks done", r.stdout)
        r = run("run", write_job(self.dir, "other.yaml", text.replace("seed: 7", "seed: 8")),
                "-o", cube)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("seed: cube has 7, job has 8", r.stderr)
        merged = os.path.join(self.dir, "merged.h5")
        r = run("merge", merged, cube)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(results_datasets(merged), results_datasets(cube))

    def test_names_with_control_characters_are_refused(self):
        for name_yaml in ('"a\\x85b"', '"a\\x07b"', '"tab\\there"', '"a\\u009fb"',
                          '"bell\x07"'):
            with self.subTest(name=name_yaml):
                r = run("check", self.named(name_yaml))
                self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
                self.assertIn("control character", r.stderr)

    def test_escaped_nul_is_refused_not_truncated(self):
        for key, value in (("name: ", '"before\\0after"'), ("name: ", '"x\\x00"')):
            r = run("check", self.named(value))
            self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
            self.assertIn("NUL", r.stderr)

    def test_ten_megabyte_name_is_refused(self):
        r = run("check", self.named("n" * (10 << 20)))
        self.assertEqual(r.returncode, 2, r.stderr[:500])
        self.assertIn("a name may have at most 1024", r.stderr)

    def test_print_job_escapes_control_characters(self):
        # a C1 character in a path (not refused there): printed escaped, and the
        # printed job reads back
        os.mkdir(os.path.join(self.dir, "dir\x85"))
        write_job(os.path.join(self.dir, "dir\x85"), "taus.txt", "10\n20\n30\n")
        text = read(TINY) + f'network:\n  tau_file: "{self.dir}/dir\\x85/taus.txt"\n'
        job = write_job(self.dir, "c1.yaml", text)
        r = run("check", job, "--print-job")
        printed = r.stdout
        self.assertNotIn("\x85", printed)
        self.assertNotIn("\u0085", printed)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('dir\\x85/taus.txt"', printed)
        again = write_job(self.dir, "again.yaml", printed)
        r2 = run("check", again, "--print-job")
        self.assertEqual(r2.stdout, printed)

    def test_status_text_never_prints_control_characters(self):
        cube = os.path.join(self.dir, "c.h5")
        r = run("run", TINY, "-o", cube, "--quiet")
        self.assertEqual(r.returncode, 0, r.stderr)
        with h5py.File(cube, "r+") as f:
            f.attrs["job_name"] = np.bytes_("a\x1b[31mred\u0085".encode())
        r = run("status", cube)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("job: a\\x1b[31mred\\x85", r.stdout)
        self.assertNotIn("\x1b", r.stdout)


if __name__ == "__main__":
    helpers.setup(sys.argv[1], sys.argv[2])
    TINY = helpers.job_path("tiny.yaml")
    unittest.main(argv=[sys.argv[0], "-v"])
