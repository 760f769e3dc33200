"""Lighthouse (mobile) scores of the home page and the visit form, beside the goals of issue 14.

Run: .venv/bin/python bench/lighthouse.py [runs]

It installs Lighthouse 12 from npm into bench/.tools/ the first time (`npm install`, not committed), starts
the app as it runs in production on one machine (gunicorn with gunicorn.conf.py, SQLite, the embedded
queue) with the demo data, logs in as the demo jobformidler, and runs Lighthouse in Debian's Chromium on
the home page and on today's first visit form, `runs` times each (default 1; the median is printed). Goals:
performance ≥ 98, accessibility 100, best practices 100 (SEO is printed without a goal: the app is behind
a log-in). The layout shifts Lighthouse found are listed under the table. A benchmark never fails: it
exits 0.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.servers import BIN, Browserless, free_port, gunicorn, wait_http  # noqa: E402

TOOLS = ROOT / "bench" / ".tools"
LIGHTHOUSE = TOOLS / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = "/usr/bin/chromium"
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-background-networking --disable-component-update "
    "--disable-sync --no-first-run"
)
CATEGORIES = {
    "performance": 98,
    "accessibility": 100,
    "best-practices": 100,
    "seo": None,
}


def ensure_lighthouse() -> None:
    if LIGHTHOUSE.exists():
        return
    TOOLS.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--prefix", str(TOOLS), "lighthouse@12"], check=True
    )


def _env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("TEST_DATABASE_URL", "REDIS_URL")}
    env.update(
        FLASK_APP="app:create_app",
        DATABASE_URL=f"sqlite:///{tmp / 'lighthouse.db'}",
        TASK_QUEUE_URL=f"sqlite:///{tmp / 'queue.db'}",
        SECRET_KEY="lighthouse-bench-secret-0123456789abcdef",
        RATELIMIT_ENABLED="0",
        PYTHONUNBUFFERED="1",
    )
    return env


def run_lighthouse(url: str, headers: Path, out: Path) -> dict:
    """One Lighthouse run: the four category scores (0–100) and the layout shifts it saw."""
    subprocess.run(
        [
            str(LIGHTHOUSE),
            url,
            f"--extra-headers={headers}",
            "--form-factor=mobile",
            "--output=json",
            f"--output-path={out}",
            "--quiet",
            f"--chrome-flags={CHROME_FLAGS}",
        ],
        env={**os.environ, "CHROME_PATH": CHROMIUM},
        check=True,
        capture_output=True,
    )
    report = json.loads(out.read_text())
    scores = {key: round(100 * (report["categories"][key]["score"] or 0)) for key in CATEGORIES}
    audits = report["audits"]
    shifts = []
    for item in (audits.get("layout-shifts", {}).get("details") or {}).get("items", []):
        node = item.get("node") or {}
        shifts.append(
            f"{item.get('score', 0):.3f} {node.get('selector', '?')} {node.get('snippet', '')[:80]}"
        )
    failed = [
        f"{key}: {audit['title']}"
        for key, audit in audits.items()
        if audit.get("score") is not None
        and audit.get("score") < 1
        and audit.get("scoreDisplayMode") in ("binary", "metricSavings")
        and key in _category_audits(report, ("accessibility", "best-practices"))
    ]
    return {
        "scores": scores,
        "cls": audits["cumulative-layout-shift"]["numericValue"],
        "lcp": audits["largest-contentful-paint"]["numericValue"],
        "tbt": audits["total-blocking-time"]["numericValue"],
        "shifts": shifts,
        "failed": failed,
    }


def _category_audits(report: dict, categories: tuple[str, ...]) -> set[str]:
    return {
        ref["id"] for c in categories for ref in report["categories"][c]["auditRefs"] if ref.get("weight")
    }


def main(runs: int = 1) -> None:
    ensure_lighthouse()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        env = _env(tmp)
        for command in (["init-db"], ["demo-data"]):
            done = subprocess.run(
                [str(BIN / "flask"), *command], env=env, capture_output=True, text=True, cwd=ROOT
            )
            if done.returncode:
                raise SystemExit(done.stderr[-3000:])
        port = free_port()
        web = gunicorn("web", port, env, tmp, workers=2)
        web.start()
        try:
            base = f"http://127.0.0.1:{port}"
            wait_http(base + "/ping")
            client = Browserless(base)
            client.login("jobformidler", "demo1234")
            headers = tmp / "headers.json"
            cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.values.items())
            headers.write_text(json.dumps({"Cookie": cookie}))
            _, home = client.request("GET", "/")
            form = re.search(r'<a[^>]*href="([^"]+)"[^>]*data-visit-start', home) or re.search(
                r'<a[^>]*data-visit-start[^>]*href="([^"]+)"', home
            )
            pages = {"home page": "/"}
            if form:
                pages["visit form"] = form.group(1).replace("&amp;", "&")
            results: dict[str, list[dict]] = {name: [] for name in pages}
            # LIGHTHOUSE_REPORTS=dir keeps the JSON reports for a closer look.
            reports = Path(os.environ.get("LIGHTHOUSE_REPORTS") or tmp)
            reports.mkdir(parents=True, exist_ok=True)
            for name, path in pages.items():
                for n in range(runs):
                    out = reports / f"{name.replace(' ', '-')}-{n}.json"
                    results[name].append(run_lighthouse(base + path, headers, out))
        finally:
            web.stop()
    print(
        f"\nLighthouse 12, mobile, Chromium headless; gunicorn 2 workers, SQLite; median of {runs} run(s)\n"
    )
    print("| page | performance | accessibility | best practices | SEO | CLS | LCP | TBT |")
    print("|---|---|---|---|---|---|---|---|")
    print("| goal | ≥ 98 | 100 | 100 | – | | | |")
    for name, runs_of_page in results.items():
        median = {k: statistics.median(r["scores"][k] for r in runs_of_page) for k in CATEGORIES}
        cls = statistics.median(r["cls"] for r in runs_of_page)
        lcp = statistics.median(r["lcp"] for r in runs_of_page)
        tbt = statistics.median(r["tbt"] for r in runs_of_page)
        cells = " | ".join(f"{median[k]:g}" for k in CATEGORIES)
        print(f"| {name} | {cells} | {cls:.3f} | {lcp:,.0f} ms | {tbt:,.0f} ms |")
    for name, runs_of_page in results.items():
        last = runs_of_page[-1]
        for line in last["shifts"]:
            print(f"  {name}: layout shift {line}")
        for line in last["failed"]:
            print(f"  {name}: {line}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
