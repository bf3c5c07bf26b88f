"""Fig. 2: the task set and the score per task.

A: histogram of the cosine similarity of every task pair (/tasks/similarity).
B: histogram of task complexity, shaded by tier.
C: test score against the delay Delta for the tasks d = 2, k = 1, one line per
   heterogeneity level, one row per model (rate, LIF); band: 95% CI across seeds.
D: per task, the score of each heterogeneous level against the homogeneous one
   (level 0), coloured by level, one panel per model.
Scores are clipped at 0 and averaged over every axis not shown (and seeds).
"""
import numpy as np

from analysis import style
from analysis.cube import TIER_BOUNDS, TIERS
from analysis.report import Result, Skip, Table
from analysis.stats import beats_fraction, ci95

TIER_GREYS = ("#DDDDDD", "#AAAAAA", "#666666")


def _histogram_table(caption, counts, edges):
    rows = [(f"[{lo:.3g}, {hi:.3g})", int(c))
            for c, lo, hi in zip(counts, edges[:-1], edges[1:]) if c]
    return Table(caption, ["bin", "count"], rows)


def similarity(cube, opts):
    """Fig. 2A: distribution of the cosine similarity between task pairs."""
    sim = cube.read("tasks/similarity")
    if sim is None:
        raise Skip("the cube has no /tasks/similarity")
    values = sim[np.triu_indices(sim.shape[0], 1)].astype(np.float64)
    values = values[np.isfinite(values)]
    if values.size < 2:
        raise Skip(f"needs at least 2 task pairs (the cube has {values.size})")
    edges = np.linspace(-1.0, 1.0, 41)
    counts, _ = np.histogram(np.clip(values, -1.0, 1.0), edges)
    fig, ax = style.figure(1, 1)
    ax = ax[0, 0]
    ax.hist(np.clip(values, -1, 1), edges, color="#0072B2", edgecolor="white", linewidth=0.4)
    ax.set_xlabel("cosine similarity of a task pair (dimensionless)")
    ax.set_ylabel("task pairs (count)")
    ax.set_title(f"A  similarity of {values.size} task pairs")
    stats = Table("Cosine similarity over task pairs (upper triangle of /tasks/similarity)",
                  ["pairs", "mean", "sd", "median", "fraction abs(cos) < 0.1",
                   "fraction abs(cos) < 0.5"],
                  [(values.size, values.mean(), values.std(), np.median(values),
                    np.mean(np.abs(values) < 0.1), np.mean(np.abs(values) < 0.5))])
    return Result("fig2a", "Fig. 2A: task-pair cosine similarity", fig,
                  [stats, _histogram_table("Histogram (bins 0.05 wide)", counts, edges)])


def complexity(cube, opts):
    """Fig. 2B: distribution of task complexity, with the three tiers."""
    c = cube.complexity
    c = c[np.isfinite(c)].astype(np.float64) if c is not None else np.empty(0)
    if c.size < 2:
        raise Skip(f"needs at least 2 tasks with a complexity (the cube has {c.size})")
    edges = np.linspace(0.0, 1.0, 31)  # tier bounds 1/3 and 2/3 fall on bin edges
    counts, _ = np.histogram(c, edges)
    fig, ax = style.figure(1, 1)
    ax = ax[0, 0]
    for name, (lo, hi), grey in zip(TIERS, TIER_BOUNDS, TIER_GREYS):
        ax.axvspan(lo, hi, color=grey, alpha=0.35, linewidth=0, label=f"{name} tier")
    ax.hist(c, edges, color="#0072B2", edgecolor="white", linewidth=0.4)
    ax.set_xlabel("task complexity (1 - |cos(target, source)|)")
    ax.set_ylabel("tasks (count)")
    ax.set_xlim(0, 1)
    ax.set_title(f"B  complexity of {c.size} tasks")
    ax.legend(frameon=False, loc="upper center")
    tiers = cube.tiers()
    stats = Table("Task complexity", ["tasks", "mean", "median", "min", "max"]
                  + [f"{t} tier (tasks)" for t in TIERS],
                  [(c.size, c.mean(), np.median(c), c.min(), c.max())
                   + tuple(int((tiers == i).sum()) for i in range(3))])
    return Result("fig2b", "Fig. 2B: task complexity", fig,
                  [stats, _histogram_table("Histogram (bins 1/30 wide)", counts, edges)])


def _delta_tasks(cube):
    k, d, delta = (cube.task_values(x) for x in ("k", "d", "delta_ms"))
    if k is None or d is None or delta is None:
        raise Skip("the cube has no /tasks/k, d or delta_ms")
    select = (k == 1) & (d == 2)
    if not select.any():
        raise Skip("the cube has no task with k = 1, d = 2")
    return select, delta[select].astype(np.float64)


