"A classifier file on the white cells of 100 synthetic slides of a split (`02_synth`'s `make_slide`), each cut at its true box as `16_classify`'s slow cells cut them: slides as they are, every slide restained to the classifier's stain, and restained only where its Lab mean lies further from the stain than PBC's training photographs' 99th percentile (`stain_gate.py`'s rule); and the same three on the slides within that cut-off alone. Run with `git show f066ebf:models/pbc8/cellnet.onnx` (the old classifier) and the shipped one, on 'val' (the choice) and 'test'."
import sys, numpy as np
from bloodcells.classify import CellClassifier, cell_crop, scale_of, white_types
from bloodcells.core import WBC_TYPES, read_image
from bloodcells.data import read_pbc
from bloodcells.imaging import lab_style, restain
from bloodcells.synth import RBC_PX, get_bank, make_slide
clf, split = CellClassifier(sys.argv[1]), sys.argv[2]
far = lambda style: float(np.linalg.norm(np.subtract(style['mean'], clf.stain['mean'])))  # a style's Lab mean from the classifier's stain
near = float(np.percentile([far(lab_style(read_image(a.path))) for a in read_pbc() if a.split == 'train'], 99))
slides = [make_slide(get_bank(), split, i) for i in range(100)]
cells = [(s, l, b) for s in slides for l, b in zip(s.labels, s.boxes) if l in WBC_TYPES]
is_near = np.array([far(lab_style(s.image)) <= near for s, _, _ in cells])
ways = {'as they are': lambda s: s.image, 'restained': lambda s: restain(s.image, lab_style(s.image), clf.stain),
        'restained where far': lambda s: s.image if far(lab_style(s.image)) <= near else restain(s.image, lab_style(s.image), clf.stain)}
out = {}
for name, field in ways.items():
    fields = {id(s): field(s) for s in slides}
    w, _ = white_types(clf, clf(np.stack([cell_crop(fields[id(s)], clf.size, scale_of(clf, RBC_PX), ((b[0] + b[2]) / 2, (b[1] + b[3]) / 2)) for s, _, b in cells])))
    right = np.array([WBC_TYPES[k] == l for k, (_, l, _) in zip(w.argmax(1), cells)])
    out[name] = (round(float(right.mean()), 3), round(float(right[is_near].mean()), 3))
print(f"{sys.argv[1]}, {split} slides: {len(cells)} white cells ({int(is_near.sum())} on slides within {near:.1f} of the stain); typed right (all, those near):", out)
