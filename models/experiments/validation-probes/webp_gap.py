"Validation photographs of `pbc/` only, each read alone: a classifier's accuracy on its windows as they are, and put through the codecs its training windows could be stored in (WebP quality 85 keeps colour at half resolution; JPEG quality 90 at full or half). Run with the classifier trained on WebP windows (`git show f066ebf:models/pbc8/cellnet.onnx`): the codec it learnt through is the one that helps it."
import sys, numpy as np, cv2
from bloodcells.classify import CellClassifier, cell_crop, scale_of
from bloodcells.core import read_image
from bloodcells.data import read_pbc
clf = CellClassifier(sys.argv[1]); val = [a for a in read_pbc() if a.split == 'val']

def through(ext, params): # a codec's file extension and OpenCV parameters
    "An RGB window encoded and decoded by that codec."
    return lambda w: cv2.imdecode(cv2.imencode(ext, w[..., ::-1], params)[1], cv2.IMREAD_COLOR)[..., ::-1]

def accuracy(codec): # a function of an RGB window
    "Share of the validation photographs whose window, passed through `codec`, the classifier calls right."
    p = np.concatenate([clf(np.stack([codec(cell_crop(read_image(a.path), clf.size, scale_of(clf))) for a in val[i:i + 64]])) for i in range(0, len(val), 64)])
    return round(float(np.mean([clf.classes[k] == a.label for k, a in zip(p.argmax(1), val)])), 4)

print(sys.argv[1], len(val), {name: accuracy(c) for name, c in [('as they are', lambda w: w), ('WebP 85', through('.webp', [cv2.IMWRITE_WEBP_QUALITY, 85])),
      ('JPEG 90, full colour', through('.jpg', [cv2.IMWRITE_JPEG_QUALITY, 90, cv2.IMWRITE_JPEG_SAMPLING_FACTOR, cv2.IMWRITE_JPEG_SAMPLING_FACTOR_444])),
      ('JPEG 90, half colour', through('.jpg', [cv2.IMWRITE_JPEG_QUALITY, 90]))]})
