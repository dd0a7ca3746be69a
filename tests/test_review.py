"""`lettergen review`: the legal sign-off page (findings marked in place, approval state, redlines) and its DOCX files."""

from __future__ import annotations

import re
import shutil
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import docx
import lxml.html
import pytest

from conftest import ROOT, SAMPLES
from lettergen.approval import approve
from lettergen.lint.fixtures import FIXTURES
from lettergen.config.policy import Policy
from lettergen.cli.legal import review_command
from lettergen.review import write_review
from lettergen.config.tones import ToneSet

TEMPLATES = ROOT / "letter_templates"
TONES = ROOT / "tone_profiles"
BAD = "We will have you arrested."
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@pytest.fixture(scope="module")
def policy() -> Policy:
    return Policy.from_yaml(SAMPLES / "policy.yaml")


def _copy(dest: Path) -> tuple[Path, Path]:
    """letter_templates/ and tone_profiles/ copied (without any sign-off records) so tests may change them."""
    ignore = shutil.ignore_patterns("approvals.yaml", ".approved")
    return (Path(shutil.copytree(TEMPLATES, dest / "letter_templates", ignore=ignore)),
            Path(shutil.copytree(TONES, dest / "tone_profiles", ignore=ignore)))


def _stage_templates(policy: Policy) -> list[str]:
    return list(dict.fromkeys(s.template for s in policy.stages))


def _sections(page: str) -> dict[str, lxml.html.HtmlElement]:
    root = lxml.html.fromstring(page)
    return {s.get("data-template"): s for s in root.xpath('//section[contains(@class, "template")]')}


class _Balance(HTMLParser):
    """Every non-void element is closed, in order (the marks of overlapping findings must nest)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.ids: list[str] = []

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        self.ids += [v for k, v in attrs if k == "id" and v]
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> at {self.getpos()} closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()


def _check_html(page: str) -> None:
    assert page.startswith("<!DOCTYPE html>\n<html lang=\"en\">")
    p = _Balance()
    p.feed(page)
    p.close()
    assert not p.problems, p.problems[:5]
    assert p.stack == [], p.stack
    assert len(p.ids) == len(set(p.ids)), "duplicate ids"


def _check_offline(page: str) -> None:
    lower = page.lower()
    for bad in ("<script src", "<link", "@import", "url(", "<img", "<iframe", "<object", "<embed"):
        assert bad not in lower, bad
    assert not re.search(r"""(?:src|href|action|data)\s*=\s*["']?\s*(?:https?:)?//""", lower)
    # no URL but the letters' own payment links, printed as text (the page is read offline)
    assert "http://" not in lower
    assert all(u.startswith("https://acme-supplies.example/pay?account=") for u in re.findall(r"https://\S+", lower))


@pytest.fixture(scope="module")
def bad_review(tmp_path_factory, policy) -> tuple[Path, str]:
    """The review of a template copy with a sentence that implies arrest."""
    base = tmp_path_factory.mktemp("bad")
    tdir, tones = _copy(base)
    tpl = tdir / "polite_reminder.html.j2"
    src = tpl.read_text(encoding="utf-8")
    assert "<p>{{ tone.opening }}</p>" in src
    tpl.write_text(src.replace("<p>{{ tone.opening }}</p>", f"<p>{{{{ tone.opening }}}} {BAD}</p>"), encoding="utf-8")
    index = write_review(base / "review", policy, templates=tdir, tones=tones)
    return index, index.read_text(encoding="utf-8")


