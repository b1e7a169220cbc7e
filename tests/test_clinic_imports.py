"""The clinic's modules load nothing they do not run: each, imported alone in a fresh interpreter, leaves the cell bank
(`synth`), the data loaders (`data`), training (`train`), torch, fastai and matplotlib unloaded."""
import json, subprocess, sys
import pytest

CLINIC = ['imaging', 'runtime', 'classify', 'gate', 'report', 'server']
FORBIDDEN = ['bloodcells.synth', 'bloodcells.data', 'bloodcells.train', 'torch', 'fastai', 'matplotlib']

@pytest.mark.parametrize('module', CLINIC)
def test_clinic_module_imports_nothing_it_does_not_run(module):
    code = f"import json, sys, bloodcells.{module}; print(json.dumps([m for m in {FORBIDDEN!r} if m in sys.modules]))"
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout.splitlines()[-1]) == [], f"importing bloodcells.{module} loads {r.stdout.strip()}"

def test_the_check_sees_a_forbidden_import():
    "The same check, on a module that does load the cell bank, names it: the test above can fail."
    code = f"import json, sys, bloodcells.quantize; print(json.dumps([m for m in {FORBIDDEN!r} if m in sys.modules]))"
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert 'bloodcells.synth' in json.loads(r.stdout.splitlines()[-1])
