"""`bloodcells.server` as phones and programs meet it: the real uvicorn server on a loopback port, every endpoint, every bad input of issue 9, the page in a headless Chromium, and a schemathesis fuzz of the API."""
import json, base64, os, re, secrets, subprocess, sys, threading, time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
import cv2, httpx, numpy as np, pytest
from playwright.sync_api import sync_playwright
from conftest import CHROMIUM, CHROMIUM_ARGS
from bloodcells.core import CLASSES, decode_image
from bloodcells.report import analyze, default_model
from bloodcells.runtime import Detector, measure_rbc
from bloodcells.server import MAX_BODY
from harness import running
from bloodcells.synth import get_bank, make_slide

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT/'tests'/'out'
TOKEN = secrets.token_urlsafe(16)
AUTH = {'Authorization': f'Bearer {TOKEN}'}
# Loaded into the server's process through PYTHONPATH: any temporary file it tried to make (as Starlette does for uploads over 1 MB) would raise.
NO_TEMP_FILES = '''import tempfile
def refuse(*args, **kw): raise RuntimeError('the server tried to write a temporary file')
tempfile.TemporaryFile = tempfile.NamedTemporaryFile = tempfile.mkstemp = tempfile.mkdtemp = refuse
'''

def png(img): return cv2.imencode('.png', img[..., ::-1])[1].tobytes()

def sof_claims(data, w, h):
    "JPEG bytes whose start-of-frame marker claims `w` x `h` pixels."
    i = 2
    while not (0xC0 <= data[i + 1] <= 0xCF and data[i + 1] not in (0xC4, 0xC8, 0xCC)): i += 2 + int.from_bytes(data[i + 2:i + 4], 'big')
    return data[:i + 5] + h.to_bytes(2, 'big') + w.to_bytes(2, 'big') + data[i + 9:]

@pytest.fixture(scope='module')
def slides():
    "Three synthetic 1000x1000 test slides, as PNG bytes."
    bank = get_bank()
    return [png(make_slide(bank, 'test', i).image) for i in range(3)]

@pytest.fixture(scope='module')
def site(tmp_path_factory):
    "Environment that loads NO_TEMP_FILES into a Python process."
    d = tmp_path_factory.mktemp('site'); (d/'sitecustomize.py').write_text(NO_TEMP_FILES)
    return {'PYTHONPATH': os.pathsep.join(p for p in (str(d), os.environ.get('PYTHONPATH')) if p)}

@pytest.fixture(scope='module')
def url(site):
    "The base URL of the real server, with a token, in a process that may not write temporary files."
    with running(token=TOKEN, env=site) as u: yield u

@pytest.fixture
def api(url):
    with httpx.Client(base_url=url, headers=AUTH, timeout=120) as c: yield c

def error_of(r, status):
    "The JSON error of a refusal with `status`."
    assert r.status_code == status, (r.status_code, r.text[:300])
    assert r.headers['content-type'].startswith('application/json')
    return r.json()['error']

def test_health_model_and_docs(api):
    h = api.get('/api/health').json()
    shipped = Detector(default_model())
    assert h['status'] == 'ok' and h['model'] == shipped.recipe and h['in_progress'] == 0
    m = api.get('/api/model').json()
    assert m['name'] == shipped.recipe and m['classes'] == list(CLASSES) and m['version'] and len(m['sha256']) == 64
    stored = json.loads((shipped.path.parent/'eval-sources-int8.json').read_text())  # what the server says is what the evaluation wrote
    assert m['metrics']['final'] == json.loads((shipped.path.parent/'metrics.json').read_text())['final']
    assert all(abs(m['evaluations']['sources'][s]['map50'] - r['map50']) < 1e-9 for s, r in stored['sources'].items())
    assert 'models/' not in str(m) and str(ROOT) not in str(m)  # no server paths
    spec = api.get('/openapi.json').json()
    assert set(spec['paths']) == {'/api/health', '/api/model', '/api/analyze'}
    assert 'multipart/form-data' in spec['paths']['/api/analyze']['post']['requestBody']['content']
    docs = api.get('/docs').text
    assert all(f'{m} {p}' in docs for m, p in [('GET', '/api/health'), ('GET', '/api/model'), ('POST', '/api/analyze')])
    assert not re.search(r'(src|href)="https?:', docs)  # offline: no Swagger UI from a CDN
    assert 'Not Found' in error_of(api.get('/api/nothing'), 404)
    assert error_of(api.get('/api/analyze'), 405)

