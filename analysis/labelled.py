"""analysis.to_xarray(cube): a cube as a labelled xarray Dataset (python3-xarray).

Every /results dataset becomes a variable over named dimensions (model, profile,
heterogeneity, tau_mean_ms, n, input_gain, recurrent_gain, noise, seed, task, and
`moment` for tau_moments), with the axis values as coordinates, the task grid (k, d,
delta_ms, delta_steps, complexity) as coordinates along `task`, units where the
quantity has one, and the cube's root attributes as str. Selection by value works
as usual: ds.score.sel(profile="gamma", n=100).
"""
import h5py
import numpy as np

from analysis.cube import AXES, TASK

MOMENTS = ("mean", "sd", "min", "max", "skewness")
UNITS = {  # leaf name -> units attribute (docs/cube-layout.md)
    "score": "1", "alignment": "1", "dimensionality": "1", "tau_moments": "ms",
    "simulated_seconds": "s", "mean_rate_hz": "Hz", "max_rate_hz": "Hz",
    "saturated_fraction": "1", "silent_fraction": "1", "sim_flops": "FLOP",
    "inference_flops": "FLOP", "memory_bytes": "bytes", "atp": "ATP molecules",
    "loihi2_j": "J", "spinnaker2_j": "J", "wall_seconds": "s",
}
AXIS_UNITS = {"heterogeneity": "1 (coefficient of variation of tau)", "tau_mean_ms": "ms",
              "n": "neurons"}


def _text(value):
    return value.decode() if isinstance(value, bytes) else value


def _values(data):
    """Decoded strings for string arrays, the array otherwise."""
    if data.dtype.kind in "SO":
        return np.array([_text(v) for v in data.ravel()], dtype=object).reshape(data.shape)
    return data


def _dims(dataset):
    dims = [_text(d) for d in dataset.attrs["dimensions"]]
    if len(dims) < dataset.ndim and dataset.name.endswith("tau_moments"):
        dims.append("moment")
    return tuple(dims)


def _variables(f):
    """{name: (dims, values, attrs)} of every /results dataset."""
    out = {}

    def visit(name, obj):
        if not isinstance(obj, h5py.Dataset) or "dimensions" not in obj.attrs:
            return
        leaf = name.rsplit("/", 1)[-1]
        dims = _dims(obj)
        if len(dims) != obj.ndim:
            return  # not over named dimensions: left to h5py
        attrs = {"hdf5_path": "/results/" + name}
        if leaf in UNITS:
            attrs["units"] = UNITS[leaf]
        out[leaf] = (dims, obj[...], attrs)

    f["results"].visititems(visit)
    return out


def _coords(f):
    coords = {}
    for axis in AXES:
        attrs = {"units": AXIS_UNITS[axis]} if axis in AXIS_UNITS else {}
        coords[axis] = (axis, _values(f["axes"][axis][...]), attrs)
    n_tasks = f["tasks/complexity"].shape[0]
    coords[TASK] = (TASK, np.arange(n_tasks))
    for name in ("k", "d", "delta_ms", "delta_steps", "complexity"):
        attrs = {"units": "ms"} if name == "delta_ms" else {}
        coords[f"task_{name}"] = (TASK, f["tasks"][name][...], attrs)
    coords["moment"] = ("moment", np.array(MOMENTS, dtype=object))
    return coords


def to_xarray(path):
    """The cube at `path` as an xarray.Dataset (see the module's docstring)."""
    import xarray as xr  # Debian: python3-xarray; only this function needs it

    with h5py.File(path, "r") as f:
        variables = _variables(f)
        coords = _coords(f)
        attrs = {k: (_text(v) if not isinstance(v, np.ndarray) else v)
                 for k, v in f.attrs.items()}
    used = {d for dims, _, _ in variables.values() for d in dims}
    coords = {k: v for k, v in coords.items() if v[0] in used}
    return xr.Dataset(variables, coords=coords, attrs=attrs)
