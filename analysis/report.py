"""What a panel function returns: its figure and the tables of numbers behind it,
or a Skip with the reason its data are missing."""
from dataclasses import dataclass, field


class Skip(Exception):
    """Raised by a panel function whose data the cube lacks; the message is the reason."""


@dataclass
class Table:
    """One table of summary.md: a caption, column names and rows of values."""
    caption: str
    columns: list
    rows: list = field(default_factory=list)


@dataclass
class Result:
    """A drawn panel: its name (file stem), title, figure and tables."""
    name: str
    title: str
    figure: object
    tables: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    files: list = field(default_factory=list)
