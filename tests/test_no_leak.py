"""No test photograph of any source, nor one that shows its cells again, reaches training, validation or the cell bank's training cells."""
import os
import pytest

@pytest.fixture(scope='module', autouse=True)
def data():
    "The tests need BLOODCELLS_DATA: without it they fail, not skip."
    assert os.environ.get('BLOODCELLS_DATA'), 'set BLOODCELLS_DATA to the shared data folder'

def test_real_splits_are_clean():
    from bloodcells.data import split_leaks
    leaks = split_leaks()
    assert len(leaks) == 4 and {k: v for k, v in leaks.items() if v} == {}

def test_bank_photographs_are_clean():
    from bloodcells.synth import photo_key, source_photos, untrainable_photos
    banned = untrainable_photos()
    used = {photo_key(s, a.path) for s, (annots, _) in source_photos().items() for a in annots if a.split in ('train', 'val')}
    assert used and banned and not used & banned

def test_each_source_holds_what_repeats_a_test_photograph():
    from bloodcells.data import read_bccd, read_iml_malaria, read_txl_pbc, txl_test_twins
    for annots in (read_bccd(problems=[]), read_iml_malaria(), read_txl_pbc()):
        assert {'train', 'val', 'test', 'held'} <= {a.split for a in annots}
    assert txl_test_twins()
