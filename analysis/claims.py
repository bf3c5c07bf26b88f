"""The paper's claims as verdicts, from one or more cubes.

    python3 -m analysis CUBE... --claims [--out DIR]

Writes DIR/claims.md and a one-page figure DIR/claims.png and .pdf. For each claim:
(1) heterogeneity raises performance, (2) skewed profiles (lognormal, gamma) beat
symmetric ones (normal, uniform) at equal mean and variance, (3) a heterogeneous
network matches a larger homogeneous one, (4) heterogeneity makes performance robust
to recurrent gain, input gain and noise, (5) heterogeneity lowers E* per cost model:
the verdict, the effect size with a 95% CI across seeds, the test, and the jobs in
jobs/ that would make an untestable claim testable.

Performance of a network: mean over tasks of test R^2 clipped at 0 (status 0 only).
Comparisons are paired by seed (the same W, Win and noise realisation). Claims 1, 2
and 4: per seed, each side is averaged over every other axis, over the cells computed
on both sides. Claim 3: per seed, the homogeneous performance against log N (its
running maximum over increasing N) is interpolated at the performance of a
heterogeneous network of size N, giving N_eq; beyond the largest (below the smallest)
homogeneous N, N_eq is set to that N and counted as a bound. Claims 1-4: 95% CI of
the mean over seeds with the t distribution (df = seeds - 1), for claim 3 on ln(N_eq
/ N). Claim 5 (2 or more sizes): E*, the least cost among the networks of a
performance bin (0.02 wide; every other axis pooled, as in Fig. 4), per level, over
the bins that level and level 0 share. E* is a minimum over networks, so its CI is a
bootstrap over seeds (resampled with replacement, BOOTSTRAP draws, RNG seed RNG_SEED;
percentile interval; 3 or more seeds).
Verdict of a row: supported when the CI lies above no effect (0, or ratio 1), not
supported when it lies below, inconclusive when it contains it or there is no CI. Per
claim, the primary rows (heterogeneous levels pooled: per seed, the mean over the
levels > 0) set the verdict; the per-level rows are details. A claim whose primary
rows disagree (several cubes, models, axes or cost models) is "mixed", with the count
of each verdict. docs/claims.md explains each choice.
"""
import glob
import os
from dataclasses import dataclass

import matplotlib.lines
import matplotlib.ticker
import numpy as np

try:  # only to read jobs/*.yaml (Debian: python3-yaml); the verdicts do not need it
    import yaml
except ImportError:
    yaml = None

from analysis import fig4, style
from analysis.cube import AXES, Labelled, nanmean
from analysis.report import Skip, Table
from analysis.stats import estar
from analysis.summary import fmt, missing_lines, render

CLAIMS = {
    1: "Heterogeneity raises performance",
    2: "Skewed profiles (lognormal, gamma) beat symmetric ones (normal, uniform) "
       "at equal mean and variance",
    3: "A heterogeneous network matches a larger homogeneous one",
    4: "Heterogeneity makes performance robust to gain and noise",
    5: "Heterogeneity lowers E*, the least cost at each performance level",
}
EFFECTS = {
    1: "perf(heterogeneous) - perf(homogeneous), same N",
    2: "perf(skewed) - perf(symmetric), same level",
    3: "N_eq / N: size of the homogeneous network that performs like a heterogeneous one "
       "of size N (geometric mean over seeds)",
    4: "loss(homogeneous) - loss(heterogeneous); loss = perf at the lowest value of the "
       "axis - perf at the highest",
    5: "E*(homogeneous) / E*(heterogeneous), geometric mean over the shared bins",
}
SKEWED = ("lognormal", "gamma")
SYMMETRIC = ("normal", "uniform")
GAIN_AXES = ("recurrent_gain", "input_gain", "noise")
BOOTSTRAP = 1000
RNG_SEED = 14
# 97.5% quantiles of Student's t for df = 1..30; larger df use a Cornish-Fisher expansion.
T975 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
        2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
        2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042)
# Sweep values a job file that omits an axis gets (the job file's defaults).
SWEEP_DEFAULTS = {"model": ["rate"], "profile": ["lognormal"],
                  "heterogeneity": [0.0, 0.25, 0.5, 1.0, 2.0], "tau_mean_ms": [20],
                  "n": [100, 200], "input_gain": [1.0], "recurrent_gain": [1.0],
                  "noise": [0.1], "seed": [0, 1]}
