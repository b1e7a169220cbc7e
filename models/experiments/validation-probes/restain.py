"Validation fields of the left-out source: the LOSO model as is, and with each field restained to the mean stain style of its training sources' fields."
import bloodcells.sources as S
from bloodcells.core import read_image
from bloodcells.imaging import lab_style, mean_style, restain
from probe import fields, family_score, aps
for model, left in [('general-no-bccd', 'bccd'), ('general-no-txl_pbc-raabin', 'txl_pbc/raabin'), ('general-no-iml', 'iml')]:
    det = S.load_model(f'models/{model}/model-int8.onnx')
    target = mean_style(lab_style(read_image(a.path)) for s in S.TEST_SOURCES if s != left for a in fields(s, 20, 'train'))
    fs, imgs = fields(left, 40), {}
    imgs['as is'] = [read_image(a.path) for a in fs]; imgs['restained'] = [restain(im, lab_style(im), target) for im in imgs['as is']]
    res = {mode: aps(family_score(fs, [S.cells_of(det, im, None, 0.05) for im in ims])) for mode, ims in imgs.items()}
    print(model, left, len(fs), target, res, flush=True)
