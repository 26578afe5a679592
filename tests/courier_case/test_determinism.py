"""Same seed, same bytes — whatever the number of worker processes."""

from __future__ import annotations

import filecmp
import json
from pathlib import Path

import pytest

from data.courier_case import generate_case


def _all_files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_same_seed_gives_identical_bytes(small_case: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    generate_case(again, complaints=1_000, seed=7, workers=2)
    files = _all_files(small_case)
    assert files == _all_files(again)
    match, mismatch, errors = filecmp.cmpfiles(small_case, again, files, shallow=False)
    assert mismatch == [] and errors == []
    assert len(match) == len(files) > 50


def test_another_seed_gives_other_data(small_case: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    generate_case(other, complaints=1_000, seed=8, workers=1)
    a = json.loads((small_case / "manifest.json").read_text())
    b = json.loads((other / "manifest.json").read_text())
    assert {f["sha256"] for f in a["files"]}.isdisjoint({f["sha256"] for f in b["files"]})


@pytest.mark.parametrize("complaints", [999, 1_000_001])
def test_size_outside_the_supported_range_is_refused(tmp_path: Path, complaints: int) -> None:
    with pytest.raises(ValueError, match="between 1,000 and 1,000,000"):
        generate_case(tmp_path, complaints=complaints, seed=1)