def test_token(url, fields):
    jpg = fields[0].read_bytes()
    with httpx.Client(base_url=url, timeout=60) as c:
        calls = [lambda h: c.get('/api/health', headers=h), lambda h: c.get('/api/model', headers=h),
                 lambda h: c.post('/api/analyze', files={'file': ('a.jpg', jpg)}, headers=h)]
        for call in calls:
            for headers in ({}, {'Authorization': f'Bearer {TOKEN[:-1]}'}, {'Authorization': f'Bearer {TOKEN}x'}, {'Authorization': TOKEN}):
                r = call(headers)
                assert 'token' in error_of(r, 401) and r.headers['www-authenticate'] == 'Bearer'
        basic = 'Basic ' + base64.b64encode(f'nurse:{TOKEN}'.encode()).decode()
        assert c.get('/api/health', headers={'Authorization': basic}).status_code == 200
        assert [c.get(p).status_code for p in ('/', '/docs', '/openapi.json')] == [200, 200, 200]  # no patient data there

def test_one_patient_several_fields(api, fields, slides, tmp_path):
    "Several `file` parts make one report, the same as `analyze` on the same files; a damaged one is named and skipped."
    jpgs = [p.read_bytes() for p in fields[:2]]
    files = [('file', ('field1.jpg', jpgs[0])), ('file', ('field2.jpg', jpgs[1])), ('file', ('slide.png', slides[0])), ('file', ('cut.jpg', jpgs[0][:len(jpgs[0]) // 2]))]
    r = api.post('/api/analyze', params=dict(annotated=1, depth_um=3, sex='female', patient='test patient'), files=files)
    assert r.status_code == 200, r.text[:500]
    rep = r.json()
    assert r.headers['cache-control'] == 'no-store'
    assert rep['fields'] == ['field1.jpg', 'field2.jpg', 'slide.png'] and rep['patient'] == 'test patient' and rep['model'] == Detector(default_model()).recipe
    assert rep['problems'] == ['cut.jpg: truncated JPEG (no end-of-image marker)']
    for _, (name, data) in files: (tmp_path/name).write_bytes(data)
    det = Detector(default_model())  # the server measures each field alone; analyze is told the same sizes
    sizes = [None if name == 'cut.jpg' else measure_rbc(det, decode_image((tmp_path/name).read_bytes()))[0] for _, (name, _) in files]
    ref = analyze([tmp_path/name for _, (name, _) in files], tmp_path/'out', rbc_px=sizes, depth_um=3, sex='female', progress=False)
    for k in ('counts', 'differential', 'parasitemia', 'red_cells', 'rbc_per_mm2', 'rbc_per_ul', 'rbc_flag', 'anaemia_flag', 'warnings', 'disclaimer'): assert rep[k] == ref[k], k
    assert rep['red_cells'] > 500 and rep['rbc_range'] == [3.8e6, 5.2e6]
    assert [(d['width'], d['height']) for d in rep['field_details']] == [(1280, 960), (1280, 960), (1000, 1000)]
    assert [im['name'] for im in rep['images']] == rep['fields']
    for im, size in zip(rep['images'], [(960, 1280), (960, 1280), (1000, 1000)]):
        head, b64 = im['png'].split(',', 1)
        assert head == 'data:image/png;base64' and decode_image(base64.b64decode(b64)).shape[:2] == size
    plain = api.post('/api/analyze', params=dict(rbc_px=36), files=[('file', ('slide.png', slides[0]))]).json()
    assert 'images' not in plain and plain['field_details'][0]['rbc_px'] == 36 and 'rbc_per_ul' not in plain

def bad_requests(fields):
    "Each bad input of issue 9, and more: (keyword arguments of a POST to /api/analyze, status, part of the error)."
    jpg = fields[0].read_bytes()
    png_bomb = png(np.zeros((100, 100, 3), np.uint8)); png_bomb = png_bomb[:16] + (50_000).to_bytes(4, 'big') * 2 + png_bomb[24:]
    over = jpg + bytes(MAX_BODY)
    def stream():  # no Content-Length: the server must count while it reads
        yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="big.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'
        for _ in range(25): yield bytes(1_000_000)
        yield b'\r\n--b--\r\n'
    return {
        'empty upload': (dict(files={'file': ('empty.jpg', b'')}), 422, 'empty.jpg: empty file'),
        'not an image': (dict(files={'file': ('notes.jpg', b'%PDF-1.4 not pixels at all')}), 415, 'notes.jpg: not a JPEG, PNG or BMP image'),
        'truncated JPEG': (dict(files={'file': ('cut.jpg', jpg[:len(jpg) // 2])}), 422, 'cut.jpg: truncated JPEG'),
        'JPEG header cut short': (dict(files={'file': ('head.jpg', jpg[:200])}), 422, 'header is damaged or cut short'),
        'JPEG claiming 50,000 x 50,000': (dict(files={'file': ('bomb.jpg', sof_claims(jpg, 50_000, 50_000))}), 413, 'bomb.jpg: 50000 x 50000 pixels (2,500 MP)'),
        'PNG claiming 50,000 x 50,000': (dict(files={'file': ('bomb.png', png_bomb)}), 413, '50000 x 50000 pixels'),
        'image too small': (dict(files={'file': ('tiny.png', png(np.zeros((20, 20, 3), np.uint8)))}), 422, 'too small'),
        'body over 20 MB': (dict(files={'file': ('big.jpg', over)}), 413, 'at most 20 MB are accepted'),
        'body over 20 MB, no length': (dict(content=stream(), headers={**AUTH, 'content-type': 'multipart/form-data; boundary=b'}), 413, 'passed 20 MB'),
        'wrong field name': (dict(files={'image': ('a.jpg', jpg)}), 422, "no field named 'file'"),
        'text, not a file': (dict(data={'file': 'a.jpg'}, files={'note': ('note.txt', b'x')}), 422, "must hold files"),
        'not multipart': (dict(json={'file': 'a.jpg'}), 415, 'multipart/form-data'),
        'broken multipart': (dict(content=b'--b\r\n\r\n', headers={**AUTH, 'content-type': 'multipart/form-data'}), 400, 'not a valid multipart form: Missing boundary'),
        'bad parameter': (dict(params={'sex': 'x', 'depth_um': -1}, files={'file': ('a.jpg', jpg)}), 422, 'sex'),
    }

BAD = ['empty upload', 'not an image', 'truncated JPEG', 'JPEG header cut short', 'JPEG claiming 50,000 x 50,000',
       'PNG claiming 50,000 x 50,000', 'image too small', 'body over 20 MB', 'body over 20 MB, no length', 'wrong field name', 'text, not a file',
       'not multipart', 'broken multipart', 'bad parameter']

@pytest.mark.parametrize('case', BAD)
def test_bad_input_gets_a_4xx_saying_what_is_wrong(api, fields, case):
    cases = bad_requests(fields); assert list(cases) == BAD
    kw, status, says = cases[case]
    assert says in error_of(api.post('/api/analyze', **kw), status)
    assert api.get('/api/health').json()['status'] == 'ok'  # and the server keeps serving

def test_uploads_stay_in_memory(api, site, fields):
    "The server's process cannot make a temporary file, yet analyses a 2.8 MB upload (Starlette alone would spool it to disk past 1 MB)."
    spool = 'import tempfile; f = tempfile.SpooledTemporaryFile(max_size=10); f.write(bytes(100))'  # what Starlette does with a large upload
    guard = subprocess.run([sys.executable, '-c', spool], env={**os.environ, **site}, capture_output=True, text=True)
    assert 'tried to write a temporary file' in guard.stderr  # the guard works
    img = cv2.imread(str(fields[1]))[..., ::-1]
    big = png(cv2.resize(img, None, fx=1.5, fy=1.5, interpolation=cv2.INTER_CUBIC))
    assert len(big) > 2_500_000, len(big)
    r = api.post('/api/analyze', files={'file': ('big.png', big)})
    assert r.status_code == 200, r.text[:300]

def test_a_slow_request_does_not_block_others(api, slides):
    "Three slides measured by the detector's sweep take seconds; the page and the health answer meanwhile."
    slow = {}
    t = threading.Thread(target=lambda: slow.update(r=api.post('/api/analyze', files=[('file', (f's{i}.png', s)) for i, s in enumerate(slides)])))
    t0 = time.perf_counter(); t.start(); time.sleep(0.3)
    waits = []
    with httpx.Client(base_url=str(api.base_url), headers=AUTH) as other:
        for _ in range(10):
            t1 = time.perf_counter()
            assert other.get('/').status_code == 200 and other.get('/api/health').json()['in_progress'] == 1
            waits.append(time.perf_counter() - t1)
    t.join(); took = time.perf_counter() - t0
    assert slow['r'].status_code == 200 and len(slow['r'].json()['fields']) == 3
    assert max(waits) < 0.5 and sum(waits) < took, (waits, took)

@pytest.fixture(scope='module')
def keeping(tmp_path_factory):
    "A second server that keeps uploads in a folder, with one worker, room for two requests in progress, and 2 s for an upload to arrive."
    folder = tmp_path_factory.mktemp('kept')
    with running(save_dir=folder, max_workers=1, max_waiting=2, read_timeout=2) as u: yield u, folder

def test_kept_uploads_have_generated_names(keeping, fields):
    u, folder = keeping
    r = httpx.post(u + '/api/analyze', files=[('file', ('Jane Doe left arm.jpg', fields[0].read_bytes())), ('file', ('Jane Doe 2.jpg', fields[1].read_bytes())),
                                              ('file', ('Jane Doe 3.jpg', b'not an image'))], timeout=60)
    assert r.status_code == 200 and r.json()['problems'] == ['Jane Doe 3.jpg: not a JPEG, PNG or BMP image']
    rid = r.json()['saved']
    names = sorted(p.name for p in folder.iterdir())
    assert names == [f'{rid}-1.jpg', f'{rid}-2.jpg', f'{rid}.json'] and re.fullmatch(r'\d{8}-\d{6}-[0-9a-f]{8}', rid)
    assert (folder/f'{rid}-1.jpg').read_bytes() == fields[0].read_bytes()
    assert all((folder/n).stat().st_mode & 0o777 == 0o600 for n in names)

def test_busy_server_says_come_back(keeping, slides):
    "With two requests in progress, a third is told 503 with Retry-After at once, and the server recovers."
    u, _ = keeping
    def send(i): return httpx.post(u + '/api/analyze', files=[('file', ('s.png', slides[i % 3]))], timeout=120)
    with ThreadPoolExecutor(6) as pool: answers = list(pool.map(send, range(6)))
    codes = sorted(r.status_code for r in answers)
    assert set(codes) == {200, 503} and codes.count(200) >= 2, codes
    busy = next(r for r in answers if r.status_code == 503)
    assert 'busy' in error_of(busy, 503) and busy.headers['retry-after'] == '5'
    assert httpx.get(u + '/api/health').json()['in_progress'] == 0

def test_a_trickling_upload_is_cut_off(keeping):
    "An upload that dribbles in (as a client holding connections open would send it) is refused with 408 once its time is up."
    u, _ = keeping
    def trickle():
        yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="slow.jpg"\r\n\r\n'
        for _ in range(6): time.sleep(0.5); yield b'\xff' * 10
    r = httpx.post(u + '/api/analyze', content=trickle(), headers={'content-type': 'multipart/form-data; boundary=b'}, timeout=30)
    assert 'longer than 2 s' in error_of(r, 408)
    assert httpx.get(u + '/api/health').json()['in_progress'] == 0

def browser_page(p, width=390, height=844):
    "A phone-sized page of a headless Chromium; fails, rather than skips, where there is no Chromium."
    if not CHROMIUM.exists(): pytest.fail(f"no browser at {CHROMIUM}: install it with `apt-get install -y chromium`")
    return p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS).new_page(viewport={'width': width, 'height': height}, device_scale_factor=2)

def test_page_on_a_phone(url, fields, slides, tmp_path):
    "Chromium at 390 px opens the page with the token in its address, takes one photo and chooses two, analyses them, and shows the report."
    (tmp_path/'slide.png').write_bytes(slides[0])
    with sync_playwright() as p:
        page = browser_page(p)
        requests, problems = [], []
        page.on('request', lambda r: requests.append(r.url))
        page.on('console', lambda m: m.type in ('error', 'warning') and problems.append(m.text))
        page.on('pageerror', lambda e: problems.append(str(e)))
        page.goto(f'{url}/#token={TOKEN}')
        assert TOKEN not in page.url and page.input_value('#token') == TOKEN  # taken from the address, then removed from it
        assert page.get_by_label('Take a photo').get_attribute('capture') == 'environment'
        assert page.get_by_label('Choose photos').get_attribute('multiple') is not None
        page.get_by_label('Take a photo').set_input_files(str(fields[0]))
        page.get_by_label('Choose photos').set_input_files([str(tmp_path/'slide.png'), str(fields[1])])
        assert page.locator('#chosen li').count() == 3
        page.click('#go')
        page.wait_for_selector('#counts svg rect', timeout=90_000)
        assert page.inner_text('#status').startswith('Analysed 3 field(s)')
        assert re.search(r'\d+\.\d\d% \(95% CI [\d.]+-[\d.]+%\), \d+ infected of \d+ red cells', page.inner_text('#parasitemia'))
        assert page.locator('#counts svg').get_attribute('aria-label').startswith('cell counts: ')
        assert page.locator('#differential tr').count() == 5 and 'per mm²' in page.inner_text('#density')
        assert 'differential' in page.inner_text('#warnings') and 'not a diagnosis' in page.inner_text('#disclaimer')
        widths = page.eval_on_selector_all('#fields img', 'imgs => imgs.map(i => i.naturalWidth)')
        assert len(widths) == 3 and all(w > 0 for w in widths)
        assert page.evaluate('document.documentElement.scrollWidth') <= 391  # nothing wider than the phone
        SHOTS.mkdir(exist_ok=True); page.screenshot(path=str(SHOTS/'server-phone.png'), full_page=True)
        assert all(r.startswith(url + '/') or r.startswith('data:') for r in requests), requests  # offline: nothing from elsewhere
        assert not problems, problems  # no script errors, no Content-Security-Policy violations
        page.goto(url + '/')  # without the token: told so, and the settings open on the token field
        page.get_by_label('Choose photos').set_input_files(str(fields[0]))
        page.click('#go'); page.wait_for_function("document.getElementById('status').textContent.startsWith('Not analysed')")
        assert '401' in page.inner_text('#status') and page.locator('#settings').get_attribute('open') is not None

def test_schemathesis_finds_no_server_error(url, tmp_path):
    "A fuzz of the OpenAPI description (valid and invalid requests, at most 50 per operation and phase): no 5xx."
    r = subprocess.run(['schemathesis', 'run', f'{url}/openapi.json', '--checks', 'not_a_server_error', '--max-examples', '50', '--seed', '9',
                        '--header', f'Authorization: Bearer {TOKEN}', '--generation-database', 'none', '--no-color', '--request-timeout', '60'],
                       cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]
    assert re.search(r'\b3 (passed|operations)', r.stdout), r.stdout[-2000:]  # all three operations were fuzzed
