"""Fig. 5: the heterogeneity profile.

A: score against the mean time constant E[tau], one line per heterogeneity level.
B: score against heterogeneity level, one line per profile (error bars, slightly
   offset sideways so that they do not hide each other); at each level every
   profile has exactly the same empirical mean and variance (docs/model.md, Time constants).
Per task, the clipped score is averaged over seeds and every axis not shown;
each point is the mean over all tasks with the 95% CI across tasks.
"""
import numpy as np

from analysis import style
from analysis.report import Result, Skip, Table
from analysis.stats import ci95


def _curve(per_task):
    """(mean, half, count) arrays over the first axis of [x, task]."""
    stats = [ci95(row) for row in per_task]
    return tuple(np.array(s) for s in zip(*stats))


def _models(per_task, need=2):
    """Models whose [model, line, x, task] block has finite values at >= need x values."""
    finite_x = np.isfinite(per_task).any(axis=(1, 3)).sum(axis=1)
    return [m for m in range(per_task.shape[0]) if finite_x[m] >= need], int(finite_x.max())


def tau_mean(cube, opts):
    """Fig. 5A: score against E[tau] per heterogeneity level."""
    x = np.asarray(cube.axes["tau_mean_ms"], dtype=np.float64)
    if x.size < 2:
        raise Skip(f"needs at least 2 values of tau_mean_ms (the cube has {x.size})")
    per_task = cube.clipped().mean(("model", "heterogeneity", "tau_mean_ms", "task")).values
    models, most = _models(per_task)
    if not models:
        raise Skip(f"needs finite scores at 2 or more values of tau_mean_ms (has {most})")
    levels = cube.axes["heterogeneity"]
    colours = style.level_colours(levels)
    fig, axes = style.figure(1, len(models), width=(style.SINGLE + 0.3) * len(models) + 1.3)
    table = Table("Score against E[tau]: mean over all tasks, 95% CI across tasks",
                  ["model", "level", "tau_mean_ms", "mean", "CI low", "CI high", "tasks"])
    for col, m in enumerate(models):
        ax = axes[0, col]
        model = cube.axes["model"][m]
        for li, level in enumerate(levels):
            mean, half, count = _curve(per_task[m, li])
            style.band(ax, x, mean, half, colours[li])
            table.rows += [(model, f"{level:g}", xv, a, a - h, a + h, int(c))
                           for xv, a, h, c in zip(x, mean, half, count) if c]
        style.log_if_wide(ax, x)
        ax.set_xlabel(style.AXIS_LABELS["tau_mean_ms"])
        ax.set_ylabel(style.SCORE_LABEL)
        ax.set_title(f"A  {style.model_name(model)}")
    style.level_legend(fig, levels, where="right")
    return Result("fig5a", "Fig. 5A: score against E[tau]", fig, [table])


def profiles(cube, opts):
    """Fig. 5B: score against heterogeneity level per profile (equal mean and variance)."""
    names = cube.axes["profile"]
    if len(names) < 2:
        raise Skip(f"needs at least 2 profiles (the cube has {len(names)})")
    x = np.asarray(cube.axes["heterogeneity"], dtype=np.float64)
    if x.size < 2:
        raise Skip(f"needs at least 2 heterogeneity levels (the cube has {x.size})")
    per_task = cube.clipped().mean(("model", "profile", "heterogeneity", "task")).values
    models, most = _models(per_task)
    if not models:
        raise Skip(f"needs finite scores at 2 or more heterogeneity levels (has {most})")
    fig, axes = style.figure(1, len(models), width=(style.SINGLE + 0.3) * len(models) + 1.0)
    table = Table("Score per profile against heterogeneity: mean over all tasks, "
                  "95% CI across tasks", ["model", "profile", "level", "mean", "CI low",
                                          "CI high", "tasks"])
    for col, m in enumerate(models):
        ax = axes[0, col]
        model = cube.axes["model"][m]
        dodge = 0.012 * (np.ptp(x) or 1.0)
        for p, profile in enumerate(names):
            marker, line, colour = style.profile_style(p)
            mean, half, count = _curve(per_task[m, p])
            ok = np.isfinite(mean)
            shift = (p - (len(names) - 1) / 2) * dodge  # side by side, not on top
            ax.errorbar(x[ok] + shift, mean[ok], yerr=np.nan_to_num(half[ok]), color=colour,
                        marker=marker, linestyle=line, capsize=2.5, label=profile)
            table.rows += [(model, profile, f"{xv:g}", a, a - h, a + h, int(c))
                           for xv, a, h, c in zip(x, mean, half, count) if c]
        ax.set_xlabel(style.AXIS_LABELS["heterogeneity"])
        ax.set_ylabel(style.SCORE_LABEL)
        ax.set_title(f"B  {style.model_name(model)}: profiles at equal mean and variance")
    axes[0, -1].legend(title="profile", frameon=False, loc="center left", bbox_to_anchor=(1.0, 0.5))
    return Result("fig5b", "Fig. 5B: score per profile at equal mean and variance", fig, [table])
