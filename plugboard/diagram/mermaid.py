"""Mermaid flowcharts of processes."""

from __future__ import annotations

from pathlib import Path
import typing as _t

from plugboard.schemas import ProcessSpec
from plugboard.schemas.field_types import is_typed, type_label


if _t.TYPE_CHECKING:
    from plugboard.component import IOController
    from plugboard.process import Process

Edge = tuple[str, str, str, bool]
"""`(source name, target name, label, is_event)`."""


class MermaidDiagram:
    """A mermaid flowchart of a process: one node per component, one edge per link.

    Field links are solid arrows, labelled with the field's type when it is typed; event
    topics are dotted arrows from each publisher to each subscriber, labelled with the type.

    Args:
        nodes: `(name, class name)` of each component.
        edges: `(source, target, label, is_event)` of each link.
    """

    def __init__(self, nodes: _t.Sequence[tuple[str, str]], edges: _t.Sequence[Edge]) -> None:
        self.nodes = list(nodes)
        self.edges = list(edges)

    @classmethod
    def from_process(cls, process: Process) -> MermaidDiagram:
        """Draws a process object (nothing is opened or run)."""
        ios: dict[str, IOController | None] = {c.name: c.io for c in process.components.values()}
        nodes = [(c.name, type(c).__name__) for c in process.components.values()]
        links = [
            (c.spec.source.id, c.spec.target.id)
            for c in process.connectors.values()
            if c.spec.mode == "pipeline"
        ]
        return cls(nodes, _edges(ios, links))

    @classmethod
    def from_spec(cls, spec: ProcessSpec, base_dir: Path | None = None) -> MermaidDiagram:
        """Draws a process spec, importing component classes (constructing nothing).

        Components whose class cannot be imported are drawn from the spec alone.
        """
        from plugboard._imports import add_search_path
        from plugboard.process.builder import component_class_or_none

        add_search_path(base_dir)
        ios: dict[str, IOController | None] = {}
        nodes = []
        for comp in spec.args.components:
            comp_cls = component_class_or_none(comp.type)
            ios[comp.args.name] = (
                comp_cls.io_for(comp.args.model_dump()) if comp_cls is not None else None
            )
            name = comp_cls.__name__ if comp_cls is not None else comp.type.rsplit(".", 1)[-1]
            nodes.append((comp.args.name, name))
        links = [(c.source.id, c.target.id) for c in spec.args.connectors if c.mode == "pipeline"]
        return cls(nodes, _edges(ios, links))

    @property
    def diagram(self) -> str:
        """The mermaid source text."""
        types = dict(self.nodes)
        lines = ["flowchart LR"]
        drawn: set[str] = set()

        def node(name: str) -> str:
            if name in drawn:
                return name
            drawn.add(name)
            return f"{name}@{{ shape: rounded, label: {types.get(name, '?')}<br>**{name}** }}"

        for source, target, label, is_event in dict.fromkeys(self.edges):
            lines.append(f"  {node(source)} {_arrow(label, is_event)} {node(target)}")
        for name, _ in self.nodes:
            if name not in drawn:
                lines.append(f"  {node(name)}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.diagram


def _arrow(label: str, is_event: bool) -> str:
    if is_event:
        return f'-. "{label}" .->'
    return f'-- "{label}" -->' if label else "-->"


def _edges(ios: _t.Mapping[str, IOController | None], links: list[tuple[str, str]]) -> list[Edge]:
    edges: list[Edge] = []
    for source, target in links:
        source_name, _, out_field = source.rpartition(".")
        target_name, _, in_field = target.rpartition(".")
        label = ""
        source_io, target_io = ios.get(source_name), ios.get(target_name)
        types = []
        if source_io is not None:
            types.append(source_io.output_types.get(out_field, _t.Any))
        if target_io is not None:
            types.append(target_io.input_types.get(in_field, _t.Any))
        typed = [t for t in types if is_typed(t)]
        if typed:
            label = f"{out_field}: {type_label(typed[0])}"
        edges.append((source_name, target_name, label, False))
    publishers: dict[str, list[str]] = {}
    for name, io in ios.items():
        for event in io.output_events if io is not None else []:
            publishers.setdefault(event.type, []).append(name)
    for name, io in ios.items():
        for event in io.input_events if io is not None else []:
            for publisher in publishers.get(event.type, []):
                edges.append((publisher, name, event.type, True))
    return edges


def markdown_diagram(process: Process) -> str:
    """Returns a process's mermaid diagram in a fenced Markdown block."""
    return f"```mermaid\n{MermaidDiagram.from_process(process).diagram}\n```"
