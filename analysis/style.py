"""Figure style: the Okabe-Ito colour-blind-safe palette, one colour per
heterogeneity level (the same in every panel of a cube), labels, figure sizes.

Level i of the cube's heterogeneity axis always gets LEVEL_COLOURS[i]: black for
the first level (the homogeneous network when the axis starts at 0), then
orange, sky blue, bluish green, vermillion, blue, reddish purple and yellow.
Axes with more than 8 levels use the colour-blind-safe cividis map instead.
"""
import os
import textwrap

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the backend)
import matplotlib.ticker  # noqa: E402
import numpy as np  # noqa: E402

LEVEL_COLOURS = ["#000000", "#E69F00", "#56B4E9", "#009E73",
                 "#D55E00", "#0072B2", "#CC79A7", "#F0E442"]
# Profiles (Fig. 5B) are told apart by marker and line style, in neutral greys,
# so that colour keeps meaning "heterogeneity level".
PROFILE_STYLES = [("o", "-", "#000000"), ("s", "--", "#555555"), ("^", ":", "#333333"),
                  ("D", "-.", "#777777"), ("v", (0, (5, 1, 1, 1)), "#222222")]
MODEL_LINES = {"rate": "-", "lif": "--"}
MODEL_NAMES = {"rate": "rate (leaky integrator)", "lif": "spiking (LIF)"}

SINGLE = 3.5   # inches: one column of a paper
DOUBLE = 7.2   # inches: full page width
ROW = 2.6      # inches: height of one row of panels

SCORE_LABEL = "test $R^2$ (clipped at 0)"
AXIS_LABELS = {
    "n": "network size $N$ (neurons)",
    "noise": r"noise $\rho$ (fraction of stimulus variance)",
    "input_gain": "input gain $J_u$ (dimensionless)",
    "recurrent_gain": "recurrent gain $J$ (dimensionless)",
    "tau_mean_ms": r"mean time constant $\mathrm{E}[\tau]$ (ms)",
    "heterogeneity": r"heterogeneity (CV of $\tau$)",
}


def apply():
    """Matplotlib settings for paper-sized figures."""
    plt.rcParams.update({
        "font.size": 8, "axes.titlesize": 8, "axes.labelsize": 8,
        "xtick.labelsize": 7, "ytick.labelsize": 7, "legend.fontsize": 7,
        "legend.title_fontsize": 7, "lines.linewidth": 1.3, "lines.markersize": 3.5,
        "axes.spines.top": False, "axes.spines.right": False,
        "axes.grid": True, "grid.alpha": 0.25, "grid.linewidth": 0.5,
        "savefig.dpi": 200, "pdf.fonttype": 42, "font.family": "DejaVu Sans",
    })


def level_colours(levels):
    """One colour per level, in axis order."""
    n = len(levels)
    if n <= len(LEVEL_COLOURS):
        return LEVEL_COLOURS[:n]
    cmap = plt.get_cmap("cividis")
    return [matplotlib.colors.to_hex(cmap(x)) for x in np.linspace(0, 0.95, n)]


def level_label(value):
    return f"CV = {float(value):g}" + (" (homogeneous)" if float(value) == 0 else "")


def model_name(model):
    return MODEL_NAMES.get(model, model)


def profile_style(i):
    return PROFILE_STYLES[i % len(PROFILE_STYLES)]


def figure(rows, cols, width=None, height=None, **kw):
    """A constrained-layout figure with a rows x cols grid of axes (always 2-D)."""
    width = width or (SINGLE if cols == 1 else DOUBLE)
    height = height or ROW * rows
    fig, axes = plt.subplots(rows, cols, figsize=(width, height), squeeze=False,
                             layout="constrained", **kw)
    return fig, axes


def level_legend(fig, levels, indices=None, where="right"):
    """A legend of the level colours (only the levels in `indices`, if given): of the
    figure, outside the axes to the right or below (kept in view by save's tight
    bounding box), or "inside" an axes (pass the axes), at the lower right."""
    colours = level_colours(levels)
    indices = range(len(levels)) if indices is None else indices
    handles = [matplotlib.lines.Line2D([], [], color=colours[i], marker="o",
                                       label=level_label(levels[i])) for i in indices]
    place = {"right": dict(loc="center left", bbox_to_anchor=(1.0, 0.5), ncols=1),
             "below": dict(loc="upper center", bbox_to_anchor=(0.5, 0.0),
                           ncols=min(len(handles), 6)),
             "inside": dict(loc="lower right", ncols=1)}[where]
    return fig.legend(handles=handles, title=AXIS_LABELS["heterogeneity"], frameon=False,
                      **place)


def log_if_wide(ax, values, which="x", factor=10):
    """Log scale when the finite values are all positive and span `factor` or more."""
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    if v.size and np.all(v > 0) and v.max() / v.min() >= factor:
        (ax.set_xscale if which == "x" else ax.set_yscale)("log")


def log_y(ax):
    """Log y scale that also labels minor ticks when the data span under 2 decades."""
    ax.set_yscale("log")
    ax.yaxis.set_minor_formatter(matplotlib.ticker.LogFormatterSciNotation(
        labelOnlyBase=False, minor_thresholds=(2, 0.5)))


def paths(out_dir, name):
    return [os.path.join(out_dir, f"{name}.{ext}") for ext in ("png", "pdf")]


def remove(out_dir, name):
    """Remove NAME.png and NAME.pdf from out_dir, if there."""
    for path in paths(out_dir, name):
        if os.path.exists(path):
            os.remove(path)


def save(fig, out_dir, name):
    """Write NAME.png and NAME.pdf into out_dir; return their paths."""
    paths_ = paths(out_dir, name)
    for path in paths_:
        fig.savefig(path, bbox_inches="tight", pad_inches=0.05)
    plt.close(fig)
    return paths_


def caption(fig, text, width=110):
    """Small text under the figure (kept by save's tight bounding box)."""
    lines = textwrap.wrap(text, width)
    fig.text(0.0, -0.01, "\n".join(lines), ha="left", va="top", fontsize=6.5, color="0.25")


def band(ax, x, mean, half, colour, label=None, **kw):
    """A line with markers and a shaded 95% band (where the half-width is finite)."""
    x, mean, half = (np.asarray(a, dtype=np.float64) for a in (x, mean, half))
    ok = np.isfinite(mean)
    ax.plot(x[ok], mean[ok], marker="o", color=colour, label=label, **kw)
    shade = ok & np.isfinite(half)
    if shade.sum() >= 2:
        ax.fill_between(x[shade], (mean - half)[shade], (mean + half)[shade],
                        color=colour, alpha=0.13, linewidth=0)
