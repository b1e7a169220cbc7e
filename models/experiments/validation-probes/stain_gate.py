"Validation photographs of `pbc/` only: the centre white cell typed as `analyze` types it (its window restained from the field's Lab style to the classifier's) against restained only where the field's Lab mean lies further than `near` from the classifier's stain, for the 99th percentile of that distance over PBC's training photographs and other cut-offs (inf: never restained)."
from collections import Counter
import numpy as np, bloodcells.sources as S
from bloodcells.classify import WBC_OF, cell_crop, restain, scale_of, white_typer, white_types
from bloodcells.core import COARSE_OF, WBC_TYPES, read_image
from bloodcells.data import read_pbc
from bloodcells.imaging import lab_style
from bloodcells.runtime import consensus_rbc, find_cells, measure_rbc
det, clf = S.load_model('models/general/model-int8.onnx'), white_typer()
far = lambda style: float(np.linalg.norm(np.subtract(style['mean'], clf.stain['mean'])))  # the field's Lab mean from the classifier's stain
pbc = read_pbc()
train_far = [far(lab_style(read_image(a.path))) for a in pbc if a.split == 'train']
cuts = {'99th percentile of training photographs': float(np.percentile(train_far, 99)), **{str(c): float(c) for c in (0, 10, 15, 30)}, 'never': np.inf}
print({k: round(v, 2) for k, v in cuts.items()})
val = [a for a in pbc if a.split == 'val' and WBC_OF[a.label]]
px, _ = consensus_rbc([measure_rbc(det, read_image(a.path)) for a in val[::max(1, len(val) // 24)]])
right = Counter()
for a in val:
    img = read_image(a.path); c = find_cells(det, img, px, 0.25); centre = np.array(img.shape[1::-1]) / 2
    hit = [i for i, l in enumerate(c.labels) if COARSE_OF.get(l) == 'WBC' and (c.boxes[i, :2] <= centre).all() and (centre <= c.boxes[i, 2:]).all()]
    if not hit: continue
    k = min(hit, key=lambda i: np.linalg.norm((c.boxes[i, :2] + c.boxes[i, 2:]) / 2 - centre))
    win, style = cell_crop(img, clf.size, scale_of(clf, px), (c.boxes[k, :2] + c.boxes[k, 2:]) / 2), lab_style(img)
    for name, near in cuts.items():
        w, none = white_types(clf, clf((restain(win, style, clf.stain) if far(style) > near else win)[None]))
        right[name] += (WBC_TYPES[int(w[0].argmax())] if none[0] < 0.5 else c.labels[k]) == WBC_OF[a.label]
print(f"{len(val)} validation photographs with a white cell, typed right:", {k: round(v / len(val), 4) for k, v in right.items()})
