"""Reading a hetsweep cube: axes, scores and per-network values as numpy arrays.

The cube's result datasets have the dimensions listed in their `dimensions`
attribute: model, profile, heterogeneity, tau_mean_ms, n, input_gain,
recurrent_gain, noise, seed, then task (docs/cube-layout.md).

Datasets are read lazily, on first use, and cached. `Labelled` pairs an array
with its dimension names, so that the figures can average over "every axis but
these" (`mean(keep)`) and pick values along a named axis (`take`, `where`).
"""
import copy
import warnings

import h5py
import numpy as np

AXES = ("model", "profile", "heterogeneity", "tau_mean_ms", "n",
        "input_gain", "recurrent_gain", "noise", "seed")
TASK = "task"

# Complexity tiers (docs/model.md, Tasks): low [0, 1/3), mid [1/3, 2/3), high [2/3, 1].
TIERS = ("low", "mid", "high")
TIER_BOUNDS = ((0.0, 1.0 / 3.0), (1.0 / 3.0, 2.0 / 3.0), (2.0 / 3.0, 1.0))

STATUS_NAMES = {-1: "not computed", 0: "ok", 1: "state non-finite", 2: "moments infeasible"}


def _decode(values):
    return [v.decode() if isinstance(v, bytes) else str(v) for v in values]


def _text(value):
    return value.decode() if isinstance(value, bytes) else str(value)


