#!/usr/bin/env python3
"""Installing and running from outside the repository, as the README says:
scripts/install PREFIX puts hetsweep and hetsweep-analysis on PATH, `meson install`
installs the binary and docs, `python3 -m analysis` runs from anywhere with
PYTHONPATH or after `pip install -e .`, and a python3 without numpy/h5py/
matplotlib gets one line of advice instead of a traceback.

    install_test.py HETSWEEP_BINARY SOURCE_ROOT
"""
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import helpers  # noqa: E402

ROOT = BUILD = None
DOCS = []  # every docs/*.md, which the README links; set in __main__


def docs_of(root):
    return sorted(os.path.basename(p) for p in glob.glob(os.path.join(root, "docs", "*.md")))


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600, **kw)


class Install(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="hetsweep-install-")
        self.elsewhere = os.path.join(self.dir, "elsewhere")  # not the repository
        os.mkdir(self.elsewhere)

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_scripts_install_puts_both_commands_on_path(self):
        prefix = os.path.join(self.dir, "prefix")
        r = run([os.path.join(ROOT, "scripts", "install"), prefix],
                env=dict(os.environ, HETSWEEP_BUILD_DIR=BUILD))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(f"installed {prefix}/bin/hetsweep", r.stdout)
        self.assertIn(f'export PATH="{prefix}/bin:$PATH"', r.stdout)
        for doc in DOCS:
            self.assertTrue(os.path.exists(os.path.join(prefix, "share/doc/hetsweep/docs", doc)))
        env = dict(os.environ, PATH=f"{prefix}/bin:/usr/bin:/bin",
                   HETSWEEP_MAX_BATCH="4")
        env.pop("PYTHONPATH", None)
        r = run(["hetsweep", "--version"], env=env, cwd=self.elsewhere)
        self.assertEqual(r.returncode, 0, r.stderr)
        job = shutil.copy(helpers.job_path("tiny.yaml"), self.elsewhere)
        r = run(["hetsweep", "run", job, "-o", "tiny.h5", "--quiet"], env=env, cwd=self.elsewhere)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = run(["hetsweep-analysis", "demo", "tiny.h5", "--figure", "tiny.png"], env=env,
                cwd=self.elsewhere)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("lognormal", r.stdout)
        self.assertTrue(os.path.getsize(os.path.join(self.elsewhere, "tiny.png")) > 1000)
        r = run(["hetsweep-analysis", "--help"], env=env, cwd=self.elsewhere)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("--out", r.stdout)

    def test_scripts_install_needs_a_prefix(self):
        r = run([os.path.join(ROOT, "scripts", "install")])
        self.assertEqual(r.returncode, 2)
        self.assertIn("usage: scripts/install PREFIX", r.stderr)

    def test_meson_install(self):
        stage = os.path.join(self.dir, "stage")
        r = run(["meson", "install", "-C", BUILD, "--no-rebuild", "--destdir", stage])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        found = [os.path.join(d, f) for d, _, files in os.walk(stage) for f in files]
        binary = [f for f in found if f.endswith("/bin/hetsweep")]
        self.assertEqual(len(binary), 1, found)
        self.assertEqual(run([binary[0], "--version"]).returncode, 0)
        for doc in DOCS + ["README.md"]:
            self.assertTrue(any(f.endswith("/doc/hetsweep/" + doc) or
                                f.endswith("/doc/hetsweep/docs/" + doc) for f in found), doc)


class Python(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="hetsweep-python-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_from_outside_the_repository_with_pythonpath(self):
        env = dict(os.environ, PYTHONPATH=ROOT)
        r = run(["/usr/bin/python3", "-m", "analysis", "--help"], env=env, cwd=self.dir)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("--out", r.stdout)

    def test_a_python_without_the_modules_gets_one_line(self):
        venv = os.path.join(self.dir, "bare")
        self.assertEqual(run(["/usr/bin/python3", "-m", "venv", "--without-pip", venv]).returncode, 0)
        env = dict(os.environ, PYTHONPATH=ROOT)
        for module in ("analysis", "analysis.demo"):
            r = run([os.path.join(venv, "bin", "python3"), "-m", module, "x.h5", "--out", "d"],
                    env=env, cwd=self.dir)
            self.assertEqual(r.returncode, 1, r.stderr)
            self.assertNotIn("Traceback", r.stderr)
            self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
            self.assertIn("has no numpy, h5py, matplotlib", r.stderr)
            self.assertIn(f"/usr/bin/python3 -m {module}", r.stderr)

    def test_pip_install_editable_in_a_venv(self):
        venv = os.path.join(self.dir, "venv")
        r = run(["/usr/bin/python3", "-m", "venv", "--system-site-packages", venv])
        self.assertEqual(r.returncode, 0, r.stderr)
        pip = os.path.join(venv, "bin", "pip")
        r = run([pip, "install", "--no-build-isolation", "--no-index", "-q", "-e", ROOT],
                cwd=self.dir)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        env = dict(os.environ)
        env.pop("PYTHONPATH", None)
        r = run([os.path.join(venv, "bin", "python3"), "-m", "analysis", "--help"], env=env,
                cwd=self.dir)
        self.assertEqual(r.returncode, 0, r.stderr)


if __name__ == "__main__":
    helpers.setup(sys.argv[1], sys.argv[2])
    ROOT = helpers.ROOT
    BUILD = os.path.dirname(helpers.BINARY)
    DOCS = docs_of(ROOT)
    assert {"model.md", "job-reference.md", "cube-layout.md", "guarantees.md"} <= set(DOCS), DOCS
    unittest.main(argv=[sys.argv[0], "-v"])
