"""The paper's figures, and the numbers behind them, from any cube.

    python3 -m analysis CUBE.h5 --out DIR [--cumulative] [--only PANEL ...]

Writes DIR/<panel>.png and .pdf for every panel the cube has data for
(Fig. 2A-D, Fig. 3 robustness, Fig. 4 E* per cost model, Fig. 5A-B, alignment
and dimensionality) and DIR/summary.md with the numbers behind them. Panels whose
data are missing are skipped and listed, with the reason, on stdout and in
summary.md. Exit status: 0 done, 1 a panel failed (a bug), 2 unreadable cube.
"""
import argparse
import os
import sys

from analysis.requirements import require

if __name__ == "__main__":
    require("analysis")  # before numpy, h5py and matplotlib are imported

from analysis import panels, style, summary  # noqa: E402
from analysis.cube import Cube  # noqa: E402


def parse(argv):
    parser = argparse.ArgumentParser(prog="python3 -m analysis",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("cube", help="a hetsweep results cube (HDF5)")
    parser.add_argument("--out", required=True, help="output directory (created if missing)")
    parser.add_argument("--cumulative", action="store_true",
                        help="Fig. 4: least cost at performance >= p instead of per bin")
    parser.add_argument("--only", nargs="+", metavar="PANEL",
                        choices=[name for name, _ in panels.PANELS],
                        help="draw only these panels")
    return parser.parse_args(argv)


def open_cube(path):
    try:
        return Cube(path)
    except (OSError, KeyError, ValueError) as error:
        print(f"analysis: cannot read {path}: {error}", file=sys.stderr)
        return None


def report(results, skipped, failed, summary_path):
    for r in results:
        print(f"drew {r.name}: " + ", ".join(r.files))
    for name, reason in skipped:
        print(f"skipped {name}: {reason}")
    for name, error in failed:
        print(f"FAILED {name}: {error}")
    print(f"summary: {summary_path}")


def main(argv=None):
    args = parse(argv)
    cube = open_cube(args.cube)
    if cube is None:
        return 2
    os.makedirs(args.out, exist_ok=True)
    style.apply()
    results, skipped, failed = panels.draw_all(cube, args, args.out, args.only)
    summary_path = os.path.join(args.out, "summary.md")
    summary.write(summary_path, cube, results, skipped, failed, args.cumulative)
    report(results, skipped, failed, summary_path)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
