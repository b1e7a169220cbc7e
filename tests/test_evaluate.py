"""`bloodcells export` and `bloodcells evaluate`, run as a user runs them, on every test-set format."""
import json, os, shutil, subprocess
from pathlib import Path
import pytest
from bloodcells.core import CLASSES, xyxy2cxcywh
from bloodcells.data import read_seed002

MODELS = Path(__file__).resolve().parent.parent/'models'
DATA = Path(os.environ['BLOODCELLS_DATA'])  # the tests need the real data: unset, they fail rather than skip
IML_PX, BCCD_PX = '70.1', '88.2'  # each dataset's red-cell diameter, as the cell bank measured it

def run(*args):
    "Run the console script; returns the completed process."
    return subprocess.run(['bloodcells', *map(str, args)], capture_output=True, text=True, timeout=900)

def result(path, classes):
    "The JSON that `evaluate --json` wrote, checked for the keys every result has."
    r = json.loads(Path(path).read_text())
    assert {'map50', 'map30', 'map50_95', 'per_class'} <= set(r)
    for c in classes: assert {'ap50', 'precision', 'recall', 'f1', 'count_error'} <= set(r['per_class'][c]), c
    return r

@pytest.fixture(scope='module')
def synth_set(tmp_path_factory):
    "60 synthetic test-split images with seed-002 labels and a COCO file."
    out = tmp_path_factory.mktemp('synth')
    r = run('synth', '--out', out, '--n', 60, '--split', 'test', '--workers', 2)
    assert r.returncode == 0, r.stderr
    return out

def test_seed002_and_coco_give_the_same_numbers(synth_set, tmp_path):
    for fmt, data in [('seed002', synth_set), ('coco', synth_set/'test.json')]:
        r = run('evaluate', '--model', MODELS/'smear10'/'model.onnx', '--data', data, '--format', fmt, '--rbc-px', 36, '--json', tmp_path/f'{fmt}.json')
        assert r.returncode == 0, r.stderr
        assert 'mAP@0.5' in r.stdout and 'True Infected' in r.stdout
        res = result(tmp_path/f'{fmt}.json', ['HealthyRBC', 'InfectedRBC'])
        assert {'per_cell', 'per_image', 'precision', 'recall', 'specificity', 'parasitemia_mae'} <= set(res['malaria'])
        assert res['map50'] > 0.5, res['map50']
    a, b = (json.loads((tmp_path/f'{f}.json').read_text()) for f in ('seed002', 'coco'))
    assert abs(a['map50'] - b['map50']) < 1e-6 and a['malaria']['per_cell'] == b['malaria']['per_cell']

def test_yolo_with_class_names_and_a_checkpoint(synth_set, tmp_path):
    yolo = tmp_path/'yolo'; (yolo/'labels').mkdir(parents=True)
    shutil.copytree(synth_set/'images', yolo/'images')
    (yolo/'classes.txt').write_text('\n'.join(CLASSES))
    for a in read_seed002(synth_set):
        w, h = a.size
        lines = [f"{CLASSES.index(l)} {cx / w:.6f} {cy / h:.6f} {bw / w:.6f} {bh / h:.6f}" for l, (cx, cy, bw, bh) in zip(a.labels, xyxy2cxcywh(a.boxes))]
        (yolo/'labels'/f'{a.path.stem}.txt').write_text('\n'.join(lines))
    r = run('evaluate', '--model', MODELS/'smear10'/'model.pth', '--data', yolo, '--format', 'yolo', '--rbc-px', 36, '--json', tmp_path/'yolo.json')
    assert r.returncode == 0, r.stderr
    assert result(tmp_path/'yolo.json', ['HealthyRBC'])['map50'] > 0.5

def test_export_writes_an_onnx_model(tmp_path):
    r = run('export', MODELS/'smear10'/'model.pth', '--out', tmp_path/'smear10.onnx')
    assert r.returncode == 0, r.stderr
    from bloodcells.runtime import Detector
    assert Detector(tmp_path/'smear10.onnx').classes == CLASSES

def test_voc_bccd_three_classes_and_coarse(tmp_path):
    bccd = DATA/'bccd'/'BCCD'
    r = run('evaluate', '--model', MODELS/'bccd3'/'model-int8.onnx', '--data', bccd, '--format', 'voc', '--split', 'test', '--rbc-px', BCCD_PX, '--json', tmp_path/'b3.json')
    assert r.returncode == 0, r.stderr
    assert result(tmp_path/'b3.json', ['WBC', 'RBC', 'Platelets'])['images'] == 72
    r = run('evaluate', '--model', MODELS/'smear10'/'model.onnx', '--data', bccd, '--format', 'voc', '--split', 'test', '--rbc-px', BCCD_PX, '--coarse', '--json', tmp_path/'s10.json')
    assert r.returncode == 0, r.stderr
    assert result(tmp_path/'s10.json', ['WBC', 'RBC', 'Platelets'])['coarse'] is True
    r = run('evaluate', '--model', MODELS/'smear10'/'model.onnx', '--data', bccd, '--format', 'voc', '--split', 'test', '--rbc-px', BCCD_PX)
    assert r.returncode == 2 and 'try --coarse' in r.stderr and 'Traceback' not in r.stderr

def test_iml_malaria_test_split(tmp_path):
    r = run('evaluate', '--model', MODELS/'iml-malaria'/'model-int8.onnx', '--data', DATA/'iml_malaria', '--format', 'iml', '--split', 'test', '--rbc-px', IML_PX, '--json', tmp_path/'iml.json')
    assert r.returncode == 0, r.stderr
    res = result(tmp_path/'iml.json', ['HealthyRBC', 'InfectedRBC'])
    assert res['images'] == 30 and 'malaria' in res

def test_bad_input_is_named(tmp_path):
    r = run('evaluate', '--model', MODELS/'smear10'/'model.onnx', '--data', tmp_path/'nowhere', '--format', 'voc')
    assert r.returncode == 2 and 'nowhere' in r.stderr
    (tmp_path/'images').mkdir()
    r = run('evaluate', '--model', MODELS/'smear10'/'model.onnx', '--data', tmp_path, '--format', 'yolo')
    assert r.returncode == 2 and 'classes.txt' in r.stderr
    (tmp_path/'fake.onnx').write_text('not a model')
    r = run('evaluate', '--model', tmp_path/'fake.onnx', '--data', DATA/'iml_malaria', '--format', 'iml', '--split', 'test')
    assert r.returncode == 2 and 'fake.onnx' in r.stderr and 'Traceback' not in r.stderr
