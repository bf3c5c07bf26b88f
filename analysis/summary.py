"""summary.md: the definitions, what the cube holds and lacks, which panels were
drawn or skipped (and why), and the numbers behind every panel.

Numbers are written with 6 significant digits; "n/a" marks a value that does
not exist (no data).
"""
import numpy as np

from analysis import fig2, selection
from analysis.cube import AXES, STATUS_NAMES, TIERS, nanmean
from analysis.report import Table
from analysis.stats import BIN_WIDTH, ci95

DEFINITIONS = f"""\
- **Score**: raw test $R^2$ from `/results/score`, clipped at 0 (chance level); NaN
  (not computed) is left out of every mean.
- **Averaging**: unless a panel shows an axis, the clipped score of a task is averaged
  over seeds and over every axis the panel does not show (profile, E[tau], size, gains,
  noise), one model at a time.
- **95% confidence interval**: mean +- 1.96 * sd / sqrt(count), sd the sample standard
  deviation (ddof 1) of the finite values; across the tasks of a complexity tier (Fig. 3),
  across all tasks (Fig. 5, the per-level means) or across seeds (Fig. 2C, one task per
  point). CI low / high are the two ends.
- **Complexity tiers**: low [0, 1/3), mid [1/3, 2/3), high [2/3, 1] of `/tasks/complexity`.
- **Heterogeneous beats homogeneous**: per task, the mean over seeds (and the other axes,
  the same for both) of the clipped score at a level against level 0; the fraction of the
  tasks with both finite where the level is strictly higher.
- **Performance** of a network: mean clipped test $R^2$ over its tasks (status 0 only).
- **E\\***: networks binned by performance, bins {BIN_WIDTH:g} wide ([0.00, 0.02), ...),
  bin index floor(performance / {BIN_WIDTH:g}); E* = least cost in the bin, per model,
  heterogeneity level and cost model, pooling every other axis. The cumulative variant
  (`--cumulative`) is the least cost at performance >= the bin's lower edge. FLOPs =
  sim_flops + inference_flops; memory = memory_bytes.
- **Correlations**: Pearson r over the finite pairs.
"""


def fmt(value):
    """One table cell."""
    if isinstance(value, (str, np.str_)):
        return str(value)
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    value = float(value)
    return "n/a" if not np.isfinite(value) else f"{value:.6g}"


def render(table):
    """A Table as markdown."""
    def line(cells):
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"
    lines = [f"**{table.caption}**", "", line(table.columns), "|" + "---|" * len(table.columns)]
    lines += [line([fmt(v) for v in row]) for row in table.rows]
    return "\n".join(lines) + "\n"


def ranges(indices):
    """[0, 1, 2, 5] -> "0-2, 5"."""
    parts, start = [], None
    for i, v in enumerate(indices):
        if start is None:
            start = v
        if i + 1 == len(indices) or indices[i + 1] != v + 1:
            parts.append(f"{start}" if start == v else f"{start}-{v}")
            start = None
    return ", ".join(parts)


def cube_table(cube):
    rows = [(name, len(cube.axes[name]), ", ".join(
        f"{v:g}" if isinstance(v, (float, np.floating)) else str(v) for v in cube.axes[name]))
        for name in AXES]
    return Table("Axes", ["axis", "size", "values"], rows)


def _task_missing(cube, name, label):
    """Lines on the tasks of a [axes..., task] dataset that have no / partial values."""
    values = cube.read(name)
    if values is None:
        return [f"- {label}: the cube has no `/{name}`."]
    ok = cube.ok()
    if not ok.any():
        return [f"- {label}: no network has status 0."]
    finite = np.isfinite(values[ok])  # [networks ok, task]
    none = np.flatnonzero(~finite.any(axis=0))
    some = np.flatnonzero(finite.any(axis=0) & ~finite.all(axis=0))
    lines = []
    if none.size:
        lines.append(f"- {label}: {none.size} of {values.shape[-1]} tasks have no finite value "
                     f"in any network with status 0 (task indices {ranges(list(none))}; "
                     f"{_kd(cube, none)}).")
    if some.size:
        lines.append(f"- {label}: {some.size} of {values.shape[-1]} tasks are finite in some "
                     f"networks with status 0 but not all (task indices {ranges(list(some))}).")
    return lines


