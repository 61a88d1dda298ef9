"""Components: the stateful building blocks of a model."""

from plugboard.component.component import Component
from plugboard.component.decorator import ComponentFunction, FunctionComponent, component
from plugboard.component.io_controller import IOController


__all__ = ["Component", "ComponentFunction", "FunctionComponent", "IOController", "component"]
