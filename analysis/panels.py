"""The registry of panels, in the order they are drawn and reported, and the loop
that draws each one or records why it was skipped."""
import functools
import traceback

from analysis import alignment, fig2, fig3, fig4, fig5, selection, style
from analysis.cube import AXES
from analysis.report import Skip

CI_SEEDS = "95% confidence interval of the mean across seeds (mean +- 1.96 sd/sqrt(n))"
CI_TASKS = "95% confidence interval of the mean across tasks (mean +- 1.96 sd/sqrt(n))"

# What each panel's error bars or bands are, and the axes it shows (every other axis
# with several values is averaged, "pooled"). E* and the scatter plots pool nothing by
# averaging: E* takes the least cost over every network in a bin, the scatters show
# every network.
PANEL_INFO = {
    "fig2a": ("No error bars: a histogram over task pairs.", AXES),
    "fig2b": ("No error bars: a histogram over tasks.", AXES),
    "fig2c": (f"Bands: {CI_SEEDS}.", ("model", "heterogeneity", "seed")),
    "fig2d": ("No error bars: one point per task, its mean over seeds.",
              ("model", "heterogeneity")),
    **{name: (f"Bands: {CI_TASKS} of the complexity tier.", ("model", "heterogeneity", axis))
       for name, (axis, _, _) in fig3.ROBUSTNESS.items()},
    **{name: ("No error bars: each point is the least cost in its performance bin, over "
              "every network of that level.", AXES) for name in fig4.COSTS},
    "fig5a": (f"Bands: {CI_TASKS}.", ("model", "heterogeneity", "tau_mean_ms")),
    "fig5b": (f"Error bars: {CI_TASKS}.", ("model", "profile", "heterogeneity")),
    "alignment": ("No error bars: one point per (network, task).", AXES),
    "dimensionality": ("No error bars: one point per network.", AXES),
}


def caption(cube, name):
    """What a panel's error bars are, what it covers and which axes it pooled."""
    errors, shown_axes = PANEL_INFO[name]
    pooled = selection.pooled(cube, shown_axes)
    return (f"{errors} Data: {selection.describe(cube)}. Averaged over (pooled): "
            f"{', '.join(pooled) if pooled else 'nothing'}.")

PANELS = [
    ("fig2a", fig2.similarity),
    ("fig2b", fig2.complexity),
    ("fig2c", fig2.delta_profile),
    ("fig2d", fig2.hetero_vs_homo),
    *[(name, functools.partial(fig3.robustness, name=name)) for name in fig3.ROBUSTNESS],
    *[(name, functools.partial(fig4.estar_panel, name=name)) for name in fig4.COSTS],
    ("fig5a", fig5.tau_mean),
    ("fig5b", fig5.profiles),
    ("alignment", alignment.alignment),
    ("dimensionality", alignment.dimensionality),
]


def draw_all(cube, opts, out_dir, only=None):
    """Draw every panel into out_dir.

    Returns (results, skipped, failed): the drawn panels, [(name, reason)] of the
    panels whose data are missing, and [(name, error)] of panels that raised."""
    results, skipped, failed = [], [], []
    for name, function in PANELS:
        if only and name not in only:
            continue
        try:
            result = function(cube, opts)
        except Skip as why:
            skipped.append((name, str(why)))
            style.remove(out_dir, name)  # no stale figure from an earlier cube
            continue
        except Exception as error:  # a bug in one panel must not lose the others
            traceback.print_exc()
            failed.append((name, f"{type(error).__name__}: {error}"))
            style.remove(out_dir, name)
            continue
        text = caption(cube, name)
        style.caption(result.figure, text)
        result.notes.append(f"*{text}*\n")
        result.files = style.save(result.figure, out_dir, name)
        result.figure = None
        results.append(result)
    return results, skipped, failed