def test_review_page_and_docx_for_every_stage_template(tmp_path, policy):
    index = write_review(tmp_path / "out", policy, templates=TEMPLATES, tones=TONES)
    assert index == tmp_path / "out" / "index.html"
    page = index.read_text(encoding="utf-8")
    _check_html(page)
    _check_offline(page)
    # files are named as the approvals name them, not by this machine's absolute paths
    assert str(ROOT) not in page and "<code>letter_templates/_layout.html.j2</code>" in page
    assert "<code>tone_profiles/warm.yaml</code>" in page
    sections = _sections(page)
    names = _stage_templates(policy)
    assert list(sections) == names
    n_tones = len(ToneSet(TONES).profiles)
    for name in names:
        sec = sections[name]
        assert name in sec.text_content()
        assert sec.get("data-state") in ("approved", "changed", "unapproved")
        label = {"approved": "approved", "changed": "changed since approval", "unapproved": "unapproved"}[sec.get("data-state")]
        assert label in sec.xpath('.//span[contains(@class, "state")]')[0].text_content()
        renderings = sec.xpath('.//article[contains(@class, "rendering")]')
        assert len(renderings) == len(FIXTURES) * n_tones
        assert {r.get("data-fixture") for r in renderings} == {fx.key for fx in FIXTURES}
        # the letter text is there, addressed to each fixture account
        text = sec.text_content()
        for fx in FIXTURES:
            assert fx.key in text
            assert fx.account.name.upper() in text or fx.account.name in text
    for word in ("consumer", "commercial", "first party", "third party", "US-CA", "US-MA", "US-NY"):
        assert word in page
    # the tone profiles and the shared files have their approval state too
    root = lxml.html.fromstring(page)
    assert len(root.xpath('//section[@id="tones"]//p[contains(@class, "approval")]')) == n_tones
    assert root.xpath('//section[@id="shared"]//code[text()="style.css"]')

    for name in names:
        path = tmp_path / "out" / "docx" / f"{name}.docx"
        d = docx.Document(str(path))
        body = "\n".join(p.text for p in d.paragraphs)
        assert d.core_properties.title == f"Legal review: {name}"
        for fx in FIXTURES:
            assert fx.account.id in body  # "Account FX-CN1 ..." in every letter
        assert "Dear Jordan Avery," in body and "LONE STAR WIDGETS LLC" in body.upper()
        assert "Acme Supplies, Inc." in body


def test_review_is_deterministic_and_escapes_data(tmp_path, policy):
    pol = policy.model_copy(update={"name": "Review <script>alert(1)</script> & co",
                                    "sender": policy.sender.model_copy(update={"company": "Bell & <Ross> \"Supplies\""})})
    a = write_review(tmp_path / "a", pol, templates=TEMPLATES, tones=TONES, as_of=date(2026, 11, 27))
    b = write_review(tmp_path / "b", pol, templates=TEMPLATES, tones=TONES)  # as_of defaults to the fixtures' date
    assert a.read_bytes() == b.read_bytes()
    for name in _stage_templates(pol):
        assert (tmp_path / "a" / "docx" / f"{name}.docx").read_bytes() == (tmp_path / "b" / "docx" / f"{name}.docx").read_bytes()
    page = a.read_text(encoding="utf-8")
    _check_html(page)
    assert "Bell &amp; &lt;Ross&gt;" in page
    assert "<Ross>" not in page and "<script>alert" not in page
    assert page.count("<script>") == 1
    assert "2026-11-27" in page


def test_known_bad_sentence_is_marked_in_place_and_listed_with_its_citation(bad_review):
    _index, page = bad_review
    _check_html(page)
    sections = _sections(page)
    sec = sections["polite_reminder"]
    marks = sec.xpath('.//mark[@data-rule="FDCPA.ThreatOfArrest"][@id]')
    assert marks, "no mark for the arrest threat"
    for m in marks:
        assert "finding" in m.get("class").split() and "level-error" in m.get("class").split()
        assert m.text_content() and m.text_content() in BAD
        # in place: the mark stands inside the sentence of the letter text
        parent_text = m.getparent().text_content()
        assert BAD in parent_text
    assert len(marks) == len(sec.xpath('.//article[contains(@class, "rendering")]'))  # every rendering shows it
    # the findings list: each entry links to its mark and cites the rule
    for m in marks:
        links = sec.xpath(f'.//a[contains(@class, "finding-link")][@href="#{m.get("id")}"]')
        assert len(links) == 1
        entry = links[0].text_content()
        assert "FDCPA.ThreatOfArrest" in entry and "15 U.S.C. 1692e(4)" in entry and links[0].get("data-target") == m.get("id")
    # the other templates are clean
    for name, other in sections.items():
        if name != "polite_reminder":
            assert not other.xpath('.//mark[@data-rule="FDCPA.ThreatOfArrest"]')
    # the DOCX for redlining has the sentence too
    d = docx.Document(str(_index.parent / "docx" / "polite_reminder.docx"))
    assert any(BAD in p.text for p in d.paragraphs)


