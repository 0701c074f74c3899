"""The server computes with numpy's BLAS on one thread (playground/__init__.py says why): checked in a fresh
interpreter, as the server starts, with the machine's own default first so the check can fail."""

import json
import os
import subprocess
import sys

import pytest

PROBE = ("import json, sys, threadpoolctl, numpy\n"
         "if sys.argv[1] == 'app': import playground\n"
         "print(json.dumps([i['num_threads'] for i in threadpoolctl.threadpool_info() if i['user_api'] == 'blas']))")


def blas_threads(importing: str) -> list[int]:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}  # the machine's default
    out = subprocess.run([sys.executable, "-c", PROBE, importing], capture_output=True, text=True, env=env,
                         check=True, cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    return json.loads(out.stdout)


def test_importing_the_app_puts_blas_on_one_thread():
    if max(blas_threads("numpy only"), default=1) < 2:
        pytest.skip("this machine's BLAS runs one thread anyway, so there is nothing to limit")
    threads = blas_threads("app")
    assert threads and set(threads) == {1}
