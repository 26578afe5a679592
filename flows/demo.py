"""``causeway demo``: from nothing to a published warehouse on the generated courier case.

It grows with each capability; today: generate the sample case (if absent), load its reference tables,
run the Prefect ``pipeline`` flow on its exports (ingest -> root causes -> decisions, one snapshot
published at the end), and report what exists and where to look.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from dashboards.formatting import kpi_value
from data.courier_case.generate import GENERATOR_VERSION, generate_case
from flows import warehouse
from flows.reference_load import load_reference_folder
from flows.settings import Settings

EXPORT_LABELS = {"cc_calls": "contact-center calls (cp1251 CSV)", "cc_tickets": "tickets: e-mail/web/branch (XLSX)",
                 "x_mentions": "X/Twitter mentions (NDJSON)", "telegram": "Telegram chat (JSON export)"}


class DemoHomeInUse(RuntimeError):
    """The home holds data that is not the demo's; the demo will not reset it."""


@dataclass
class DemoReport:
    settings: Settings
    sample_dir: Path
    generated: bool
    manifest: dict
    reference: dict[str, int]
    ingest: dict
    quarantine_reasons: list[tuple[str, str, int]]
    identity: list[tuple[str, int]]
    languages: list[tuple[str, int]]
    cluster: dict
    top_causes: list[tuple[str, int, str, str]]
    analyze: dict
    kpis: list[tuple]

    def render(self, seconds: float) -> str:
        m = self.manifest
        lines = [
            "",
            f"Causeway demo — done in {seconds:.0f} s",
            "",
            f"Sample courier case ({'generated now' if self.generated else 'already there'}): {self.sample_dir}",
            f"  {m['complaints']:,} complaints of {m['clients']:,} clients, seed {m['seed']}; planted truths in "
            f"{self.sample_dir / 'ground_truth' / 'README.md'}",
            "",
            f"Ingested into {self.settings.warehouse_path}:",
            f"  {'source':<38} {'files':>5} {'rows in':>9} {'loaded':>9} {'quarantined':>11} {'skipped':>8}",
        ]
        for source, t in sorted(self.ingest["sources"].items()):
            lines.append(f"  {EXPORT_LABELS.get(source, source):<38} {t['files']:>5} {t['rows_in']:>9,} "
                         f"{t['loaded']:>9,} {t['quarantined']:>11,} {t['skipped']:>8}")
        lines.append(f"  incidents (complaints about one client + shipment, across channels): "
                     f"{self.ingest['incidents']:,}")
        if self.quarantine_reasons:
            lines.append("  quarantined, by reason (table `quarantine`: file, row, column, reason):")
            lines += [f"    {n:>7,}  {kind}: {reason}" for kind, reason, n in self.quarantine_reasons]
        lines.append("  client identified by: " + ", ".join(f"{k} {n:,}" for k, n in self.identity))
        lines.append("  language: " + ", ".join(f"{k} {n:,}" for k, n in self.languages))
        lines.append("  reference: " + ", ".join(f"{t} {n:,}" for t, n in self.reference.items()))
        c = self.cluster
        lines += ["", f"Root causes ({c['mode']}, model {c['model_version']}): {c['root_causes']} root causes over "
                      f"{c['sub_causes']} sub-causes; {c['unassigned']:,} of {c['complaints']:,} complaints unassigned",
                  "  largest (id, complaints, keywords [cause type]; where most concentrated):"]
        lines += [f"    {cid:<9} {size:>6,}  {label}" + (f"  ({where})" if where else "")
                  for cid, size, label, where in self.top_causes]
        a = self.analyze
        b = a["budget"]
        lines += ["", f"Decisions (analysis as of {a['as_of'][:10]}):",
                  f"  human-factor hot spots (named far more than peers): {', '.join(a['hotspots']) or 'none'}",
                  f"  external events (regional bursts, force majeure): {', '.join(a['events']) or 'none'}",
                  f"  clients by tier: {', '.join(f'{k} {v:,}' for k, v in a['tiers'].items())}",
                  f"  value-destroyer candidates for a person to review: {a['value_destroyers']} "
                  "(`causeway clients` shows the evidence)",
                  "  open complaints with a recommended response: "
                  + ", ".join(f"{k} {v:,}" for k, v in a["recommendations"].items()),
                  f"  budget {b['period']}: {b['used_uah']:,.0f} UAH used + {b['recommended_uah']:,.0f} recommended "
                  f"of {b['budget_uah']:,.0f}",
                  f"  spike alerts still active: {a['active_alerts']}",
                  "  KPIs, last 30 days (value, target, owner):"]
        for name, unit, target, _direction, value, owner in self.kpis:
            lines.append(f"    {name:<44} {kpi_value(value, unit) or '-':>12} (target {kpi_value(target, unit) or '-'})"
                         f"  {owner}")
        snapshot = self.cluster.get("published") or self.ingest.get("published", "")
        lines += [
            f"Published snapshot for readers: {snapshot}",
            "",
            "Look at:",
            f"  - the raw exports in {self.sample_dir / 'inbox'} "
            "(what a contact center and social listening hand over)",
            f"  - masked complaints: {sys.executable} -c \"import duckdb; print(duckdb.connect('{snapshot}', "
            "read_only=True).sql('SELECT channel, language, text_masked FROM complaints USING SAMPLE 5'))\"",
            "  - re-run `causeway demo`: every file is recognised and skipped, nothing is duplicated",
            "  - every root cause: `causeway causes list` (sub-causes: --level sub); rename / merge / split them "
            "with `causeway causes rename|merge|split` and run `causeway cluster`",
            f"  - segments where a cause is concentrated: {sys.executable} -c \"import duckdb; print(duckdb.connect("
            f"'{snapshot}', read_only=True).sql('SELECT * FROM root_cause_segments WHERE concentrated ORDER BY lift "
            "DESC LIMIT 15'))\"",
            "  - the CX desk's queue: `causeway respond queue`; record a decision with `causeway respond decide "
            "<complaint_id> --response promo_code` and the client's reaction with `causeway respond reaction`",
            "  - value-destroyer candidates and their evidence: `causeway clients`; change config/policy.yaml and "
            "run `causeway analyze` to see the recommendations change",
            f"  - spike alerts: {sys.executable} -c \"import duckdb; print(duckdb.connect('{snapshot}', "
            "read_only=True).sql('SELECT * FROM alerts ORDER BY ratio DESC LIMIT 10'))\"",
            "  - the dashboard: `causeway dashboard` (prints a sign-in link for http://127.0.0.1:8501; pages for "
            "managers, analysts and the CX desk)",
        ]
        return "\n".join(lines)


