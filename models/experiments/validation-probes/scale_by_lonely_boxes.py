"Validation fields only: the red-cell size as measure_rbc finds it, against refined by the detector's confident red-cell boxes that overlap no other box by more than an IoU (gap), when at least five are left (else the measured size)."
import numpy as np, bloodcells.sources as S
from bloodcells.core import read_image, RED
from bloodcells.data import labelled_rbc_px, BOX_PER_RBC
from bloodcells.runtime import measure_rbc, find_cells
from bloodcells.sources import load_model, fields_of
det = load_model('models/general/model-int8.onnx')
def spread(fs, n): fs = sorted(fs, key=lambda a: a.path.name); return [fs[i] for i in np.unique(np.linspace(0, len(fs) - 1, min(n, len(fs))).round().astype(int))]
def iou_matrix(b):
    x1 = np.maximum(b[:, None, 0], b[None, :, 0]); y1 = np.maximum(b[:, None, 1], b[None, :, 1]); x2 = np.minimum(b[:, None, 2], b[None, :, 2]); y2 = np.minimum(b[:, None, 3], b[None, :, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None); a = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    return inter / (a[:, None] + a[None] - inter + 1e-9)
def boxes_rbc(img, px, gap, score):
    c = find_cells(det, img, px, 0.25); H, W = img.shape[:2]
    b = c.boxes; keep = np.isin(c.labels, RED) & (c.scores >= score)
    m = iou_matrix(b); np.fill_diagonal(m, 0); lonely = m.max(1, initial=0) <= gap  # touching no other box of any kind
    clear = (b[:, 0] > 2) & (b[:, 1] > 2) & (b[:, 2] < W - 2) & (b[:, 3] < H - 2)
    b = b[keep & lonely & clear]
    return (float(np.median(np.sqrt((b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])))) / BOX_PER_RBC, len(b)) if len(b) >= 5 else (px, len(b))
for src in S.TEST_SOURCES:
    fs = [a for a in spread([a for a in fields_of(src) if a.split == 'val'], 30) if np.isfinite(labelled_rbc_px(a))]
    errs = {}
    for a in fs:
        img, truth = read_image(a.path), labelled_rbc_px(a) / BOX_PER_RBC
        p0 = measure_rbc(det, img)[0]; errs.setdefault('measured', []).append(p0 / truth - 1)
        for gap, score in ((0.0, 0.5), (0.05, 0.7), (0.1, 0.5), (0.2, 0.5), (0.3, 0.5), (1.0, 0.5)):
            p1, n = boxes_rbc(img, p0, gap, score); errs.setdefault(f'lonely {gap} score {score}', []).append(p1 / truth - 1)
    print(src, len(fs), {k: (round(float(np.mean(np.abs(v) <= 0.1)), 3), round(float(np.median(v)), 3)) for k, v in errs.items()}, flush=True)
