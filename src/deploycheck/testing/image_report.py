"""The image report: sizes, layers, build and run timings, as Markdown, JSON and terminal lines.

Output is separate from checking: the container suite records what its tests measured into one
``ImageReport`` and the session writes it once, at the end (``reports/image.md`` and
``reports/image.json``), so a reviewer sees the numbers behind a green or red run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from deploycheck.findings import Finding
from deploycheck.targets.image import Image, Layer

MB = 1_000_000
TOP_LAYERS = 5
INSTRUCTION_WIDTH = 90


def _instruction(layer: Layer) -> str:
    # An imported filesystem (a base built with `docker import`) records no instruction.
    return layer.instruction or "(no instruction: imported filesystem)"


def _mb(size: int | None) -> str:
    return "n/a" if size is None else f"{size / MB:.1f} MB"


@dataclass
class ImageReport:
    """What the container suite measured about one built image."""

    image: str = ""
    size: int | None = None
    base: str = ""
    base_size: int | None = None
    layers: list[Layer] = field(default_factory=list)
    base_layer_count: int = 0
    build_seconds: dict[str, float] = field(default_factory=dict)
    run_seconds: dict[str, float] = field(default_factory=dict)
    wasted: list[Finding] = field(default_factory=list)

    def record_image(self, image: Image, base: Image) -> None:
        """Sizes and history of ``image`` built on ``base`` (history entries are shared, so
        the first ``len(base.layers)`` of the image's belong to the base)."""
        self.image, self.size, self.layers = image.ref, image.size, image.layers
        self.base, self.base_size = base.ref, base.size
        self.base_layer_count = len(base.layers)

    @property
    def added_size(self) -> int | None:
        if self.size is None or self.base_size is None:
            return None
        return self.size - self.base_size

    def top_layers(self, count: int = TOP_LAYERS) -> list[Layer]:
        return sorted(self.layers, key=lambda layer: layer.size, reverse=True)[:count]

    def _origin(self, index: int) -> str:
        return "base" if index < self.base_layer_count else "app"

    def as_dict(self) -> dict[str, object]:
        def layer(entry: Layer, origin: str | None = None) -> dict[str, object]:
            shown: dict[str, object] = {"instruction": _instruction(entry), "size": entry.size}
            return shown | ({"from": origin} if origin else {})

        return {
            "image": self.image,
            "size": self.size,
            "base": self.base,
            "base_size": self.base_size,
            "added_size": self.added_size,
            "top_layers": [layer(entry) for entry in self.top_layers()],
            "layers": [layer(entry, self._origin(i)) for i, entry in enumerate(self.layers)],
            "build_seconds": {name: round(s, 1) for name, s in self.build_seconds.items()},
            "run_seconds": {name: round(s, 1) for name, s in self.run_seconds.items()},
            "wasted": [finding.as_dict() for finding in self.wasted],
        }

    def summary_lines(self) -> list[str]:
        """The headline numbers, for the terminal summary."""
        lines = [
            f"image {self.image}: {_mb(self.size)} total, {_mb(self.base_size)} base "
            f"({self.base}), {_mb(self.added_size)} added",
            "largest layers:",
            *(
                f"  {_mb(layer.size):>9}  {_cell(_instruction(layer))}"
                for layer in self.top_layers()
            ),
        ]
        lines += [f"build {name}: {seconds:.1f} s" for name, seconds in self.build_seconds.items()]
        lines += [f"{name}: {seconds:.1f} s" for name, seconds in self.run_seconds.items()]
        lines += [f"wasted: {finding.message}" for finding in self.wasted] or ["wasted: none"]
        return lines

    def markdown(self) -> str:
        rows = [
            f"| {i + 1} | {self._origin(i)} | `{_cell(_instruction(layer))}` | {_mb(layer.size)} |"
            for i, layer in enumerate(self.layers)
        ]
        timings = [
            f"| {kind} {name} | {seconds:.1f} s |"
            for kind, table in (("build", self.build_seconds), ("run", self.run_seconds))
            for name, seconds in table.items()
        ]
        wasted = [f"- {finding}" for finding in self.wasted] or ["- none found (IMG004)"]
        return "\n".join(
            [
                f"# Image report: `{self.image}`",
                "",
                "| measure | value |",
                "| --- | --- |",
                f"| total size | {_mb(self.size)} |",
                f"| base (`{self.base}`) | {_mb(self.base_size)} |",
                f"| added by the Dockerfile | {_mb(self.added_size)} |",
                *timings,
                "",
                "## Layers (oldest first)",
                "",
                "| # | from | instruction | size |",
                "| --- | --- | --- | --- |",
                *rows,
                "",
                "## Wasted space",
                "",
                *wasted,
                "",
            ]
        )

    def write(self, directory: Path) -> list[Path]:
        """Write image.md and image.json into ``directory``; returns their paths."""
        directory.mkdir(parents=True, exist_ok=True)
        markdown, data = directory / "image.md", directory / "image.json"
        markdown.write_text(self.markdown())
        data.write_text(json.dumps(self.as_dict(), indent=2) + "\n")
        return [markdown, data]


def _cell(text: str) -> str:
    # Pipes and backticks would break the Markdown table cell; continued RUN lines leave runs
    # of spaces.
    return " ".join(text.split())[:INSTRUCTION_WIDTH].replace("|", "\\|").replace("`", "'")