VERDICT_COLOURS = {"supported": "#009E73", "not supported": "#D55E00",
                   "inconclusive": "#777777"}
DIMS = AXES[1:]  # the performance of one model


@dataclass
class Row:
    """One comparison: effect with its 95% CI across seeds, and the verdict."""
    claim: int
    cube: str
    model: str
    comparison: str
    effect: float
    low: float
    high: float
    seeds: int
    test: str
    verdict: str
    primary: bool
    note: str = ""


# --- statistics ---------------------------------------------------------------
def t975(df):
    """The 97.5% quantile of Student's t with df degrees of freedom."""
    if df <= len(T975):
        return T975[df - 1]
    z = 1.959964
    return z + (z ** 3 + z) / (4 * df) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * df ** 2)


def t_interval(values):
    """(mean, low, high, count) of the finite values: the t 95% CI of the mean."""
    v = np.asarray(values, dtype=np.float64).ravel()
    v = v[np.isfinite(v)]
    if v.size == 0:
        return np.nan, np.nan, np.nan, 0
    if v.size == 1:
        return float(v[0]), np.nan, np.nan, 1
    half = t975(v.size - 1) * v.std(ddof=1) / np.sqrt(v.size)
    return float(v.mean()), float(v.mean() - half), float(v.mean() + half), int(v.size)


def verdict(low, high, null=0.0):
    """supported / not supported / inconclusive from a CI and the value of no effect."""
    if not (np.isfinite(low) and np.isfinite(high)):
        return "inconclusive"
    if low > null:
        return "supported"
    return "not supported" if high < null else "inconclusive"


def make_row(claim, where, comparison, values, primary, ratio=False, note=""):
    """A Row from per-seed values (logs when `ratio`): t CI, verdict, seeds used."""
    mean, low, high, count = t_interval(values)
    if count == 0:
        return Row(claim, *where, comparison, np.nan, np.nan, np.nan, 0, "paired t",
                   "not testable", primary, _join("not computed yet: no seed has both "
                                                  "sides (resume the run)", note))
    seeds_note = "" if count == len(values) else f"{count} of {len(values)} seeds computed"
    result = verdict(low, high)
    if count < 2:
        result = "inconclusive"
    show = np.exp if ratio else (lambda x: x)
    test = "paired t on log ratio" if ratio else "paired t"
    return Row(claim, *where, comparison, show(mean), show(low), show(high), count, test,
               result, primary, _join(seeds_note, note))


def _join(*parts):
    return "; ".join(p for p in parts if p)


# --- the cube as per-seed arrays ----------------------------------------------
def performance(cube, m):
    """Performance of model m's networks as a Labelled array over DIMS."""
    return Labelled(cube.performance()[m], DIMS)


def drop(lab, name):
    """Remove dimension `name` by a NaN-ignoring mean over it."""
    dims = tuple(d for d in lab.dims if d != name)
    return Labelled(nanmean(lab.values, axis=lab.axis(name)), dims)


def per_seed(lab):
    """Mean over every dimension but seed."""
    return lab.mean(("seed",)).values


def paired(a, b):
    """Per seed: (mean of a, mean of b) over the cells where both are finite."""
    both = np.isfinite(a.values) & np.isfinite(b.values)
    return (per_seed(Labelled(np.where(both, a.values, np.nan), a.dims)),
            per_seed(Labelled(np.where(both, b.values, np.nan), b.dims)))


def levels(cube):
    """(index of level 0, [(index, value) of the levels > 0])."""
    values = [float(v) for v in cube.axes["heterogeneity"]]
    return values.index(0.0), [(i, v) for i, v in enumerate(values) if v > 0]


def models(cube):
    """[(index, name)] of the models with a finite score."""
    return [(m, cube.axes["model"][m]) for m in cube.models_with_scores()]