def test_approval_state_and_redline_since_approval(tmp_path, policy):
    tdir, tones = _copy(tmp_path)
    tone_files = sorted(tones.glob("*.yaml"))
    files = sorted([*tdir.glob("*.html.j2"), tdir / "style.css", *tone_files])
    approve(files, by="Lee", note="ok", on=date(2026, 11, 23), policy=policy)
    tpl = tdir / "polite_reminder.html.j2"
    src = tpl.read_text(encoding="utf-8")
    assert "The oldest invoice" in src
    tpl.write_text(src.replace("The oldest invoice", "The earliest invoice"), encoding="utf-8")

    page = write_review(tmp_path / "review", policy, templates=tdir, tones=tones).read_text(encoding="utf-8")
    _check_html(page)
    _check_offline(page)
    sections = _sections(page)
    changed = sections["polite_reminder"]
    assert changed.get("data-state") == "changed"
    assert "changed since approval" in changed.text_content()
    assert [d.text_content() for d in changed.xpath('.//pre[contains(@class, "redline")]//del')] == ["oldest"]
    assert [i.text_content() for i in changed.xpath('.//pre[contains(@class, "redline")]//ins')] == ["earliest"]
    assert "<del>oldest</del>" in page and "<ins>earliest</ins>" in page
    assert "Lee" in changed.text_content() and "APR-" in changed.text_content()
    for name in ("firm_notice", "final_demand"):
        sec = sections[name]
        assert sec.get("data-state") == "approved"
        assert sec.xpath('.//span[contains(@class, "state-approved")]')[0].text_content() == "approved"
        assert not sec.xpath(".//del | .//ins")
        assert "by Lee on 2026-11-23" in " ".join(sec.text_content().split())
    root = lxml.html.fromstring(page)
    others = root.xpath('//section[@id="tones" or @id="shared"]//p[contains(@class, "approval")]')
    assert len(others) == len(tone_files) + len(list(tdir.glob("_*.html.j2"))) + 1
    assert {p.get("data-state") for p in others} == {"approved"}


def test_review_command(tmp_path, policy):
    from click.testing import CliRunner

    tdir, tones = _copy(tmp_path)
    result = CliRunner().invoke(review_command, ["--out", str(tmp_path / "r"), "--policy", str(SAMPLES / "policy.yaml"),
                                                 "--templates", str(tdir), "--tones", str(tones), "--pack", "FDCPA", "--pack", "House"])
    assert result.exit_code == 0, result.output
    page = (tmp_path / "r" / "index.html").read_text(encoding="utf-8")
    header = lxml.html.fromstring(page).xpath('//header[@class="page"]')[0].text_content()
    packs = header.split("rule packs:", 1)[1].split("·", 1)[0].split(",")
    assert [p.split()[0] for p in packs] == ["FDCPA", "House"]
    assert sorted(p.name for p in (tmp_path / "r" / "docx").iterdir()) == sorted(f"{t}.docx" for t in _stage_templates(policy))


# ----------------------------------------------------------------------------- a real browser


def _browser():  # type: ignore[no-untyped-def]
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("Debian's chromium is not installed: run `make browser-deps` (apt-get install chromium) for the browser test")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed: pip install -e '.[test]' (the browser test drives chromium with it)")
    return chromium, sync_playwright


