"""The shell entry points CI and the README call must at least parse (a broken .ci/run fails CI in 0 s)."""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("script", [".ci/run", "dev"])
def test_entry_script_parses_and_calls_the_readme_test_command(script: str) -> None:
    bash = shutil.which("bash")
    assert bash, "bash is needed to run the project's entry points"
    path = ROOT / script
    result = subprocess.run([bash, "-n", str(path)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"{script} does not parse: {result.stderr}"
    if script == ".ci/run":
        commands = [line.strip() for line in path.read_text().splitlines() if not line.lstrip().startswith("#")]
        assert "./dev test" in commands, ".ci/run must call the README's test command"
