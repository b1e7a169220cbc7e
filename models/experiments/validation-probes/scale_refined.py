"Validation fields only: `scale_by_boxes.py`'s lone-box rule as the runtime would use it (round cells kept; elsewhere the lone red-cell boxes found at the measured size, the measured size where fewer than three), against `measure_rbc` as it is, and the labelled size as a reference: within 10% of the labels per field and by the consensus of the fields of one image size, and mAP@0.5 in the three families at each."
import sys, numpy as np, bloodcells.sources as S
from bloodcells.core import read_image
from bloodcells.data import labelled_rbc_px, BOX_PER_RBC
from bloodcells.runtime import measure_rbc, consensus_rbc
from probe import fields, found, family_score, aps, lone_boxes_rbc
det = S.load_model('models/general/model-int8.onnx')

def refined(img): # a field
    "The red-cell size and how: `measure_rbc`'s, refined by the lone boxes where it came from the rulers."
    px, how = measure_rbc(det, img)
    b = lone_boxes_rbc(det, img, px) if how == 'multi-scale' else np.nan
    return (b, 'multi-scale') if np.isfinite(b) else (px, how)

def within(rows, key): # per field {truth, shape, key: (px, how)}
    "Share of fields within 10% of the labels, alone and by the consensus per image shape."
    alone = [abs(r[key][0] / r['truth'] - 1) <= 0.1 for r in rows]; cons = []
    for shape in {r['shape'] for r in rows}:
        g = [r for r in rows if r['shape'] == shape]; c, _ = consensus_rbc([r[key] for r in g])
        cons += [abs(c / r['truth'] - 1) <= 0.1 for r in g]
    return round(float(np.mean(alone)), 3), round(float(np.mean(cons)), 3)

most = int(sys.argv[1]) if len(sys.argv) > 1 else 40
for src in S.TEST_SOURCES:
    annots = [a for a in fields(src, most) if np.isfinite(labelled_rbc_px(a))]; rows = []
    for a in annots:
        img = read_image(a.path); truth = labelled_rbc_px(a) / BOX_PER_RBC
        rows.append(dict(truth=truth, shape=img.shape[:2], measured=measure_rbc(det, img), boxes=refined(img), labels=(truth, 'multi-scale')))
    print(src, len(rows), {k: within(rows, k) for k in ('measured', 'boxes')},
          {k: aps(family_score(annots, found(det, annots, [r[k][0] for r in rows]))) for k in ('measured', 'boxes', 'labels')}, flush=True)
