"""The capacity benchmark behind ``scripts/bench`` (see docs/capacity.md)."""
