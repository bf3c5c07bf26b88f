"""Fig. 3: robustness. Score against network size (B), noise (C), input gain (D)
and recurrent gain (E): one line per heterogeneity level, one column per
complexity tier, one row per model.

Per task, the clipped score is averaged over seeds and every axis not shown;
each point is the mean over the tasks of the tier, with the 95% CI
mean +- 1.96 sd / sqrt(tasks) across those tasks.
"""
import numpy as np

from analysis import style
from analysis.cube import TIERS
from analysis.report import Result, Skip, Table
from analysis.stats import ci95

# panel name -> (cube axis, letter, what is varied)
ROBUSTNESS = {
    "fig3_size": ("n", "B", "network size"),
    "fig3_noise": ("noise", "C", "noise"),
    "fig3_input_gain": ("input_gain", "D", "input gain"),
    "fig3_recurrent_gain": ("recurrent_gain", "E", "recurrent gain"),
}


def tier_curves(cube, axis):
    """{(model, tier, level): (mean, half, count) arrays over the axis values}."""
    per_task = cube.clipped().mean(("model", "heterogeneity", axis, "task")).values
    tiers = cube.tiers()
    curves = {}
    for m in range(per_task.shape[0]):
        for t in range(len(TIERS)):
            block = per_task[m][..., tiers == t]  # [level, x, tasks of the tier]
            for li in range(block.shape[0]):
                stats = [ci95(block[li, xi]) for xi in range(block.shape[1])]
                curves[(m, t, li)] = tuple(np.array(s) for s in zip(*stats))
    return curves


def _models_with_x(curves, n_x):
    """Models with finite means at 2 or more axis values, and the most values any has."""
    seen = {}
    for (m, _, _), (mean, _, _) in curves.items():
        seen[m] = seen.get(m, np.zeros(n_x, bool)) | np.isfinite(mean)
    counts = {m: int(s.sum()) for m, s in seen.items()}
    return [m for m, c in counts.items() if c >= 2], max(counts.values(), default=0)


def robustness(cube, opts, name):
    """One Fig. 3 panel: score against the axis of `name`, per tier and level."""
    axis, letter, what = ROBUSTNESS[name]
    x = np.asarray(cube.axes[axis], dtype=np.float64)
    if x.size < 2:
        raise Skip(f"needs at least 2 values of {axis} (the cube has {x.size})")
    curves = tier_curves(cube, axis)
    models, most = _models_with_x(curves, x.size)
    if not models:
        raise Skip(f"needs finite scores at 2 or more values of {axis} (has {most})")
    levels = cube.axes["heterogeneity"]
    colours = style.level_colours(levels)
    fig, axes = style.figure(len(models), len(TIERS), sharex=True, sharey=True)
    tiers = cube.tiers()
    table = Table(f"Score against {axis}: mean over the tier's tasks, 95% CI across tasks",
                  ["model", "tier", "level", axis, "mean", "CI low", "CI high", "tasks"])
    for row, m in enumerate(models):
        model = cube.axes["model"][m]
        for t, tier in enumerate(TIERS):
            ax = axes[row, t]
            for li, level in enumerate(levels):
                mean, half, count = curves[(m, t, li)]
                style.band(ax, x, mean, half, colours[li])
                table.rows += [(model, tier, f"{level:g}", xv, a, a - h, a + h, int(c))
                               for xv, a, h, c in zip(x, mean, half, count) if c]
            style.log_if_wide(ax, x)
            ax.set_title(f"{tier} complexity tier ({int((tiers == t).sum())} tasks)")
            if not (tiers == t).any():
                ax.text(0.5, 0.5, "no tasks in this tier", transform=ax.transAxes,
                        ha="center", va="center", color="grey")
            ax.set_xlabel(style.AXIS_LABELS[axis])
        axes[row, 0].set_ylabel(style.model_name(model) + "\n" + style.SCORE_LABEL)
    fig.suptitle(f"{letter}  robustness to {what}")
    style.level_legend(fig, levels, where="below")
    return Result(name, f"Fig. 3{letter}: robustness to {what}", fig, [table])
