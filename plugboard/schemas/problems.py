"""Problems found while checking a spec, each with where it is."""

from __future__ import annotations

import dataclasses
import typing as _t


Loc = tuple[str | int, ...]


@dataclasses.dataclass(frozen=True)
class Problem:
    """One thing wrong with a spec.

    Attributes:
        loc: Path to the offending value inside the spec, e.g. `("components", 1, "type")`.
        message: What is wrong, in one line.
    """

    loc: Loc
    message: str

    def prefixed(self, prefix: Loc) -> Problem:
        """Returns the same problem located under `prefix`."""
        return Problem((*prefix, *self.loc), self.message)


def dotted(loc: Loc) -> str:
    """Renders a location as `a.b[1].c`."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def render(
    problems: _t.Iterable[Problem],
    source: str | None = None,
    lines: _t.Mapping[Loc, int] | None = None,
) -> list[str]:
    """Renders problems as `file:line: message`, finding each line from its location."""
    located = []
    for order, problem in enumerate(problems):
        where = source or ""
        line = _nearest_line(problem.loc, lines) if lines is not None else None
        if line is not None:
            where = f"{where}:{line}" if where else f"line {line}"
        text = f"{where}: {problem.message}" if where else problem.message
        located.append((line or 0, order, text))
    return [text for _, _, text in sorted(located)]


def _nearest_line(loc: Loc, lines: _t.Mapping[Loc, int]) -> int | None:
    for end in range(len(loc), -1, -1):
        line = lines.get(loc[:end])
        if line is not None:
            return line
    return None
