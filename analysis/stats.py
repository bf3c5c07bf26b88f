"""The statistics behind the figures: 95% confidence intervals, correlations, E*.

95% confidence interval (Fig. 2C, 3, 5 and the summary): mean +- 1.96 * sd /
sqrt(count), with sd the sample standard deviation (ddof = 1) of the finite
values and count their number; across the tasks of a tier (Fig. 3), across all
tasks (Fig. 5, per-level means) or across seeds (Fig. 2C, one task per point).
With fewer than 2 values the half-width is NaN (no band).
"""
import numpy as np

Z95 = 1.96
BIN_WIDTH = 0.02  # performance bins of Fig. 4 (docs/model.md, Costs)


def ci95(values):
    """(mean, half-width, count) of the finite entries of a 1-D array."""
    v = np.asarray(values, dtype=np.float64).ravel()
    v = v[np.isfinite(v)]
    if v.size == 0:
        return np.nan, np.nan, 0
    if v.size == 1:
        return float(v[0]), np.nan, 1
    return float(v.mean()), float(Z95 * v.std(ddof=1) / np.sqrt(v.size)), int(v.size)


def pearson(x, y):
    """(Pearson r, count) over the pairs where both are finite; r NaN if undefined."""
    x = np.asarray(x, dtype=np.float64).ravel()
    y = np.asarray(y, dtype=np.float64).ravel()
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    if x.size < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return np.nan, int(x.size)
    return float(np.corrcoef(x, y)[0, 1]), int(x.size)


def beats_fraction(hetero, homo):
    """(fraction strictly higher, fraction strictly lower, count) over the tasks where
    both are finite."""
    hetero = np.asarray(hetero, dtype=np.float64)
    homo = np.asarray(homo, dtype=np.float64)
    both = np.isfinite(hetero) & np.isfinite(homo)
    count = int(both.sum())
    if count == 0:
        return np.nan, np.nan, 0
    return (float((hetero[both] > homo[both]).mean()),
            float((hetero[both] < homo[both]).mean()), count)


def performance_bins(performance, width=BIN_WIDTH):
    """Bin index floor(performance / width) of each value (performance 1 goes in the last bin)."""
    last = int(round(1.0 / width)) - 1
    return np.minimum(np.floor(np.asarray(performance) / width).astype(int), last)


def estar(performance, cost, cumulative=False, width=BIN_WIDTH, first_bin=None):
    """{bin index: least cost} over the networks with finite performance and positive cost.

    Per bin: the least cost among the networks whose performance falls in the bin.
    Cumulative: the least cost among the networks in that bin or any higher one
    (performance >= the bin's lower edge), for every bin from `first_bin` (default:
    the lowest one that holds a network) to the highest one that holds a network."""
    performance = np.asarray(performance, dtype=np.float64).ravel()
    cost = np.asarray(cost, dtype=np.float64).ravel()
    keep = np.isfinite(performance) & np.isfinite(cost) & (cost > 0)
    if not keep.any():
        return {}
    bins = performance_bins(performance[keep], width)
    cost = cost[keep]
    best = {int(b): float(cost[bins == b].min()) for b in np.unique(bins)}
    if not cumulative:
        return best
    start = min(best) if first_bin is None else first_bin
    return {b: float(cost[bins >= b].min()) for b in range(start, max(best) + 1)}
