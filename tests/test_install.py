"""A fresh install works anywhere (issue 16): the wheel built from this repository, installed into a new virtual
environment with only its declared dependencies (no torch), on a machine with no data folder and no network, runs
`bloodcells info`, `demo`, `analyze` and `serve`."""
import json, os, shutil, subprocess, sys, time, zipfile
from pathlib import Path
import httpx, pytest
from harness import free_port

ROOT = Path(__file__).resolve().parents[1]
# Any download would go through this proxy, where nothing listens: a command that needed the network fails.
OFFLINE = {k: 'http://127.0.0.1:9' for k in ('http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY')}

@pytest.fixture(scope='module')
def wheel(tmp_path_factory):
    "The wheel `pip wheel` builds from a copy of the package's sources (so that no build files land in the checkout)."
    src, out = tmp_path_factory.mktemp('src'), tmp_path_factory.mktemp('wheel')
    for f in ('pyproject.toml', 'README.md'): shutil.copyfile(ROOT/f, src/f)
    shutil.copytree(ROOT/'bloodcells', src/'bloodcells', ignore=shutil.ignore_patterns('__pycache__'))
    r = subprocess.run([sys.executable, '-m', 'pip', 'wheel', str(src), '--no-deps', '-w', str(out)], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    return next(out.glob('bloodcells-*.whl'))

@pytest.fixture(scope='module')
def user(wheel, tmp_path_factory):
    "A new virtual environment (no system packages) with the wheel installed, and the environment of a user with no data, no cache and no network."
    venv, home = tmp_path_factory.mktemp('venv'), tmp_path_factory.mktemp('home')
    subprocess.run([sys.executable, '-m', 'venv', str(venv)], check=True, timeout=120)
    r = subprocess.run([str(venv/'bin'/'python'), '-m', 'pip', 'install', '--quiet', str(wheel)], capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    env = {k: v for k, v in os.environ.items() if not k.startswith('BLOODCELLS_') and k not in ('VIRTUAL_ENV', 'PYTHONPATH')}
    env.update(OFFLINE, HOME=str(home), PATH=f"{venv/'bin'}{os.pathsep}{env['PATH']}")
    return venv/'bin', env, home

def run(user, *args, cwd=None):
    "Run the installed `bloodcells` as the user; returns the completed process."
    bin_, env, home = user
    return subprocess.run([str(bin_/'bloodcells'), *map(str, args)], capture_output=True, text=True, timeout=300, env=env, cwd=cwd or home)

def installed(user, *parts):
    "A path inside the installed package."
    bin_, env, home = user
    r = subprocess.run([str(bin_/'python'), '-c', 'import bloodcells; print(bloodcells.__file__)'], capture_output=True, text=True, env=env, cwd=home, check=True)
    return Path(r.stdout.strip()).parent.joinpath(*parts)

def test_the_wheel_holds_the_models_and_samples_and_no_file_over_8_mb(wheel):
    with zipfile.ZipFile(wheel) as z: sizes = {i.filename: i.file_size for i in z.infolist()}
    assert any(n.startswith('bloodcells/models/detector/') and n.endswith('.onnx') for n in sizes)
    assert any(n.startswith('bloodcells/models/classifier/') and n.endswith('.onnx') for n in sizes)
    assert 'bloodcells/samples/ATTRIBUTION.md' in sizes and sum(n.startswith('bloodcells/samples/') and n.endswith('.json') for n in sizes) >= 4
    assert max(sizes.values()) < 8e6, max(sizes.items(), key=lambda kv: kv[1])

def test_no_torch_in_the_environment(user):
    bin_, env, home = user
    r = subprocess.run([str(bin_/'python'), '-c', 'import torch'], capture_output=True, text=True, env=env, cwd=home)
    assert r.returncode != 0 and "No module named 'torch'" in r.stderr

def test_info_names_the_model_inside_the_package(user):
    r = run(user, 'info', '--json')
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    model = Path(info['model']['path'])
    assert model.is_file() and model.parent.parent == installed(user, 'models')
    assert len(info['model']['sha256']) == 64 and info['model']['bytes'] == model.stat().st_size and info['model']['evaluations']
    assert Path(info['classifier']['path']).is_file() and 'CPUExecutionProvider' in info['onnxruntime']['providers']
    assert info['profile'] is None and info['data'] and info['cache']

def test_demo_needs_no_data_and_no_network(user, tmp_path):
    _, _, home = user
    t0 = time.perf_counter(); r = run(user, 'demo', '--out', tmp_path/'demo'); seconds = time.perf_counter() - t0
    assert r.returncode == 0, r.stderr
    report = json.loads((tmp_path/'demo'/'report.json').read_text())
    assert report['red_cells'] > 0 and report['white_cells'] > 0 and len(report['fields']) >= 4
    assert 'truth' in r.stdout and 'found' in r.stdout and str(tmp_path/'demo'/'report.html') in r.stdout
    assert (tmp_path/'demo'/'report.html').stat().st_size > 0
    assert not (home/'.cache'/'bloodcells').exists()  # nothing downloaded, no cell bank built
    assert seconds < 10, seconds

def test_analyze_a_real_field(user, tmp_path):
    field = sorted(installed(user, 'samples').glob('*.png'))[0]
    r = run(user, 'analyze', field, '--out', tmp_path/'report')
    assert r.returncode == 0, r.stderr
    report = json.loads((tmp_path/'report'/'report.json').read_text())
    assert report['fields'] == [field.name] and report['red_cells'] > 0 and (tmp_path/'report'/'report.html').exists()

def test_serve_answers_a_request(user):
    bin_, env, home = user
    port = free_port()
    proc = subprocess.Popen([str(bin_/'bloodcells'), 'serve', '--port', str(port)], env=env, cwd=home, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        url, deadline = f'http://127.0.0.1:{port}', time.time() + 60
        while True:
            try: health = httpx.get(url + '/api/health', timeout=2).json(); break
            except httpx.TransportError:
                assert proc.poll() is None and time.time() < deadline, 'the server did not start'
                time.sleep(0.3)
        field = sorted(installed(user, 'samples').glob('*.jpg'))[0]
        labels = json.loads(field.with_suffix('.json').read_text())
        r = httpx.post(url + '/api/analyze', params={'rbc_px': labels['rbc_px']}, files={'file': (field.name, field.read_bytes(), 'image/jpeg')}, timeout=120)
        assert r.status_code == 200, r.text[:500]
        report = r.json()
        assert report['fields'] == [field.name] and report['red_cells'] > 0 and report['model'] == health['model']
    finally:
        proc.terminate(); proc.wait(20)
