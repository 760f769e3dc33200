"""Render the app icons (PNG) from icon.svg with Debian's Chromium. Run by hand when the icon changes:
    .venv/bin/python static/icons/make_icons.py
The PNGs are committed, so neither the app nor its tests need this script."""

from pathlib import Path

from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
SVG = (HERE / "icon.svg").read_text()
# A maskable icon keeps its content inside the central 80 % "safe zone": the mark on a full-bleed field.
MASKABLE = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">'
    '<rect width="64" height="64" fill="#0b5c66"/>'
    '<path d="M22 33l7 7 14-15" fill="none" stroke="#fff" stroke-width="5.5" stroke-linecap="round" '
    'stroke-linejoin="round"/></svg>'
)


def render(svg: str, size: int, name: str, page) -> None:
    page.set_viewport_size({"width": size, "height": size})
    page.set_content(f"<style>*{{margin:0}}svg{{display:block;width:{size}px;height:{size}px}}</style>{svg}")
    page.screenshot(path=str(HERE / name), omit_background=True)


with sync_playwright() as p:
    browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
    page = browser.new_page()
    render(SVG, 192, "icon-192.png", page)
    render(SVG, 512, "icon-512.png", page)
    render(MASKABLE, 512, "icon-maskable-512.png", page)
    render(SVG, 180, "apple-touch-icon.png", page)
    browser.close()
