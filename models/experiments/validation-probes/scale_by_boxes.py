"Validation fields only: the red-cell size as measure_rbc finds it, against refined by the detector's own red-cell boxes found at that size (median sqrt(w*h) of confident red-cell boxes clear of the edge, over BOX_PER_RBC), once and twice."
import numpy as np, bloodcells.sources as S
from bloodcells.core import read_image, RED
from bloodcells.data import labelled_rbc_px, BOX_PER_RBC
from bloodcells.runtime import measure_rbc, find_cells
from bloodcells.sources import load_model, fields_of
det = load_model('models/general/model-int8.onnx')
def spread(fs, n): fs = sorted(fs, key=lambda a: a.path.name); return [fs[i] for i in np.unique(np.linspace(0, len(fs) - 1, min(n, len(fs))).round().astype(int))]
def boxes_rbc(img, px):
    c = find_cells(det, img, px, 0.5); H, W = img.shape[:2]
    b = c.boxes[np.isin(c.labels, RED)] if len(c.labels) else np.zeros((0, 4))
    clear = (b[:, 0] > 2) & (b[:, 1] > 2) & (b[:, 2] < W - 2) & (b[:, 3] < H - 2); b = b[clear] if clear.any() else b
    return float(np.median(np.sqrt((b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])))) / BOX_PER_RBC if len(b) >= 3 else px
for src in S.TEST_SOURCES:
    fs = [a for a in spread([a for a in fields_of(src) if a.split == 'val'], 30) if np.isfinite(labelled_rbc_px(a))]
    errs = {k: [] for k in ('measured', 'refined once', 'refined twice')}
    for a in fs:
        img, truth = read_image(a.path), labelled_rbc_px(a) / BOX_PER_RBC
        p0 = measure_rbc(det, img)[0]; p1 = boxes_rbc(img, p0); p2 = boxes_rbc(img, p1)
        for k, p in zip(errs, (p0, p1, p2)): errs[k].append(p / truth - 1)
    print(src, len(fs), {k: (round(float(np.mean(np.abs(v) <= 0.1)), 3), round(float(np.median(np.abs(v))), 3)) for k, v in errs.items()}, flush=True)
