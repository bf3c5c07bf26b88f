#!/usr/bin/env python3
"""The documentation that ships: every link in README.md and docs/*.md points
at a file of the repository (and, with #anchor, at one of its headings); no
link leaves the repository by a relative path, and nothing cites the
project-internal contract ("SPEC x.y") a user does not have. The README's
command examples use only commands and options the binary knows.

    docs_test.py HETSWEEP_BINARY SOURCE_ROOT
"""
import glob
import os
import re
import subprocess
import sys
import unittest

BINARY = ROOT = None
LINK = re.compile(r"\]\(([^)\s]+)\)")


def anchors(path):
    """GitHub-style anchors of a markdown file's headings."""
    out = set()
    with open(path) as fh:
        for line in fh:
            if line.startswith("#"):
                title = line.lstrip("#").strip().lower()
                title = re.sub(r"[^\w\- ]", "", title)
                out.add(title.replace(" ", "-"))
    return out


def documents():
    return [os.path.join(ROOT, "README.md")] + sorted(glob.glob(os.path.join(ROOT, "docs", "*.md")))


class Links(unittest.TestCase):
    def test_every_link_resolves_inside_the_repository(self):
        for doc in documents():
            with open(doc) as fh:
                text = fh.read()
            for target in LINK.findall(text):
                with self.subTest(doc=os.path.relpath(doc, ROOT), link=target):
                    self.assertFalse(target.startswith(("http:", "https:", "/", "file:")),
                                     "links must stay inside the repository")
                    path, _, anchor = target.partition("#")
                    full = os.path.normpath(os.path.join(os.path.dirname(doc), path)) if path else doc
                    self.assertTrue(full.startswith(ROOT + os.sep) or full == ROOT, full)
                    self.assertTrue(os.path.exists(full), f"{target}: no such file")
                    if anchor and full.endswith(".md"):
                        self.assertIn(anchor, anchors(full))

    def test_no_citations_of_the_internal_contract(self):
        for doc in documents():
            with open(doc) as fh:
                text = fh.read()
            self.assertIsNone(re.search(r"\bSPEC\b|shared/", text), doc)

    def test_the_reference_documents_exist_and_are_linked(self):
        with open(os.path.join(ROOT, "README.md")) as fh:
            readme = fh.read()
        for name in ("model.md", "job-reference.md", "cube-layout.md", "guarantees.md"):
            self.assertTrue(os.path.exists(os.path.join(ROOT, "docs", name)))
            self.assertIn(f"(docs/{name})", readme)

    def test_job_reference_names_every_key_the_binary_prints(self):
        job = os.path.join(ROOT, "jobs", "demo.yaml")
        printed = subprocess.run([BINARY, "check", job, "--print-job"], capture_output=True,
                                 text=True, check=True).stdout
        with open(os.path.join(ROOT, "docs", "job-reference.md")) as fh:
            reference = fh.read()
        for line in printed.splitlines():
            key = line.strip().split(":")[0]
            if key:
                self.assertIn(f"`{key}", reference, f"{key} is not documented")

    def test_readme_command_lines_use_known_options(self):
        with open(os.path.join(ROOT, "README.md")) as fh:
            readme = fh.read()
        helps = {}
        for command in ("run", "check", "status", "merge", "bench"):
            helps[command] = subprocess.run([BINARY, command, "--help"], capture_output=True,
                                            text=True, check=True).stdout
        pattern = re.compile(r"hetsweep (run|check|status|merge|bench)\b([^\n`|]*)")
        for command, rest in pattern.findall(readme):
            for option in re.findall(r"(?<![\w-])(--?[a-zA-Z][\w-]*)", rest):
                if option == "--frsh":  # the README's example of a mistyped option
                    continue
                with self.subTest(command=command, option=option):
                    self.assertIn(option.split("=")[0], helps[command])


if __name__ == "__main__":
    BINARY = os.path.abspath(sys.argv[1])
    ROOT = os.path.abspath(sys.argv[2])
    unittest.main(argv=[sys.argv[0], "-v"])
