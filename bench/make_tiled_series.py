#!/usr/bin/python3
"""Tile a CT series along z to make a long benchmark series: copies of every slice shifted by the
series' extent, with new SOP/series UIDs. Usage: make_tiled_series.py SRC_FOLDER DST_FOLDER TILES"""
import os
import sys

import pydicom
from pydicom.uid import generate_uid

src, dst, tiles = sys.argv[1], sys.argv[2], int(sys.argv[3])
os.makedirs(dst, exist_ok=True)
files = []
for name in sorted(os.listdir(src)):
    path = os.path.join(src, name)
    try:
        ds = pydicom.dcmread(path)
    except Exception:
        continue
    if "ImagePositionPatient" in ds and "PixelData" in ds:
        files.append(ds)
zs = sorted(float(ds.ImagePositionPatient[2]) for ds in files)
step = (zs[-1] - zs[0]) / (len(zs) - 1)
extent = zs[-1] - zs[0] + step
series_uid = generate_uid()
n = 0
for t in range(tiles):
    for ds in files:
        ipp = [float(v) for v in ds.ImagePositionPatient]
        ds.ImagePositionPatient = [ipp[0], ipp[1], round(ipp[2] + t * extent, 4)]
        ds.SOPInstanceUID = generate_uid()
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        ds.SeriesInstanceUID = series_uid
        n += 1
        ds.save_as(os.path.join(dst, f"IM{n:05d}.dcm"))
        ds.ImagePositionPatient = ipp
print(f"{n} slices written to {dst}")
