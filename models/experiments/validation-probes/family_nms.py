"Validation fields only: per-class NMS (the rule before 2026-12-03) against NMS within each family of classes (the rule since), coarse mAP@0.5 per source."
import sys, numpy as np, bloodcells.runtime as R, bloodcells.sources as S
from bloodcells.core import family_ids
from probe import fields, found, family_score, aps
det = S.load_model('models/general/model-int8.onnx')
n = int(sys.argv[1]) if len(sys.argv) > 1 else 40
for src in S.TEST_SOURCES:
    fs, res = fields(src, n), {}
    for mode in ('class', 'family'):
        R.family_ids = (lambda classes: np.arange(len(classes))) if mode == 'class' else family_ids  # every class its own family: the old rule
        preds = found(det, fs)
        res[mode] = (*aps(family_score(fs, preds)), sum(len(p[0]) for p in preds))
    print(src, len(fs), res, flush=True)