def pooled_rows(claim, where, per_level, label, ratio=False, note="", notes=None):
    """Rows for {comparison: per-seed values} (with {comparison: note}), then the pooled
    (primary) row: per seed, the mean over the comparisons."""
    notes = notes or {}
    rows = [make_row(claim, where, name, v, False, ratio, notes.get(name, ""))
            for name, v in per_level.items()]
    if per_level:
        stacked = np.stack(list(per_level.values()))
        rows.append(make_row(claim, where, label, nanmean(stacked, axis=0), True, ratio, note))
    return rows


# --- claims 1 and 2: performance differences ---------------------------------------
def claim1(cube, name):
    """Claim 1 rows: each level > 0 against level 0, then pooled."""
    rows = []
    zero, hetero = levels(cube)
    for m, model in models(cube):
        perf = performance(cube, m)
        base = perf.take("heterogeneity", zero)
        diffs = {}
        for li, level in hetero:
            a, b = paired(perf.take("heterogeneity", li), base)
            diffs[f"cv {level:g} - cv 0"] = a - b
        rows += pooled_rows(1, (name, model), diffs, "every level > 0 - cv 0")
    return rows


def claim2(cube, name):
    """Claim 2 rows: skewed against symmetric profiles at each level > 0."""
    rows = []
    profiles = cube.axes["profile"]
    skewed = np.isin(profiles, SKEWED)
    symmetric = np.isin(profiles, SYMMETRIC)
    _, hetero = levels(cube)
    for m, model in models(cube):
        perf = performance(cube, m)
        diffs = {}
        for li, level in hetero:
            at = perf.take("heterogeneity", li)
            a, b = paired(drop(at.where("profile", skewed), "profile"),
                          drop(at.where("profile", symmetric), "profile"))
            if np.isfinite(a - b).any():
                diffs[f"cv {level:g}: skewed - symmetric"] = a - b
        present = ", ".join(p for p in profiles if p in SKEWED + SYMMETRIC)
        rows += pooled_rows(2, (name, model), diffs, "every level > 0 where both exist",
                            note=f"profiles {present}")
        if not diffs:
            rows.append(make_row(2, (name, model), "every level > 0 where both exist",
                                 np.full(len(cube.axes["seed"]), np.nan), True))
    return rows


# --- claim 3: equivalent homogeneous size -------------------------------------------
def equivalent_size(perf_by_n, sizes, target):
    """(size, censored): the homogeneous size that performs like `target`, interpolating
    performance against log size on the running maximum over increasing sizes.
    censored = +1 above the largest size (size = the largest), -1 below the smallest."""
    order = np.argsort(sizes)
    y, x = np.asarray(perf_by_n, float)[order], np.log(np.asarray(sizes, float)[order])
    keep = np.isfinite(y)
    if keep.sum() < 2 or not np.isfinite(target):
        return np.nan, 0
    x, y = x[keep], np.maximum.accumulate(y[keep])
    if target > y[-1]:
        return float(np.exp(x[-1])), 1
    if target < y[0]:
        return float(np.exp(x[0])), -1
    j = int(np.argmax(y >= target))
    if j == 0:
        return float(np.exp(x[0])), 0
    frac = (target - y[j - 1]) / (y[j] - y[j - 1])
    return float(np.exp(x[j - 1] + frac * (x[j] - x[j - 1]))), 0


def log_ratios(homo, het, sizes, k):
    """Per seed: ln(N_eq / N_k) and the censoring flags, from homo [n, seed], het [seed]."""
    out, flags = [], []
    for s in range(het.size):
        size, flag = equivalent_size(homo[:, s], sizes, het[s])
        out.append(np.log(size / sizes[k]))
        flags.append(flag if np.isfinite(size) else 0)
    return np.array(out), np.array(flags)


def censor_note(flags, ratios):
    """How many of the finite (comparison, seed) ratios are bounds, not estimates."""
    flags = flags[np.isfinite(ratios)]
    above, below = int((flags > 0).sum()), int((flags < 0).sum())
    parts = []
    if above:
        parts.append(f"{above} of {flags.size} beyond the largest homogeneous N "
                     "(there the ratio is a lower bound)")
    if below:
        parts.append(f"{below} of {flags.size} below the smallest homogeneous N "
                     "(there an upper bound)")
    return _join(*parts)


