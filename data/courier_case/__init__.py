"""A realistic, deterministic courier case: a national parcel carrier's year of complaints.

``generate_case(out_dir, complaints=N, seed=S)`` writes contact-center exports (cp1251 CSV, XLSX), social
mentions (X/Twitter v2 NDJSON, Telegram export JSON), reference tables and a ground-truth folder that the
pipeline never reads. The planted scenario is ``scenario.yaml``; the texts come from ``phrases/*.yaml``.
"""

from data.courier_case.generate import generate_case

__all__ = ["generate_case"]
