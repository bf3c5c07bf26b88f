"""The paper's figures, and the numbers behind them, from any cube.

    python3 -m analysis CUBE.h5 --out DIR [--cumulative] [--only PANEL ...]
                        [--where AXIS=V1[,V2...]]... [--by AXIS]
    python3 -m analysis CUBE.h5 [CUBE.h5 ...] --claims [--out DIR]

Writes DIR/<panel>.png and .pdf for every panel the cube has data for
(Fig. 2A-D, Fig. 3 robustness, Fig. 4 E* per cost model, Fig. 5A-B, alignment
and dimensionality) and DIR/summary.md with the numbers behind them. Panels whose
data are missing are skipped and listed, with the reason, on stdout and in
summary.md. --where keeps only some values of an axis (repeatable); --by AXIS draws
one folder DIR/AXIS=VALUE per value. Every figure and summary.md say what the error
bars are, what was selected and which axes were averaged (pooled). With --claims:
DIR/claims.md and DIR/claims.png and .pdf instead, the paper's claims as verdicts
from one or more cubes (analysis/claims.py; DIR defaults to the current directory).
Exit status: 0 done, 1 a panel failed (a bug), 2 unreadable cube or a wrong
--where/--by.
"""
import argparse
import os
import sys

from analysis.requirements import require

if __name__ == "__main__":
    require("analysis")  # before numpy, h5py and matplotlib are imported

from analysis import panels, selection, style, summary  # noqa: E402
from analysis.cube import Cube  # noqa: E402


def parse(argv):
    parser = argparse.ArgumentParser(prog="python3 -m analysis",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("cube", nargs="+", help="a hetsweep results cube (HDF5); "
                        "several only with --claims")
    parser.add_argument("--out", help="output directory (created if missing); required "
                        "without --claims")
    parser.add_argument("--claims", action="store_true",
                        help="write claims.md and claims.png/.pdf: the paper's claims as "
                        "verdicts from every cube given")
    parser.add_argument("--cumulative", action="store_true",
                        help="Fig. 4: least cost at performance >= p instead of per bin")
    parser.add_argument("--only", nargs="+", metavar="PANEL",
                        choices=[name for name, _ in panels.PANELS],
                        help="draw only these panels")
    parser.add_argument("--where", action="append", default=[], metavar="AXIS=V1[,V2...]",
                        help="keep only these values of an axis (repeatable), e.g. "
                             "--where profile=gamma --where n=100,200")
    parser.add_argument("--by", metavar="AXIS",
                        help="one folder of panels and summary.md per value of AXIS")
    args = parser.parse_args(argv)
    if not args.claims and args.out is None:
        parser.error("--out is required (except with --claims)")
    if not args.claims and len(args.cube) > 1:
        parser.error("one cube at a time (several only with --claims)")
    return args


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


def views(cube, args):
    """[(folder, cube view)] to draw: the selection, or one per --by value."""
    view = cube.select(selection.parse_where(cube, args.where))
    if not args.by:
        return [(args.out, view)]
    axis = selection.axis_name(args.by)
    if axis in view.selection and len(view.selection[axis]) == 1:
        raise ValueError(f"--by {axis}: --where already keeps one value of it")
    return [(os.path.join(args.out, name), facet) for name, facet in selection.facets(view, axis)]


def draw(view, args, out):
    os.makedirs(out, exist_ok=True)
    results, skipped, failed = panels.draw_all(view, args, out, args.only)
    summary_path = os.path.join(out, "summary.md")
    summary.write(summary_path, view, results, skipped, failed, args.cumulative)
    report(results, skipped, failed, summary_path)
    return failed


def claims_main(args):
    """--claims: the verdicts from every cube; exit 2 if one cannot be read."""
    from analysis import claims
    names = [os.path.basename(path) for path in args.cube]
    if len(set(names)) < len(names):  # the same file name in two folders
        names = list(args.cube)
    cubes = [(name, open_cube(path)) for name, path in zip(names, args.cube)]
    if any(cube is None for _, cube in cubes):
        return 2
    outcomes, files = claims.report(cubes, args.out or ".")
    for o in outcomes:
        print(f"claim {o.claim}: {o.verdict}")
    print("wrote " + ", ".join(files))
    return 0


def main(argv=None):
    args = parse(argv)
    if args.claims:
        return claims_main(args)
    cube = open_cube(args.cube[0])
    if cube is None:
        return 2
    try:
        todo = views(cube, args)
    except ValueError as error:
        print(f"analysis: {error}", file=sys.stderr)
        return 2
    style.apply()
    failed = []
    for out, view in todo:
        print(f"{out}: {selection.describe(view)}")
        failed += draw(view, args, out)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
