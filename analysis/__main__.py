"""The paper's figures, and the numbers behind them, from any cube.

    python3 -m analysis CUBE.h5 --out DIR [--cumulative] [--only PANEL ...]
    python3 -m analysis CUBE.h5 [CUBE.h5 ...] --claims [--out DIR]

Writes DIR/<panel>.png and .pdf for every panel the cube has data for
(Fig. 2A-D, Fig. 3 robustness, Fig. 4 E* per cost model, Fig. 5A-B, alignment
and dimensionality) and DIR/summary.md with the numbers behind them. Panels whose
data are missing are skipped and listed, with the reason, on stdout and in
summary.md. With --claims: DIR/claims.md and DIR/claims.png and .pdf instead, the
paper's claims as verdicts from one or more cubes (analysis/claims.py; DIR defaults
to the current directory). Exit status: 0 done, 1 a panel failed (a bug), 2
unreadable cube.
"""
import argparse
import os
import sys

from analysis import panels, style, summary
from analysis.cube import Cube


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
    os.makedirs(args.out, exist_ok=True)
    style.apply()
    results, skipped, failed = panels.draw_all(cube, args, args.out, args.only)
    summary_path = os.path.join(args.out, "summary.md")
    summary.write(summary_path, cube, results, skipped, failed, args.cumulative)
    report(results, skipped, failed, summary_path)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
