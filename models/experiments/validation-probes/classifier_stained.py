"Validation photographs of `pbc/` only: the centre white cell typed as `analyze` types it (`second_opinion`) by a classifier file, and that classifier's accuracy on PBC's validation photographs each read alone (`evaluate_cells`). Run with the classifier trained on PBC's photographs as they are (`git show f066ebf:models/pbc8/cellnet.onnx`) at that commit's code, and with the one trained on them brought to their average stain at this code."
import sys, numpy as np, bloodcells.sources as S
from bloodcells.classify import WBC_OF, CellClassifier, evaluate_cells, second_opinion
from bloodcells.core import COARSE_OF, read_image
from bloodcells.data import dataset_dir, read_pbc
from bloodcells.runtime import consensus_rbc, find_cells, measure_rbc
det, clf = S.load_model('models/general/model-int8.onnx'), CellClassifier(sys.argv[1])
val = [a for a in read_pbc() if a.split == 'val' and WBC_OF[a.label]]
px, _ = consensus_rbc([measure_rbc(det, read_image(a.path)) for a in val[::max(1, len(val) // 24)]])
right = 0
for a in val:
    img = read_image(a.path); c = find_cells(det, img, px, 0.25); centre = np.array(img.shape[1::-1]) / 2
    hit = [i for i, l in enumerate(c.labels) if COARSE_OF.get(l) == 'WBC' and (c.boxes[i, :2] <= centre).all() and (centre <= c.boxes[i, 2:]).all()]
    if hit: right += second_opinion(clf, img, c).labels[min(hit, key=lambda i: np.linalg.norm((c.boxes[i, :2] + c.boxes[i, 2:]) / 2 - centre))] == WBC_OF[a.label]
print(f"{sys.argv[1]}: centre white cell typed right on {right / len(val):.4f} of {len(val)} validation photographs; each photograph alone, accuracy {evaluate_cells(clf, dataset_dir('pbc'), 'val')['accuracy']:.4f}")
