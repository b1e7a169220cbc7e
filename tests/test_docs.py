"""The documentation site, built offline and read in a headless Chromium as a person would read it."""
import re, time
from pathlib import Path
import pytest
from fastcore.xtras import working_directory
from playwright.sync_api import sync_playwright
from conftest import CHROMIUM, CHROMIUM_ARGS
from bloodcells.docs import doc_notebooks, offline_docs, page_name, page_title

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT/'tests'/'out'

@pytest.fixture(scope='module')
def site(tmp_path_factory):
    "The site, built once into a temporary folder: every page, with the figures of the two notebooks it runs."
    start = time.time()
    with working_directory(ROOT): index = offline_docs(tmp_path_factory.mktemp('site'), execute={'index.ipynb', '00_core.ipynb'})  # nbdev-test has run them all
    print(f"site built in {time.time() - start:.0f} s")
    return index.parent

@pytest.fixture(scope='module')
def nbs():
    "The notebooks of the site, in sidebar order."
    with working_directory(ROOT): return doc_notebooks()

@pytest.fixture(scope='module')
def page():
    "A page of a headless Chromium; the test fails, rather than skips, where there is no Chromium."
    if not CHROMIUM.exists(): pytest.fail(f"no browser at {CHROMIUM}: install it with `apt-get install -y chromium`")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser.new_page(viewport={'width': 1280, 'height': 900})
        browser.close()

def test_a_page_per_notebook(site, nbs):
    assert nbs[0].name == 'index.ipynb'
    assert sorted(p.name for p in site.glob('*.html')) == sorted(page_name(p) for p in nbs)

def test_local_links_lead_to_pages(site):
    pages = {p.name for p in site.glob('*.html')}
    for p in site.glob('*.html'):
        for href in re.findall(r'<a [^>]*href="([^"#:]+)[#"]', p.read_text()):
            assert href in pages, f"{p.name} links to {href}, which is not a page of the site"

def test_index_in_the_browser(site, nbs, page):
    page.goto((site/'index.html').as_uri())
    assert page.title() == page_title(nbs[0])
    assert page.inner_text('header.site-header h1') == page_title(nbs[0])
    nav = page.locator('nav.site-nav a')
    assert nav.evaluate_all('as => as.map(a => a.getAttribute("href"))') == [page_name(p) for p in nbs]
    assert nav.all_inner_texts() == [page_title(p) for p in nbs]
    assert page.locator('nav.site-nav a.current').get_attribute('href') == 'index.html'
    assert page.eval_on_selector('nav.site-nav', 'n => getComputedStyle(n).position') == 'fixed'
    code = page.locator('.jp-CodeCell .jp-InputArea-editor').first
    assert code.evaluate('e => getComputedStyle(e).backgroundColor') not in ('rgba(0, 0, 0, 0)', 'transparent')
    assert page.locator('.jp-CodeCell .highlight .kn').count() > 0  # syntax highlighting: `import` keywords
    assert 'show_doc' not in page.content() and '#| ' not in page.inner_text('main')
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS/'docs_index.png'))

def test_sidebar_leads_to_a_page_with_its_figures(site, nbs, page):
    core = next(p for p in nbs if p.name == '00_core.ipynb')
    page.goto((site/'index.html').as_uri())
    page.click(f'nav.site-nav a[href="{page_name(core)}"]')
    page.wait_for_load_state('load')
    assert page.url.endswith('/core.html')
    assert page.inner_text('header.site-header h1') == page_title(core)
    assert page.locator('nav.site-nav a.current').get_attribute('href') == 'core.html'
    widths = page.locator('.jp-OutputArea-output img').evaluate_all('is => is.map(i => i.naturalWidth)')
    assert widths and all(w > 0 for w in widths), widths  # the figures the notebook drew at build time
    assert page.locator('h3#box_iou').count() == 1  # a show_doc entry, where nbdev's links point
    page.screenshot(path=str(SHOTS/'docs_core.png'))
