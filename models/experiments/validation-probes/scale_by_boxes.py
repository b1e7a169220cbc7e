"Validation fields only: the red-cell size as measure_rbc finds it, against refined by the detector's own red-cell boxes found at that size: the median sqrt(w*h) over BOX_PER_RBC of the confident (>= 0.5) red-cell boxes clear of the edge that overlap no other box by more than an IoU `gap` (any: all of them), where at least three are left (else the measured size)."
import numpy as np, bloodcells.sources as S
from bloodcells.core import read_image
from bloodcells.data import labelled_rbc_px, BOX_PER_RBC
from bloodcells.runtime import measure_rbc
from probe import fields, lone_boxes_rbc
det = S.load_model('models/general/model-int8.onnx')

def boxes_rbc(img, px, gap=1.0): # a field; its red-cell size so far; largest overlap with another box
    "The field's red-cell size read off the detector's red-cell boxes found at `px`, or `px` where fewer than three qualify."
    b = lone_boxes_rbc(det, img, px, gap)
    return b if np.isfinite(b) else px

for src in S.TEST_SOURCES:
    fs, errs = [a for a in fields(src, 30) if np.isfinite(labelled_rbc_px(a))], {}
    for a in fs:
        img, truth = read_image(a.path), labelled_rbc_px(a) / BOX_PER_RBC
        p0 = measure_rbc(det, img)[0]; p1 = boxes_rbc(img, p0)
        for k, p in [('measured', p0), ('all boxes', p1), ('all boxes, twice', boxes_rbc(img, p1))] + [(f'lonely, gap {g}', boxes_rbc(img, p0, g)) for g in (0.05, 0.1, 0.2, 0.3)]:
            errs.setdefault(k, []).append(p / truth - 1)
    print(src, len(fs), {k: (round(float(np.mean(np.abs(v) <= 0.1)), 3), round(float(np.median(v)), 3)) for k, v in errs.items()}, flush=True)