def test_page_in_headless_chromium(bad_review, policy):
    chromium, sync_playwright = _browser()
    index, _page = bad_review
    problems: list[str] = []
    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--headless", "--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.on("console", lambda m: problems.append(f"console.{m.type}: {m.text}") if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
            page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(index.as_uri(), wait_until="load")

            sections = page.locator("section.template")
            assert sections.count() == len(_stage_templates(policy))
            for i in range(sections.count()):
                assert sections.nth(i).is_visible()
            assert page.locator("article.rendering").first.is_visible()

            # the last arrest finding of the list: its mark is far down the page, out of view
            link = page.locator("a.finding-link", has_text="FDCPA.ThreatOfArrest").last
            target = link.get_attribute("data-target")
            assert target and re.fullmatch(r"f-\d+", target)
            mark = page.locator(f"mark#{target}")
            assert mark.count() == 1
            link.scroll_into_view_if_needed()
            before = page.evaluate("window.scrollY")

            def in_view() -> bool:
                box = mark.bounding_box()
                return box is not None and box["height"] > 0 and 0 <= box["y"] and box["y"] + box["height"] <= 800

            assert not in_view(), "the mark was already in view; the test would prove nothing"
            assert "active" not in (mark.get_attribute("class") or "").split()
            link.click()
            page.wait_for_function("id => document.getElementById(id).classList.contains('active')", arg=target, timeout=5000)
            after = page.evaluate("window.scrollY")
            assert after != before
            assert mark.is_visible() and in_view()
            assert "active" in mark.get_attribute("class").split()
            assert mark.inner_text() in BAD
            assert page.locator("mark.active[id]").count() == 1

            # another finding takes the highlight over
            first = page.locator("a.finding-link", has_text="FDCPA.ThreatOfArrest").first
            other = first.get_attribute("data-target")
            first.click()
            page.wait_for_function("id => document.getElementById(id).classList.contains('active')", arg=other, timeout=5000)
            assert "active" not in mark.get_attribute("class").split()
            assert page.locator("mark.active[id]").count() == 1
        finally:
            browser.close()
    assert problems == []
    assert requests and all(u.startswith(("file:", "data:")) for u in requests), requests


def test_overlapping_and_point_findings_nest_and_keep_one_id_each():
    from lettergen.models import Finding
    from lettergen.review import Mark, highlight

    def f(rule: str, level: str = "error") -> Finding:
        return Finding(rule=rule, level=level, message="m <&>", citation="c")

    text = "a <b> & c\nsecond line"
    marks = [Mark("f-1", f("R.Outer"), 0, 7), Mark("f-2", f("R.Cross", "warning"), 4, 14),
             Mark("f-3", f("R.Point", "suggestion"), 9, 9), Mark("f-4", f("R.Inner"), 2, 5)]
    out = highlight(text, marks)
    _check_html(f'<!DOCTYPE html>\n<html lang="en"><body><div>{out}</div></body></html>')
    root = lxml.html.fromstring(f"<div>{out}</div>")
    assert root.text_content() == text  # nothing added, nothing lost, all escaped
    for m in marks:  # one element with the id; with its continuations it covers exactly the finding's span
        assert len(root.xpath(f'//mark[@id="{m.fid}"]')) == 1
        parts = root.xpath(f'//mark[@id="{m.fid}" or @data-of="{m.fid}"]')
        assert "".join(p.text_content() for p in parts) == text[m.start:m.end]
    assert len(root.xpath('//mark[@data-of="f-2"]')) == 2  # split where f-4 and f-1 end inside it
    assert root.xpath('//mark[@id="f-3"]')[0].get("class").split() == ["finding", "level-suggestion", "point"]
    assert "<b>" not in out and "&lt;" in out and "&gt;" in out and "&amp;" in out
