#!/usr/bin/python3
"""The layers of src/ (src/meson.build) point one way: a source file or header
may include hetsweep headers of its own layer and of the layers below it only.
Also: the layers below store never include HDF5 or MPI, and the store layer
never includes a compute header (storage is handed what it writes; it never
runs the model). A header belongs to the layer of the .c file of its name;
the header-only ones are listed below. Prints every violation; exit 1 if any.

usage: layers.py SOURCE_ROOT"""
import os
import re
import sys

LAYERS = ["base", "job", "model", "store", "sweep", "cli"]
HEADER_ONLY = {"numerics": "base", "vmath_base": "base", "vmath": "model"}
COMPUTE = {"unit", "dynamics", "rate", "lif", "readout", "measures"}
SYSTEM_ABOVE_MODEL = {"hdf5.h", "hdf5_hl.h", "mpi.h"}
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)


def layer_of_sources(root):
    layer = {}
    for name in LAYERS:
        folder = os.path.join(root, "src", name)
        for f in sorted(os.listdir(folder)):
            if f.endswith(".c"):
                layer[f[:-2]] = name
    stray = [f for f in os.listdir(os.path.join(root, "src")) if f.endswith(".c")]
    return layer, stray


def includes(path):
    with open(path, encoding="utf-8") as f:
        return INCLUDE.findall(f.read())


def check_file(path, own, layer, problems):
    rank = LAYERS.index(own)
    for kind, target in includes(path):
        if kind == "<":
            if target in SYSTEM_ABOVE_MODEL and rank < LAYERS.index("store"):
                problems.append(f"{path}: layer {own} includes <{target}> (HDF5/MPI start at store)")
            continue
        if not target.startswith("hetsweep/"):
            continue
        header = os.path.basename(target)[:-2]
        if header not in layer:
            problems.append(f"{path}: includes {target}, a header of no layer (add its .c "
                            f"to a layer, or list it in HEADER_ONLY)")
            continue
        if LAYERS.index(layer[header]) > rank:
            problems.append(f"{path}: layer {own} includes {target} of layer {layer[header]} "
                            f"above it")
        if own == "store" and header in COMPUTE:
            problems.append(f"{path}: the store layer includes the compute header {target}")


def check(root):
    layer, stray = layer_of_sources(root)
    layer.update(HEADER_ONLY)
    problems = [f"src/{f}: a source file outside the layer folders" for f in stray]
    for name in LAYERS:
        folder = os.path.join(root, "src", name)
        for f in sorted(os.listdir(folder)):
            if f.endswith(".c"):
                check_file(os.path.join(folder, f), name, layer, problems)
    inc = os.path.join(root, "include", "hetsweep")
    for f in sorted(os.listdir(inc)):
        if f.endswith(".h"):
            own = layer.get(f[:-2])
            if own is None:
                problems.append(f"{inc}/{f}: a header of no layer")
            else:
                check_file(os.path.join(inc, f), own, layer, problems)
    return layer, problems


def self_test(root):
    """The checker itself fails on planted violations of each rule."""
    import shutil
    import tempfile
    plants = {"src/model/tau.c": '#include "hetsweep/sweep.h"\n',
              "src/job/plan.c": "#include <mpi.h>\n",
              "src/store/cube.c": '#include "hetsweep/unit.h"\n',
              "include/hetsweep/rng.h": '#include "hetsweep/config.h"\n'}
    with tempfile.TemporaryDirectory() as tmp:
        for part in ("src", "include"):
            shutil.copytree(os.path.join(root, part), os.path.join(tmp, part))
        for rel, line in plants.items():
            with open(os.path.join(tmp, rel), "a", encoding="utf-8") as f:
                f.write(line)
        with open(os.path.join(tmp, "src", "stray.c"), "w", encoding="utf-8") as f:
            f.write("")
        _, problems = check(tmp)
    expected = len(plants) + 1
    if len(problems) != expected:
        print(f"self-test: expected {expected} planted violations, found {len(problems)}:")
        for p in problems:
            print("  " + p)
        return 1
    print(f"self-test: the {expected} planted violations are all found")
    return 0


def main():
    root = sys.argv[1]
    layer, problems = check(root)
    for p in problems:
        print(p)
    print(f"layers: {len(layer)} modules checked, {len(problems)} violation(s)")
    return 1 if problems or self_test(root) else 0


if __name__ == "__main__":
    sys.exit(main())
