"""Analysis of hetsweep results cubes (numpy, h5py, matplotlib only)."""
