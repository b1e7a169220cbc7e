"""The scale never stops a run: `evaluate` goes on past a field it cannot use, `calibrate` writes a microscope profile that `analyze` and `evaluate` take, and a field whose red cells cannot be measured still gets its cells."""
import json, os, subprocess
from pathlib import Path
import cv2, numpy as np, pytest
from bloodcells.core import COARSE, xyxy2cxcywh, read_image
from bloodcells.data import read_voc_dir

MODELS = Path(__file__).resolve().parent.parent/'models'
DATA = Path(os.environ['BLOODCELLS_DATA'])  # the tests need the real data: unset, they fail rather than skip
IML_MODEL = MODELS/'iml-malaria'/'model-int8.onnx'

def run(*args, env=None):
    "Run the console script; returns the completed process."
    return subprocess.run(['bloodcells', *map(str, args)], capture_output=True, text=True, timeout=900, env={**os.environ, **(env or {})})

@pytest.fixture(scope='module')
def bccd_with_a_blank(tmp_path_factory):
    "A YOLO test set of three real BCCD test fields and one blank white field."
    out = tmp_path_factory.mktemp('bccd-blank'); (out/'images').mkdir(); (out/'labels').mkdir()
    (out/'classes.txt').write_text('\n'.join(COARSE))
    for a in read_voc_dir(DATA/'bccd'/'BCCD', 'test')[:3]:
        (out/'images'/a.path.name).symlink_to(a.path)
        w, h = a.size
        (out/'labels'/f'{a.path.stem}.txt').write_text('\n'.join(f"{COARSE.index(l)} {cx / w:.6f} {cy / h:.6f} {bw / w:.6f} {bh / h:.6f}" for l, (cx, cy, bw, bh) in zip(a.labels, xyxy2cxcywh(a.boxes))))
    cv2.imwrite(str(out/'images'/'blank.png'), np.full((480, 640, 3), 235, np.uint8))
    return out

@pytest.mark.parametrize('model', ['smear10', 'bccd3'])
def test_evaluate_goes_on_past_a_field_it_cannot_use(bccd_with_a_blank, tmp_path, model):
    "No scale given: every field is measured; the blank one, where nothing is found, is named in `skipped` and the others scored, in BCCD's classes with a 10-class and a 3-class model alike."
    r = run('evaluate', '--model', MODELS/model/'model-int8.onnx', '--data', bccd_with_a_blank, '--format', 'yolo', '--coarse', '--json', tmp_path/'r.json')
    assert r.returncode == 0, r.stderr
    res = json.loads((tmp_path/'r.json').read_text())
    assert [s['field'] for s in res['skipped']] == ['blank.png'] and 'nothing found' in res['skipped'][0]['reason'] and 'skipped blank.png' in r.stdout
    assert res['images'] == 3 and len(res['fields']) == 3 and {f['scale_from'] for f in res['fields']} == {'multi-scale'}
    assert res['per_class']['RBC']['ap50'] > 0.3, res['per_class']['RBC']

@pytest.fixture(scope='module')
def profile(fields, tmp_path_factory):
    "A microscope profile written by `bloodcells calibrate` from two real IML test fields."
    out = tmp_path_factory.mktemp('profile')/'microscope.json'
    r = run('calibrate', fields[0], fields[1], '--model', IML_MODEL, '--out', out)
    assert r.returncode == 0, r.stderr
    assert 'wrote' in r.stdout
    return out

def test_calibrate_writes_a_profile(profile, fields):
    p = json.loads(profile.read_text())
    assert abs(p['rbc_px'] / 70.1 - 1) < 0.1, p['rbc_px']  # IML's red cells, as the cell bank measured them on its labelled cells
    assert abs(p['um_per_px'] - 7.5 / p['rbc_px']) < 1e-4 and p['um_per_px_from'].startswith('red cells')
    assert set(p['fields']) == {fields[0].name, fields[1].name} and len(p['lab_mean']) == len(p['lab_std']) == 3 and p['date']

def test_analyze_takes_the_profile(profile, fields, tmp_path):
    "The report's red-cell size is the profile's, from --profile or from $BLOODCELLS_PROFILE; --rbc-px still wins."
    rbc_px = json.loads(profile.read_text())['rbc_px']
    for out, args, env in [('flag', ['--profile', profile], None), ('env', [], {'BLOODCELLS_PROFILE': str(profile)}), ('given', ['--profile', profile, '--rbc-px', 50], None)]:
        r = run('analyze', fields[2], '--model', IML_MODEL, '--out', tmp_path/out, *args, env=env)
        assert r.returncode == 0, r.stderr
        scales = json.loads((tmp_path/out/'report.json').read_text())['field_scales']
        assert scales == [dict(field=fields[2].name, rbc_px=50.0 if out == 'given' else rbc_px, scale_from='given' if out == 'given' else 'profile')], (out, scales)

def test_evaluate_takes_the_profile(profile, tmp_path):
    r = run('evaluate', '--model', IML_MODEL, '--data', DATA/'iml_malaria', '--format', 'iml', '--split', 'test', '--profile', profile, '--json', tmp_path/'iml.json')
    assert r.returncode == 0, r.stderr
    res = json.loads((tmp_path/'iml.json').read_text())
    assert res['images'] == 30 and {f['rbc_px'] for f in res['fields']} == {round(json.loads(profile.read_text())['rbc_px'], 1)}

def test_a_bad_profile_is_named(tmp_path, fields):
    (tmp_path/'bad.json').write_text('{"rbc_px": "large"}')
    for p in ('bad.json', 'missing.json'):
        for cmd in (['analyze', fields[0], '--out', tmp_path/'out'], ['evaluate', '--data', DATA/'iml_malaria', '--format', 'iml', '--split', 'test']):
            r = run(*cmd, '--model', IML_MODEL, '--profile', tmp_path/p)
            assert r.returncode == 2 and p in r.stderr and 'Traceback' not in r.stderr, r.stderr

def test_a_field_without_a_measurable_scale_still_gets_its_cells():
    "BCCD's crowded fields have too few separate round cells to measure (`bloodcells evaluate` used to stop at this one); the three rulers measure it instead."
    from bloodcells.runtime import Detector, ScaleError, find_cells, round_cells_rbc
    img = read_image(DATA/'bccd'/'BCCD'/'JPEGImages'/'BloodImage_00007.jpg')
    with pytest.raises(ScaleError): round_cells_rbc(img)
    cells = find_cells(Detector(MODELS/'smear10'/'model-int8.onnx'), img, min_score=0.5)
    assert cells.scale_from == 'multi-scale' and 60 < cells.rbc_px < 130 and cells.counts().get('HealthyRBC', 0) >= 10, (cells.rbc_px, cells.counts())
