"""One row format and one table printer for every benchmark script."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from datetime import datetime, timezone


@dataclass
class Row:
    section: str
    measure: str
    value: float
    unit: str  # "s" (shown as s or ms), "calls", "x", "calls/s", "MB", "rows"
    aim: str = ""
    met: bool | None = None

    def shown(self) -> str:
        if self.unit == "s":
            return f"{self.value:.2f} s" if self.value >= 1 else f"{self.value * 1000:.1f} ms"
        if self.unit in ("calls", "rows"):
            return f"{self.value:,.0f} {self.unit}"
        if self.unit == "x":
            return f"{self.value:,.1f} x"
        return f"{self.value:,.1f} {self.unit}"

    @property
    def verdict(self) -> str:
        return "" if self.met is None else ("ok" if self.met else "MISSED")


def machine() -> str:
    return (
        f"{os.cpu_count()} cores, Python {sys.version.split()[0]}, "
        f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC"
    )


def print_table(title: str, rows: list[Row]) -> None:
    print(f"{title} - {machine()}")
    width = max(len(r.measure) for r in rows) + 2
    for row in rows:
        print(
            f"{row.section:<14} {row.measure:<{width}} {row.shown():>16}  {row.aim:<22} "
            f"{row.verdict}"
        )


def markdown(title: str, rows: list[Row]) -> str:
    lines = [
        f"# {title}",
        "",
        f"Measured on {machine()}, by `make bench`.",
        "",
        "| section | measure | value | aim | |",
        "| --- | --- | ---: | --- | --- |",
    ]
    lines += [f"| {r.section} | {r.measure} | {r.shown()} | {r.aim} | {r.verdict} |" for r in rows]
    return "\n".join(lines) + "\n"
