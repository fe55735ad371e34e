"""labrelay's Tango bridge: a worker process that serves the commands (and, when asked, the
attributes) of real Tango devices as labrelay methods, over the same ZeroMQ wire protocol as
the TypeScript worker, so the MCP frontend cannot tell the two apart."""

__version__ = "0.1.0"

#: The wire protocol spoken, as `describe` reports it (protocol/describe.ts).
PROTOCOL = "labrelay/1"
