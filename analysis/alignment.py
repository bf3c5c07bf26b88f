"""Alignment and dimensionality: does the score track task-state alignment or
the dimensionality of the states?

alignment: clipped test R^2 of every (network, task) pair against its
  kernel-target alignment on the train window (/results/alignment), coloured by
  heterogeneity level; Pearson r over all finite pairs, and over networks (mean
  alignment over tasks against performance).
dimensionality: performance (mean clipped R^2 over tasks) of each network against
  its participation ratio (/results/dimensionality); Pearson r over networks.
Only networks with status 0. One panel per model.
"""
import numpy as np

from analysis import style
from analysis.cube import nanmean
from analysis.report import Result, Skip, Table
from analysis.stats import pearson

MAX_POINTS = 4000  # per level and model, drawn (all pairs enter the correlation)


def _level_first(values):
    """[model, level, rest...] flattened to [model, level, -1] (networks, then tasks)."""
    moved = np.moveaxis(values, 2, 1)
    return moved.reshape(moved.shape[0], moved.shape[1], -1)


def _sample(x, y, rng):
    keep = np.flatnonzero(np.isfinite(x) & np.isfinite(y))
    if keep.size > MAX_POINTS:
        keep = np.sort(rng.choice(keep, MAX_POINTS, replace=False))
    return x[keep], y[keep]


def _scatter_panel(cube, title, x, y, xlabel, ylabel, rows_of, size):
    """Scatter y against x ([model, level, points]) per model, x on a log scale if it
    spans a factor of 100 or more; rows_of(m) gives the table rows of model m."""
    finite = np.isfinite(x) & np.isfinite(y)
    models = [m for m in range(x.shape[0]) if np.unique(x[m][finite[m]]).size >= 2]
    if not models:
        raise Skip(f"needs finite pairs at 2 or more distinct {xlabel.split(' (')[0]} values")
    levels = cube.axes["heterogeneity"]
    colours = style.level_colours(levels)
    rng = np.random.default_rng(0)
    fig, axes = style.figure(1, len(models), width=(style.SINGLE + 0.2) * len(models) + 1.3,
                             height=style.SINGLE * 0.9)
    rows = []
    for col, m in enumerate(models):
        ax = axes[0, col]
        for li in range(len(levels)):
            px, py = _sample(x[m, li], y[m, li], rng)
            ax.scatter(px, py, s=size, color=colours[li], alpha=0.6 if size < 10 else 0.9,
                       linewidths=0)
        r, count = pearson(x[m], y[m])
        ax.text(0.97, 0.03, f"Pearson r = {r:.3f}\n(n = {count})", transform=ax.transAxes,
                ha="right", va="bottom", bbox=dict(facecolor="white", alpha=0.8, linewidth=0))
        style.log_if_wide(ax, x[m], factor=100)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.set_title(f"{title}: {style.model_name(cube.axes['model'][m])}")
        rows += rows_of(m)
    style.level_legend(fig, levels, where="right")
    return fig, rows


def alignment(cube, opts):
    """Score against task-state alignment, per (network, task) pair."""
    a = cube.read("results/alignment")
    if a is None:
        raise Skip("the cube has no /results/alignment")
    ok = cube.ok()[..., None]
    a = np.where(ok, a.astype(np.float64), np.nan)
    s = np.where(ok, cube.clipped().values.astype(np.float64), np.nan)
    net_a, perf = nanmean(a, axis=-1), cube.performance()

    def rows_of(m):
        r_pairs, n_pairs = pearson(a[m], s[m])
        r_nets, n_nets = pearson(net_a[m], perf[m])
        model = cube.axes["model"][m]
        return [(model, "pairs (network, task)", "alignment", "clipped test R^2", r_pairs, n_pairs),
                (model, "networks (mean over tasks)", "alignment", "performance", r_nets, n_nets)]

    fig, rows = _scatter_panel(cube, "score against alignment", _level_first(a),
                               _level_first(s), "task-state alignment (kernel-target, train)",
                               style.SCORE_LABEL, rows_of, size=4)
    return Result("alignment", "Score against task-state alignment", fig, [_table(rows)])


def dimensionality(cube, opts):
    """Performance against participation ratio, per network."""
    pr = cube.read("results/dimensionality")
    if pr is None:
        raise Skip("the cube has no /results/dimensionality")
    perf = cube.performance()
    pr = np.where(cube.ok(), pr.astype(np.float64), np.nan)

    def rows_of(m):
        r, count = pearson(pr[m], perf[m])
        return [(cube.axes["model"][m], "networks", "participation ratio", "performance", r, count)]

    fig, rows = _scatter_panel(cube, "performance against dimensionality", _level_first(pr),
                               _level_first(perf), "participation ratio (dimensions)",
                               "performance: mean " + style.SCORE_LABEL, rows_of, size=18)
    return Result("dimensionality", "Performance against participation ratio", fig, [_table(rows)])


def _table(rows):
    return Table("Pearson correlation", ["model", "over", "x", "y", "r", "count"], rows)
