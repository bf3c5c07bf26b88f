"""Fig. 4: E*, the least cost at each performance level, per heterogeneity level,
one panel per cost model with finite values in the cube.

Performance of a network = mean clipped test R^2 over its tasks (networks with
status 0 only). Networks are binned by performance, bins 0.02 wide; E* of a
bin = the least cost among the networks of one model and heterogeneity level
(pooling every other axis: size, seed, gains, ...) in the bin. With
--cumulative: the least cost among those at performance >= the bin's lower
edge. Cost models: FLOPs (simulation + inference), memory (bytes), ATP,
Loihi 2 and SpiNNaker 2 energy (J). A cost model whose values are all NaN (ATP
and the neuromorphic ones for rate networks) is skipped until a cube has them.
"""
import numpy as np

from analysis import style
from analysis.report import Result, Skip, Table
from analysis.stats import BIN_WIDTH, estar

# panel name -> (letter, datasets summed, cost label with unit, short name)
COSTS = {
    "fig4_flops": ("A", ("sim_flops", "inference_flops"), "FLOPs (simulation + inference)",
                   "FLOPs"),
    "fig4_memory": ("A", ("memory_bytes",), "memory footprint (bytes)", "memory"),
    "fig4_atp": ("B", ("atp",), "ATP (molecules)", "ATP"),
    "fig4_loihi2": ("C", ("loihi2_j",), "energy on Loihi 2 (J)", "Loihi 2"),
    "fig4_spinnaker2": ("D", ("spinnaker2_j",), "energy on SpiNNaker 2 (J)", "SpiNNaker 2"),
}
LIF_ONLY = ("fig4_atp", "fig4_loihi2", "fig4_spinnaker2")


def cost(cube, name):
    """Per network: the cost of panel `name` (sum of its datasets), or Skip."""
    parts = COSTS[name][1]
    missing = [p for p in parts if not cube.has("results/costs/" + p)]
    if missing:
        raise Skip("the cube has no " + ", ".join("/results/costs/" + p for p in missing))
    total = sum(cube.read("results/costs/" + p).astype(np.float64) for p in parts)
    if not np.isfinite(total).any():
        why = " (rate networks have none; LIF networks fill it)" if name in LIF_ONLY else ""
        raise Skip(f"no network has a finite {COSTS[name][3]} cost{why}")
    return total


def estar_curves(cube, name, cumulative):
    """{(model index, level index): {bin: E*}} for the cost of panel `name`."""
    total = cost(cube, name)
    perf = cube.performance()
    curves = {}
    for m in range(perf.shape[0]):
        lowest = min(estar(perf[m], total[m]), default=None)  # over all levels
        for li in range(perf.shape[2]):
            best = estar(perf[m, :, li], total[m, :, li], cumulative, first_bin=lowest)
            if best:
                curves[(m, li)] = best
    return curves


def bin_label(b, cumulative):
    lo = b * BIN_WIDTH
    return f">= {lo:.2f}" if cumulative else f"[{lo:.2f}, {lo + BIN_WIDTH:.2f})"


def _saving_rows(cube, curves, m, levels):
    """Median over shared bins of E*(level 0) / E*(level), per heterogeneous level."""
    zero = np.flatnonzero(np.asarray(levels, dtype=np.float64) == 0)
    if zero.size == 0 or (m, int(zero[0])) not in curves:
        return []
    base = curves[(m, int(zero[0]))]
    rows = []
    for li, level in enumerate(levels):
        other = curves.get((m, li))
        shared = sorted(set(base) & set(other or {}))
        if li != zero[0] and shared:
            ratio = np.median([base[b] / other[b] for b in shared])
            rows.append((cube.axes["model"][m], f"{level:g}", len(shared), ratio))
    return rows


def estar_panel(cube, opts, name):
    """One Fig. 4 panel: E* against performance for one cost model."""
    letter, _, label, short = COSTS[name]
    cumulative = bool(getattr(opts, "cumulative", False))
    curves = estar_curves(cube, name, cumulative)
    bins = sorted({b for c in curves.values() for b in c})
    if len(bins) < 2:
        raise Skip(f"needs networks in at least 2 performance bins with a finite {short} "
                   f"cost (has {len(bins)})")
    levels = cube.axes["heterogeneity"]
    colours = style.level_colours(levels)
    fig, ax = style.figure(1, 1, width=style.SINGLE + 1.3)
    ax = ax[0, 0]
    for (m, li), best in sorted(curves.items()):
        keys = sorted(best)
        x = [b * BIN_WIDTH + (0 if cumulative else BIN_WIDTH / 2) for b in keys]
        line = style.MODEL_LINES.get(cube.axes["model"][m], "-.")
        ax.plot(x, [best[b] for b in keys], marker="o", color=colours[li], linestyle=line)
    style.log_y(ax)
    ax.set_xlabel("performance p: minimum mean test $R^2$" if cumulative
                  else "performance: mean test $R^2$ (clipped at 0), bin centre")
    ax.set_ylabel(f"$E^*$: least {label}")
    kind = "at performance >= p" if cumulative else f"per {BIN_WIDTH:g}-wide bin"
    models = sorted({m for m, _ in curves})
    only = f", {style.model_name(cube.axes['model'][models[0]])}" if len(models) == 1 else ""
    ax.set_title(f"{letter}  least {short} {kind}{only}")
    _model_key(ax, cube, {m for m, _ in curves})
    style.level_legend(fig, levels, sorted({li for _, li in curves}), where="right")
    return Result(name, f"Fig. 4{letter}: E* ({short})", fig,
                  _tables(cube, curves, label, cumulative))


def _model_key(ax, cube, models):
    if len(models) > 1:
        for m in sorted(models):
            model = cube.axes["model"][m]
            ax.plot([], [], color="grey", linestyle=style.MODEL_LINES.get(model, "-."),
                    label=style.model_name(model))
        ax.legend(frameon=False)


def _tables(cube, curves, label, cumulative):
    levels = cube.axes["heterogeneity"]
    kind = "cumulative: least cost at performance >= the bin's lower edge" if cumulative \
        else "least cost among the networks in the bin"
    tables = []
    for m in sorted({m for m, _ in curves}):
        model = cube.axes["model"][m]
        used = [li for li in range(len(levels)) if (m, li) in curves]
        bins = sorted({b for li in used for b in curves[(m, li)]})
        table = Table(f"E* = least {label}, {model} networks ({kind})",
                      ["performance bin"] + [f"cv={levels[li]:g}" for li in used])
        table.rows = [[bin_label(b, cumulative)] + [curves[(m, li)].get(b, np.nan) for li in used]
                      for b in bins]
        tables.append(table)
        saving = _saving_rows(cube, curves, m, levels)
        if saving:
            tables.append(Table(f"E*(homogeneous) / E*(level), median over shared bins, {model}",
                                ["model", "level", "shared bins", "median ratio"], saving))
    return tables
