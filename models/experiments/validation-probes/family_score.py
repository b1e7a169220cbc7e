"Validation fields only: family NMS (A, the rule) against family NMS with the family's summed probability as the score and the type its argmax within (B, not taken)."
import sys, numpy as np, bloodcells.runtime as R, bloodcells.sources as S
from bloodcells.core import COARSE_OF
from bloodcells.evaluate import score
from bloodcells.sources import load_model, infected_per_1000
from probe import fields, found, family_score
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
    fs, res = fields(src, n), {}
    for mode in ('A', 'B'):
        R.decode = decode0 if mode == 'A' else decode_fam
        preds = found(det, fs); r = family_score(fs, preds)
        x = (round(r['map50'], 4), {c: (round(m['ap50'], 3), round(m['recall'], 3), round(m['precision'], 3)) for c, m in r['per_class'].items() if m['ap50'] is not None})
        if src == 'iml': x += (score([(a.boxes, a.labels) for a in fs], preds, det.classes, 0.5)['malaria'],)
        if src in S.DONORS: x += (infected_per_1000(preds, 0.5),)
        res[mode] = x
    print(src, len(fs), res, flush=True)