def claim3(cube, name):
    """Claim 3 rows: N_eq / N per level and size below the largest."""
    rows = []
    zero, hetero = levels(cube)
    sizes = np.asarray(cube.axes["n"], dtype=np.float64)
    for m, model in models(cube):
        perf = performance(cube, m)
        homo = np.stack([per_seed(perf.take("heterogeneity", zero).take("n", j))
                         for j in range(sizes.size)])
        ratios, flags = {}, {}
        for li, level in hetero:
            for k in np.flatnonzero(sizes < sizes.max()):
                het = per_seed(perf.take("heterogeneity", li).take("n", k))
                key = f"cv {level:g}, N {sizes[k]:g}"
                ratios[key], flags[key] = log_ratios(homo, het, sizes, k)
        note = censor_note(np.concatenate(list(flags.values())),
                           np.concatenate(list(ratios.values()))) if flags else ""
        rows += pooled_rows(3, (name, model), ratios, "every level > 0 and N < largest",
                            ratio=True, note=note,
                            notes={k: censor_note(f, ratios[k]) for k, f in flags.items()})
    return rows


# --- claim 4: robustness ---------------------------------------------------------
def loss(perf, axis, values):
    """Per cell: performance at the lowest of `values` (along `axis`) minus at the highest."""
    lo, hi = int(np.argmin(values)), int(np.argmax(values))
    return Labelled(perf.take(axis, lo).values - perf.take(axis, hi).values,
                    tuple(d for d in perf.dims if d != axis))


def claim4(cube, name):
    """Claim 4 rows: per gain or noise axis, the loss at cv 0 minus at a level."""
    rows = []
    zero, hetero = levels(cube)
    for axis in (a for a in GAIN_AXES if len(cube.axes[a]) >= 2):
        values = np.asarray(cube.axes[axis], dtype=np.float64)
        span = f"{axis} {values.min():g} -> {values.max():g}"
        for m, model in models(cube):
            perf = performance(cube, m)
            base = loss(perf, axis, values).take("heterogeneity", zero)
            diffs, losses = {}, []
            for li, level in hetero:
                het = loss(perf, axis, values).take("heterogeneity", li)
                b, a = paired(base, het)
                diffs[f"{span}, cv {level:g}"] = b - a
                losses.append((level, nanmean(b), nanmean(a)))
            note = "mean loss at cv 0 / cv L: " + ", ".join(
                f"{fmt(h)} / {fmt(x)} (L {lv:g})" for lv, h, x in losses)
            rows += pooled_rows(4, (name, model), diffs, f"{span}, every level > 0",
                                note=note)
    return rows


# --- claim 5: E* per cost model ------------------------------------------------------
def estar_log_ratios(perf, cost, zero, hetero, seeds):
    """{level index: mean over shared bins of ln(E*(cv 0) / E*(level))} from the networks
    of the given seed indices (repeats allowed); perf, cost [profile, level, ..., seed]."""
    p, c = perf[..., seeds], cost[..., seeds]
    base = estar(p[:, zero], c[:, zero])
    out = {}
    for li, _ in hetero:
        other = estar(p[:, li], c[:, li])
        shared = sorted(set(base) & set(other))
        out[li] = np.mean([np.log(base[b] / other[b]) for b in shared]) if shared else np.nan
        out[("bins", li)] = len(shared)
    return out


def bootstrap_rows(where, label, perf, cost, zero, hetero):
    """Per-level and pooled rows of claim 5: point estimate from every seed, percentile
    CI from BOOTSTRAP resamples of the seeds."""
    seeds = np.flatnonzero(np.isfinite(perf).reshape(-1, perf.shape[-1]).any(axis=0))
    point = estar_log_ratios(perf, cost, zero, hetero, seeds)
    rng = np.random.default_rng(RNG_SEED)
    draws = [estar_log_ratios(perf, cost, zero, hetero, rng.choice(seeds, seeds.size))
             for _ in range(BOOTSTRAP if seeds.size >= 3 else 0)]
    rows = []
    for li, level in hetero + [(None, None)]:
        keys = [li] if li is not None else [k for k, _ in hetero]
        est = nanmean([point[k] for k in keys])
        boot = np.array([nanmean([d[k] for k in keys]) for d in draws])
        name = f"{label}, cv {level:g}" if li is not None else f"{label}, every level > 0"
        bins = sum(point[("bins", k)] for k in keys)
        row = estar_row(where, name, est, boot, seeds.size, li is None, bins)
        if seeds.size < perf.shape[-1]:
            row.note = _join(f"{seeds.size} of {perf.shape[-1]} seeds computed", row.note)
        rows.append(row)
    return rows


