"""A short run of the load and fault checks (`make stress` runs the full one)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_load_crash_and_mail_outage_checks_pass(backend: str, template: str) -> None:
    """`template` is only asked for so that PostgreSQL is skipped (or fails) like elsewhere."""
    result = subprocess.run(  # noqa: S603 - our own script, fixed arguments
        [
            sys.executable,
            "-m",
            "stress.run",
            "--seconds",
            "3",
            "--clients",
            "10",
            "--invitations",
            "3",
            "--databases",
            backend,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "all checks passed" in result.stdout
