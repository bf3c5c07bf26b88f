"""Reading a hetsweep cube: axes, scores and per-network values as numpy arrays.

The cube's result datasets have the dimensions listed in their `dimensions`
attribute: model, profile, heterogeneity, tau_mean_ms, n, input_gain,
recurrent_gain, noise, seed, then task (SPEC 3).
"""
import h5py
import numpy as np

AXES = ("model", "profile", "heterogeneity", "tau_mean_ms", "n",
        "input_gain", "recurrent_gain", "noise", "seed")


def _decode(values):
    return [v.decode() if isinstance(v, bytes) else str(v) for v in values]


class Cube:
    """A read-only view of a cube file."""

    def __init__(self, path):
        self.path = path
        with h5py.File(path, "r") as f:
            if "layout_version" not in f.attrs:
                raise ValueError(f"{path} is not a hetsweep cube (no layout_version)")
            self.axes = {}
            for name in AXES:
                values = f["axes"][name][...]
                self.axes[name] = _decode(values) if values.dtype.kind in "SOU" else values
            self.score = f["results/score"][...]
            self.status = f["results/status"][...]
            self.complexity = f["tasks/complexity"][...]
            self.job_name = f.attrs["job_name"]
            if isinstance(self.job_name, bytes):
                self.job_name = self.job_name.decode()

    def axis_index(self, name):
        return AXES.index(name)

    def clipped_mean_score(self):
        """Mean test R^2 over tasks, clipped at 0 (chance level), per network."""
        with np.errstate(invalid="ignore"):
            return np.nanmean(np.clip(self.score, 0.0, None), axis=-1)