def _kd(cube, tasks):
    """How many of the given tasks have each (k, d), e.g. "k 1 d 1: 5, k 1 d 2: 5"."""
    k, d = cube.task_values("k"), cube.task_values("d")
    if k is None or d is None:
        return "k, d unknown"
    pairs, counts = np.unique(np.stack([k[tasks], d[tasks]], axis=1), axis=0, return_counts=True)
    return ", ".join(f"k {a} d {b}: {c}" for (a, b), c in zip(pairs, counts))


def _network_missing(cube):
    status = cube.status
    if status is None:
        return ["- the cube has no `/results/status`."]
    lines = []
    for code, name in sorted(STATUS_NAMES.items()):
        count = int((status == code).sum())
        if code != 0 and count:
            lines.append(f"- networks {name} (status {code}): {count} of {status.size}.")
    return lines


def _per_network_missing(cube):
    lines = []
    ok = cube.ok()
    names = ["results/dimensionality"] + sorted(n for n in cube.datasets
                                                if n.startswith("results/costs/"))
    for name in names:
        values = cube.read(name)
        if values is None:
            lines.append(f"- the cube has no `/{name}`.")
            continue
        finite = int(np.isfinite(values[ok]).sum())
        if finite < int(ok.sum()):
            lines.append(f"- `/{name}`: finite for {finite} of {int(ok.sum())} networks "
                         "with status 0.")
    return lines


def missing_lines(cube):
    """Everything the cube lacks, one markdown list item each."""
    lines = _network_missing(cube)
    lines += _task_missing(cube, "results/score", "score")
    lines += _task_missing(cube, "results/alignment", "alignment")
    lines += _per_network_missing(cube)
    present = set(cube.models_with_scores())
    lines += [f"- model {m}: no finite score." for i, m in enumerate(cube.axes["model"])
              if i not in present]
    return lines or ["- nothing: every network and task has its values."]


def level_means(cube):
    """Mean clipped score per model and level: mean over tasks of the per-task means."""
    means = fig2.per_task_level_means(cube)
    table = Table("Mean clipped test R^2 per heterogeneity level (per task: mean over seeds "
                  "and all other axes; then mean over tasks, 95% CI across tasks)",
                  ["model", "level", "mean", "CI low", "CI high", "tasks"])
    for m in cube.models_with_scores():
        for li, level in enumerate(cube.axes["heterogeneity"]):
            mean, half, count = ci95(means[m, li])
            table.rows.append((cube.axes["model"][m], f"{level:g}", mean, mean - half,
                               mean + half, count))
    return table


def overview(cube):
    ok = cube.ok()
    tiers = cube.tiers()
    perf = nanmean(np.where(ok, cube.clipped_mean_score(), np.nan))
    return [f"- cube: `{cube.path}`, job `{cube.job_name}`, tool {cube.attr('tool_version')}",
            f"- data: {selection.describe(cube)} (`--where`, `--by`); every panel below says "
            "which axes it averaged over (pooled) and what its error bars are",
            f"- networks: {ok.size}, with status 0: {int(ok.sum())}",
            f"- tasks: {tiers.size} (tiers " + ", ".join(
                f"{t}: {int((tiers == i).sum())}" for i, t in enumerate(TIERS)) + ")",
            f"- mean performance over networks with status 0: {fmt(perf)}"]


def write(path, cube, results, skipped, failed, cumulative=False):
    """Write summary.md."""
    out = [f"# Analysis of {cube.job_name}", "", *overview(cube), "",
           "## Definitions", "", DEFINITIONS, render(cube_table(cube)),
           "## Missing data", "", *missing_lines(cube), "",
           "## Panels", "", "Drawn (PNG and PDF):", ""]
    out += [f"- `{r.name}`: {r.title}" for r in results] or ["- none"]
    out += ["", "Skipped (data missing):", ""]
    out += [f"- `{name}`: {reason}" for name, reason in skipped] or ["- none"]
    if failed:
        out += ["", "Failed (a bug; please report):", ""]
        out += [f"- `{name}`: {error}" for name, error in failed]
    means = level_means(cube)
    out += ["", "## Mean score per level", "",
            render(means) if means.rows else "No model has a finite score.\n"]
    if cumulative:
        out += ["E* panels use the cumulative variant (least cost at performance >= p).", ""]
    for r in results:
        out += [f"## {r.name}: {r.title}", ""]
        out += [render(t) for t in r.tables]
        out += r.notes
    with open(path, "w") as fh:
        fh.write("\n".join(out).rstrip() + "\n")
