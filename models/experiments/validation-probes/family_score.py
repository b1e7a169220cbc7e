"Validation fields only: family NMS (A, the rule) against family NMS with the family's summed probability as the score and the type its argmax within (B, not taken)."
import sys, numpy as np, bloodcells.runtime as R, bloodcells.sources as S
from bloodcells.core import COARSE_OF, read_image
from bloodcells.metrics import coarse
from bloodcells.evaluate import score
from bloodcells.sources import load_model, fields_of, cells_of, infected_per_1000
from bloodcells.detect import decode as decode0, sigmoid, softmax, cxcywh2xyxy
det = load_model('models/general/model-int8.onnx')
names = sorted(set(COARSE_OF.get(c, c) for c in det.classes))
fam = np.array([names.index(COARSE_OF.get(c, c)) for c in det.classes])
onehot = np.eye(len(names))[fam]  # (C, F)
def decode_fam(out, anchors, min_score=0.25, stride=16):
    A = len(anchors); _, Gh, Gw = out.shape
    p = out.reshape(A, -1, Gh, Gw).transpose(0, 2, 3, 1)
    gy, gx = np.mgrid[0:Gh, 0:Gw]
    cx, cy = (sigmoid(p[..., 0]) + gx) * stride, (sigmoid(p[..., 1]) + gy) * stride
    w = np.exp(np.clip(p[..., 2], -8, 8)) * anchors[:, 0, None, None] * stride
    h = np.exp(np.clip(p[..., 3], -8, 8)) * anchors[:, 1, None, None] * stride
    probs = softmax(p[..., 5:]); fp = probs @ onehot; f = fp.argmax(-1)
    cls = np.where(fam[None, None, None, :] == f[..., None], probs, -1).argmax(-1)
    score = sigmoid(p[..., 4]) * fp.max(-1); keep = score >= min_score
    boxes = cxcywh2xyxy(np.stack([cx[keep], cy[keep], w[keep], h[keep]], -1))
    return boxes.astype(np.float32), score[keep].astype(np.float32), cls[keep]
n = int(sys.argv[1]) if len(sys.argv) > 1 else 40
for src in S.TEST_SOURCES:
    fs = sorted((a for a in fields_of(src) if a.split == 'val'), key=lambda a: a.path.name)
    fs = [fs[i] for i in np.unique(np.linspace(0, len(fs) - 1, min(n, len(fs))).round().astype(int))]
    res = {}
    for mode in ('A', 'B'):
        R.decode = decode0 if mode == 'A' else decode_fam
        gts, preds = [], []
        for a in fs:
            gts.append((a.boxes, a.labels)); preds.append(cells_of(det, read_image(a.path), None, 0.05))
        r = score([coarse(g) for g in gts], [coarse(p) for p in preds], ('WBC', 'RBC', 'Platelets'), 0.5)
        x = (round(r['map50'], 4), {c: (round(m['ap50'], 3), round(m['recall'], 3), round(m['precision'], 3)) for c, m in r['per_class'].items() if m['ap50'] is not None})
        if src == 'iml': x += (score(gts, preds, det.classes, 0.5)['malaria'],)
        if src in S.DONORS: x += (infected_per_1000(preds, 0.5),)
        res[mode] = x
    print(src, len(fs), res, flush=True)
