"Validation fields only: the NMS overlap of raw_cells, 0.45 (the rule) against 0.55 and 0.65, coarse AP@0.5 per source."
import numpy as np, bloodcells.runtime as R, bloodcells.sources as S
from bloodcells.core import read_image
from bloodcells.metrics import coarse
from bloodcells.evaluate import score
from bloodcells.sources import load_model, fields_of, cells_of
det = load_model('models/general/model-int8.onnx')
def spread(fs, n): fs = sorted(fs, key=lambda a: a.path.name); return [fs[i] for i in np.unique(np.linspace(0, len(fs) - 1, min(n, len(fs))).round().astype(int))]
raw = R.raw_cells
for src in S.TEST_SOURCES:
    fs = spread([a for a in fields_of(src) if a.split == 'val'], 30); imgs = [read_image(a.path) for a in fs]
    px = [R.measure_rbc(det, im)[0] for im in imgs]
    res = {}
    for iou in (0.45, 0.55, 0.65):
        R.raw_cells = lambda d, img, min_score=0.25, iou=iou, **kw: raw(d, img, min_score, iou, **kw)
        preds = [cells_of(det, im, p, 0.05) for im, p in zip(imgs, px)]
        r = score([coarse((a.boxes, a.labels)) for a in fs], [coarse(p) for p in preds], ('WBC', 'RBC', 'Platelets'), 0.5)
        res[iou] = (round(r['map50'], 4), {c: round(m['ap50'], 3) for c, m in r['per_class'].items() if m['ap50'] is not None})
    R.raw_cells = raw
    print(src, len(fs), res, flush=True)
