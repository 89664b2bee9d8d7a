"""bangfu (帮扶) — consumption-assistance work management."""

__version__ = "0.1.0"
