"Validation fields of the left-out source: the LOSO model as is, and with each field restained to the mean stain style of its training sources' fields."
import sys, numpy as np, bloodcells.sources as S
from bloodcells.core import read_image
from bloodcells.imaging import lab_style, mean_style, restain
from bloodcells.metrics import coarse
from bloodcells.evaluate import score
from bloodcells.sources import load_model, fields_of, cells_of
def spread(fs, n): fs = sorted(fs, key=lambda a: a.path.name); return [fs[i] for i in np.unique(np.linspace(0, len(fs) - 1, min(n, len(fs))).round().astype(int))]
for model, left in [('general-no-bccd', 'bccd'), ('general-no-txl_pbc-raabin', 'txl_pbc/raabin'), ('general-no-iml', 'iml')]:
    det = load_model(f'models/{model}/model-int8.onnx')
    target = mean_style(lab_style(read_image(a.path)) for s in S.TEST_SOURCES if s != left for a in spread([a for a in fields_of(s) if a.split == 'train'], 20))
    fs = spread([a for a in fields_of(left) if a.split == 'val'], 40)
    res = {}
    for mode in ('as is', 'restained'):
        gts, preds = [], []
        for a in fs:
            img = read_image(a.path)
            if mode == 'restained': img = restain(img, lab_style(img), target)
            gts.append((a.boxes, a.labels)); preds.append(cells_of(det, img, None, 0.05))
        r = score([coarse(g) for g in gts], [coarse(p) for p in preds], ('WBC', 'RBC', 'Platelets'), 0.5)
        res[mode] = (round(r['map50'], 4), {c: round(m['ap50'], 3) for c, m in r['per_class'].items() if m['ap50'] is not None})
    print(model, left, len(fs), target, res, flush=True)
