"""The runtime imports and finds cells in an environment where torch and fastai are not installed: a fresh virtual
environment with only the base dependencies that pyproject.toml declares, as on the Raspberry Pi."""
import json, os, subprocess, sys, tomllib
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
MODELS = ROOT/'models'/'smear10'

CHECK = r'''
import importlib.util, json, sys
from bloodcells.core import read_image
from bloodcells.data import read_iml_malaria
from bloodcells.runtime import Detector, find_cells
field = next(a for a in read_iml_malaria() if a.split == 'test')
found = {}
for path in sys.argv[1:]:
    cells = find_cells(Detector(path), read_image(field.path), min_score=0.4)
    found[path] = dict(cells=len(cells), counts=cells.counts(), rbc_px=cells.rbc_px)
print(json.dumps(dict(field=field.path.name, found=found, python=sys.executable,
                      installed=[m for m in ('torch', 'fastai') if importlib.util.find_spec(m)],
                      imported=[m for m in sys.modules if m.split('.')[0] in ('torch', 'fastai')])))
'''

@pytest.fixture(scope='module')
def bare_python(tmp_path_factory):
    "The interpreter of a new virtual environment holding only the base dependencies of pyproject.toml."
    env = tmp_path_factory.mktemp('bare')/'venv'
    subprocess.run([sys.executable, '-m', 'venv', str(env)], check=True, timeout=120)
    python = env/'bin'/'python'
    deps = tomllib.loads((ROOT/'pyproject.toml').read_text())['project']['dependencies']
    r = subprocess.run([str(python), '-m', 'pip', 'install', '--quiet', *deps], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    return python

@pytest.fixture(scope='module')
def int8_model(tmp_path_factory):
    "The shipped int8 model, or one quantized now where none is shipped."
    shipped = MODELS/'model-int8.onnx'
    if shipped.exists(): return shipped
    from bloodcells.quantize import quantize_int8
    return quantize_int8(MODELS/'model.onnx', tmp_path_factory.mktemp('int8')/'model-int8.onnx')

def test_runtime_runs_without_torch_or_fastai(bare_python, int8_model):
    assert os.environ.get('BLOODCELLS_DATA'), 'set BLOODCELLS_DATA to the shared data folder'
    env = {k: v for k, v in os.environ.items() if k not in ('PYTHONPATH', 'VIRTUAL_ENV')} | {'PYTHONPATH': str(ROOT)}
    models = [MODELS/'model.onnx', int8_model]
    r = subprocess.run([str(bare_python), '-c', CHECK, *map(str, models)], capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out['python'].startswith(str(bare_python.parent)) and out['installed'] == [] and out['imported'] == [], out
    fp32, int8 = (out['found'][str(m)] for m in models)
    assert fp32['cells'] > 50 and 50 < fp32['rbc_px'] < 90, fp32  # an IML field: about 70 px per red cell
    assert abs(int8['cells'] - fp32['cells']) <= 0.05 * fp32['cells'], (fp32, int8)
