"Validation fields only: the detector run once, against run on the field and on its mirror image with the two sets of boxes joined by the runtime's suppression within families (test-time augmentation, at twice the time)."
import numpy as np, bloodcells.sources as S
from bloodcells.core import read_image, family_ids
from bloodcells.detect import nms
from bloodcells.runtime import find_cells, measure_rbc
from probe import fields, family_score, aps
det = S.load_model('models/general/model-int8.onnx')
family, index = family_ids(det.classes), {c: i for i, c in enumerate(det.classes)}

def once_and_mirrored(img, px): # a field; its red-cell size
    "The boxes, labels and scores found in one pass, and those of the pass and the mirrored pass joined."
    a, b = find_cells(det, img, px, 0.05), find_cells(det, np.ascontiguousarray(img[:, ::-1]), px, 0.05)
    back = b.boxes.copy(); back[:, [0, 2]] = img.shape[1] - b.boxes[:, [2, 0]]
    boxes, scores, labels = np.concatenate([a.boxes, back]), np.concatenate([a.scores, b.scores]), list(a.labels) + list(b.labels)
    k = nms(boxes, scores, family[[index[l] for l in labels]], 0.45)
    return (a.boxes, a.labels, a.scores), (boxes[k], [labels[i] for i in k], scores[k])

for src in S.TEST_SOURCES:
    annots = fields(src, 30)
    one, two = zip(*(once_and_mirrored(img, measure_rbc(det, img)[0]) for img in map(read_image, (a.path for a in annots))))
    print(src, len(annots), 'one pass', aps(family_score(annots, one)), 'with mirror', aps(family_score(annots, two)), flush=True)
