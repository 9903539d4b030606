"""What a report is made of: tables of cells, and the counts and equations behind them.

Every published count is a *variable* (a key such as ("answered", 6, "Grupp 1")); the same
variable may appear in several tables. *Equations* say which variables add up to which, across
every table of the programme, so disclosure control reasons about all of them at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

PROCESS = "process"  # invited, answered: how the survey went, about nobody in particular
ATTRIBUTE = "attribute"  # something about people: an activity, social assistance, a WHO-5 band
SUM = "sum"  # the sum behind a mean (WHO-5 index, change in it)

COUNT = "count"
SHARE = "share"
MEAN = "mean"
LOW = "low"
HIGH = "high"
ESTIMATE = "estimate"
KINDS = (COUNT, SHARE, MEAN, LOW, HIGH, ESTIMATE)


@dataclass
class Variable:
    value: float
    role: str
    published: bool = False
    lower: float = 0.0
    upper: float = float("inf")
    # The width of feasible values the published figures must leave it when it is hidden.
    protect_width: float | None = None
    n: int | None = None  # for sums: how many people the mean is over
    squares: float = 0.0  # for sums: the sum of squares, for the interval

    def __post_init__(self) -> None:
        # A figure of no known role would be published without the protection its role asks for.
        if self.role not in (PROCESS, ATTRIBUTE, SUM):
            raise ValueError(f"a figure's role is one of {PROCESS}, {ATTRIBUTE} or {SUM}, not {self.role!r}")


@dataclass
class Equation:
    total: tuple
    parts: tuple[tuple, ...]
    # Parts are categories of one attribute sharing out the total (everyone in exactly one).
    distribution: bool = False


@dataclass
class Cell:
    value: float | None
    variable: tuple | None = None  # the count or sum this cell shows
    depends: tuple[tuple, ...] = ()  # variables that must be published for this cell to be
    over: int | None = None  # people a share or mean is over: fewer than the threshold hides it
    hidden: bool = False


@dataclass
class Column:
    id: str
    label: object  # a lazy translatable string
    kind: str


@dataclass
class Row:
    wave: int | None
    group: str  # a cohort name, ALL, or a characteristic's label
    cells: dict[str, Cell]
    group_label: object | None = None  # a translatable label when the group is not a cohort name
    since: int | None = None  # for figures comparing two waves: the earlier one


@dataclass
class Table:
    id: str
    title: object
    description: object
    columns: list[Column]
    rows: list[Row] = field(default_factory=list)


@dataclass(frozen=True)
class PublishedQuote:
    """An approved quote as published: its text, and its wave only if that wave had enough answers."""

    text: str
    months: int | None


@dataclass
class Publication:
    programme: str
    made_at: datetime
    threshold: int
    survey_versions: list[str]
    tables: list[Table]
    definitions: list[tuple[object, object]]
    variables: dict[tuple, Variable]
    equations: list[Equation]
    information_loss: float = 0.0
    quotes: list[PublishedQuote] = field(default_factory=list)

    def table(self, table_id: str) -> Table:
        """Return the table with this id."""
        return next(t for t in self.tables if t.id == table_id)


ALL = "*"
NO_COHORT = "-"
