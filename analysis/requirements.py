"""The analysis needs numpy, h5py and matplotlib (Debian: python3-numpy, python3-h5py,
python3-matplotlib). When the python3 that runs it lacks them (a venv, a conda or
/usr/local python3 first on PATH), say in one line which interpreter to use instead of
failing with a traceback. Only the standard library is used here."""
import importlib.util
import sys

MODULES = ("numpy", "h5py", "matplotlib")
DEBIAN_PYTHON = "/usr/bin/python3"


def missing():
    """The required modules this interpreter cannot import."""
    return [name for name in MODULES if importlib.util.find_spec(name) is None]


def require(command):
    """Exit with status 1 and one line of advice if a module is missing."""
    absent = missing()
    if not absent:
        return
    print(f"analysis: this python3 ({sys.executable}) has no {', '.join(absent)}: run "
          f"`{DEBIAN_PYTHON} -m {command} ...` (Debian's interpreter, with python3-numpy, "
          f"python3-h5py and python3-matplotlib installed)", file=sys.stderr)
    sys.exit(1)
