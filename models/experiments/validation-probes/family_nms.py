"Validation fields only: per-class NMS (the rule before 2026-12-03) against NMS within each family of classes (the rule since), coarse mAP@0.5 per source."
import sys, numpy as np, bloodcells.runtime as R, bloodcells.sources as S
from bloodcells.core import read_image, family_ids
from bloodcells.metrics import coarse
from bloodcells.evaluate import score
from bloodcells.sources import load_model, fields_of, labelled_rbc_px, BOX_PER_RBC, cells_of
det = load_model('models/general/model-int8.onnx')
n = int(sys.argv[1]) if len(sys.argv) > 1 else 40
for src in S.TEST_SOURCES:
    fs = sorted((a for a in fields_of(src) if a.split == 'val'), key=lambda a: a.path.name)
    fs = [fs[i] for i in np.unique(np.linspace(0, len(fs) - 1, min(n, len(fs))).round().astype(int))]
    res = {}
    for mode in ('class', 'family'):
        R.family_ids = (lambda classes: np.arange(len(classes))) if mode == 'class' else family_ids  # every class its own family: the old rule
        gts, preds = [], []
        for a in fs:
            gts.append((a.boxes, a.labels)); preds.append(cells_of(det, read_image(a.path), None, 0.05))
        r = score([coarse(g) for g in gts], [coarse(p) for p in preds], ('WBC', 'RBC', 'Platelets'), 0.5)
        res[mode] = (round(r['map50'], 4), {c: round(m['ap50'], 3) for c, m in r['per_class'].items() if m['ap50'] is not None}, sum(len(p[0]) for p in preds))
    print(src, len(fs), res, flush=True)
