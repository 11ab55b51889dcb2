"""The strategy report (``python -m holdem.cli.report``) in a real browser: Debian's Chromium,
headless, driven by Selenium 4 through /usr/bin/chromedriver, opening the site from file://.

A tiny Hold'em run is trained once; the report of it is opened, a non-root spot and a flop
spot are visited, and the grid, legend, detail panel and board blocking are checked against
the data and against ``holdem.cli.query`` (the same numbers the query command prints).
"""
from __future__ import annotations

import json
import os
import re
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
STATIC = ROOT / "src" / "holdem" / "report" / "static"
BOARD = "Ks Qd 9h"
RANKS = "AKQJT98765432"
SUITS = "shdc"
WAIT = 15  # seconds, every wait


def cli(module: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", f"holdem.cli.{module}", *args], capture_output=True, text=True,
                          timeout=180, cwd=ROOT, env=dict(os.environ, PYTHONUNBUFFERED="1"))


def need_browser():
    """Skip, naming what to install, unless Chromium, chromedriver and Selenium are here."""
    missing = []
    if not CHROMIUM.is_file():
        missing.append(f"{CHROMIUM} (Debian package chromium: apt-get install chromium)")
    if not CHROMEDRIVER.is_file():
        missing.append(f"{CHROMEDRIVER} (Debian package chromium-driver: apt-get install chromium-driver)")
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("the Python package selenium>=4.15 (pip install -e '.[dev]', or pip install 'selenium>=4.15')")
    if missing:
        pytest.skip("browser test needs " + "; ".join(missing))


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    need_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}", "--window-size=1400,1250"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # an explicit driver path: Selenium Manager is not run (it would try to download one)
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=opts)
    driver.set_page_load_timeout(WAIT)
    driver.set_script_timeout(WAIT)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """(run dir, report dir, the data of data.js) of a 20k-iteration small heads-up run."""
    need_browser()  # before the training, so that a skip costs nothing
    base = tmp_path_factory.mktemp("report")
    run, out = base / "run", base / "site"
    r = cli("train_blueprint", "--config", "configs/nlhe-hu-small-hs.yaml", "--iters", "20000",
            "--logdir", str(run), "--num-workers", "1")
    assert r.returncode == 0, r.stderr
    r = cli("report", "--policy", str(run), "--out", str(out), "--board", BOARD)
    assert r.returncode == 0, r.stderr
    text = (out / "data.js").read_text()
    assert text.lstrip().startswith("window.HOLDEM_REPORT")
    return run, out, json.loads(text[text.index("{"):text.rindex("}") + 1])


@pytest.fixture(scope="module")
def blueprint(site):
    from holdem.eval.blueprint import load_blueprint
    return load_blueprint(site[0])


# ---------- helpers ----------

def class_combos(hand: str) -> list[str]:
    """The combos of a hand class, e.g. 'KK' -> ['KsKh', ...] (6), 'AKs' -> 4, 'AKo' -> 12."""
    a, b = hand[0], hand[1]
    if a == b:
        return [a + s + a + t for i, s in enumerate(SUITS) for t in SUITS[i + 1:]]
    if hand[2] == "s":
        return [a + s + b + s for s in SUITS]
    return [a + s + b + t for s in SUITS for t in SUITS if s != t]


def grid_hand(i: int, j: int) -> str:
    if i == j:
        return RANKS[i] * 2
    return RANKS[i] + RANKS[j] + "s" if i < j else RANKS[j] + RANKS[i] + "o"


def open_report(driver, out: Path, fragment: str = ""):
    from selenium.webdriver.support.ui import WebDriverWait
    driver.get("about:blank")  # a fresh load even when only the #fragment differs
    driver.get((out / "index.html").as_uri() + fragment)
    WebDriverWait(driver, WAIT).until(lambda d: d.execute_script("return document.body.dataset.ready === '1'"))


def wait_spot(driver, spot: dict):
    """Wait until the page shows ``spot`` (the hash names it and the title has its history)."""
    from selenium.webdriver.support.ui import WebDriverWait
    history = spot["history"] or "(root)"
    WebDriverWait(driver, WAIT).until(lambda d: d.execute_script("return location.hash") == f"#spot={spot['id']}"
                                      and history in d.find_element("id", "spot-title").text)


def read_grid(driver) -> list[dict]:
    return driver.execute_script("""
        return Array.from(document.querySelectorAll('#grid .cell')).map(c => ({
            hand: c.getAttribute('data-hand'), probs: c.getAttribute('data-probs'),
            cls: c.className, text: c.textContent, bg: getComputedStyle(c).backgroundImage}));""")


