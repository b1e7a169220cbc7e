"""What several test files share: the headless Chromium they read pages with, and the real IML fields they analyse."""
import os
from pathlib import Path
import pytest

CHROMIUM = Path('/usr/bin/chromium')
# Without the background-networking flags Chromium keeps calling home, and these machines have no network.
CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                 '--disable-background-networking', '--disable-component-update', '--disable-sync']

@pytest.fixture(scope='module')
def fields():
    "Three real IML test fields (the tests need BLOODCELLS_DATA: without it they fail, not skip)."
    assert os.environ.get('BLOODCELLS_DATA'), 'set BLOODCELLS_DATA to the shared data folder'
    from bloodcells.data import read_iml_malaria
    return [a.path for a in read_iml_malaria() if a.split == 'test'][:3]
