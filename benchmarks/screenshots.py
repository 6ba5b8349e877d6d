"""Screenshots of the workspace's main pages for the README (docs/screenshots/), from a demo store of the synthetic
corpus only (``tipwatch synth``: invented ads, phones and pictures; no real person's data).

Builds the store with the real commands (``tipwatch synth``, ``tipwatch analyze``) in a temporary folder, adds what the
pages show (a case, a watch, a hash bank, a notice draft, a sharing group and a partner's selector file made from a
second store), serves the app on 127.0.0.1 and drives Debian's Chromium (Playwright, headless) at 1280 px wide,
signed in as a demo admin with the face-search permission. Each page must fit 1280 px (no horizontal scrolling).

    .venv/bin/python benchmarks/screenshots.py [--out docs/screenshots] [--n 1500]

``scripts/screenshots`` runs it with the defaults.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
WIDTH, HEIGHT = 1280, 860
GROUP = "ngo-partners"
WHY = {"purpose": "joint case MP-7 (synthetic demo)", "legal_basis": "MoU 2026/4, DPDP s.7(c)"}
TIPWATCH = str(Path(sys.executable).parent / "tipwatch")


def _tw(*args: str, data: Path) -> None:
    env = {**os.environ, "TIPWATCH_DATA_DIR": str(data)}
    subprocess.run([TIPWATCH, *args], check=True, env=env, stdout=subprocess.DEVNULL)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def _served(app: object) -> Iterator[str]:
    import uvicorn

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))  # type: ignore[arg-type]
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def build(work: Path, n: int) -> tuple[str, Path, Path]:
    """The demo store (and a partner's smaller one sharing part of the corpus): (store URL, images, partner file)."""
    data = work / "data"
    posts, images = work / "posts.jsonl", work / "images"
    _tw("synth", "--n", str(n), "--seed", "7", "--out", str(posts), "--truth", str(work / "truth.jsonl"),
        "--images", str(images), data=data)  # fmt: skip
    url = f"sqlite:///{work / 'store.db'}"
    _tw("analyze", str(posts), "--images", str(images), "--db", url, data=data)
    # The partner holds a fifth of the same ads (so some phones and e-mails overlap), in a store of its own.
    partner_posts = work / "partner.jsonl"
    lines = posts.read_text(encoding="utf-8").splitlines()
    partner_posts.write_text("\n".join(lines[: max(50, n // 5)]) + "\n", encoding="utf-8")
    partner_url = f"sqlite:///{work / 'partner.db'}"
    partner_data = work / "partner-data"
    _tw("analyze", str(partner_posts), "--no-link", "--db", partner_url, data=partner_data)
    key_file, selectors = work / "group.key", work / "partner-selectors.jsonl"
    _tw("exchange", "key", "create", "--group", GROUP, "--out", str(key_file), "--by", "partner",
        "--db", partner_url, data=partner_data)  # fmt: skip
    _tw("exchange", "selectors", "export", "--group", GROUP, "--out", str(selectors), "--purpose", WHY["purpose"],
        "--legal-basis", WHY["legal_basis"], "--by", "partner", "--db", partner_url, data=partner_data)  # fmt: skip
    _tw("exchange", "key", "import", "--group", GROUP, str(key_file), "--by", "admin", "--db", url, data=data)
    return url, images, selectors


def prepare(store: object, password: str) -> dict[str, str]:
    """A demo admin, a case on the best network, a watch, a bank and a notice draft; the pages to shoot."""
    from tipwatch.notices.settings import NoticeSettings
    from tipwatch.services import accounts, banks, cases, notices, watches
    from tipwatch.store.facade import Store
    from tipwatch.store.interface.exchange import ValueScope

    assert isinstance(store, Store)
    accounts.add_user(store, "admin", password, role="admin", face_search=True, actor="screenshots")
    network = store.links.networks(limit=1)[0]
    members = sorted(p for p, nid in store.links.membership([network.id]).items() if nid == network.id)
    case = cases.create_case(store, f"Network {network.id}: touring ads (synthetic)", created_by="user:admin")
    cases.add_networks(store, case.id, [network.id], actor="user:admin")
    cases.add_posts(store, case.id, members[:3], actor="user:admin")
    cases.add_note(store, case.id, "Same template and phone across three cities; check with the AHTU.", author="admin")
    phone = next(r.value for r in store.exchange.values(("phone",), ValueScope(network_id=network.id)))
    watches.add(store, "phone", phone, note="case " + str(case.id), by="admin")
    banks.create_bank(store, "NGO hotline list (synthetic)", source="demo", licence="demo only")
    try:
        settings = NoticeSettings(notifier_name="Demo AHTU", notifier_email="ahtu@example.org")
        notices.draft(store, network_id=network.id, drafted_by="analyst.demo", settings=settings)
    except Exception as exc:  # a draft needs ads on a known host: the page is shot either way
        print(f"no notice drafted: {exc}", file=sys.stderr)
    spaced = f"{phone[3:8]} {phone[8:]}" if phone.startswith("+91") else phone
    return {
        "dashboard": "/",
        "review": "/review",
        "post": "/posts/" + members[0],
        "network": f"/networks/{network.id}",
        "search": "/search?q=" + spaced.replace(" ", "+"),
        "watchlists": "/watchlists",
        "banks": "/banks",
        "faces": "/faces",
        "audit": "/audit",
        "cases": f"/cases/{case.id}",
        # notices.png comes from the evidence and notice loop's browser test, which sends and removes a notice
        # against its local test site; the demo's ads are on hosts no registry knows, so its list would be empty.
        "exchange": "/exchange",
    }


def shoot(base: str, shots: dict[str, str], password: str, selectors: Path, out: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"], headless=True)
        page = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}).new_page()
        page.goto(base + "/login")
        page.fill("input[name=name]", "admin")
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_url(base + "/")
        for name, path in shots.items():
            page.goto(base + path)
            if name == "network":
                expect(page.locator("#graph[data-ready=true]")).to_be_visible(timeout=30_000)
            elif name == "review":
                page.keyboard.press("e")
                page.keyboard.type("same phone as the network's posts")
            elif name == "exchange":
                form = page.locator("form.match")
                form.locator("select[name=group]").select_option(GROUP)
                form.locator("input[type=file]").set_input_files(str(selectors))
                form.locator("input[name=purpose]").fill(WHY["purpose"])
                form.locator("input[name=legal_basis]").fill(WHY["legal_basis"])
                form.locator("button[type=submit]").click()
                page.wait_for_load_state("load")
                page.evaluate("document.querySelector('section.match-result').scrollIntoView({block: 'start'})")
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > WIDTH:
                raise SystemExit(f"{name} ({path}) is {width} px wide: wider than {WIDTH}")
            page.screenshot(path=str(out / f"{name}.png"), full_page=False)
            print(f"{out / f'{name}.png'}: {path}")
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    parser.add_argument("--n", type=int, default=1500, help="synthetic posts in the demo store")
    args = parser.parse_args()
    from tipwatch.config import Config
    from tipwatch.web.app import create_app

    with tempfile.TemporaryDirectory(prefix="tipwatch-screenshots-") as tmp:
        work = Path(tmp)
        url, images, selectors = build(work, args.n)
        config = Config(
            database_url=url,
            data_dir=work / "data",
            plain_http_loopback=True,
            image_roots=[images],
        )
        app = create_app(config)
        password = secrets.token_urlsafe(18)
        shots = prepare(app.state.store, password)
        with _served(app) as base:
            shoot(base, shots, password, selectors, args.out.resolve())
        app.state.store.close()
        print(json.dumps({"pages": len(shots), "out": str(args.out)}))


if __name__ == "__main__":
    main()
