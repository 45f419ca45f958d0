"""What to generate: check the class column and turn ``--ratio`` / ``--add`` into row counts per value.

Everything here is about *how many* rows of which value; nothing generates rows.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import pandas as pd

from synthgan.errors import ConditionError, ConfigError, DataValidationError

_ADD_SPEC = re.compile(r"^(?P<column>.+?)=(?P<value>.*):(?P<count>[^:]+)$")
_MAX_SHOWN = 8


def _shown(values: list[Any]) -> str:
    text = ", ".join(repr(v) for v in values[:_MAX_SHOWN])
    return text + (f", ... ({len(values)} in all)" if len(values) > _MAX_SHOWN else "")


def check_class_column(data: pd.DataFrame, column: str, *, argument: str = "target", min_classes: int = 2) -> pd.Series:
    """Return the value counts of ``data[column]``, largest first, after checking it is a usable class column.

    Raises
    ------
    DataValidationError
        When the column is missing, entirely empty, or has fewer than ``min_classes`` distinct values.
    """
    if not isinstance(data, pd.DataFrame):
        raise ConfigError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    if column not in data.columns:
        raise DataValidationError(
            f"{argument} column '{column}' is not in the table; choose one of: {_shown([str(c) for c in data.columns])}"
        )
    counts = data[column].value_counts(dropna=True)
    if len(counts) < min_classes:
        found = "no values" if counts.empty else f"only the value {counts.index[0]!r}"
        raise DataValidationError(
            f"{argument} column '{column}' has {found}; it needs at least {min_classes} classes to rebalance, "
            "so pick a class column or use `synthgan sample` to generate rows"
        )
    return counts.sort_values(ascending=False, kind="stable")


def resolve_value(values: pd.Index, raw: Any, column: str) -> Any:
    """Find the value of ``column`` that ``raw`` (often a string typed on the command line) means.

    Raises
    ------
    ConditionError
        When no known value of the column matches.
    """
    known = list(values)
    if raw in known:
        return known[known.index(raw)]
    text = str(raw).strip()
    for value in known:
        if str(value) == text:
            return value
    try:
        number = float(text)
    except ValueError:
        number = None
    if number is not None:
        for value in known:
            if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool) and float(value) == number:
                return value
    raise ConditionError(f"value {raw!r} does not occur in column '{column}'; known values: {_shown(known)}")


def parse_add_spec(spec: str) -> tuple[str, str, int]:
    """Parse ``"column=value:count"`` (as in ``--add 'y=yes:5000'``) into its three parts.

    Examples
    --------
    >>> parse_add_spec("y=yes:5000")
    ('y', 'yes', 5000)
    """
    match = _ADD_SPEC.match(str(spec).strip())
    if match is None:
        raise ConfigError(f"--add {spec!r} is not of the form COLUMN=VALUE:COUNT, e.g. --add 'y=yes:5000'")
    count_text = match["count"].strip()
    if not count_text.isdigit() or int(count_text) <= 0:
        raise ConfigError(f"--add {spec!r}: COUNT must be a positive whole number of rows, got {count_text!r}")
    return match["column"].strip(), match["value"].strip(), int(count_text)


def counts_for_ratio(counts: pd.Series, ratio: float, column: str) -> dict[Any, int]:
    """Rows to add per value so every value reaches ``ratio`` x the largest class (``1.0`` = balanced).

    Values already at or above the goal get nothing; the goal is rounded up so a
    class never ends below it.
    """
    if isinstance(ratio, bool) or not isinstance(ratio, (int, float, np.integer, np.floating)) or not math.isfinite(ratio) or ratio <= 0:
        raise ConfigError(f"ratio must be a number > 0 (1.0 brings every class of '{column}' up to the largest), got {ratio!r}")
    goal = math.ceil(float(ratio) * int(counts.max()) - 1e-9)
    needed = {value: goal - int(n) for value, n in counts.items() if goal > n}
    return needed


def counts_for_specs(data: pd.DataFrame, specs: list[str | tuple[str, Any, int]]) -> dict[str, dict[Any, int]]:
    """Turn ``--add`` specs into ``{column: {value: rows}}``, resolving each value against the data.

    The same ``column=value`` given twice adds up.
    """
    plan: dict[str, dict[Any, int]] = {}
    for spec in specs:
        column, raw, count = parse_add_spec(spec) if isinstance(spec, str) else spec
        if isinstance(count, bool) or not isinstance(count, (int, np.integer)) or count <= 0:
            raise ConfigError(f"rows to add for {column}={raw!r} must be a positive integer, got {count!r}")
        counts = check_class_column(data, column, argument="--add", min_classes=1)
        value = resolve_value(counts.index, raw, column)
        per_column = plan.setdefault(column, {})
        per_column[value] = per_column.get(value, 0) + int(count)
    return plan
