"""``causeway demo``: from nothing to a published warehouse on the generated courier case.

It grows with each capability; today: generate the sample case (if absent), load its reference tables,
publish a snapshot, and report what exists and where.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from data.courier_case.generate import GENERATOR_VERSION, generate_case
from flows import warehouse
from flows.reference_load import load_reference
from flows.settings import Settings


@dataclass
class DemoReport:
    settings: Settings
    sample_dir: Path
    generated: bool
    manifest: dict
    loaded: dict[str, int]
    publication: warehouse.Publication
    notes: list[str] = field(default_factory=list)

    def render(self, seconds: float) -> str:
        by_kind: dict[str, tuple[int, int]] = {}
        for f in self.manifest["files"]:
            kind = Path(f["path"]).name.split("_")[0]
            files, rows = by_kind.get(kind, (0, 0))
            by_kind[kind] = (files + 1, rows + f["rows"])
        labels = {"calls": "contact-center calls (cp1251 CSV)", "tickets": "tickets: e-mail/web/branch (XLSX)",
                  "x": "X/Twitter mentions (NDJSON)", "telegram": "Telegram chat (JSON export)"}
        lines = [
            "",
            f"Causeway demo — done in {seconds:.0f} s",
            "",
            f"Sample courier case ({'generated now' if self.generated else 'already there'}): {self.sample_dir}",
            f"  {self.manifest['complaints']:,} complaints, {self.manifest['clients']:,} clients, "
            f"seed {self.manifest['seed']}",
        ]
        for kind, (files, rows) in sorted(by_kind.items()):
            lines.append(f"  {labels.get(kind, kind):<40} {rows:>9,} rows in {files} files")
        lines += [
            f"  planted truths (root causes, value destroyers): {self.sample_dir / 'ground_truth' / 'README.md'}",
            "",
            f"Warehouse: {self.settings.warehouse_path}",
        ]
        for table, rows in self.loaded.items():
            lines.append(f"  {table:<40} {rows:>9,} rows")
        lines += [
            f"Published snapshot for readers: {self.publication.path}",
            "",
            "Look at:",
            f"  - the raw exports in {self.sample_dir / 'inbox'} "
            "(what a contact center and social listening hand over)",
            f"  - the published tables: {sys.executable} -c \"import duckdb; "
            f"print(duckdb.connect('{self.publication.path}', read_only=True).sql('SHOW TABLES'))\"",
            *[f"  - {note}" for note in self.notes],
        ]
        return "\n".join(lines)


def run_demo(settings: Settings, complaints: int, seed: int, fresh: bool = False,
             say: Callable[[str], None] = lambda _m: None) -> DemoReport:
    sample = settings.sample_path
    generated = False
    if fresh or not _sample_matches(sample, complaints, seed):
        if sample.exists():
            shutil.rmtree(sample)
        say(f"generating the sample courier case: {complaints:,} complaints, seed {seed}")
        generate_case(sample, complaints=complaints, seed=seed, progress=say)
        generated = True
    manifest = json.loads((sample / "manifest.json").read_text(encoding="utf-8"))

    say(f"loading reference tables into {settings.warehouse_path}")
    con = warehouse.open_warehouse(settings.warehouse_path)
    try:
        loaded = load_reference(con, sample / "reference")
        loaded.update({t: n for t, n in warehouse.row_counts(con, warehouse.PUBLISHED_TABLES).items()
                       if t not in loaded})
        say("publishing a snapshot")
        publication = warehouse.publish(con, settings.published_path, keep=settings.warehouse.keep_snapshots)
    finally:
        con.close()
    notes = ["ingesting the exports into `complaints`, root causes, decisions and the dashboard "
             "arrive with their capabilities; empty tables above are their placeholders"]
    return DemoReport(settings, sample, generated, manifest, loaded, publication, notes)


def _sample_matches(sample: Path, complaints: int, seed: int) -> bool:
    manifest_path = sample / "manifest.json"
    if not manifest_path.exists():
        return False
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    return (manifest.get("complaints"), manifest.get("seed"), manifest.get("version")) == (
        complaints, seed, GENERATOR_VERSION)
