#!/usr/bin/python3
"""scipy.ndimage.label on the same mask CementQuant labels (issue 8): reads the raw uint8 mask written by
`CementQuant.Benchmarks ccl`, times only the label call (median of RUNS), for 6- and 26-connectivity.
Usage: ccl_peer.py RAW SX SY SZ [RUNS]"""
import statistics
import sys
import time

import numpy as np
from scipy import ndimage

raw, sx, sy, sz = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
runs = int(sys.argv[5]) if len(sys.argv) > 5 else 5
mask = np.fromfile(raw, dtype=np.uint8).reshape(sz, sy, sx)  # x fastest, as written
for name, structure in (("6", ndimage.generate_binary_structure(3, 1)), ("26", np.ones((3, 3, 3)))):
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        labels, n = ndimage.label(mask, structure=structure)
        times.append(time.perf_counter() - t0)
        del labels
    print(f"scipy_ccl{name} {statistics.median(times):.4f}")
    print(f"# {name}-connectivity: {n} components")