def nanmean(values, axis=None):
    """np.nanmean without the warning for all-NaN slices (they give NaN)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(values, axis=axis)


class Labelled:
    """An array with named dimensions (e.g. the 9 axes, then task)."""

    def __init__(self, values, dims):
        values = np.asarray(values)
        if values.ndim != len(dims):
            raise ValueError(f"{values.ndim} dimensions but {len(dims)} names {dims}")
        self.values = values
        self.dims = tuple(dims)

    def axis(self, name):
        return self.dims.index(name)

    def mean(self, keep):
        """NaN-ignoring mean over every dimension not in `keep`; result in `keep` order."""
        keep = tuple(keep)
        order = [self.axis(d) for d in keep]
        rest = [i for i in range(len(self.dims)) if i not in order]
        moved = np.transpose(self.values, order + rest)
        flat = moved.reshape(moved.shape[:len(keep)] + (-1,))
        return Labelled(nanmean(flat.astype(np.float64), axis=-1), keep)

    def take(self, name, index):
        """The slice at position `index` of dimension `name` (which is dropped)."""
        dims = tuple(d for d in self.dims if d != name)
        return Labelled(np.take(self.values, index, axis=self.axis(name)), dims)

    def where(self, name, mask):
        """Keep the positions of dimension `name` where `mask` is true."""
        index = np.flatnonzero(mask)
        return Labelled(np.take(self.values, index, axis=self.axis(name)), self.dims)


class Cube:
    """A read-only, lazily read view of a cube file."""

    def __init__(self, path):
        self.path = path
        self._cache = {}
        with h5py.File(path, "r") as f:
            if "layout_version" not in f.attrs:
                raise ValueError(f"{path} is not a hetsweep cube (no layout_version)")
            self.axes = {}
            for name in AXES:
                values = f["axes"][name][...]
                self.axes[name] = _decode(values) if values.dtype.kind in "SOU" else values
            self.job_name = _text(f.attrs.get("job_name", ""))
            self.datasets = {}
            f.visititems(self._register)
        self.selection = {}  # axis -> the values kept (select); empty: the whole cube
        self._positions = {}  # axis -> positions of the kept values in the file's axis

    def select(self, where):
        """A view restricted to some values of some axes, {axis: [value, ...]} (values as
        in self.axes). Every dataset read through the view is sliced the same way, so
        every figure and table drawn from it covers only the selection."""
        view = copy.copy(self)
        view._cache = {}
        view.axes = dict(self.axes)
        view.selection = dict(self.selection)
        view._positions = dict(self._positions)
        for axis, values in where.items():
            current = list(view.axes[axis])
            keep = [current.index(v) for v in values]
            base = view._positions.get(axis, np.arange(len(current)))
            view._positions[axis] = np.asarray(base)[keep]
            axis_values = view.axes[axis]
            view.axes[axis] = ([axis_values[i] for i in keep] if isinstance(axis_values, list)
                               else np.asarray(axis_values)[keep])
            view.selection[axis] = list(values)
        return view

    def _restrict(self, name, values):
        """values of dataset `name` sliced to the selection along its named dimensions."""
        shape, dims = self.datasets[name]
        if dims is None or len(dims) != len(shape):
            return values  # not laid out over the sweep's axes (tasks, stimulus)
        for dim, axis in enumerate(dims):
            if axis in self._positions:
                values = np.take(values, self._positions[axis], axis=dim)
        return values

    def _register(self, name, obj):
        if isinstance(obj, h5py.Dataset):
            dims = obj.attrs.get("dimensions")
            self.datasets[name] = (obj.shape, None if dims is None else tuple(_decode(dims)))

    # --- lazy access -------------------------------------------------------
    def has(self, name):
        return name in self.datasets

    def read(self, name):
        """The whole dataset `name` (e.g. "results/score") as an array, or None if absent."""
        if name not in self.datasets:
            return None
        if name not in self._cache:
            with h5py.File(self.path, "r") as f:
                self._cache[name] = self._restrict(name, f[name][...])
        return self._cache[name]

    def dims(self, name):
        """Dimension names of a dataset: its `dimensions` attribute, else the axes (+ task)."""
        shape, dims = self.datasets[name]
        if dims is not None and len(dims) == len(shape):
            return dims
        extra = len(shape) - len(AXES)
        return AXES + ((TASK,) if extra == 1 else tuple(f"dim{i}" for i in range(extra)))

    def labelled(self, name):
        """Dataset `name` as a Labelled array, or None if the cube lacks it."""
        values = self.read(name)
        return None if values is None else Labelled(values, self.dims(name))

    # --- the existing API (analysis/demo.py) -------------------------------
    @property
    def score(self):
        return self.read("results/score")

    @property
    def status(self):
        return self.read("results/status")

    @property
    def complexity(self):
        return self.read("tasks/complexity")

    def axis_index(self, name):
        return AXES.index(name)

    def clipped_mean_score(self):
        """Mean test R^2 over tasks, clipped at 0 (chance level), per network."""
        with np.errstate(invalid="ignore"):
            return nanmean(np.clip(self.score, 0.0, None), axis=-1)

    # --- helpers of the figures --------------------------------------------
    def clipped(self, name="results/score"):
        """Test R^2 clipped at 0 (chance level), NaN kept, as a Labelled array."""
        if "clipped" not in self._cache:
            with np.errstate(invalid="ignore"):
                self._cache["clipped"] = np.clip(self.read(name), 0.0, None)
        return Labelled(self._cache["clipped"], self.dims(name))

    def ok(self):
        """Per network: True where /results/status is 0 (or no status is stored)."""
        status = self.status
        shape = tuple(len(self.axes[a]) for a in AXES)
        return np.ones(shape, bool) if status is None else status == 0

    def performance(self):
        """Per network: mean clipped test R^2 over tasks; NaN for networks not ok."""
        perf = self.clipped_mean_score()
        return np.where(self.ok(), perf, np.nan)

    def n_tasks(self):
        return int(self.datasets["tasks/complexity"][0][0])

    def tiers(self):
        """Per task: 0, 1, 2 for the low, mid, high complexity tier; -1 if unknown."""
        c = self.complexity.astype(np.float64)
        tier = np.full(c.shape, -1)
        for i, (lo, hi) in enumerate(TIER_BOUNDS):
            upper = c <= hi if i == len(TIER_BOUNDS) - 1 else c < hi
            tier[(c >= lo) & upper] = i
        return tier

    def task_values(self, name):
        """A /tasks/<name> array (k, d, delta_ms, delta_steps, complexity)."""
        return self.read("tasks/" + name)

    def models_with_scores(self):
        """Indices of the models that have at least one finite score."""
        finite = np.isfinite(self.score)
        per_model = finite.reshape(finite.shape[0], -1).any(axis=1)
        return [m for m in range(len(self.axes["model"])) if per_model[m]]

    def attr(self, name, default=""):
        with h5py.File(self.path, "r") as f:
            return _text(f.attrs[name]) if name in f.attrs else default
