"""The demo's table and figure: mean clipped test R^2 per heterogeneity level and size.

    python3 -m analysis.demo CUBE.h5 [--figure OUT.png]

Prints one row per (model, profile, n) with the mean over seeds (and all other
axes) of each network's mean clipped test R^2 at every heterogeneity level,
and draws the same as lines with the seed-to-seed standard deviation.
"""
import argparse
import sys

from analysis.requirements import require

if __name__ == "__main__":
    require("analysis.demo")  # before numpy and h5py are imported

import numpy as np  # noqa: E402

from analysis.cube import AXES, Cube

ERROR_BARS = ("Points: mean test R^2 (clipped at 0) over tasks and seeds, other axes averaged.\n"
              "Error bars: +-1 standard deviation across seeds (population sd, ddof 0).")

# Okabe-Ito colour-blind-safe palette
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]


def level_table(cube):
    """{(model, profile, n): (levels, mean per level, sd over seeds per level)}."""
    per_network = cube.clipped_mean_score()
    n_axis = AXES.index("n") - 2  # after selecting model and profile
    table = {}
    for m, model in enumerate(cube.axes["model"]):
        for p, profile in enumerate(cube.axes["profile"]):
            for j, n in enumerate(cube.axes["n"]):
                block = per_network[m, p]  # heterogeneity, tau_mean, n, gains, noise, seed
                block = np.take(block, j, axis=n_axis)
                # average every axis but heterogeneity (first) and seed (last)
                block = block.reshape(block.shape[0], -1, block.shape[-1]).mean(axis=1)
                with np.errstate(invalid="ignore"):
                    mean = np.nanmean(block, axis=-1)
                    sd = np.nanstd(block, axis=-1)
                table[(model, profile, int(n))] = (np.asarray(cube.axes["heterogeneity"]), mean, sd)
    return table


def print_table(table, out=sys.stdout):
    first = next(iter(table.values()))[0]
    header = "model profile     n   " + " ".join(f"cv={lv:<5g}" for lv in first)
    print("mean test R^2 (clipped at 0), averaged over tasks and seeds", file=out)
    print(header, file=out)
    for (model, profile, n), (levels, mean, _) in table.items():
        cells = " ".join(f"{v:8.4f}" for v in mean)
        print(f"{model:5s} {profile:10s} {n:5d}  {cells}", file=out)


def draw(table, path, title):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 4))
    for i, ((model, profile, n), (levels, mean, sd)) in enumerate(table.items()):
        colour = PALETTE[i % len(PALETTE)]
        ax.errorbar(levels, mean, yerr=sd, marker="o", capsize=3, color=colour,
                    label=f"{model}, {profile}, N = {n}")
    ax.set_xlabel("heterogeneity (coefficient of variation of $\\tau$)")
    ax.set_ylabel("mean test $R^2$ (clipped at 0)")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(frameon=False)
    fig.tight_layout()
    fig.text(0.01, -0.01, ERROR_BARS, ha="left", va="top", fontsize=7, color="0.25", wrap=True)
    fig.savefig(path, dpi=150, bbox_inches="tight")
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cube")
    parser.add_argument("--figure", help="write the figure here (PNG)")
    args = parser.parse_args(argv)
    cube = Cube(args.cube)
    table = level_table(cube)
    print_table(table)
    if args.figure:
        draw(table, args.figure, f"{cube.job_name}: score against heterogeneity")
        print(f"figure: {args.figure}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