def delta_profile(cube, opts):
    """Fig. 2C: score against Delta for k = 1, d = 2, per level and model."""
    select, delta = _delta_tasks(cube)
    per_seed = cube.clipped().where("task", select).mean(
        ("model", "heterogeneity", "seed", "task")).values  # [model, level, seed, task]
    order = np.argsort(delta, kind="stable")
    delta, per_seed = delta[order], per_seed[..., order]
    finite_x = [np.isfinite(per_seed[m]).any(axis=(0, 1)).sum() for m in range(per_seed.shape[0])]
    models = [m for m, nx in enumerate(finite_x) if nx >= 2]
    if not models:
        raise Skip("needs at least 2 delays with finite scores for k = 1, d = 2 "
                   f"(has {max(finite_x)})")
    levels = cube.axes["heterogeneity"]
    colours = style.level_colours(levels)
    fig, axes = style.figure(len(models), 1, width=style.SINGLE + 1.4)
    table = Table("Score of the tasks k = 1, d = 2 against Delta: mean over seeds; "
                  "+- = 95% CI half-width across seeds (n/a: fewer than 2 seeds)",
                  ["model", "Delta (ms)"] + [f"{h} cv={lv:g}" for lv in levels
                                             for h in ("mean", "+-")])
    for row, m in enumerate(models):
        ax = axes[row, 0]
        model = cube.axes["model"][m]
        cells = []
        for li, level in enumerate(levels):
            stats = [ci95(per_seed[m, li, :, t]) for t in range(delta.size)]
            mean, half, _ = (np.array(s) for s in zip(*stats))
            style.band(ax, delta, mean, half, colours[li])
            cells.append((mean, half))
        table.rows += [[model, x] + [v[t] for pair in cells for v in pair]
                       for t, x in enumerate(delta)]
        ax.axvline(0, color="grey", linestyle=":", linewidth=0.8)
        ax.set_ylabel(style.SCORE_LABEL)
        ax.set_title(f"C  {style.model_name(model)}: $y = u_1(t + \\Delta)^2$")
        ax.set_xlabel(r"delay $\Delta$ (ms; < 0 recall, > 0 forecast)")
    style.level_legend(fig, levels, where="right")
    return Result("fig2c", "Fig. 2C: score against Delta (d = 2, k = 1)", fig, [table])


def _homogeneous_index(cube):
    levels = np.asarray(cube.axes["heterogeneity"], dtype=np.float64)
    zero = np.flatnonzero(levels == 0)
    if zero.size == 0:
        raise Skip("needs the homogeneous level (heterogeneity 0) on the axis")
    if levels.size < 2:
        raise Skip("needs at least 2 heterogeneity levels (the cube has 1)")
    return int(zero[0]), levels


def per_task_level_means(cube):
    """[model, level, task]: clipped score averaged over seeds and every other axis."""
    return cube.clipped().mean(("model", "heterogeneity", "task")).values


def hetero_vs_homo(cube, opts):
    """Fig. 2D: per task, heterogeneous against homogeneous score, coloured by level."""
    zero, levels = _homogeneous_index(cube)
    means = per_task_level_means(cube)
    others = [li for li in range(levels.size) if li != zero]
    models = [m for m in range(means.shape[0])
              if any(beats_fraction(means[m, li], means[m, zero])[2] for li in others)]
    if not models:
        raise Skip("no task has finite scores at both level 0 and another level")
    colours = style.level_colours(levels)
    fig, axes = style.figure(1, len(models), width=style.SINGLE * len(models),
                             height=style.SINGLE)
    table = Table("Per task (mean over seeds and all other axes), "
                  "heterogeneous against homogeneous",
                  ["model", "level", "tasks", "mean homogeneous", "mean heterogeneous",
                   "fraction better", "fraction worse"])
    for col, m in enumerate(models):
        ax = axes[0, col]
        model = cube.axes["model"][m]
        for li in others[::-1]:  # the highest level underneath
            ax.scatter(means[m, zero], means[m, li], s=6, color=colours[li], alpha=0.7,
                       linewidths=0)
        for li in others:
            better, worse, count = beats_fraction(means[m, li], means[m, zero])
            both = np.isfinite(means[m, li]) & np.isfinite(means[m, zero])
            table.rows.append((model, f"{levels[li]:g}", count, means[m, zero][both].mean()
                               if count else np.nan, means[m, li][both].mean() if count else np.nan,
                               better, worse))
        _diagonal(ax)
        ax.set_xlabel("homogeneous network: " + style.SCORE_LABEL)
        ax.set_ylabel("heterogeneous network: " + style.SCORE_LABEL)
        ax.set_title(f"D  {style.model_name(model)}")
    style.level_legend(axes[0, -1], levels, others, where="inside")
    return Result("fig2d", "Fig. 2D: heterogeneous against homogeneous, per task", fig, [table])


def _diagonal(ax):
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", linewidth=0.9)
    ax.axvline(0, color="grey", linestyle="--", linewidth=0.7)
    ax.axhline(0, color="grey", linestyle="--", linewidth=0.7)
    ax.set_xlim(-0.03, 1.02)
    ax.set_ylim(-0.03, 1.02)
    ax.set_aspect("equal")
