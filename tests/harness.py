"""The tests' harness: a real `bloodcells serve` in a child process on a free loopback port (used by the tests, the server benchmark and `13_server`)."""
import os, socket, subprocess, sys, time, urllib.request
from contextlib import contextmanager

def free_port():
    "A TCP port on the loopback address that nothing listens on now."
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

@contextmanager
def running(model=None, # an ONNX model (default: `default_model()`)
            token=None, save_dir=None, max_workers=2,
            env=None, # extra environment variables for the server's process
            timeout=60, # seconds to wait for it to answer
            **kw): # passed to `serve`
    "A real server in a child process on a free loopback port; yields its base URL and stops it afterwards."
    port = free_port(); url = f'http://127.0.0.1:{port}'
    args = ', '.join(f'{k}={v!r}' for k, v in dict(model=model and str(model), token=token, save_dir=save_dir and str(save_dir), max_workers=max_workers, log_level='warning', **kw).items())
    proc = subprocess.Popen([sys.executable, '-c', f"from bloodcells.server import serve; serve('127.0.0.1', {port}, {args})"], env={**os.environ, **(env or {})})
    try:
        deadline = time.time() + timeout
        while True:
            if proc.poll() is not None: raise RuntimeError(f"the server stopped with status {proc.returncode}")
            try:
                req = urllib.request.Request(url + '/api/health', headers={'Authorization': f'Bearer {token}'} if token else {})
                with urllib.request.urlopen(req, timeout=2): break
            except OSError:
                if time.time() > deadline: raise TimeoutError(f"no answer from {url} after {timeout} s")
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try: proc.wait(10)
        except subprocess.TimeoutExpired: proc.kill(); proc.wait()
