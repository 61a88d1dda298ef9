"""Mermaid flowcharts of processes."""

from __future__ import annotations

import typing as _t

from plugboard.schemas import ProcessSpec


if _t.TYPE_CHECKING:
    from plugboard.process import Process


class MermaidDiagram:
    """A mermaid flowchart of a process: one node per component, one edge per link.

    Args:
        nodes: `(name, type name)` of each component.
        edges: `(source name, target name, label)` of each link; an empty label draws none.
    """

    def __init__(
        self,
        nodes: _t.Sequence[tuple[str, str]],
        edges: _t.Sequence[tuple[str, str, str]],
    ) -> None:
        self.nodes = list(nodes)
        self.edges = list(edges)

    @classmethod
    def from_process(cls, process: Process, labels: bool = False) -> MermaidDiagram:
        """Draws a process object (nothing is opened or run).

        Args:
            process: The process.
            labels: Label each edge with `output -> input` field names.
        """
        nodes = [(c.name, type(c).__name__) for c in process.components.values()]
        edges = [
            (
                c.spec.source.entity,
                c.spec.target.entity,
                f"{c.spec.source.descriptor} → {c.spec.target.descriptor}" if labels else "",
            )
            for c in process.connectors.values()
        ]
        return cls(nodes, edges)

    @classmethod
    def from_spec(cls, spec: ProcessSpec, labels: bool = False) -> MermaidDiagram:
        """Draws a process spec without importing or building anything."""
        nodes = [(c.args.name, c.type.rsplit(".", 1)[-1]) for c in spec.args.components]
        edges = [
            (
                c.source.entity,
                c.target.entity,
                f"{c.source.descriptor} → {c.target.descriptor}" if labels else "",
            )
            for c in spec.args.connectors
        ]
        return cls(nodes, edges)

    @property
    def diagram(self) -> str:
        """The mermaid source text."""
        types = dict(self.nodes)
        lines = ["flowchart LR"]
        drawn: set[str] = set()

        def node(name: str) -> str:
            if name in drawn:
                return _node_id(name)
            drawn.add(name)
            label = f"{types.get(name, '?')}<br>**{name}**"
            return f"{_node_id(name)}@{{ shape: rounded, label: {label} }}"

        for source, target, label in self.edges:
            arrow = f"-- {label} -->" if label else "-->"
            lines.append(f"  {node(source)} {arrow} {node(target)}")
        for name, _ in self.nodes:
            if name not in drawn:
                lines.append(f"  {node(name)}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.diagram


def _node_id(name: str) -> str:
    return name


def markdown_diagram(process: Process, labels: bool = False) -> str:
    """Returns a process's mermaid diagram in a fenced Markdown block."""
    return f"```mermaid\n{MermaidDiagram.from_process(process, labels).diagram}\n```"
