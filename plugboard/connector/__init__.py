"""Links between components: the `Channel` and `Connector` contracts and their transports."""

from plugboard.connector.asyncio_channel import AsyncioChannel
from plugboard.connector.asyncio_connector import AsyncioConnector
from plugboard.connector.channel import EMPTY, Channel
from plugboard.connector.connector import Connector, ConnectorBuilder


__all__ = [
    "EMPTY",
    "AsyncioChannel",
    "AsyncioConnector",
    "Channel",
    "Connector",
    "ConnectorBuilder",
]
