"""--where AXIS=V1,V2 and --by AXIS: choosing and faceting the sweep's axes.

A user comparing lognormal against gamma at two sizes writes
`--where profile=lognormal,gamma --by n`: one folder of panels and summary.md per
size, each over both profiles. Values are matched as the cube stores them: names
exactly, numbers by value (`n=100`, `heterogeneity=0.5`)."""
import difflib

import numpy as np

from analysis.cube import AXES

ALIASES = {"seeds": "seed"}  # the job file's key for the seed axis


def axis_name(text):
    """The cube axis a user means; ValueError naming the valid ones otherwise."""
    name = ALIASES.get(text, text)
    if name in AXES:
        return name
    near = difflib.get_close_matches(text, AXES, n=1)
    hint = f" (did you mean '{near[0]}'?)" if near else ""
    raise ValueError(f"unknown axis '{text}'{hint}; axes: {', '.join(AXES)}")


def shown(value):
    """An axis value as a user writes it: 'gamma', '100', '0.5'."""
    if isinstance(value, (float, np.floating)):
        return f"{float(value):g}"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    return str(value)


def match(cube, axis, text):
    """The cube's value of `axis` that `text` names."""
    values = list(cube.axes[axis])
    for value in values:
        if isinstance(value, str):
            if value == text:
                return value
            continue
        try:
            if np.isclose(float(value), float(text), rtol=1e-9, atol=0.0):
                return value
        except ValueError:
            break
    raise ValueError(f"{axis} has no value '{text}'; the cube has "
                     f"{', '.join(shown(v) for v in values)}")


def parse_where(cube, clauses):
    """{axis: [values]} from ["profile=gamma", "n=100,200"]; ValueError if wrong."""
    where = {}
    for clause in clauses:
        axis_text, equals, values_text = clause.partition("=")
        if not equals or not values_text:
            raise ValueError(f"--where {clause}: write AXIS=VALUE[,VALUE...] "
                             "(e.g. --where profile=gamma)")
        axis = axis_name(axis_text.strip())
        if axis in where:
            raise ValueError(f"--where names {axis} twice; list its values once: "
                             f"{axis}=V1,V2")
        where[axis] = [match(cube, axis, v.strip()) for v in values_text.split(",")]
    return where


def describe(cube):
    """One line: what the cube (view) holds, and what was selected."""
    if not cube.selection:
        return "the whole cube"
    return "; ".join(f"{axis} = {', '.join(shown(v) for v in values)}"
                     for axis, values in cube.selection.items())


def pooled(cube, shown_axes):
    """The axes with more than one value that a panel showing `shown_axes` averages
    over, as 'seed (5 values)'."""
    return [f"{axis} ({len(cube.axes[axis])} values)" for axis in AXES
            if len(cube.axes[axis]) > 1 and axis not in shown_axes]


def facets(cube, axis):
    """[(folder name, view)] for every value of `axis`."""
    return [(f"{axis}={shown(v)}", cube.select({axis: [v]})) for v in list(cube.axes[axis])]
