"""The parasitemia corrected for the model's errors (`20_correct`): its interval holds simulated truths, starts at 0 without infections,
its detection limit falls as more cells are counted, and `analyze` writes it into report.json and report.html."""
import json, shutil, subprocess
from pathlib import Path
import numpy as np
import pytest
from bloodcells.core import beside
from bloodcells.correct import (compensate, corrected_parasitemia, detection_limit, error_model, read_confusion,
                                sha256, simulate_coverage)

ROOT = Path(__file__).resolve().parents[1]
MADE_UP = [[900, 50, 50], [40, 9800, 160]]  # finds 90% of infected red cells, calls 0.4% of healthy ones infected

def test_the_interval_holds_simulated_truths():
    "Patients of 120 to 5,000 red cells at 0 to 20% parasitemia, each with its own validation matrix drawn from the same model."
    sim = simulate_coverage(cells=(120, 1000, 5000), parasitemias=(0, 0.002, 0.01, 0.05, 0.2), runs=30, seed=1)
    assert sim['coverage'] >= 0.9, sim
    assert min(sim['per_setting'].values()) >= 0.8, sim
    assert sim['corrected_mae'] < sim['raw_mae'], sim  # where the matrix describes the model, the corrected read-out errs less

def test_no_infected_call_reads_from_zero():
    a = error_model(MADE_UP)
    for n in (50, 500, 5000, 50000):
        c = corrected_parasitemia(0, n, a)
        assert c['percent'] == 0 and c['ci95'][0] == 0 and 0 < c['ci95'][1] < 100 and not c['detected'], (n, c)
        noise = corrected_parasitemia(round(0.004 * n), n - round(0.004 * n), a)  # as many as the false calls alone give
        assert noise['ci95'][0] == 0 and not noise['detected'], (n, noise)

def test_compensation_undoes_the_errors():
    a = error_model(MADE_UP); m = a / a.sum(1, keepdims=True)
    for p in (0.0, 0.01, 0.1, 0.5):
        true = np.array([p, 1 - p]) * 10000
        k, h = round(true @ m[:, 0]), round(true @ m[:, 1])  # the calls it expects, to the nearest cell
        assert abs(compensate(k, h, a) - p) < 1e-3, (p, compensate(k, h, a))  # within the noise of the ~40 false calls (sd ~6 cells of 10,000)
    for n in (50, 120):  # where the expected false calls are a fraction of one, a lone infected call is one infected cell
        assert round(compensate(1, n - 1, a) * n) == 1
    assert compensate(1, 499, a) == 0  # at 500 cells two false calls are expected: a lone one is taken for one of them
    assert corrected_parasitemia(10, 990, a)['percent'] < 1  # at 1% called, the false infections weigh more: taken away
    assert corrected_parasitemia(100, 900, a)['percent'] > 10  # at 10%, the missed infected cells: put back

def test_the_detection_limit_falls_with_more_cells():
    for counts in (MADE_UP, [[32, 3, 0], [13, 4009, 112]]):
        limits = [detection_limit(n, error_model(counts)) for n in (10, 100, 500, 1000, 2000, 5000, 20000, 10**6)]
        assert all(x > y for x, y in zip(limits, limits[1:])), limits
        assert 0 < limits[-1] and limits[0] <= 100
    spread = dict(counts=[[32, 3, 0], [13, 4009, 112]], healthy_rows=dict(a=[2, 2858, 7], b=[0, 411, 10], c=[2, 328, 10], d=[9, 412, 85]))
    assert detection_limit(10**6, error_model(spread)) > detection_limit(10**6, error_model(spread['counts']))  # sources that disagree raise the floor

def test_the_shipped_model_has_its_matrix():
    from bloodcells.report import shipped
    conf = read_confusion(shipped('detector'))
    assert conf is not None and conf['sha256'] == sha256(shipped('detector')) and conf['split'] == 'val'

def test_a_matrix_of_another_model_is_refused(tmp_path):
    from bloodcells.report import blood_report, shipped
    from bloodcells.runtime import Cells
    model = tmp_path/'model-int8.onnx'; model.write_bytes(shipped('detector').read_bytes() + b'retrained')
    shutil.copyfile(beside(shipped('detector'), 'confusion'), beside(model, 'confusion'))
    labels = ['HealthyRBC'] * 600 + ['InfectedRBC'] * 6
    cells = Cells(np.zeros((len(labels), 4), np.float32), np.ones(len(labels), np.float32), labels, 36.0)
    r = blood_report([('a.png', cells, (1000, 1000))], confusion=model)
    assert r['parasitemia']['corrected'] is None and any('another model file' in w for w in r['warnings'])
    r = blood_report([('a.png', cells, (1000, 1000))], confusion=shipped('detector'))
    assert r['parasitemia']['corrected']['ci95'][0] <= r['parasitemia']['corrected']['percent'] <= r['parasitemia']['corrected']['ci95'][1]

def test_report_json_and_html_carry_the_correction(tmp_path):
    from bloodcells.report import sample_fields
    path, labels = sample_fields()[0]
    r = subprocess.run(['bloodcells', 'analyze', str(path), '--rbc-px', str(labels['rbc_px']), '--depth-um', '3', '--out', str(tmp_path)],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    rep = json.loads((tmp_path/'report.json').read_text())
    c = rep['parasitemia']['corrected']
    assert {'percent', 'ci95', 'detection_limit_percent', 'detected', 'note'} <= set(c), c
    assert 0 <= c['ci95'][0] <= c['percent'] <= c['ci95'][1] <= 100 and 0 < c['detection_limit_percent'] <= 100
    assert set(rep['unchecked']) >= {'rbc_per_ul', 'anaemia_flag'} and 'unchecked' in rep['unchecked']['anaemia_flag']
    page = (tmp_path/'report.html').read_text()
    assert 'id="parasitemia-corrected"' in page and rep['unchecked']['rbc_per_ul'] in page
    assert 'corrected for the model' in r.stdout