def estar_row(where, name, est, boot, n_seeds, primary, bins):
    """A claim 5 Row from the point estimate and bootstrap draws (log ratios)."""
    boot = boot[np.isfinite(boot)]
    note = f"{bins} shared bin(s)"
    if boot.size < 2 or not np.isfinite(est):
        why = "fewer than 3 seeds" if n_seeds < 3 else "no bin reached by both"
        low = high = np.nan
        note = _join(note, f"no CI: {why}")
    else:
        low, high = np.percentile(boot, [2.5, 97.5])
    test = f"bootstrap over seeds ({BOOTSTRAP}, rng {RNG_SEED})"
    return Row(5, *where, name, float(np.exp(est)), float(np.exp(low)), float(np.exp(high)),
               n_seeds, test, verdict(low, high), primary, note)


def claim5(cube, name):
    """Claim 5 rows: per cost model with finite values, E* ratios."""
    rows = []
    zero, hetero = levels(cube)
    perf = cube.performance()
    for panel, (_, _, _, cost_name) in fig4.COSTS.items():
        try:
            total = fig4.cost(cube, panel)
        except Skip:
            continue
        for m, model in models(cube):
            if np.isfinite(total[m]).any():
                rows += bootstrap_rows((name, model), cost_name, perf[m], total[m], zero,
                                       hetero)
    return rows


FUNCTIONS = {1: claim1, 2: claim2, 3: claim3, 4: claim4, 5: claim5}


# --- what a claim needs, in a cube or a job ----------------------------------------
def needs(claim, axes):
    """What the sweep axes ({name: values}) lack for the claim ([] if nothing)."""
    level_values = [float(v) for v in axes["heterogeneity"]]
    lacks = []
    if 0.0 not in level_values:
        lacks.append("heterogeneity 0 (a homogeneous network)")
    if not any(v > 0 for v in level_values):
        lacks.append("a heterogeneity level > 0")
    if len(axes["seed"]) < 2:
        lacks.append("2 or more seeds")
    if claim == 2:
        for kind, names in (("skewed", SKEWED), ("symmetric", SYMMETRIC)):
            if not set(axes["profile"]) & set(names):
                lacks.append(f"a {kind} profile ({' or '.join(names)})")
    if claim in (3, 5) and len(axes["n"]) < 2:
        lacks.append("2 or more values of n" + (" (E* compares networks of different size, "
                                                 "hence cost)" if claim == 5 else ""))
    if claim == 4 and all(len(axes[a]) < 2 for a in GAIN_AXES):
        lacks.append("2 or more values of " + ", ".join(GAIN_AXES[:-1]) + " or noise")
    return lacks


def job_axes(path):
    """The sweep axes of a job file, defaults filled; None if it cannot be read."""
    try:
        with open(path) as fh:
            sweep = (yaml.safe_load(fh) or {}).get("sweep") or {}
    except (OSError, yaml.YAMLError, AttributeError):
        return None
    axes = {a: list(sweep.get(a, SWEEP_DEFAULTS[a])) for a in AXES if a != "seed"}
    axes["seed"] = list(sweep.get("seeds", SWEEP_DEFAULTS["seed"]))
    return axes


def jobs_for(claim, jobs_dir, lif=False):
    """The job files in jobs_dir whose sweep makes the claim testable (lif: with LIF);
    None when job files cannot be read here (no python3-yaml)."""
    if yaml is None:
        return None
    found = []
    for path in sorted(glob.glob(os.path.join(jobs_dir, "*.yaml"))):
        axes = job_axes(path)
        if axes and not needs(claim, axes) and (not lif or "lif" in axes["model"]):
            found.append(os.path.join("jobs", os.path.basename(path)))
    return found


def job_list(jobs):
    if jobs is None:
        return "(install python3-yaml to read jobs/ and list them)"
    return ", ".join(f"`{j}`" for j in jobs) or "none in jobs/"


