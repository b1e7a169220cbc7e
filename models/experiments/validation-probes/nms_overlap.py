"Validation fields only: the NMS overlap of raw_cells, 0.45 (the rule) against 0.55 and 0.65, coarse AP@0.5 per source."
import bloodcells.runtime as R, bloodcells.sources as S
from bloodcells.core import read_image
from probe import fields, family_score, aps
det = S.load_model('models/general/model-int8.onnx')
raw = R.raw_cells
for src in S.TEST_SOURCES:
    fs = fields(src, 30); imgs = [read_image(a.path) for a in fs]
    px = [R.measure_rbc(det, im)[0] for im in imgs]  # each field measured once, at the rule's overlap
    res = {}
    for iou in (0.45, 0.55, 0.65):
        R.raw_cells = lambda d, img, min_score=0.25, iou=iou, **kw: raw(d, img, min_score, iou, **kw)
        res[iou] = aps(family_score(fs, [S.cells_of(det, im, p, 0.05) for im, p in zip(imgs, px)]))
    R.raw_cells = raw
    print(src, len(fs), res, flush=True)
