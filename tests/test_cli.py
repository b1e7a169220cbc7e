"""The installed `bloodcells` console script, run as a user runs it."""
import os, subprocess, sys
from pathlib import Path
import pytest

DATA = os.environ.get('BLOODCELLS_DATA')

def run(*args, env=None):
    "Run the console script; returns the completed process."
    return subprocess.run(['bloodcells', *args], capture_output=True, text=True, timeout=120, env={**os.environ, **(env or {})})

def test_data_env_is_set():
    assert DATA and Path(DATA, 'bccd').is_dir(), 'set BLOODCELLS_DATA to the shared data folder (../shared/data) before running the tests'

def test_help_lists_commands():
    r = run('--help')
    assert r.returncode == 0 and 'data' in r.stdout and 'docs' in r.stdout

def test_data_lists_local_copies():
    r = run('data')
    assert r.returncode == 0, r.stderr
    for line in ('364 images', '4,800 images', '300 images'): assert line in r.stdout

def test_data_get_finds_local_copy_without_network():
    r = run('data', '--get', 'bccd', 'iml_malaria')
    assert r.returncode == 0, r.stderr
    assert str(Path(DATA).resolve()/'bccd') in r.stdout

def test_incomplete_copy_is_an_error_naming_the_folder(tmp_path):
    (tmp_path/'pbc'/'basophil').mkdir(parents=True)
    r = run('data', '--get', 'pbc', env={'BLOODCELLS_DATA': str(tmp_path)})
    assert r.returncode == 2
    assert f"{tmp_path/'pbc'} holds 0 images" in r.stderr and 'Traceback' not in r.stderr

def test_unknown_dataset_is_named():
    r = run('data', '--get', 'lisc')
    assert r.returncode == 2 and "unknown dataset 'lisc'" in r.stderr

def test_inference_modules_do_not_import_torch():
    code = "import sys, bloodcells.core, bloodcells.data, bloodcells.cli; bad = {'torch', 'fastai', 'matplotlib'} & set(sys.modules); assert not bad, bad"
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr

def test_serve_starts_the_server_from_the_command_line():
    import socket, time, urllib.request, json
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); port = s.getsockname()[1]
    proc = subprocess.Popen(['bloodcells', 'serve', '--port', str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        for _ in range(120):
            try: health = json.load(urllib.request.urlopen(f'http://127.0.0.1:{port}/api/health', timeout=1)); break
            except OSError: time.sleep(0.5)
        else: raise AssertionError('the server did not answer in 60 s')
        assert health['status'] == 'ok' and health['model'] == 'general'
    finally:
        proc.terminate(); proc.wait(20)

def test_export_checks_parity_and_writes_int8(tmp_path):
    r = run('export', str(Path(__file__).parent.parent/'models'/'smear10'), '--out', str(tmp_path/'m.onnx'), '--int8')
    assert r.returncode == 0, r.stderr
    assert 'against PyTorch on 4 real test fields' in r.stdout and ', identical' in r.stdout, r.stdout
    assert (tmp_path/'m.onnx').is_file() and 0 < (tmp_path/'m-int8.onnx').stat().st_size <= 2e6
    assert 'found again' in r.stdout

def test_export_names_a_missing_checkpoint(tmp_path):
    r = run('export', str(tmp_path/'nothing.pth'))
    assert r.returncode == 2 and f"{tmp_path/'nothing.pth'}: no such checkpoint" in r.stderr

def test_user_error_is_one_line_without_traceback():
    r = run('evaluate-sources', '--model', 'any.onnx', '--source', 'nowhere')
    assert r.returncode == 2 and r.stderr.count('\n') == 1 and "unknown source(s) ['nowhere']" in r.stderr and 'Traceback' not in r.stderr

@pytest.mark.parametrize('bug', ['ZeroDivisionError', 'ValueError'])
def test_a_bug_keeps_its_traceback(bug):
    code = f"import sys, bloodcells.data as d, bloodcells.cli as c\ndef broken(*a, **k): raise {bug}('a bug')\nd.check_dataset = broken\nsys.exit(c.main(['data']))"
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 1 and 'Traceback' in r.stderr and f'{bug}: a bug' in r.stderr, r.stderr