def default_jobs_dir():
    return os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "jobs")


# --- the report ----------------------------------------------------------------
@dataclass
class Outcome:
    """One claim over every cube: its rows, why cubes could not test it, its verdict."""
    claim: int
    rows: list
    untested: list   # [(cube name, [what it lacks])]
    notes: list
    verdict: str


def headline(rows, untested):
    """The claim's verdict from its primary rows."""
    primary = [r.verdict for r in rows if r.primary and r.verdict != "not testable"]
    if not primary:
        parts = [f"{c}: needs {', '.join(w)}" for c, w in untested]
        parts += [f"{c}: not computed yet" for c in dict.fromkeys(r.cube for r in rows)]
        return f"not testable with these cubes ({'; '.join(parts)})"
    kinds = sorted(set(primary))
    if len(kinds) == 1:
        return kinds[0]
    return "mixed (" + ", ".join(f"{k}: {primary.count(k)}" for k in kinds) + " rows)"


def evaluate(claim, cubes, jobs_dir):
    """The Outcome of one claim over the named cubes [(name, cube)]."""
    rows, untested, notes = [], [], []
    for name, cube in cubes:
        lacks = needs(claim, cube.axes)
        if lacks:
            untested.append((name, lacks))
        else:
            rows += FUNCTIONS[claim](cube, name)
    if untested and not rows:
        notes.append("Jobs that make it testable: " + job_list(jobs_for(claim, jobs_dir)))
    if claim == 5 and not any("lif" in c.axes["model"] and not needs(5, c.axes)
                              for _, c in cubes):
        notes.append("ATP, Loihi 2 and SpiNNaker 2 costs need spiking networks (model lif) "
                     "and 2 or more sizes: " + job_list(jobs_for(5, jobs_dir, lif=True)))
    return Outcome(claim, rows, untested, notes, headline(rows, untested))


def row_table(rows):
    """The rows of a claim as a Table."""
    table = Table("Every comparison (primary rows marked yes)",
                  ["primary", "cube", "model", "comparison", "effect", "CI low", "CI high",
                   "seeds", "test", "verdict", "note"])
    table.rows = [(r.primary, r.cube, r.model, r.comparison, r.effect, r.low, r.high,
                   r.seeds, r.test, r.verdict, r.note) for r in rows]
    return table


def verdict_table(outcomes):
    """One line per claim: its verdict and what the effect size is."""
    table = Table("Verdicts (set by the primary rows: heterogeneous levels pooled)",
                  ["claim", "verdict", "effect size"])
    table.rows = [(f"{o.claim}. {CLAIMS[o.claim]}", o.verdict, EFFECTS[o.claim])
                  for o in outcomes]
    return table


def short(value):
    """3 significant digits, "n/a" for a value that does not exist."""
    return f"{value:.3g}" if np.isfinite(value) else "n/a"


def primary_table(outcomes):
    """Every primary row of every claim, 3 significant digits (the README's table)."""
    table = Table("Primary rows, 3 significant digits",
                  ["claim", "cube", "model", "comparison", "effect", "95% CI", "seeds",
                   "verdict"])
    for o in outcomes:
        table.rows += [(str(o.claim), r.cube, r.model, r.comparison, short(r.effect),
                        f"[{short(r.low)}, {short(r.high)}]", r.seeds, r.verdict)
                       for r in o.rows if r.primary]
        if not any(r.primary for r in o.rows):
            table.rows.append((str(o.claim), "", "", "", "", "", "", o.verdict))
    return table


def claim_section(o):
    out = [f"## Claim {o.claim}: {CLAIMS[o.claim]}", "", f"**Verdict: {o.verdict}**", "",
           f"Effect size: {EFFECTS[o.claim]}.", ""]
    out += [f"- not testable with `{c}`: needs {', '.join(w)}" for c, w in o.untested]
    out += [f"- {n}" for n in o.notes]
    if o.untested or o.notes:
        out.append("")
    if o.rows:
        out += [render(row_table(o.rows)), "Primary rows (pooled levels) set the verdict; "
                "the others are per level.", ""]
    return out


