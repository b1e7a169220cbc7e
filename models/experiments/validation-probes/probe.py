"What the probes share: a source's fields of one split, evenly spread (`bloodcells.confusion.spread`), a model's cells on them, and their scores in the three families."
from bloodcells.confusion import spread
from bloodcells.core import read_image
from bloodcells.evaluate import score
from bloodcells.metrics import coarse
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