def check_grid(driver, spot: dict) -> dict[str, list[float] | None]:
    """The grid's invariants; returns {hand: probs} as the DOM has them."""
    cells = read_grid(driver)
    assert len(cells) == 169
    legend = driver.execute_script(
        "return Array.from(document.querySelectorAll('#legend .action')).map(a => a.getAttribute('data-label'))")
    assert legend == [a["label"] for a in spot["actions"]]
    out = {}
    for k, c in enumerate(cells):
        assert c["hand"] == grid_hand(k // 13, k % 13), (k, c["hand"])
        assert c["hand"] in c["text"]
        probs = json.loads(c["probs"])
        if probs is not None:
            assert len(probs) == len(legend), c
            assert abs(sum(probs) - 1) <= 1e-6, c
            assert all(p >= 0 for p in probs), c
            assert "linear-gradient" in c["bg"], c  # coloured by the mix
        out[c["hand"]] = probs
    return out


def query_probs(run: Path, hand: str, history: str) -> dict[str, float]:
    """{action: probability} as ``python -m holdem.cli.query`` prints it."""
    r = cli("query", "--policy", str(run), "--hand", hand, "--history", history)
    assert r.returncode == 0, r.stderr
    rows = [line.split() for line in r.stdout.splitlines() if re.match(r"^(f|c|r\d+)\s", line)]
    return {row[0]: float(row[-1]) for row in rows}


def assert_percent(text: str, p: float):
    """``text`` shows the probability ``p`` as a percentage with one decimal."""
    shown = [float(v) for v in re.findall(r"(\d+\.\d)%", text)]
    assert any(abs(v - 100 * p) <= 0.05 + 1e-9 for v in shown), (p, text)


def describe(bp, hand: str, board: str, history: str) -> tuple[list[str], list[float], int]:
    from holdem.cli.query import describe_spot
    s = describe_spot(bp, hand, board, history)
    return [a["action"] for a in s["actions"]], [a["probability"] for a in s["actions"]], s["bucket"]


def png_pixels(data: bytes) -> np.ndarray:
    """RGB(A) pixels [h, w, channels] of an 8-bit non-interlaced PNG (zlib + the five filters)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, hdr = 8, [], None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        pos += 12 + n
        if kind == b"IHDR":
            hdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
    assert hdr is not None and idat, "no IHDR or IDAT"
    w, h, depth, ctype, _, _, interlace = hdr
    assert depth == 8 and ctype in (2, 6) and interlace == 0, hdr
    bpp = 3 if ctype == 2 else 4
    stride = w * bpp
    raw = zlib.decompress(b"".join(idat))
    assert len(raw) == h * (stride + 1)
    pixels = np.zeros((h, stride), np.uint8)
    prev = np.zeros(stride, np.uint8)
    for r in range(h):
        kind = raw[r * (stride + 1)]
        line = np.frombuffer(raw, np.uint8, stride, r * (stride + 1) + 1)
        if kind == 0:
            cur = line.copy()
        elif kind == 1:    # Sub: a running sum per channel
            cur = (np.cumsum(line.reshape(w, bpp), axis=0, dtype=np.int64) % 256).astype(np.uint8).reshape(stride)
        elif kind == 2:    # Up
            cur = line + prev
        else:              # Average, Paeth: left to right
            buf, up = bytearray(line.tobytes()), prev.tobytes()
            for i in range(stride):
                a = buf[i - bpp] if i >= bpp else 0
                b = up[i]
                if kind == 3:
                    buf[i] = (buf[i] + ((a + b) >> 1)) & 255
                else:
                    c = up[i - bpp] if i >= bpp else 0
                    p = a + b - c
                    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    buf[i] = (buf[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
            cur = np.frombuffer(bytes(buf), np.uint8)
        pixels[r] = cur
        prev = cur
    return pixels.reshape(h, w, bpp)


# ---------- tests ----------

@pytest.mark.timeout(300)
def test_site_files_and_no_network(browser, site):
    run, out, data = site
    for name in ("index.html", "report.js", "report.css"):  # copied verbatim
        assert (out / name).read_bytes() == (STATIC / name).read_bytes(), name
    html = (out / "index.html").read_text()
    assert '<script src="data.js"></script>' in html and '<script src="report.js"></script>' in html
    assert not re.search(r"https?://", html + (out / "report.js").read_text() + (out / "report.css").read_text())
    open_report(browser, out)
    # the page loads the site's own files and nothing else
    urls = browser.execute_script(
        "return Array.from(document.querySelectorAll('script[src], link[href], img[src], iframe[src], object[data]'))"
        ".map(e => e.src || e.href || e.data).concat(performance.getEntriesByType('resource').map(e => e.name))")
    assert {u.rsplit("/", 1)[-1] for u in urls} == {"data.js", "report.js", "report.css"}, urls
    assert all(u.startswith((out.as_uri() + "/")) for u in urls), urls
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors
    header = browser.find_element("id", "summary").text
    s = data["summary"]
    assert f"{s['iterations']:,}" in header and s["game"] in header and s["abstraction"] in header
    assert f"{s['rows']:,} rows" in header
    titles = browser.execute_script(
        "return Array.from(document.querySelectorAll('#plot-list figure')).map(f => "
        "[f.querySelector('figcaption').textContent, f.querySelector('svg') !== null])")
    assert titles == [[p["title"], True] for p in data["plots"]]
    # the root is shown first, and listed with every other spot
    assert "(root)" in browser.find_element("id", "spot-title").text
    ids = browser.execute_script(
        "return Array.from(document.querySelectorAll('#spot-list a.spot-link')).map(a => +a.dataset.spotId)")
    assert sorted(ids) == [sp["id"] for sp in data["spots"]]


@pytest.mark.timeout(300)
def test_preflop_spot_matches_query(browser, site, blueprint):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.support.ui import WebDriverWait

    run, out, data = site
    spots = {sp["id"]: sp for sp in data["spots"]}
    open_report(browser, out)
    root = spots[0]
    check_grid(browser, root)
    # click into the raise at the root: the big blind facing an open
    button = next(b for b in browser.find_elements("css selector", "#actions .action-button[data-child]")
                  if b.get_attribute("data-label").startswith("r") and b.is_enabled())
    spot = spots[int(button.get_attribute("data-child"))]
    button.click()
    wait_spot(browser, spot)
    title = browser.find_element("id", "spot-title").text
    assert spot["seat_name"] in title and f"pot {spot['pot']}" in title and f"to call {spot['to_call']}" in title
    crumbs = [int(a.get_attribute("data-spot-id")) for a in browser.find_elements("css selector", "#breadcrumb a.spot-link")]
    assert crumbs == [0, spot["id"]]
    grid = check_grid(browser, spot)
    assert all(p is not None for p in grid.values())  # preflop nothing is blocked

    # the cells are what the query command prints for the class
    labels = [a["label"] for a in spot["actions"]]
    printed = query_probs(run, "AKs", spot["history"])
    assert list(printed) == labels
    assert np.allclose(grid["AKs"], [printed[a] for a in labels], atol=1e-3)
    for hand in ("AA", "KQo", "T9s", "72o", "55", "A2s"):
        acts, probs, _ = describe(blueprint, hand, "", spot["history"])
        assert acts == labels
        assert np.allclose(grid[hand], probs, atol=1e-3), hand

    # hover: the detail names the hand, its bucket and each action's percentage
    _, probs, bucket = describe(blueprint, "QJs", "", spot["history"])
    cell = browser.find_element("css selector", '#grid .cell[data-hand="QJs"]')
    ActionChains(browser).move_to_element(cell).perform()
    WebDriverWait(browser, WAIT).until(lambda d: "QJs" in d.find_element("id", "detail").text)
    detail = browser.find_element("id", "detail").text
    assert f"bucket {bucket}" in detail.lower()
    for a, p in zip(spot["actions"], grid["QJs"]):
        assert a["text"] in detail
        assert_percent(detail, p)
    # click pins another hand; moving off the grid keeps it
    browser.find_element("css selector", '#grid .cell[data-hand="72o"]').click()
    WebDriverWait(browser, WAIT).until(lambda d: "72o" in d.find_element("id", "detail").text)
    ActionChains(browser).move_to_element(browser.find_element("id", "spot-title")).perform()
    WebDriverWait(browser, WAIT).until(lambda d: "72o" in d.find_element("id", "detail").text)
    rows = browser.find_elements("css selector", "#detail table.combos tr[data-cards]")
    assert len(rows) == 12 and all("bucket" in r.text for r in rows)


@pytest.mark.timeout(300)
def test_flop_spot_blocking(browser, site, blueprint):
    from selenium.webdriver.support.ui import WebDriverWait

    run, out, data = site
    board_cards = set(BOARD.split())
    flop = [sp for sp in data["spots"] if sp["street"] == 1]
    assert flop and all(sp["board"] == BOARD for sp in flop)
    spot = next((sp for sp in flop if sp["history"] == "r6c/"), flop[0])
    open_report(browser, out)
    link = browser.find_element("css selector", f'#spot-list a.spot-link[data-spot-id="{spot["id"]}"]')
    link.click()
    wait_spot(browser, spot)
    title = browser.find_element("id", "spot-title").text
    assert "flop" in title.lower() and all(c[0] in title for c in board_cards)
    grid = check_grid(browser, spot)
    classes = {c["hand"]: c for c in read_grid(browser)}
    for hand, probs in grid.items():
        combos = class_combos(hand)
        blocked = sum(c[:2] in board_cards or c[2:] in board_cards for c in combos)
        assert (probs is None) == (blocked == len(combos)), hand
        assert ("blocked" in classes[hand]["cls"].split()) == (blocked == len(combos)), hand
        if 0 < blocked < len(combos):  # partly blocked: marked with the live count
            assert f"{len(combos) - blocked}/{len(combos)}" in classes[hand]["text"], hand
        if blocked == 0:
            assert "/" not in classes[hand]["text"], hand
    assert "3/6" in classes["KK"]["text"] and "2/4" in classes["KQs"]["text"] and "3/4" in classes["AKs"]["text"]

    # a cell is the mean over its live combos, each as query gives it on this board
    labels = [a["label"] for a in spot["actions"]]
    for hand in ("KK", "AKs", "T8s"):
        live = [c for c in class_combos(hand) if c[:2] not in board_cards and c[2:] not in board_cards]
        mixes = []
        for combo in live:
            acts, probs, _ = describe(blueprint, combo, BOARD, spot["history"])
            assert acts == labels
            mixes.append(probs)
        assert np.allclose(grid[hand], np.mean(mixes, axis=0), atol=1e-3), hand

    # the detail of KK: three combos blocked by the king on the board, three with buckets
    browser.find_element("css selector", '#grid .cell[data-hand="KK"]').click()
    WebDriverWait(browser, WAIT).until(lambda d: "KK" in d.find_element("id", "detail").text)
    rows = browser.find_elements("css selector", "#detail table.combos tr[data-cards]")
    by_cards = {r.get_attribute("data-cards"): r for r in rows}
    assert sorted(by_cards) == sorted(class_combos("KK"))
    for cards, row in by_cards.items():
        if "Ks" in cards:
            assert "blocked" in row.get_attribute("class") and "blocked" in row.text
        else:
            _, probs, bucket = describe(blueprint, cards, BOARD, spot["history"])
            own = spot["bucket_probs"][str(bucket)]
            assert np.allclose(own, probs, atol=1e-3), cards
            assert f"bucket {bucket}" in row.text
            for p in own:
                assert_percent(row.text, p)


@pytest.mark.timeout(300)
def test_deep_link_breadcrumb_and_screenshot(browser, site, tmp_path):
    from selenium.webdriver.support.ui import WebDriverWait

    run, out, data = site
    spots = {sp["id"]: sp for sp in data["spots"]}
    deepest = max(data["spots"], key=lambda sp: (sp["depth"], sp["street"], -sp["id"]))
    path = [deepest]
    while path[0]["parent"] is not None:
        path.insert(0, spots[path[0]["parent"]])
    open_report(browser, out, f"#spot={deepest['id']}")
    wait_spot(browser, deepest)
    crumbs = [int(a.get_attribute("data-spot-id")) for a in browser.find_elements("css selector", "#breadcrumb a.spot-link")]
    assert crumbs == [sp["id"] for sp in path]
    current = browser.find_elements("css selector", "#spot-list a.spot-link.current")
    assert [int(a.get_attribute("data-spot-id")) for a in current] == [deepest["id"]]
    # back up the breadcrumb to the parent
    browser.find_elements("css selector", "#breadcrumb a.spot-link")[-2].click()
    wait_spot(browser, path[-2])
    check_grid(browser, path[-2])
    # an unknown spot shows the root
    open_report(browser, out, "#spot=999999")
    assert "(root)" in browser.find_element("id", "spot-title").text

    # a screenshot of a flop spot with a pinned hand: not blank, the action colours painted
    flop = next(sp for sp in data["spots"] if sp["street"] == 1)
    open_report(browser, out, f"#spot={flop['id']}")
    wait_spot(browser, flop)
    browser.find_element("css selector", '#grid .cell[data-hand="KK"]').click()
    WebDriverWait(browser, WAIT).until(lambda d: "KK" in d.find_element("id", "detail").text)
    png = browser.get_screenshot_as_png()
    shot = tmp_path / "report.png"
    shot.write_bytes(png)
    pixels = png_pixels(png)
    h, w, _ = pixels.shape
    assert w >= 800 and h >= 600
    rgb = pixels[:, :, :3].reshape(-1, 3)
    assert len(np.unique(rgb, axis=0)) > 500, "the screenshot is (nearly) blank"
    for a in flop["actions"]:
        if max(c["probs"][flop["actions"].index(a)] for c in flop["cells"] if c["probs"]) < 0.2:
            continue  # too rare to fill whole pixels reliably
        color = np.array([int(a["color"][i:i + 2], 16) for i in (1, 3, 5)], np.uint8)
        assert (rgb == color).all(axis=1).sum() > 100, f"no {a['text']} colour {a['color']} on the page"