def cube_lines(cubes):
    out = []
    for name, cube in cubes:
        ok = cube.ok()
        sizes = ", ".join(f"{a} {len(cube.axes[a])}" for a in AXES)
        out += [f"### `{name}` (job `{cube.job_name}`)", "",
                f"- networks with status 0: {int(ok.sum())} of {ok.size}; axes: {sizes}",
                *missing_lines(cube), ""]
    return out


METHOD = __doc__.split("\n\n", 3)[3].strip().replace(
    "BOOTSTRAP draws", f"{BOOTSTRAP} draws").replace("RNG_SEED", str(RNG_SEED))


def write_markdown(path, outcomes, cubes):
    out = ["# The paper's claims, tested on these cubes", "", render(verdict_table(outcomes)),
           render(primary_table(outcomes)),
           "## Method", "", METHOD, ""]
    for o in outcomes:
        out += claim_section(o)
    out += ["## Cubes and what they lack", "", *cube_lines(cubes)]
    with open(path, "w") as fh:
        fh.write("\n".join(out).rstrip() + "\n")


# --- the figure --------------------------------------------------------------------
def forest(ax, outcome):
    """Primary rows of one claim: effect and 95% CI, coloured by verdict."""
    rows = [r for r in outcome.rows if r.primary and r.verdict != "not testable"]
    ax.set_title(style_wrap(f"{outcome.claim}. {CLAIMS[outcome.claim]}", 52), loc="left")
    if not rows:
        ax.text(0.5, 0.5, style_wrap(outcome.verdict), transform=ax.transAxes, ha="center",
                va="center", color="grey", wrap=True)
        ax.set_axis_off()
        return
    ratio = outcome.claim in (3, 5)
    for y, r in enumerate(rows):
        colour = VERDICT_COLOURS.get(r.verdict, "grey")
        lo, hi = (r.low, r.high) if np.isfinite(r.low) else (r.effect, r.effect)
        ax.plot([lo, hi], [y, y], color=colour)
        ax.plot([r.effect], [y], "o", color=colour)
    ax.axvline(1.0 if ratio else 0.0, color="black", linewidth=0.6, linestyle=":")
    if ratio:
        ax.set_xscale("log")
        ax.xaxis.set_major_locator(matplotlib.ticker.LogLocator(subs=(1.0, 2.0, 5.0)))
        ax.xaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([style_wrap(f"{r.cube} {r.model}: {r.comparison}", 30) for r in rows])
    ax.set_ylim(len(rows) - 0.4, -0.6)
    ax.set_xlabel(style_wrap(EFFECTS[outcome.claim].split(";")[0].split(":")[0], 50))


def style_wrap(text, width=48):
    """Break text into lines of at most `width` characters at spaces."""
    words, lines = text.split(), [""]
    for w in words:
        if lines[-1] and len(lines[-1]) + 1 + len(w) > width:
            lines.append(w)
        else:
            lines[-1] = (lines[-1] + " " + w).strip()
    return "\n".join(lines)


def draw(outcomes, out_dir):
    """The one-page figure: a forest plot per claim and a verdict list."""
    fig, axes = style.figure(3, 2, width=style.DOUBLE + 1.0, height=9.5)
    for ax, o in zip(axes.ravel(), outcomes):
        forest(ax, o)
    last = axes.ravel()[-1]
    last.set_axis_off()
    text = "\n".join(style_wrap(f"{o.claim}. {o.verdict}", 55) for o in outcomes)
    last.text(0.0, 1.0, "Verdicts\n\n" + text, va="top", ha="left", transform=last.transAxes)
    handles = [matplotlib.lines.Line2D([], [], color=c, marker="o", label=v)
               for v, c in VERDICT_COLOURS.items()]
    last.legend(handles=handles, loc="lower left", frameon=False,
                title="dot: effect; bar: 95% CI (none: no CI)")
    return style.save(fig, out_dir, "claims")


def report(named_cubes, out_dir, jobs_dir=None):
    """Evaluate every claim on [(name, cube)], write claims.md and the figure."""
    jobs_dir = jobs_dir or default_jobs_dir()
    outcomes = [evaluate(c, named_cubes, jobs_dir) for c in CLAIMS]
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, "claims.md")
    write_markdown(path, outcomes, named_cubes)
    style.apply()
    files = draw(outcomes, out_dir)
    return outcomes, [path] + files
