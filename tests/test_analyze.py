"""`bloodcells analyze` and `bloodcells demo --synthetic` run as a user runs them (the plain demo: `test_install.py`), and the HTML report read in a headless Chromium on a phone-sized screen."""
import json, os, subprocess
from pathlib import Path
import cv2, pytest
from playwright.sync_api import sync_playwright
from conftest import CHROMIUM, CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT/'models'/'iml-malaria'/'model-int8.onnx'
SHOTS = ROOT/'tests'/'out'

def run(*args):
    "Run the console script; returns the completed process."
    return subprocess.run(['bloodcells', *map(str, args)], capture_output=True, text=True, timeout=900)

@pytest.fixture(scope='module')
def analysed(fields, tmp_path_factory):
    "A patient's report from two fields, a damaged file and a video of the third field."
    tmp = tmp_path_factory.mktemp('patient')
    (tmp/'damaged.jpg').write_bytes(fields[0].read_bytes()[:3000])
    clip = tmp/'eyepiece.avi'
    vw = cv2.VideoWriter(str(clip), cv2.VideoWriter_fourcc(*'MJPG'), 5, (1280, 960))
    frame = cv2.imread(str(fields[2]))
    for _ in range(6): vw.write(frame)
    vw.release()
    r = run('analyze', fields[0], tmp/'damaged.jpg', fields[1], clip, '--every', 3, '--model', MODEL, '--out', tmp/'report',
            '--depth-um', 3, '--sex', 'female', '--patient', 'test patient')
    return r, tmp/'report'

def test_analyze_skips_the_damaged_file_and_reports_the_rest(analysed, fields):
    r, out = analysed
    assert r.returncode == 0, r.stderr
    assert 'damaged.jpg' in r.stderr and 'Traceback' not in r.stderr
    report = json.loads((out/'report.json').read_text())
    assert report['fields'] == [fields[0].name, fields[1].name, 'eyepiece.avi#frame0', 'eyepiece.avi#frame3']
    assert report['red_cells'] > 300 and report['parasitemia']['counted'] == report['red_cells']
    assert {'rbc_per_ul', 'anaemia_flag', 'rbc_flag', 'platelets_per_ul'} <= set(report) and report['rbc_range'] == [3.8e6, 5.2e6]
    assert len(report['problems']) == 1 and 'report.html' in r.stdout
    assert sorted(p.name for p in out.glob('*-cells.png')) == sorted([f'{fields[0].stem}-cells.png', f'{fields[1].stem}-cells.png', 'eyepiece.avi_frame0-cells.png', 'eyepiece.avi_frame3-cells.png'])

def test_nothing_readable_is_an_error(tmp_path):
    (tmp_path/'empty.png').write_bytes(b'')
    r = run('analyze', tmp_path/'empty.png', tmp_path/'missing.jpg', '--model', MODEL, '--out', tmp_path/'out')
    assert r.returncode == 2 and 'empty.png' in r.stderr and 'missing.jpg' in r.stderr and 'Traceback' not in r.stderr

def browser_page(p, width, height):
    "A page of a headless Chromium; the test fails, rather than skips, where there is no Chromium."
    if not CHROMIUM.exists(): pytest.fail(f"no browser at {CHROMIUM}: install it with `apt-get install -y chromium`")
    return p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS).new_page(viewport={'width': width, 'height': height}, device_scale_factor=2)

def test_synthetic_demo_compares_with_the_truth(tmp_path):
    r = run('demo', '--synthetic', '--out', tmp_path/'demo', '--depth-um', 2)
    assert r.returncode == 0, r.stderr
    assert 'truth' in r.stdout and 'found' in r.stdout and 'parasitemia: truth' in r.stdout
    assert (tmp_path/'demo'/'report.html').exists()
    truth, report = (json.loads((tmp_path/'demo'/f).read_text()) for f in ('slide-truth.json', 'report.json'))
    red = lambda c: c['HealthyRBC'] + c['InfectedRBC']
    assert abs(red(report['counts']) / red(truth['counts']) - 1) < 0.1, (report['counts'], truth['counts'])  # the slide's red cells, found
    true_percent = 100 * truth['counts']['InfectedRBC'] / red(truth['counts'])
    lo, hi = report['parasitemia']['corrected']['ci95']
    assert lo <= true_percent <= hi, (true_percent, report['parasitemia'])  # the corrected interval holds the slide's true parasitemia
    assert f"parasitemia: truth {true_percent:.2f}%, found {report['parasitemia']['percent']:.2f}%" in r.stdout  # what it prints is the report's
    with sync_playwright() as p:  # the report's numbers, above its images (README shows this picture)
        page = browser_page(p, 560, 900)
        page.goto((tmp_path/'demo'/'report.html').as_uri())
        top = page.locator('h2', has_text='Fields').bounding_box()['y']
        SHOTS.mkdir(exist_ok=True); page.screenshot(path=str(SHOTS/'demo-report.png'), clip={'x': 0, 'y': 0, 'width': 560, 'height': top}, full_page=True)

def test_report_page_on_a_phone(analysed):
    _, out = analysed
    with sync_playwright() as p:
        page = browser_page(p, 390, 844)
        page.goto((out/'report.html').as_uri())
        assert 'test patient' in page.title()
        assert '%' in page.inner_text('#parasitemia') and 'infected of' in page.inner_text('#parasitemia')
        assert page.locator('#differential tr').count() == 5 and page.locator('svg rect').count() >= 2
        assert 'million' in page.inner_text('#density')
        widths = page.eval_on_selector_all('figure img', 'imgs => imgs.map(i => i.naturalWidth)')
        assert len(widths) == 4 and all(w > 0 for w in widths)
        assert page.evaluate('document.documentElement.scrollWidth') <= 391  # nothing wider than the phone
        SHOTS.mkdir(exist_ok=True); page.screenshot(path=str(SHOTS/'report-phone.png'), full_page=True)

def test_a_phone_sized_photo_gives_the_same_count(fields, tmp_path):
    "A 3840x2880 photo (an IML field enlarged 3x, as a phone through the eyepiece would give) is measured, cut into pieces and counted like the field itself."
    img = cv2.imread(str(fields[1]))
    cv2.imwrite(str(tmp_path/'phone.jpg'), cv2.resize(img, None, fx=3, fy=3, interpolation=cv2.INTER_CUBIC), [cv2.IMWRITE_JPEG_QUALITY, 92])
    counts = []
    for path, out in [(fields[1], tmp_path/'small'), (tmp_path/'phone.jpg', tmp_path/'large')]:
        r = run('analyze', path, '--model', MODEL, '--out', out)
        assert r.returncode == 0, r.stderr
        counts.append(json.loads((out/'report.json').read_text())['red_cells'])
    assert abs(counts[1] - counts[0]) <= 0.05 * counts[0], counts
