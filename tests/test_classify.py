"""`bloodcells classify` and `bloodcells evaluate-cells`, run as a user runs them, on real PBC photographs."""
import json, os, subprocess, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT/'models'/'pbc8'/'cellnet.onnx'

def run(*args):
    "Run the console script; returns the completed process."
    return subprocess.run(['bloodcells', *map(str, args)], capture_output=True, text=True, timeout=300)

@pytest.fixture(scope='module')
def pbc():
    "PBC's folder (the tests need BLOODCELLS_DATA: without it they fail, not skip)."
    assert os.environ.get('BLOODCELLS_DATA'), 'set BLOODCELLS_DATA to the shared data folder'
    folder = Path(os.environ['BLOODCELLS_DATA'])/'pbc'
    assert len(list(folder.glob('*/*.jpg'))) == 4800, f'{folder}: PBC is not all there'
    return folder

def test_classify_prints_class_and_probabilities(pbc):
    images = [sorted((pbc/c).glob('*.jpg'))[0] for c in ('eosinophil', 'lymphocyte')]
    r = run('classify', *images)
    assert r.returncode == 0, r.stderr
    for p in images: assert f'{p}: ' in r.stdout
    assert r.stdout.count('platelet') == 2 and '█' in r.stdout

def test_classify_json(pbc):
    images = [sorted((pbc/c).glob('*.jpg'))[-1] for c in ('basophil', 'monocyte', 'platelet')]
    r = run('classify', *images, '--model', MODEL, '--json')
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert [o['image'] for o in out] == list(map(str, images))
    for o in out:
        assert set(o) == {'image', 'class', 'probabilities'} and len(o['probabilities']) == 8
        assert abs(sum(o['probabilities'].values()) - 1) < 1e-4 and o['class'] == max(o['probabilities'], key=o['probabilities'].get)
    assert sum(o['class'] == Path(o['image']).parent.name for o in out) >= 2

def test_evaluate_cells_on_pbc_test_split(pbc, tmp_path):
    r = run('evaluate-cells', '--model', MODEL, '--data', pbc, '--split', 'test', '--json', tmp_path/'eval.json')
    assert r.returncode == 0, r.stderr
    assert 'accuracy' in r.stdout and 'recall' in r.stdout
    ev = json.loads((tmp_path/'eval.json').read_text())
    assert {'accuracy', 'per_class'} <= set(ev) and ev['n'] == 480
    assert ev['accuracy'] >= 0.95
    for c, v in ev['per_class'].items(): assert set(v) == {'recall', 'precision', 'n'} and v['n'] > 40, (c, v)

def test_missing_folder_is_named(tmp_path):
    r = run('evaluate-cells', '--model', MODEL, '--data', tmp_path/'nowhere')
    assert r.returncode == 2 and str(tmp_path/'nowhere') in r.stderr and 'Traceback' not in r.stderr

def test_folder_without_class_folders_is_named(tmp_path):
    r = run('evaluate-cells', '--model', MODEL, '--data', tmp_path)
    assert r.returncode == 2 and str(tmp_path) in r.stderr and 'Traceback' not in r.stderr

def test_unknown_class_folder_is_named(pbc, tmp_path):
    (tmp_path/'Neutrophils').mkdir(); (tmp_path/'Neutrophils'/'a.jpg').symlink_to(sorted((pbc/'neutrophil').glob('*.jpg'))[0])
    r = run('evaluate-cells', '--model', MODEL, '--data', tmp_path)
    assert r.returncode == 2 and 'Neutrophils' in r.stderr and 'Traceback' not in r.stderr

def test_not_an_image_is_named(pbc, tmp_path):
    fake = tmp_path/'cell.jpg'; fake.write_text('not a picture')
    r = run('classify', sorted((pbc/'ig').glob('*.jpg'))[0], fake)
    assert r.returncode == 2 and str(fake) in r.stderr and 'Traceback' not in r.stderr
    (tmp_path/'ig').mkdir(); fake.rename(tmp_path/'ig'/'cell.jpg')
    r = run('evaluate-cells', '--model', MODEL, '--data', tmp_path)
    assert r.returncode == 2 and str(tmp_path/'ig'/'cell.jpg') in r.stderr and 'Traceback' not in r.stderr

def test_missing_image_is_named(tmp_path):
    r = run('classify', tmp_path/'gone.jpg')
    assert r.returncode == 2 and str(tmp_path/'gone.jpg') in r.stderr

@pytest.mark.parametrize('model', ['garbage', 'missing', 'detector'])
def test_wrong_model_file_is_named(pbc, tmp_path, model):
    path = {'garbage': tmp_path/'bad.onnx', 'missing': tmp_path/'none.onnx', 'detector': ROOT/'models'/'smear10'/'model.onnx'}[model]
    if model == 'garbage': path.write_bytes(b'\x08\x01 not a model')
    image = sorted((pbc/'basophil').glob('*.jpg'))[0]
    for r in (run('classify', image, '--model', path), run('evaluate-cells', '--model', path, '--data', pbc)):
        assert r.returncode == 2 and str(path) in r.stderr and 'Traceback' not in r.stderr, r.stderr

def test_classify_module_does_not_import_torch():
    code = "import sys, bloodcells.classify; bad = {'torch', 'fastai', 'matplotlib'} & set(sys.modules); assert not bad, bad"
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
