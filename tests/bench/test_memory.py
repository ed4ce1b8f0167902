"""``bench/memory.py``: a child process's peak memory is its own, not its parent's."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bench import memory

REPO = Path(__file__).resolve().parents[2]


def test_a_childs_peak_is_its_own_not_its_parents():
    held = bytearray(400 * 2**20)  # 400 MB, touched: the parent's peak is at least that
    held[:: 4096] = b"x" * len(held[:: 4096])
    assert memory.peak_mb() >= 400
    code = "import json; from bench.memory import peak_mb; print(json.dumps(peak_mb()))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    child = json.loads(done.stdout)
    assert 0 < child < 200, child  # ru_maxrss would report the parent's 400 MB and more
    del held


def test_descendants_and_their_peaks():
    with subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"]) as child:
        try:
            assert child.pid in memory.descendants(os.getpid())
            assert memory.process_peak_mb(child.pid) > 0
        finally:
            child.kill()
    # leaving the with block waited for the child
    assert memory.process_peak_mb(child.pid) == 0.0  # gone
