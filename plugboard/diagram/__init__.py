"""Diagrams of processes."""

from plugboard.diagram.mermaid import MermaidDiagram, markdown_diagram


__all__ = ["MermaidDiagram", "markdown_diagram"]
