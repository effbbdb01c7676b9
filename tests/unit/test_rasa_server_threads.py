"""A Rasa server started through our entry point runs BLAS on one thread; training does not."""

from __future__ import annotations

import json
import subprocess
import sys

# Rasa's own command line replaced by a report of the BLAS thread pools it would have run with.
PROBE = """
import json, sys
import numpy, scipy.linalg
import rasa.__main__
from threadpoolctl import threadpool_info, threadpool_limits
threadpool_limits(limits=3, user_api="blas")  # as on a machine with 3 cores, whatever this one has
rasa.__main__.main = lambda: print(json.dumps(sorted({pool["num_threads"]
    for pool in threadpool_info() if pool["user_api"] == "blas"})))
sys.argv = ["rasa_server", *sys.argv[1:]]
from bot.rasa_ext.rasa_server import main
main()
"""


def blas_threads(command: str) -> list[int]:
    """The BLAS pools' thread counts for `command`, on a machine that would give them 3."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, command],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_server_runs_blas_on_one_thread():
    assert blas_threads("run") == [1]


def test_training_keeps_every_thread():
    assert blas_threads("train") == [3]
