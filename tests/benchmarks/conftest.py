"""Benchmarks print ratios against a baseline measured in the same run; they never assert a time."""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_WAIT_POLICY", "passive")
