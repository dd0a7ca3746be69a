"""Composed letters, read back from the PDF and the DOCX they become: what a reader sees, in the right order,
formatted for the locale; account data is only data; template mistakes are errors naming file, line and field."""

from __future__ import annotations

import io
import re
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import docx
import pdfplumber
import pytest
from babel.numbers import parse_decimal
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph

from conftest import ROOT, SAMPLES
from helpers import CONTINUED, FOOTER, docx_blocks, pdf_body_lines, same_words, squash
from lettergen import Account, Address, Invoice, Ledger, Policy, load_accounts, plan_all
from lettergen.compose import Composer, TemplateSet
from lettergen.errors import ComposeError
from lettergen.compose.html import visible_text
from lettergen.plan import job_for_stage
from lettergen.typeset.docx import build_docx
from lettergen.typeset.pdf import PdfRenderer, wrap_document

AS_OF = date(2026, 11, 27)
POLICY = Policy.from_yaml(SAMPLES / "policy.yaml")
TEMPLATES = ROOT / "letter_templates"

# ----------------------------------------------------------------------------- reading outputs back


class Rendered:
    def __init__(self, letter, pages: list[str], words: list[list[dict]], heads: list[str], docx_path: Path) -> None:
        self.letter = letter
        self.pages = pages
        self.words = words
        self.heads = heads
        """The glyphs drawn in each page's top margin, spaces included, as they are in the PDF."""
        self.docx_path = docx_path
        self.blocks = docx_blocks(docx_path)
        self.pdf_text = "\n".join(pages)
        self.docx_text = "\n".join(self.blocks)

    @property
    def body(self) -> str:
        """The DOCX text from the greeting on, one line per paragraph or table row."""
        g = next(i for i, b in enumerate(self.blocks) if b.startswith("Dear "))
        return "\n".join(self.blocks[g:])


def render(letters, folder: Path, templates: Path = TEMPLATES) -> dict[str, Rendered]:
    """Typeset letters as a batch does: one PDF chunk (cut by each letter's first page) and one DOCX per letter."""
    chunk = PdfRenderer(templates, AS_OF).render([lt.html for lt in letters], [lt.anchor for lt in letters], "test")
    ends = list(chunk.starts[1:]) + [chunk.pages]
    out = {}
    with pdfplumber.open(io.BytesIO(chunk.pdf)) as pdf:
        for lt, start, end in zip(letters, chunk.starts, ends):
            pages = [pdf.pages[i].extract_text() for i in range(start, end)]
            words = [pdf.pages[i].extract_words(extra_attrs=["fontname"]) for i in range(start, end)]
            # the running header: in the top margin (0.75 in), right of the return block (which ends 4 in from the left)
            heads = ["".join(c["text"] for c in pdf.pages[i].chars if c["bottom"] < 0.75 * 72 and c["x0"] > 4.2 * 72)
                     for i in range(start, end)]
            path = folder / f"{lt.job.account.id}.docx"
            build_docx(wrap_document([lt.html], "test"), path, created=AS_OF, title="test")
            out[lt.job.account.id] = Rendered(lt, pages, words, heads, path)
    return out


# ----------------------------------------------------------------------------- the sample letters

SELECTED = ["ACC-1001", "ACC-1002", "ACC-1003", "ACC-1004", "ACC-1006", "ACC-1007", "ACC-1009", "ACC-1010", "ACC-1011",
            "ACC-1012", "ACC-1014", "ACC-1025", "ACC-1027"]


