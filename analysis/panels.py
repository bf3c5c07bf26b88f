"""The registry of panels, in the order they are drawn and reported, and the loop
that draws each one or records why it was skipped."""
import functools
import traceback

from analysis import alignment, fig2, fig3, fig4, fig5, style
from analysis.report import Skip

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
        result.files = style.save(result.figure, out_dir, name)
        result.figure = None
        results.append(result)
    return results, skipped, failed