def run_demo(settings: Settings, complaints: int, seed: int, fresh: bool = False,
             say: Callable[[str], None] = lambda _m: None) -> DemoReport:
    from flows.pipeline import pipeline_flow

    sample = settings.sample_path
    generated = False
    if fresh or not _sample_matches(sample, complaints, seed):
        _reset_demo_home(settings)
        if sample.exists():
            shutil.rmtree(sample)
        say(f"generating the sample courier case: {complaints:,} complaints, seed {seed}")
        generate_case(sample, complaints=complaints, seed=seed, progress=say)
        generated = True
    manifest = json.loads((sample / "manifest.json").read_text(encoding="utf-8"))

    say(f"loading reference tables into {settings.warehouse_path}")
    reference = load_reference_folder(settings.warehouse_path, sample / "reference")
    say("running the pipeline (Prefect flow `pipeline`: ingest -> root causes -> decisions -> publish; the first "
        "start of Prefect's local server takes ~20 s)")
    ran = pipeline_flow(inbox=str(sample / "inbox"), home=str(settings.home), config_dir=str(settings.config_dir),
                        show_progress=True)
    summary, clustered, analyzed = ran["ingest"], ran["cluster"], ran["analyze"]
    clustered["published"] = ran["published"]
    reader = warehouse.open_published(settings.published_path)
    try:
        top = reader.execute(
            "SELECT r.root_cause_id, r.size, r.label || ' [' || coalesce(r.cause_type, '?') || ']', "
            "(SELECT s.dimension || '=' || s.segment_value || ', lift ' || round(s.lift, 1) "
            "FROM root_cause_segments s WHERE s.root_cause_id = r.root_cause_id AND s.concentrated "
            "ORDER BY s.lift DESC LIMIT 1) FROM root_causes r WHERE r.level = 'root' ORDER BY r.size DESC LIMIT 8"
        ).fetchall()
        reasons = reader.execute(
            "SELECT kind, regexp_replace(reason, '''[^'']*''', '…', 'g') AS reason, count(*) AS n FROM quarantine "
            "GROUP BY ALL ORDER BY n DESC LIMIT 5").fetchall()
        identity = reader.execute("SELECT identity_method, count(*) FROM complaints GROUP BY ALL ORDER BY 2 DESC"
                                  ).fetchall()
        languages = reader.execute("SELECT language, count(*) FROM complaints GROUP BY ALL ORDER BY 2 DESC").fetchall()
        kpis = reader.execute(KPI_TILES_SQL).fetchall()
    finally:
        reader.close()
    return DemoReport(settings, sample, generated, manifest, reference, summary, reasons, identity, languages,
                      clustered, top, analyzed, kpis)


# the last 30 days of a few company-wide KPIs, re-aggregated from numerators and denominators
KPI_TILES_SQL = """
    SELECT d.name, d.unit, d.target, d.direction,
           CASE d.aggregation WHEN 'ratio' THEN d.scale * sum(k.numerator) / nullif(sum(k.denominator), 0)
                ELSE median(k.value) END AS value, d.owner
    FROM kpi_daily k JOIN kpi_definitions d USING (kpi)
    WHERE k.dimension = 'all' AND k.day > (SELECT max(day) FROM kpi_daily) - INTERVAL 30 DAY
      AND k.kpi IN ('complaints_per_10k_shipments', 'intact_share', 'first_response_hours_median',
                    'positive_reaction_rate', 'value_destroyer_complaint_share', 'repeat_complaint_rate')
    GROUP BY d.kpi, d.name, d.unit, d.target, d.direction, d.owner, d.aggregation, d.scale ORDER BY d.name"""


def _sample_matches(sample: Path, complaints: int, seed: int) -> bool:
    manifest_path = sample / "manifest.json"
    if not manifest_path.exists():
        return False
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    return (manifest.get("complaints"), manifest.get("seed"), manifest.get("version")) == (
        complaints, seed, GENERATOR_VERSION)


def _reset_demo_home(settings: Settings) -> None:
    """A new sample case starts from an empty warehouse — but only if the warehouse holds nothing else."""
    path = settings.warehouse_path
    if not path.exists():
        return
    con = warehouse.open_warehouse(path)
    try:
        foreign = con.execute("SELECT count(*) FROM ingested_files WHERE source NOT IN "
                              "('cc_calls', 'cc_tickets', 'x_mentions', 'telegram')").fetchone()[0]
    finally:
        con.close()
    if foreign:
        raise DemoHomeInUse(f"{path} holds data that is not the demo's ({foreign} other files); run the demo "
                            "with another --home.")
    path.unlink()
    path.with_name(path.name + ".wal").unlink(missing_ok=True)
    for folder in (settings.published_path, settings.models_path, settings.home / "cache"):
        shutil.rmtree(folder, ignore_errors=True)
