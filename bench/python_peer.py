#!/usr/bin/python3
"""The Python peer of issue 8: pydicom + numpy + scipy.ndimage. Loads a CT series into HU, thresholds
it, labels 3D components and splits the mask left/right, the core of what CementQuant does.
Usage: python_peer.py FOLDER [THRESHOLD_HU]"""
import os
import sys
import time

import numpy as np
import pydicom
from scipy import ndimage

t0 = time.perf_counter()
folder = sys.argv[1]
threshold = float(sys.argv[2]) if len(sys.argv) > 2 else 1000.0
slices = [pydicom.dcmread(os.path.join(folder, f)) for f in os.listdir(folder) if f.endswith(".dcm")]
normal = np.cross(np.array(slices[0].ImageOrientationPatient[:3], float), np.array(slices[0].ImageOrientationPatient[3:], float))
slices.sort(key=lambda ds: float(np.dot(normal, np.array(ds.ImagePositionPatient, float))))
vol = np.stack([ds.pixel_array.astype(np.int16) * float(ds.RescaleSlope) + float(ds.RescaleIntercept) for ds in slices]).astype(np.int16)
t1 = time.perf_counter()
mask = vol > threshold
labels, n = ndimage.label(mask, structure=np.ones((3, 3, 3)))
t2 = time.perf_counter()
mid = vol.shape[2] // 2
left = int(mask[:, :, mid:].sum())
right = int(mask[:, :, :mid].sum())
t3 = time.perf_counter()
print(f"python peer: load {t1 - t0:.3f} s, label {t2 - t1:.3f} s ({n} components), split {t3 - t2:.3f} s, total {t3 - t0:.3f} s; left {left} right {right}")
