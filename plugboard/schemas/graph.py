"""Checks of a process's wiring that need no imports: names, links, loops."""

from __future__ import annotations

import typing as _t

from plugboard.schemas.connector import ConnectorSpec
from plugboard.schemas.field_types import compatible, type_label
from plugboard.schemas.problems import Problem


class GraphNode(_t.NamedTuple):
    """What the wiring check needs to know of a component.

    Attributes:
        name: The component's name.
        type_name: Its class name, for messages.
        inputs: Its input fields and their types, or None when its class is unknown.
        outputs: Its output fields and their types, or None when its class is unknown.
        primed: Input fields that have initial values.
        fed_by_events: Input fields that event handlers set.
    """

    name: str
    type_name: str
    inputs: _t.Mapping[str, _t.Any] | None
    outputs: _t.Mapping[str, _t.Any] | None
    primed: _t.Collection[str]
    fed_by_events: _t.Collection[str] = ()


def check_graph(
    nodes: _t.Sequence[GraphNode], connectors: _t.Sequence[ConnectorSpec]
) -> list[Problem]:
    """Finds every wiring problem of a process in one pass.

    Locations are relative to the process's `args`: `("components", i, ...)` and
    `("connectors", j, ...)`.

    Returns:
        Duplicate names, connectors naming unknown components or fields, duplicate
        connectors, unconnected inputs and feedback loops that nothing primes.
    """
    problems: list[Problem] = []
    index: dict[str, int] = {}
    for i, node in enumerate(nodes):
        if node.name in index:
            problems.append(
                Problem(
                    ("components", i, "args", "name"),
                    f"duplicate component name '{node.name}' (first used by component"
                    f" #{index[node.name] + 1})",
                )
            )
        else:
            index[node.name] = i

    connected: set[tuple[str, str]] = set()
    seen: dict[str, int] = {}
    edges: dict[str, list[tuple[str, int]]] = {}
    for j, spec in enumerate(connectors):
        if spec.mode != "pipeline":
            continue
        ok = True
        for end, fields_of, kind in (
            ("source", "outputs", "output"),
            ("target", "inputs", "input"),
        ):
            socket = getattr(spec, end)
            if socket.entity not in index:
                problems.append(
                    Problem(
                        ("connectors", j, end),
                        f"connector {spec.id}: no component named '{socket.entity}'"
                        f"{_suggest(socket.entity, index)}",
                    )
                )
                ok = False
                continue
            node = nodes[index[socket.entity]]
            fields = getattr(node, fields_of)
            if fields is not None and socket.descriptor not in fields:
                problems.append(
                    Problem(
                        ("connectors", j, end),
                        f"connector {spec.id}: {node.type_name} '{node.name}' has no {kind}"
                        f" '{socket.descriptor}' ({fields_of}: {', '.join(fields) or 'none'})",
                    )
                )
                ok = False
        if spec.id in seen:
            problems.append(Problem(("connectors", j), f"connector {spec.id} is declared twice"))
        seen.setdefault(spec.id, j)
        if ok:
            problems.extend(_type_mismatch(nodes, index, spec, j))
            connected.add((spec.target.entity, spec.target.descriptor))
            target_node = nodes[index[spec.target.entity]]
            if spec.target.descriptor not in target_node.primed:
                edges.setdefault(spec.source.entity, []).append((spec.target.entity, j))

    for i, node in enumerate(nodes):
        if index.get(node.name) != i or node.inputs is None:
            continue
        missing = [
            field
            for field in node.inputs
            if (node.name, field) not in connected
            and field not in node.primed
            and field not in node.fed_by_events
        ]
        if missing:
            problems.append(
                Problem(
                    ("components", i),
                    f"{node.type_name} '{node.name}': input {_plural(missing)} not connected"
                    " (add a connector, or initial_values)",
                )
            )
        unknown = [field for field in node.primed if field not in node.inputs]
        if unknown:
            problems.append(
                Problem(
                    ("components", i, "args", "initial_values"),
                    f"{node.type_name} '{node.name}': initial_values name unknown inputs:"
                    f" {', '.join(repr(f) for f in unknown)}",
                )
            )

    for loop, first_connector in _unprimed_loops(edges):
        path = " -> ".join([*loop, loop[0]])
        problems.append(
            Problem(
                ("connectors", first_connector),
                f"feedback loop {path} never starts: give an input on the loop initial_values",
            )
        )
    return problems


def _type_mismatch(
    nodes: _t.Sequence[GraphNode], index: dict[str, int], spec: ConnectorSpec, j: int
) -> list[Problem]:
    source = nodes[index[spec.source.entity]].outputs
    target = nodes[index[spec.target.entity]].inputs
    if source is None or target is None:
        return []
    out_type = source[spec.source.descriptor]
    in_type = target[spec.target.descriptor]
    if compatible(out_type, in_type):
        return []
    return [
        Problem(
            ("connectors", j),
            f"connector {spec.id}: output {spec.source.id} ({type_label(out_type)}) cannot feed"
            f" input {spec.target.id} ({type_label(in_type)})",
        )
    ]


def _plural(fields: _t.Sequence[str]) -> str:
    quoted = ", ".join(f"'{f}'" for f in fields)
    return f"{quoted} is" if len(fields) == 1 else f"s {quoted} are"


def _suggest(name: str, known: _t.Iterable[str]) -> str:
    import difflib

    close = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _unprimed_loops(edges: dict[str, list[tuple[str, int]]]) -> list[tuple[list[str], int]]:
    """Returns one cycle per strongly connected group of components (Tarjan's algorithm)."""
    counter = 0
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(start: str) -> None:
        nonlocal counter
        work: list[tuple[str, int]] = [(start, 0)]
        order[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, i = work[-1]
            successors = edges.get(node, [])
            if i < len(successors):
                work[-1] = (node, i + 1)
                nxt = successors[i][0]
                if nxt not in order:
                    order[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], order[nxt])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == order[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                self_loop = any(t == node for t, _ in edges.get(node, []))
                if len(group) > 1 or self_loop:
                    groups.append(group)

    for node in list(edges):
        if node not in order:
            visit(node)

    loops = []
    for group in groups:
        members = set(group)
        start = min(group)
        # Walk inside the group from its smallest name until we come back round.
        path = [start]
        first_connector = -1
        current = start
        visited = {start}
        while True:
            nxt, j = next((t, j) for t, j in edges[current] if t in members)
            if first_connector < 0:
                first_connector = j
            if nxt in visited:
                path = path[path.index(nxt) :]
                break
            path.append(nxt)
            visited.add(nxt)
            current = nxt
        loops.append((path, first_connector))
    return loops