@pytest.fixture(scope="module")
def samples(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("compose")
    ledger = Ledger(tmp / "lettergen.db")
    ledger.import_csv(SAMPLES / "ledger-history.csv", "import-samples", AS_OF)
    loaded = load_accounts(SAMPLES / "accounts.csv")
    result = plan_all(loaded.accounts, POLICY, ledger.histories(a.id for a in loaded.accounts), AS_OF, loaded.rejections)
    composer = Composer(POLICY)
    jobs = {j.account.id: j for j in result.jobs}
    letters = [composer.compose(jobs[a]) for a in SELECTED]
    return render(letters, tmp)


# account, stage, name line, invoice numbers, total due as the locale writes it, oldest due date, earlier letters, response date
# (the letters are in English: es_US dates as en_US writes them, de_DE ones as en_DE, i.e. German order and separators)
EXPECTED = {
    "ACC-1001": ("polite_reminder", "Margaret O'Connell", ["INV-26-1101", "INV-26-1140"], "$1,544.50", "November 11, 2026", None, "December 11, 2026"),
    "ACC-1002": ("polite_reminder", "José Núñez", ["INV-26-1150"], "$480.00", "November 16, 2026", None, "December 11, 2026"),
    "ACC-1003": ("polite_reminder", "山田 太郎", ["INV-26-1160", "INV-26-1161"], "¥173,500", "November 13, 2026", None, "December 11, 2026"),
    "ACC-1004": ("polite_reminder", "Northeastern Regional Institutional Food Service & Hospitality Supply Cooperative, LLC",
                 ["INV-26-1170", "INV-26-1171", "INV-26-1172"], "$3,448.15", "November 5, 2026", None, "December 11, 2026"),
    "ACC-1006": ("firm_notice", "Harrington & Blake Ltd", ["INV-26-1020", "INV-26-1103"], "£2,620.25", "20 October 2026",
                 "our reminder of 26 October", "7 December 2026"),
    "ACC-1007": ("firm_notice", "Ελένη Παπαδοπούλου", ["INV-26-1015"], "$725.00", "October 15, 2026", "our reminder of October 21", "December 7, 2026"),
    "ACC-1009": ("firm_notice", "Müller & Söhne GmbH", ["INV-26-1001", "INV-26-1022"], "5.425,90\u00a0€", "1 October 2026",
                 "our reminder of 8 October", "7 December 2026"),
    "ACC-1010": ("final_demand", "Robert Chen", ["INV-26-0915"], "$1,640.00", "September 15, 2026",
                 "our reminder of September 22 and our notice of October 20", "December 7, 2026"),
    "ACC-1011": ("final_demand", "Brightline Logistics, Inc.", ["INV-26-0901", "INV-26-0916", "INV-26-1002", "INV-26-1102"], "$11,743.75",
                 "September 1, 2026", "our reminder of September 8 and our notice of October 8", "December 7, 2026"),
    "ACC-1012": ("final_demand", "Schneider Elektrotechnik KG", ["INV-26-0920"], "2.890,00\u00a0€", "20 September 2026",
                 "our reminder of 28 September and our notice of 27 October", "7 December 2026"),
    "ACC-1014": ("polite_reminder", "Patricia Alvarez", ["INV-26-1109"], "$560.00", "November 9, 2026", None, "December 11, 2026"),
    "ACC-1025": ("polite_reminder", "Fiona MacLeod", ["INV-26-1106"], "£312.40", "6 November 2026", None, "11 December 2026"),
    "ACC-1027": ("final_demand", "María Fernanda López", ["INV-26-0925"], "$935.60", "September 25, 2026",
                 "our reminder of October 2 and our notice of November 5", "December 7, 2026"),
}


def nbsp(s: str) -> str:
    """Whitespace as a reader sees it: line breaks and no-break spaces are just spaces."""
    return " ".join(s.split())


@pytest.mark.parametrize("account_id", SELECTED)
def test_pdf_and_docx_name_the_recipient_every_invoice_and_the_total(samples, account_id):
    r = samples[account_id]
    stage, name, invoices, total, due, _, _ = EXPECTED[account_id]
    assert r.letter.job.stage == stage
    for text in (nbsp(r.pdf_text), nbsp(r.docx_text)):
        assert squash(name).upper() in squash(text).upper()  # a long name wraps in the window; USPS style prints capitals
        for number in invoices:
            assert number in text
        assert nbsp(total) in text
        assert f"Total due {nbsp(total)}" in text
        assert due in text


@pytest.mark.parametrize("account_id", SELECTED)
def test_pdf_and_docx_say_the_same_words(samples, account_id):
    r = samples[account_id]
    same_words(r.pages, r.blocks)


def test_locale_formats_are_those_of_the_locale(samples):
    # en_US, es_US, JPY without decimals, en_GB, de_DE: as Babel (CLDR) writes them in the letter's language
    # (English): the region's order and separators, English month names (compose.letter_locale).
    assert "$1,544.50" in samples["ACC-1001"].docx_text
    es = samples["ACC-1002"].docx_text
    assert "As of November 27, 2026, $480.00 is overdue" in es
    assert "Nov 16, 2026" in es and " de " not in es  # the invoice table too; no Spanish words in an English letter
    jp = samples["ACC-1003"].docx_text
    assert "¥173,500" in jp and "¥125,000" in jp and "¥48,500" in jp and "173,500.00" not in jp and "¥173,500." not in jp
    assert "£2,620.25" in samples["ACC-1006"].docx_text and "27 November 2026" in samples["ACC-1006"].docx_text
    de = nbsp(samples["ACC-1009"].docx_text)
    assert "5.425,90 €" in de and "4.150,00 €" in de and "1.275,90 €" in de and "27 November 2026" in de
    assert "1 Sept 2026" in de  # invoice dates, medium format
    assert not re.search(r"Oktober|Dezember|\d\. [A-Z][a-z]+ 20\d\d", de)  # no German month names or '27. November'


def test_pdf_pages_carry_the_footer_and_later_pages_the_continued_header(samples):
    for r in samples.values():
        for i, page in enumerate(r.pages):
            lines = page.splitlines()
            assert squash(lines[-1]) == squash(FOOTER)
            if i == 0:
                assert not CONTINUED.fullmatch(lines[0].strip())
            else:
                assert re.fullmatch(rf"Account {r.letter.job.account.id} ?– ?continued", lines[0].strip()), lines[0]
    assert len(samples["ACC-1010"].pages) == 2  # the final demand with its plan runs over


def test_continued_header_reads_account_dash_continued(samples):
    r = samples["ACC-1010"]
    assert r.heads[0] == ""  # nothing above the letterhead on the first page
    assert r.heads[1] == "Account ACC-1010 – continued"


def positions(text: str, *needles: str, start: int = 0) -> list[int]:
    out = []
    for n in needles:
        i = text.find(n, start)
        assert i >= 0, f"{n!r} not found in letter:\n{text}"
        out.append(i)
    return out


@pytest.mark.parametrize("account_id", SELECTED)
def test_letter_states_its_parts_in_order(samples, account_id):
    """greeting; purpose (overdue, total, original due date); invoice table; earlier letters; how to pay and
    whom to call; the close with the response date."""
    r = samples[account_id]
    stage, name, invoices, total, due, earlier, response = EXPECTED[account_id]
    for text in (nbsp(r.body), nbsp(" ".join(pdf_body_lines(r.pages)))):
        greeting = positions(text, "Dear ")[0]
        overdue, amount, due_at = positions(text, "overdue", nbsp(total), due, start=greeting)
        table = positions(text, invoices[0], start=max(overdue, amount, due_at))[0]
        after = max(positions(text, *invoices, start=table))
        if earlier:
            after = positions(text, f"We wrote to you about this balance in {earlier}.", start=after)[0]
        else:
            assert "We wrote to you" not in text
        if stage == "final_demand":
            after = positions(text, "Payment plan", start=after)[0]
        pay, call = positions(text, "How to pay", "Questions? Call (718) 555-0142", start=after)
        assert call > pay
        sign_off = text.rfind(r.letter.context["tone"]["sign_off"])
        assert sign_off > call


RESPONSE_DATE_CASES = SELECTED


@pytest.mark.parametrize("account_id", RESPONSE_DATE_CASES)
def test_letter_closes_with_the_response_date(samples, account_id):
    r = samples[account_id]
    response = EXPECTED[account_id][6]
    assert r.letter.response_date.isoformat() in ("2026-12-11", "2026-12-07")
    text = r.body
    pay = text.find("How to pay")
    assert text.rfind(response) > pay, f"no response date after 'How to pay' in:\n{text}"


def test_earlier_letters_of_a_settled_series_are_not_mentioned(samples):
    """ACC-1014's earlier reminder and notice were for invoices since paid: the new series starts over."""
    assert "We wrote to you" not in samples["ACC-1014"].docx_text
    assert "We wrote to you" not in samples["ACC-1014"].pdf_text


# ----------------------------------------------------------------------------- payment plan in the final demand


def docx_tables(path: Path) -> list[list[list[str]]]:
    """Each table of a DOCX as rows of cell texts (a merged cell once)."""
    d = docx.Document(str(path))
    return [
        [[c.text for c in (Paragraph(p, d) for tc in tr.iterchildren(qn("w:tc")) for p in tc.iterchildren(qn("w:p")))]
         for tr in t._tbl.iterchildren(qn("w:tr"))]
        for t in d.tables
    ]


def plan_rows(r: Rendered) -> list[tuple[str, str, str]]:
    """(installment, due date, amount) rows of the payment-plan table of the DOCX, if there is one."""
    for table in docx_tables(r.docx_path):
        if table[0] == ["Installment", "Due date", "Amount"]:
            assert table[-1][0] == "Total"
            return [tuple(nbsp(c) for c in row) for row in table[1:-1]]
    return []


@pytest.mark.parametrize("account_id, locale", [("ACC-1010", "en_US"), ("ACC-1011", "en_US"), ("ACC-1012", "de_DE"), ("ACC-1027", "es_US")])
def test_final_demand_shows_a_plan_whose_installments_sum_to_the_total(samples, account_id, locale):
    r = samples[account_id]
    total_text = nbsp(EXPECTED[account_id][3])
    total = parse_decimal(re.sub(r"[^\d.,]", "", total_text), locale=locale)
    rows = plan_rows(r)
    assert 1 <= len(rows) <= POLICY.payment_plan.max_installments
    assert [n for n, _, _ in rows] == [f"{i} of {len(rows)}" for i in range(1, len(rows) + 1)]
    amounts = [parse_decimal(re.sub(r"[^\d.,]", "", a), locale=locale) for _, _, a in rows]
    assert sum(amounts) == total
    assert f"in {len(rows)} monthly installments" in nbsp(r.docx_text)
    assert f"Total {total_text}" in nbsp(r.docx_text)
    # the same table in the PDF
    pdf = nbsp(r.pdf_text)
    for number, due, amount in rows:
        assert f"{number} {due} {amount}" in pdf
    # and the letter's plan is the plan that was computed (dates on business days, monthly)
    plan = r.letter.payment_plan
    assert len(plan) == len(rows)
    assert sum(i.amount for i in plan) == r.letter.job.amount_due
    assert all(i.due_date.weekday() < 5 for i in plan)


def test_only_the_final_demand_offers_a_plan(samples):
    for r in samples.values():
        has_plan = bool(plan_rows(r))
        assert has_plan == (r.letter.job.stage == "final_demand"), r.letter.job.account.id


# ----------------------------------------------------------------------------- account data is only data

EVIL_NAME = "{{ 7*7 }} <b>Bob</b>"
EVIL_LINE = "<script>alert(1)</script>"


def evil_account(**kw) -> Account:
    return Account(
        id=kw.get("id", "E-1"), name=kw.get("name", EVIL_NAME),
        address=Address(lines=(kw.get("line", EVIL_LINE),), city="Albany", region="NY", postal_code="12207"),
        invoices=(Invoice(number=kw.get("number", "INV-{{ 1+1 }}"), issue_date=date(2026, 9, 1), due_date=date(2026, 10, 1),
                          original_amount="100.00", balance="100.00"),),
        extra={"customer_ref": "{% for x in range(3) %}X{% endfor %}"},
    )


# USPS style would print the address block in capitals without punctuation; these tests are about data
# printing exactly as typed, so they use the policy with USPS style off.
AS_TYPED = POLICY.model_copy(update={"mailing": POLICY.mailing.model_copy(update={"usps_style": False})})


@pytest.fixture(scope="module")
def evil(tmp_path_factory):
    folder = tmp_path_factory.mktemp("evil")
    out = {}
    for st in AS_TYPED.stages:
        letter = Composer(AS_TYPED).compose(job_for_stage(evil_account(), AS_TYPED, (), AS_OF, st.name))
        (folder / st.name).mkdir()
        out[st.name] = render([letter], folder / st.name)[letter.job.account.id]
    return out


@pytest.mark.parametrize("stage", ["polite_reminder", "firm_notice", "final_demand"])
def test_name_and_address_print_exactly_as_typed(evil, stage):
    r = evil[stage]
    for text in (r.pdf_text, r.docx_text):
        assert EVIL_NAME in text
        assert f"Dear {EVIL_NAME}," in text
        assert EVIL_LINE in text
        assert "INV-{{ 1+1 }}" in text
        assert "Dear 49" not in text and "INV-2" not in text
    # not bold: the '<b>' is text, not markup
    bob = [w for page in r.words for w in page if "Bob" in w["text"]]
    assert bob and all("Bold" not in w["fontname"] for w in bob), bob
    d = docx.Document(str(r.docx_path))
    runs = [run for p in d.paragraphs for run in p.runs if "Bob" in run.text]
    assert runs and not any(run.bold for run in runs)
    same_words(r.pages, r.blocks)


def test_template_sees_data_only_as_data(tmp_path):
    """A template that prints an extra field holding Jinja prints the Jinja, not its result."""
    tpl = copy_templates(tmp_path)
    edit(tpl / "polite_reminder.html.j2", "{% block subject %}Payment reminder{% endblock %}",
         "{% block subject %}Payment reminder, your ref {{ account.extra.customer_ref }}{% endblock %}")
    letter = Composer(POLICY, tpl).compose(job_for_stage(evil_account(), POLICY, (), AS_OF, "polite_reminder"))
    assert "your ref {% for x in range(3) %}X{% endfor %}" in visible_text(letter.html)


# ----------------------------------------------------------------------------- template mistakes


def copy_templates(tmp_path: Path) -> Path:
    d = tmp_path / "letter_templates"
    shutil.copytree(TEMPLATES, d)
    return d


def edit(path: Path, old: str, new: str) -> int:
    """Replace ``old`` once; return the 1-based line where it was."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return line


def compose_with(tpl: Path, stage: str = "polite_reminder"):
    composer = Composer(POLICY, tpl)
    composer.check()
    return composer.compose(job_for_stage(evil_account(name="Jane Doe", line="1 Main St"), POLICY, (), AS_OF, stage))


@pytest.mark.parametrize(
    "file, old, new, field, stage",
    [
        ("polite_reminder.html.j2", "{{ due_date }}", "{{ acount.name }}", "acount", "polite_reminder"),
        ("polite_reminder.html.j2", "{{ due_date }}", "{{ account.nmae }}", "nmae", "polite_reminder"),
        ("_layout.html.j2", "<td>{{ inv.number }}</td>", "<td>{{ inv.numbr }}</td>", "numbr", "firm_notice"),
        ("_layout.html.j2", "{{ sender.payment_instructions }}", "{{ sender.payment_instruction }}", "payment_instruction", "polite_reminder"),
        ("final_demand.html.j2", "{{ i.due_date }}", "{{ i.due }}", "due", "final_demand"),
    ],
)
def test_misspelled_field_names_template_file_line_and_field(tmp_path, file, old, new, field, stage):
    tpl = copy_templates(tmp_path)
    line = edit(tpl / file, old, new)
    with pytest.raises(ComposeError) as e:
        compose_with(tpl, stage)
    msg = e.value.message
    assert f"{tpl / file}:{line}" in msg, msg
    assert f"'{field}'" in msg


@pytest.mark.parametrize("tag", ["img src=\"logo.png\"", "script", "style", "iframe src=\"x\"", "link rel=\"stylesheet\" href=\"x.css\""])
def test_unsupported_element_in_a_template_names_file_and_line(tmp_path, tag):
    tpl = copy_templates(tmp_path)
    line = edit(tpl / "firm_notice.html.j2", "<p>{{ tone.opening }}</p>", f"<p>{{{{ tone.opening }}}}</p><{tag}>")
    with pytest.raises(ComposeError) as e:
        compose_with(tpl, "firm_notice")
    name = tag.split()[0]
    assert f"{tpl / 'firm_notice.html.j2'}:{line}:" in e.value.message
    assert f"<{name}>" in e.value.message


def test_unsupported_element_in_the_layout_fails_every_stage(tmp_path):
    tpl = copy_templates(tmp_path)
    line = edit(tpl / "_layout.html.j2", '<p class="company">', '<img src="logo.png"><p class="company">')
    for stage in ("polite_reminder", "final_demand"):
        with pytest.raises(ComposeError) as e:
            compose_with(tpl, stage)
        assert f"{tpl / '_layout.html.j2'}:{line}:" in e.value.message and "<img>" in e.value.message


@pytest.mark.parametrize(
    "expr",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ account.__class__.__init__.__globals__ }}",
        "{{ cycler.__init__.__globals__.os }}",
        "{{ invoices.__len__() }}",
        "{{ amount_due.format.__globals__ }}",
    ],
)
def test_sandbox_refuses_python_internals(tmp_path, expr):
    tpl = copy_templates(tmp_path)
    line = edit(tpl / "polite_reminder.html.j2", "{{ due_date }}", expr)
    with pytest.raises(ComposeError) as e:
        compose_with(tpl)
    assert f"{tpl / 'polite_reminder.html.j2'}:{line}" in e.value.message
    assert "sandbox" in e.value.message or "undefined" in e.value.message
    assert "class 'object'" not in e.value.message


def test_syntax_error_names_file_and_line(tmp_path):
    tpl = copy_templates(tmp_path)
    line = edit(tpl / "final_demand.html.j2", "{% endfor %}", "{% endfo %}")
    with pytest.raises(ComposeError) as e:
        Composer(POLICY, tpl).check()
    assert f"final_demand.html.j2:{line}" in e.value.message


def test_missing_template_lists_the_templates_there_are(tmp_path):
    tpl = copy_templates(tmp_path)
    (tpl / "firm_notice.html.j2").unlink()
    with pytest.raises(ComposeError) as e:
        Composer(POLICY, tpl).check()
    assert "firm_notice" in e.value.message and "polite_reminder" in e.value.message and str(tpl) in e.value.message


def test_unsupported_element_in_a_tone_phrase_names_the_profile(tmp_path):
    """A phrase is template text too: an <img> there is caught with the profile's file and line, not at DOCX time."""
    tones = tmp_path / "tone_profiles"
    shutil.copytree(ROOT / "tone_profiles", tones)
    path = tones / "warm.yaml"
    text = path.read_text(encoding="utf-8")
    old = 'closing: "Thank you for your business and for your help with this."'
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, 'closing: "Thank you. <img src=\'file:///etc/passwd\'>"'), encoding="utf-8")
    composer = Composer(POLICY, TEMPLATES, tones)
    with pytest.raises(ComposeError) as e:
        composer.compose(job_for_stage(evil_account(name="Jane Doe"), POLICY, (), AS_OF, "polite_reminder"))
    assert f"{path}:{line}" in e.value.message and "<img>" in e.value.message and "stages.polite_reminder.closing" in e.value.message


def test_template_hash_changes_with_the_layout_and_the_stylesheet(tmp_path):
    tpl = copy_templates(tmp_path)
    before = TemplateSet(tpl).sha256("polite_reminder")
    assert before == TemplateSet(TEMPLATES).sha256("polite_reminder")
    (tpl / "style.css").write_text((tpl / "style.css").read_text() + "\n/* changed */\n")
    assert TemplateSet(tpl).sha256("polite_reminder") != before


def test_compose_is_pure(samples):
    """The same job composed twice gives the same HTML (no clock, no randomness)."""
    r = samples["ACC-1010"]
    again = Composer(POLICY).compose(r.letter.job)
    assert again.html == r.letter.html
    assert again.payment_plan == r.letter.payment_plan
    assert Decimal(str(sum(i.amount for i in again.payment_plan))) == r.letter.job.amount_due
