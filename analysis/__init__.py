"""Analysis of hetsweep results cubes (numpy, h5py, matplotlib; xarray for to_xarray)."""


def to_xarray(path):
    """The cube at `path` as a labelled xarray.Dataset (analysis/labelled.py)."""
    from analysis.labelled import to_xarray as convert
    return convert(path)
