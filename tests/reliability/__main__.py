"""``python -m tests.reliability [pytest args]``: run the reliability suite, then print its figures
(scenario, cases tried, failures, data lost, seconds). Exit code: pytest's, or 1 if any data was lost."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.reliability.conftest import table

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    with tempfile.TemporaryDirectory(prefix="onrecord-reliability-") as tmp:
        figures = Path(tmp) / "figures.json"
        env = {**os.environ, "RELIABILITY_FIGURES": str(figures)}
        code = subprocess.call([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(HERE), *argv],
                               env=env, cwd=HERE.parents[1])
        data = json.loads(figures.read_text(encoding="utf-8")) if figures.exists() else []
    print()
    print("reliability suite: scenario, cases tried, failures, data lost (documents, annotations or writes lost or duplicated)")
    print(table(data) if data else "no figures were recorded")
    lost = sum(r["lost"] for r in data)
    return code or (1 if lost else 0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
