"""The real fields bundled in `bloodcells/samples/` for `bloodcells demo` are what ATTRIBUTION.md says they are: byte-for-byte
copies of test-split files of BCCD and TXL-PBC (so that no model here trained on them), with those datasets' own labels."""
import os, zipfile
import xml.etree.ElementTree as ET
from pathlib import Path
import numpy as np
import pytest
from bloodcells.core import image_size
from bloodcells.data import read_pbc, read_voc
from bloodcells.report import SAMPLES, sample_fields

ROOT = Path(__file__).resolve().parents[1]
IMAGE_EXTS = {'.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp'}
TXL_CLASSES = ['WBC', 'RBC', 'Platelets']  # txl_pbc/data.yaml

@pytest.fixture(scope='module')
def data():
    "The shared data folder (the tests need BLOODCELLS_DATA: without it they fail, not skip)."
    assert os.environ.get('BLOODCELLS_DATA'), 'set BLOODCELLS_DATA to the shared data folder'
    return Path(os.environ['BLOODCELLS_DATA'])

def txl_sources(data):
    "TXL-PBC's metadata_file.xlsx as {file name in TXL-PBC: (original file name, source dataset)}."
    ns = {'m': 'http://schemas.openxmlformats.org/spreadsheetml/2006/main'}
    with zipfile.ZipFile(data/'txl_pbc'/'metadata_file.xlsx') as z:
        strings = [''.join(t.text or '' for t in si.iter(f"{{{ns['m']}}}t")) for si in ET.fromstring(z.read('xl/sharedStrings.xml')).findall('m:si', ns)]
        rows = [[strings[int(c.find('m:v', ns).text)] for c in r.findall('m:c', ns)] for r in ET.fromstring(z.read('xl/worksheets/sheet1.xml')).iter(f"{{{ns['m']}}}row")]
    head = rows[0]
    return {r[head.index('New_Image_Name')]: (r[head.index('Original_Image_Name')], r[head.index('Source_Dataset')]) for r in rows[1:]}

def source_labels(data, labels):
    "The (boxes, labels) that the sample's dataset gives its file."
    path = data/labels['file']
    if labels['dataset'] == 'BCCD':
        a = read_voc(path.parent.parent/'Annotations'/f'{path.stem}.xml')
        return a.boxes, list(a.labels)
    rows = np.loadtxt(path.parent.parent.parent/'labels'/'val'/f'{path.stem}.txt', ndmin=2)
    W, H = image_size(path)
    cx, cy, w, h = rows[:, 1] * W, rows[:, 2] * H, rows[:, 3] * W, rows[:, 4] * H
    return np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], 1), [TXL_CLASSES[int(c)] for c in rows[:, 0]]

def test_each_sample_has_labels_and_attribution():
    images = sorted(p.name for p in SAMPLES.iterdir() if p.suffix.lower() in IMAGE_EXTS)
    fields = sample_fields()
    assert 4 <= len(fields) <= 8 and sorted(p.name for p, _ in fields) == images
    attribution = (SAMPLES/'ATTRIBUTION.md').read_text()
    for p, l in fields:
        assert p.name in attribution and l['original'] in attribution and l['licence'] in ('MIT', 'CC BY 4.0 (PBC photograph); MIT (TXL-PBC labels)')
        assert p.stat().st_size < 100_000

def test_only_samples_hold_images_in_the_package():
    images = [p for p in (ROOT/'bloodcells').rglob('*') if p.suffix.lower() in IMAGE_EXTS]
    assert images and all(p.parent == SAMPLES for p in images), [p for p in images if p.parent != SAMPLES]

def test_samples_are_copies_of_test_split_files(data):
    bccd_test = set((data/'bccd'/'BCCD'/'ImageSets'/'Main'/'test.txt').read_text().split())
    txl, pbc_split = txl_sources(data), {a.path.name: a.split for a in read_pbc()}
    for p, l in sample_fields():
        src = data/l['file']
        assert p.read_bytes() == src.read_bytes(), p.name
        if l['dataset'] == 'BCCD': assert src.stem in bccd_test, p.name
        else:
            assert l['dataset'] == 'TXL-PBC' and src.parent == data/'txl_pbc'/'images'/'val', p.name  # TXL-PBC's val is our test split
            assert txl[src.name] == (l['original'], 'PBC'), (p.name, txl[src.name])
            assert pbc_split.get(l['original']) not in ('train', 'val'), p.name  # the PBC photograph is in no split we train on

def test_samples_carry_their_datasets_labels(data):
    for p, l in sample_fields():
        boxes, labels = source_labels(data, l)
        assert l['labels'] == labels and np.allclose(l['boxes'], boxes, atol=0.06), p.name
        assert l['counts'] == {c: labels.count(c) for c in TXL_CLASSES}, p.name
        red = np.array([b for b, c in zip(boxes, labels) if c == 'RBC'])
        assert l['rbc_px'] == pytest.approx(np.median((red[:, 2] - red[:, 0] + red[:, 3] - red[:, 1]) / 2), abs=0.06), p.name
