"""`bloodcells.pi`: the Raspberry Pi bundle and its check on arm64.

`python -m pytest -q tests/test_pi.py` builds the bundle without its aarch64 wheels and checks what it holds (seconds).
`python -m pytest -q -m slow tests/test_pi.py` (as root, with debootstrap, qemu-user-static and binfmt-support installed)
builds the whole bundle, installs it in an emulated arm64 Debian 12 with its own script and compares the counts there
with this machine's (about 15 minutes on 2 cores, plus 3 to 5 minutes the first time to make the userland)."""
import json, re, subprocess, tarfile
from pathlib import Path
import pytest
from bloodcells.pi import ENV_FILE, PREFIX, arm64_root, build_bundle, verify_arm64
from bloodcells.report import DISCLAIMER, default_model

ROOT = Path('/var/tmp/bloodcells-arm64')

@pytest.fixture(scope='module')
def bundle(tmp_path_factory):
    "The bundle without its dependency wheels."
    return build_bundle(tmp_path_factory.mktemp('pi'), wheels=False)

def test_contents(bundle):
    assert sorted(p.name for p in bundle.iterdir()) == ['GUIDE.md', 'SHA256SUMS', 'bloodcells.service', 'install.sh', 'model.confusion.json', 'model.onnx', 'model.rulers-gain.json', 'wheels']
    assert [p.name for p in (bundle/'wheels').iterdir()][0].endswith('-py3-none-any.whl')
    assert (bundle/'model.onnx').read_bytes() == default_model().read_bytes()
    from bloodcells.runtime import Detector
    assert Detector(bundle/'model.onnx').rulers_gain == Detector(default_model()).rulers_gain != 1  # the model's gain, found beside its new name
    assert subprocess.run(['sha256sum', '--quiet', '-c', 'SHA256SUMS'], cwd=bundle).returncode == 0
    with tarfile.open(bundle.parent/'bloodcells-pi.tar.gz') as t: assert 'bloodcells-pi/install.sh' in t.getnames()

def test_install_script_uses_only_wheels(bundle):
    script = (bundle/'install.sh').read_text()
    pips = re.findall(r'^.*\bpip\b.*$', script, re.M)
    assert len(pips) == 1 and all(f in pips[0] for f in ('--no-index', '--only-binary=:all:', '--find-links "$HERE/wheels"'))
    assert 'apt' not in script.replace('apt install python3-venv', '') and 'curl' not in script and 'wget' not in script
    assert subprocess.run(['sh', '-n', str(bundle/'install.sh')]).returncode == 0  # parses as POSIX sh

def test_unit(bundle):
    unit = (bundle/'bloodcells.service').read_text()
    assert re.findall(r'^Restart=(.*)$', unit, re.M) == ['on-failure']
    start = re.search(r'^ExecStart=(.*)$', unit, re.M).group(1)
    assert start.startswith(f'{PREFIX}/venv/bin/bloodcells serve') and f'--model {PREFIX}/model.onnx' in start and '--host 0.0.0.0' in start
    assert f'EnvironmentFile=-{ENV_FILE}' in unit and 'WantedBy=multi-user.target' in unit

def test_guide(bundle):
    guide = (bundle/'GUIDE.md').read_text()
    assert 'http://10.42.0.1:8000/' in guide and 'token' in guide and DISCLAIMER in guide and 'not a diagnosis' in guide

@pytest.mark.slow
def test_arm64(tmp_path, request):
    "Install the whole bundle in an emulated arm64 Debian and count one synthetic slide as x86 does, with the CLI and the server."
    if 'slow' not in (request.config.getoption('markexpr') or '').replace('not slow', ''): pytest.skip('minutes under emulation, as root: run it with -m slow')
    import cv2
    from bloodcells.synth import RBC_PX, get_bank, make_slide
    field = tmp_path/'slide.png'
    cv2.imwrite(str(field), make_slide(get_bank(), 'test', 2).image[..., ::-1])
    subprocess.run(['bloodcells', 'analyze', str(field), '--model', str(default_model()), '--out', str(tmp_path/'x86'), '--rbc-px', str(RBC_PX)], check=True, capture_output=True)
    x86 = json.loads((tmp_path/'x86'/'report.json').read_text())['counts']
    arm = verify_arm64(build_bundle(tmp_path), arm64_root(ROOT), field, rbc_px=RBC_PX)
    print({k: v for k, v in arm.items() if k != 'install_log'})
    assert arm['machine'] == 'aarch64' and arm['without_token'] == 401
    assert arm['counts'] == x86 and arm['server_counts'] == x86
