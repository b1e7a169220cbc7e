"""Load benchmark of `bloodcells.server` (not a test: pytest does not collect this file, and nothing here is timed against a limit).

`clients` threads, each with its own connection, send `requests` analyses of one real IML test field (a 1280x960 JPEG whose
red-cell size the server measures) to the real server on loopback, while one more asks for /api/health every 0.2 s.
Prints latency percentiles, throughput and errors; exits with status 1 if any request failed.

    BLOODCELLS_DATA=... python tests/bench_server.py [--clients 8] [--requests 50] [--workers 2] [--image iml|slide]
"""
import argparse, os, sys, threading, time
from concurrent.futures import ThreadPoolExecutor
import cv2, httpx, numpy as np
from bloodcells.data import read_iml_malaria
from harness import running

def upload(kind):
    "(name, bytes) of the image to send: a real IML test field, or a synthetic 1000x1000 test slide as JPEG."
    if kind == 'iml': p = [a.path for a in read_iml_malaria() if a.split == 'test'][0]; return p.name, p.read_bytes()
    from bloodcells.synth import get_bank, make_slide
    return 'slide.jpg', cv2.imencode('.jpg', make_slide(get_bank(), 'test', 0).image[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, 90])[1].tobytes()

def client(url, name, data, n):
    "Send `n` analyses one after the other; returns (seconds per request, error descriptions)."
    times, errors = [], []
    with httpx.Client(base_url=url, timeout=300) as c:
        for _ in range(n):
            t = time.perf_counter()
            try:
                r = c.post('/api/analyze', files={'file': (name, data)})
                if r.status_code != 200 or not r.json().get('red_cells'): errors.append(f'{r.status_code} {r.text[:120]}')
            except httpx.HTTPError as e: errors.append(repr(e))
            times.append(time.perf_counter() - t)
    return times, errors

def watch(url, stop, out):
    "Time /api/health every 0.2 s until `stop` is set."
    with httpx.Client(base_url=url, timeout=30) as c:
        while not stop.is_set():
            t = time.perf_counter(); c.get('/api/health'); out.append(time.perf_counter() - t); time.sleep(0.2)

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--clients', type=int, default=8); ap.add_argument('--requests', type=int, default=50)
    ap.add_argument('--workers', type=int, default=2); ap.add_argument('--image', choices=['iml', 'slide'], default='iml')
    a = ap.parse_args()
    assert os.environ.get('BLOODCELLS_DATA'), 'set BLOODCELLS_DATA to the shared data folder'
    name, data = upload(a.image)
    with running(max_workers=a.workers, max_waiting=max(16, 2 * a.clients)) as url:
        client(url, name, data, 2)  # warm up
        stop, health = threading.Event(), []
        w = threading.Thread(target=watch, args=(url, stop, health)); w.start()
        t0 = time.perf_counter()
        with ThreadPoolExecutor(a.clients) as pool: results = list(pool.map(lambda _: client(url, name, data, a.requests), range(a.clients)))
        wall = time.perf_counter() - t0
        stop.set(); w.join()
    lat = np.array([t for ts, _ in results for t in ts]) * 1e3; errors = [e for _, es in results for e in es]
    print(f"{a.clients} clients x {a.requests} requests of {name} ({len(data) / 1e3:.0f} kB), {a.workers} workers, {os.cpu_count()} cores, loopback")
    print(f"latency ms: p50 {np.percentile(lat, 50):.0f}  p95 {np.percentile(lat, 95):.0f}  p99 {np.percentile(lat, 99):.0f}  max {lat.max():.0f}")
    print(f"throughput: {len(lat) / wall:.2f} requests/s ({len(lat)} in {wall:.1f} s)")
    print(f"/api/health meanwhile: p50 {np.percentile(health, 50) * 1e3:.0f} ms, p95 {np.percentile(health, 95) * 1e3:.0f} ms, max {max(health) * 1e3:.0f} ms ({len(health)} probes)")
    print(f"errors: {len(errors)}" + ''.join(f'\n  {e}' for e in errors[:10]))
    return 1 if errors else 0

if __name__ == '__main__': sys.exit(main())
