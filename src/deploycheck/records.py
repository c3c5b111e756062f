"""An object as a JSON record: the fields a format names, in the format's order."""

from __future__ import annotations


def record(source: object, names: str, **values: object) -> dict[str, object]:
    """``names`` (space-separated, in order) mapped to ``source``'s attribute of that name, or
    to the value ``values`` gives where the format's value is not the attribute as it is."""
    fields = names.split()
    if unknown := values.keys() - set(fields):
        raise TypeError(f"values for fields the record does not name: {sorted(unknown)}")
    return {name: values[name] if name in values else getattr(source, name) for name in fields}
