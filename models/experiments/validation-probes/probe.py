"What the probes share: a source's fields of one split, evenly spread (`bloodcells.confusion.spread`), a model's cells on them, and their scores in the three families, and the red-cell size read off its lone red-cell boxes."
import numpy as np
from bloodcells.confusion import spread
from bloodcells.core import RED, box_area, box_iou, read_image
from bloodcells.data import BOX_PER_RBC
from bloodcells.evaluate import score
from bloodcells.metrics import coarse
from bloodcells.runtime import find_cells
from bloodcells.sources import cells_of, fields_of

def fields(source, most, split='val'): # one of `TEST_SOURCES`; at most this many; never 'test'
    "At most `most` of `source`'s fields of `split`, evenly spread over their names."
    return spread(sorted((a for a in fields_of(source) if a.split == split), key=lambda a: a.path.name), most)

def found(det, annots, px=None): # a `Detector`; fields; their red-cell sizes (None: measured)
    "Per field, the boxes, labels and scores `det` finds at score 0.05, as `evaluate_source` asks for them."
    return [cells_of(det, read_image(a.path), None if px is None else px[i], 0.05) for i, a in enumerate(annots)]

def family_score(annots, preds): # fields; per field (boxes, labels, scores)
    "`score` of `preds` against the fields' labels, both in the three families, at score 0.5."
    return score([coarse((a.boxes, a.labels)) for a in annots], [coarse(p) for p in preds], ('WBC', 'RBC', 'Platelets'), 0.5)

def aps(r): # a `score` result
    "mAP@0.5 and each class's AP@0.5, rounded."
    return round(r['map50'], 4), {c: round(m['ap50'], 3) for c, m in r['per_class'].items() if m['ap50'] is not None}

def lone_boxes_rbc(det, img, px, gap=0.1): # a `Detector`; a field; its red-cell size so far; largest overlap with another box (1: any)
    "The field's red-cell size read off `det`'s confident (>= 0.5) red-cell boxes found at `px`, clear of the edge, that overlap no other box by more than `gap`: their median sqrt(w*h) over `BOX_PER_RBC`; NaN where fewer than three."
    c = find_cells(det, img, px, 0.25); b = c.boxes; H, W = img.shape[:2]
    alone = (box_iou(b, b) - np.eye(len(b))).max(1, initial=0) <= gap
    keep = np.isin(c.labels, RED) & (c.scores >= 0.5) & alone & (b[:, 0] > 2) & (b[:, 1] > 2) & (b[:, 2] < W - 2) & (b[:, 3] < H - 2)
    return float(np.median(np.sqrt(box_area(b[keep])))) / BOX_PER_RBC if keep.sum() >= 3 else np.nan
