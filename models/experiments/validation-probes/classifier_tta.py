"Validation photographs of `pbc/` only: the centre white cell typed as `analyze` types it (`second_opinion`, one window per cell) against the classifier's probabilities averaged over the window's eight turns and mirror images."
from collections import Counter
import numpy as np, bloodcells.sources as S
from bloodcells.classify import WBC_OF, cell_crop, restain, scale_of, second_opinion, white_typer, white_types
from bloodcells.core import COARSE_OF, WBC_TYPES, read_image
from bloodcells.data import read_pbc
from bloodcells.imaging import lab_style
from bloodcells.runtime import consensus_rbc, find_cells, measure_rbc
det, clf = S.load_model('models/general/model-int8.onnx'), white_typer()

def turned(win): # a window (size, size, 3)
    "The window's eight turns and mirror images."
    return [np.rot90(w, k) for w in (win, win[:, ::-1]) for k in range(4)]

def centre_type(img, c, k, tta): # the field; its `Cells`; the centre white cell's index; average over turns?
    "The type the classifier gives cell `k` (None where it sees no white cell: the detector's stands)."
    win = restain(cell_crop(img, clf.size, scale_of(clf, c.rbc_px), (c.boxes[k, :2] + c.boxes[k, 2:]) / 2), lab_style(img), clf.stain)
    w, none = white_types(clf, clf(np.stack(turned(win) if tta else [win])).mean(0, keepdims=True))
    return WBC_TYPES[int(w[0].argmax())] if none[0] < 0.5 else c.labels[k]

annots = [a for a in read_pbc() if a.split == 'val' and WBC_OF[a.label]]
px, _ = consensus_rbc([measure_rbc(det, read_image(a.path)) for a in annots[::max(1, len(annots) // 24)]])
right, truths = Counter(), []
for a in annots:
    img = read_image(a.path); c = find_cells(det, img, px, 0.25); centre = np.array(img.shape[1::-1]) / 2
    hit = [i for i, l in enumerate(c.labels) if COARSE_OF.get(l) == 'WBC' and (c.boxes[i, :2] <= centre).all() and (centre <= c.boxes[i, 2:]).all()]
    if not hit: continue
    k = min(hit, key=lambda i: np.linalg.norm((c.boxes[i, :2] + c.boxes[i, 2:]) / 2 - centre)); t = WBC_OF[a.label]
    assert second_opinion(clf, img, c).labels[k] == centre_type(img, c, k, False)  # the probe's one window is analyze's
    for tta in (False, True): right[tta] += centre_type(img, c, k, tta) == t
print(f"{len(annots)} validation photographs with a white cell: typed right, one window {right[False] / len(annots):.4f}, eight turns {right[True] / len(annots):.4f}")
