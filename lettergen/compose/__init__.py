"""compose: a planned letter (LetterJob) + template + tone profile -> Letter (HTML and its data).

Templates are Jinja2 in a ``SandboxedEnvironment`` with autoescape on and
``StrictUndefined``: account data is only ever data (a name such as
``{{ 7*7 }} <b>Bob</b>`` prints exactly those characters), and a misspelled
field is an error naming the template, line and field, never a blank.

Amounts and dates are formatted here, with Babel, for the account's locale
in the letter's language (``letter_locale``: es_US -> en_US, de_DE -> en_DE),
so the template only places strings. The same context feeds the tone phrases,
which are rendered in the same sandbox before the template.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from types import TracebackType
from typing import Any

from babel.dates import format_date, format_skeleton
from babel.numbers import format_currency
from jinja2 import FileSystemLoader, StrictUndefined, TemplateNotFound, TemplateSyntaxError, UndefinedError
from jinja2.ext import Extension
from jinja2.sandbox import SandboxedEnvironment, SecurityError
from markupsafe import Markup

from lettergen.textcase import upper
from lettergen.postal.envelope import get as get_envelope
from lettergen.errors import ComposeError
from lettergen.compose.html import ALLOWED_TAGS
from lettergen.models import Account, Letter, LetterJob
from lettergen.compose.payment import payment_link, qr_svg
from lettergen.compose.payplan import payment_plan
from lettergen.compose.salutation import salutation
from lettergen.config.policy import Policy
from lettergen.config.tones import PHRASES, ToneProfile, ToneSet

TEMPLATE_SUFFIX = ".html.j2"
REPO_ROOT = Path(__file__).resolve().parent.parent.parent


def default_templates_dir() -> Path:
    """``./letter_templates`` when it exists, else the series shipped with lettergen."""
    here = Path("letter_templates")
    return here if here.is_dir() else REPO_ROOT / "letter_templates"


def default_tones_dir() -> Path:
    here = Path("tone_profiles")
    return here if here.is_dir() else REPO_ROOT / "tone_profiles"


# ----------------------------------------------------------------------------- templates

_TAG = re.compile(r"<\s*/?\s*([A-Za-z][A-Za-z0-9-]*)")
_JINJA_BLOCK = re.compile(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", re.S)


def _blank_jinja(source: str) -> str:
    """Jinja markup replaced by spaces (newlines kept) so HTML tags keep their line and column."""
    return _JINJA_BLOCK.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), source)


_LINT_ALLOW = re.compile(r"\{#\s*(lint-allow\s+[^#]*?)\s*#\}", re.S)


class LintAllowComments(Extension):
    """Keep ``{# lint-allow Pack.Rule: reason #}`` in the output as an HTML comment.

    Jinja drops its comments; the linter of rendered letters needs to see the
    suppression (and the report must list it), so it is turned into
    ``<!--lint-allow Pack.Rule: reason-->``, which WeasyPrint and the DOCX
    converter ignore.
    """

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        return _LINT_ALLOW.sub(lambda m: "{{ '<!--' | safe }}" + m.group(1).replace("--", "- -").replace("{", "(").replace("}", ")") + "{{ '-->' | safe }}", source)


class TemplateSet:
    """The letter templates of one folder, in one sandboxed environment."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise ComposeError(f"{self.folder}: template folder not found; pass --templates DIR.")
        self.env = SandboxedEnvironment(
            loader=FileSystemLoader(str(self.folder)),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
            extensions=[LintAllowComments],
        )
        self._hashes: dict[str, str] = {}
        self._compiled: dict[str, Any] = {}

    def path(self, name: str) -> Path:
        return self.folder / f"{name}{TEMPLATE_SUFFIX}"

    def files(self, name: str) -> list[Path]:
        """The files a letter of template ``name`` is made from: the template, the shared partials, the CSS."""
        shared = sorted(p for p in self.folder.glob(f"_*{TEMPLATE_SUFFIX}"))
        css = [self.folder / "style.css"] if (self.folder / "style.css").exists() else []
        return [self.path(name), *shared, *css]

    def sha256(self, name: str) -> str:
        """Identity of a template: SHA-256 over its own source, the shared layout and the stylesheet."""
        if name not in self._hashes:
            h = hashlib.sha256()
            for f in self.files(name):
                h.update(f.name.encode() + b"\0" + f.read_bytes() + b"\0")
            self._hashes[name] = h.hexdigest()
        return self._hashes[name]

    def check_source(self, name: str) -> None:
        """Static checks of a template's source: only the supported HTML subset."""
        for f in self.files(name):
            if not f.name.endswith(TEMPLATE_SUFFIX):
                continue
            text = _blank_jinja(f.read_text(encoding="utf-8"))
            for m in _TAG.finditer(text):
                tag = m.group(1).lower()
                if tag not in ALLOWED_TAGS:
                    line = text.count("\n", 0, m.start()) + 1
                    col = m.start() - (text.rfind("\n", 0, m.start()) + 1) + 1
                    raise ComposeError(
                        f"{f}:{line}:{col}: <{tag}> is not supported in letters (the DOCX could not show it); "
                        f"use only {', '.join(sorted(ALLOWED_TAGS - {'html', 'head', 'body', 'meta', 'title'}))}."
                    )

    def get(self, name: str) -> Any:
        if name in self._compiled:
            return self._compiled[name]
        if not self.path(name).exists():
            have = sorted(p.name[: -len(TEMPLATE_SUFFIX)] for p in self.folder.glob(f"*{TEMPLATE_SUFFIX}") if not p.name.startswith("_"))
            raise ComposeError(
                f"{self.path(name)}: template '{name}' not found (named by the policy); templates here: {', '.join(have) or 'none'}."
            )
        self.check_source(name)
        try:
            tpl = self.env.get_template(f"{name}{TEMPLATE_SUFFIX}")
        except TemplateSyntaxError as exc:
            raise ComposeError(f"{exc.filename or self.path(name)}:{exc.lineno}: template syntax error: {exc.message}.") from None
        except TemplateNotFound as exc:
            raise ComposeError(f"{self.path(name)}: includes '{exc.name}', which is not in {self.folder}.") from None
        self._compiled[name] = tpl
        return tpl


def _template_line(tb: TracebackType | None) -> tuple[str | None, int | None]:
    """The template file and line an exception was raised at (Jinja rewrites tracebacks to point there)."""
    where: tuple[str | None, int | None] = (None, None)
    while tb is not None:
        fn = tb.tb_frame.f_code.co_filename
        if fn.endswith(TEMPLATE_SUFFIX) or fn == "<template>":
            where = (fn, tb.tb_lineno)
        tb = tb.tb_next
    return where


def _undefined_name(exc: UndefinedError) -> str:
    m = re.search(r"'([^']+)' is undefined|has no attribute '([^']+)'", exc.message or "")
    return (m.group(1) or m.group(2)) if m else (exc.message or "a value")


def _render_error(exc: Exception, fallback: str) -> ComposeError:
    fn, line = _template_line(exc.__traceback__)
    where = f"{fn if fn and fn != '<template>' else fallback}" + (f":{line}" if line and fn != "<template>" else "")
    if isinstance(exc, UndefinedError):
        return ComposeError(
            f"{where}: '{_undefined_name(exc)}' is undefined ({exc.message}); check the spelling against the fields "
            "in docs/templates.md."
        )
    if isinstance(exc, SecurityError):
        return ComposeError(f"{where}: the template tried something the sandbox forbids ({exc}); templates may only print data.")
    return ComposeError(f"{where}: template error: {exc}")


# ----------------------------------------------------------------------------- formatting


LETTER_LANGUAGE = "en"
"""The language the shipped templates and tone profiles are written in."""


@lru_cache(maxsize=64)
def letter_locale(locale: str, language: str = LETTER_LANGUAGE) -> str:
    """The Babel locale for the dates and amounts of a letter written in ``language`` to an account in
    ``locale``: the account's region (date order, decimal and thousands separators, currency placement) in the
    letter's language (month names, words). es_US -> en_US ('November 27, 2026', '$480.00'), de_DE -> en_DE
    ('27 November 2026', '5.425,90 €'), en_GB stays; a region without an English locale in CLDR (ja_JP)
    -> en_001, international English. A German month name in an English sentence reads as a mistake."""
    from babel import Locale, UnknownLocaleError

    lang, _, territory = locale.replace("-", "_").partition("_")
    if lang == language:
        return locale
    for candidate in ([f"{language}_{territory}"] if territory else []) + [f"{language}_001", language]:
        try:
            Locale.parse(candidate)
        except (UnknownLocaleError, ValueError):
            continue
        return candidate
    return locale  # pragma: no cover - Babel always has the bare language


@dataclass(frozen=True)
class Formats:
    """Babel formatting for one account: its locale's region conventions, in the letter's language
    (:func:`letter_locale`)."""

    locale: str
    currency: str
    language: str = LETTER_LANGUAGE

    @property
    def babel_locale(self) -> str:
        return letter_locale(self.locale, self.language)

    def money(self, amount: Any) -> str:
        return format_currency(amount, self.currency, locale=self.babel_locale, currency_digits=True)

    def date(self, d: date | None) -> str:
        return format_date(d, "long", locale=self.babel_locale) if d else "—"

    def short_date(self, d: date | None) -> str:
        return format_date(d, "medium", locale=self.babel_locale) if d else "—"

    def day_month(self, d: date, ref: date) -> str:
        """'3 October' style (the locale's order), with the year when it differs from the letter's."""
        return format_skeleton("MMMMd" if d.year == ref.year else "yMMMMd", d, locale=self.babel_locale)


def recipient_lines(account: Account, home_country: str = "US", usps_style: bool = False) -> list[str]:
    """The address block as it goes on the envelope: name, attention, street lines, city line, country.

    The address lines come from :func:`lettergen.postal.usps.format_lines`: with
    ``usps_style`` a US address is written as USPS Publication 28 asks (upper case,
    no punctuation, standard abbreviations), and the name lines are upper-cased
    with it; a foreign address ends with the country in capitals, except for
    letters within ``home_country`` outside the US.
    """
    from lettergen.postal.usps import country_name, format_lines, is_domestic

    a = account.address
    names = [account.name]
    if account.attention and account.attention != account.name:
        names.append(f"Attn: {account.attention}")
    domestic = is_domestic(a)
    if usps_style and domestic:
        names = [upper(n, account.locale) for n in names]  # the language's capitals: no accents on Greek ones
    lines = list(format_lines(a, usps_style=usps_style))
    if domestic and home_country != "US":
        lines.append(country_name("US"))
    elif not domestic and a.country.upper() == home_country.upper() and lines and lines[-1] == country_name(a.country):
        lines.pop()
    return names + lines


def _years_before(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year - years)
    except ValueError:  # 29 February
        return d.replace(year=d.year - years, day=28)


def anchor_for(account_id: str) -> str:
    return "L" + hashlib.sha1(account_id.encode("utf-8")).hexdigest()[:16]


# ----------------------------------------------------------------------------- compose


class Composer:
    """Composes letters for one policy with one template folder and one tone folder.

    Build it once per batch (templates are compiled once); ``compose()`` is then
    cheap and pure.
    """

    def __init__(self, policy: Policy, templates: TemplateSet | str | Path | None = None, tones: ToneSet | str | Path | None = None) -> None:
        self.policy = policy
        self.templates = templates if isinstance(templates, TemplateSet) else TemplateSet(templates or default_templates_dir())
        self.tones = tones if isinstance(tones, ToneSet) else ToneSet(tones or default_tones_dir())
        self.calendar = policy.business_calendar()
        self._phrases: dict[tuple[str, str, str], Any] = {}
        self.home_country = policy.calendar.country
        self.envelope = get_envelope(policy.envelope)
        self._footer = " · ".join([policy.sender.company, *policy.sender.address, *([policy.sender.phone] if policy.sender.phone else [])])

    def check(self, tones_used: Iterable[str] = ()) -> None:
        """Fail early, before any letter: every stage's template compiles, every tone has every phrase."""
        for st in self.policy.stages:
            self.templates.get(st.template)
        self.tones.check_complete([s.name for s in self.policy.stages], {*(s.tone for s in self.policy.stages), *tones_used})

    def _phrase(self, tone: ToneProfile, stage: str, key: str) -> Any:
        k = (tone.name, stage, key)
        if k not in self._phrases:
            text = tone.phrase(stage, key)
            # A phrase is template text: the same HTML subset as the templates (data cannot add tags, it is escaped).
            for m in _TAG.finditer(_blank_jinja(text)):
                tag = m.group(1).lower()
                if tag not in ALLOWED_TAGS:
                    raise ComposeError(
                        f"{tone.where(stage, key)}: stages.{stage}.{key} of tone '{tone.name}' uses <{tag}>, which is not "
                        "supported in letters (the DOCX could not show it); use only text and b, strong, i, em, u, span, small, br."
                    )
            try:
                self._phrases[k] = self.templates.env.from_string(text)
            except TemplateSyntaxError as exc:
                raise ComposeError(f"{tone.where(stage, key)}: stages.{stage}.{key}: template syntax error: {exc.message}.") from None
        return self._phrases[k]

    def address_block(self, account: Account, imb_serial: int | None) -> tuple[list[str], str, dict[str, Any] | None]:
        """Recipient lines, the CSS that fits them into the envelope window, and the IMb (or None)."""
        from lettergen.postal.envelope import fit_lines
        from lettergen.postal.imb import encode, svg, tracking_code
        from lettergen.postal.usps import is_domestic

        mailing = self.policy.mailing
        lines = recipient_lines(account, self.home_country, mailing.usps_style)
        imb = None
        cfg = mailing.imb
        digits = account.address.postal_code.replace("-", "")
        if cfg is not None and imb_serial is not None and is_domestic(account.address) and digits.isascii() and digits.isdigit() \
                and len(digits) in (5, 9):
            code = tracking_code(cfg.barcode_id, cfg.service_type, cfg.mailer_id, imb_serial)
            imb = {"tracking": code, "routing": digits, "svg": Markup(svg(encode(code, digits)))}
        # The barcode takes about one address line of the window (0.145 in bars and their clear zone).
        size = fit_lines(lines, self.envelope, 1 if imb else 0)
        font, height = size or (self.envelope.min_font_pt, 1.0)  # too long even so: the window check on the PDF holds it
        style = "" if (font, height) == (9.5, 1.15) else f"font-size: {font:g}pt; line-height: {height:g}"
        return lines, style, imb

    def context(self, job: LetterJob, imb_serial: int | None = None) -> tuple[dict[str, Any], date, tuple]:
        pol, acc = self.policy, job.account
        lines, style, imb = self.address_block(acc, imb_serial)
        stage = pol.stages[job.stage_index]
        fmt = Formats(acc.locale, job.currency)
        response = self.calendar.next_business_day(job.as_of + timedelta(days=stage.response_days))
        plan = ()
        if stage.payment_plan:
            cfg = pol.payment_plan
            plan = payment_plan(
                job.amount_due, job.currency, job.as_of + timedelta(days=cfg.first_due_days), self.calendar,
                cfg.max_installments, cfg.min_installment,
            )
            if len(plan) < 2:  # a "plan" of one installment is the full amount: offer none ("1 monthly installments")
                plan = ()
        label = {s.name: s.label_text for s in pol.stages}
        link = (payment_link(pol.sender.payment_link, acc.id, job.amount_due, job.currency)
                if pol.sender.payment_link else "")
        first = not job.previous
        consumer = acc.debt_type == "consumer"
        third = pol.collector == "third_party"
        receipt = self.calendar.add_business_days(job.as_of, 5)  # Reg F: receipt assumed 5 business days after mailing
        validation_end = self.calendar.next_business_day(receipt + timedelta(days=30))
        notices = {
            "first_letter": first,
            "debt_collector": third and consumer,
            "mini_miranda_first": third and consumer and first,
            "ca_rosenthal": consumer and acc.jurisdiction == "US-CA" and first,
            "ma_work_calls": consumer and acc.jurisdiction == "US-MA" and first,
            "ny_time_barred": consumer and acc.jurisdiction == "US-NY" and job.invoices[0].due_date < _years_before(job.as_of, 3),
            "validation": ({"end_date": fmt.date(validation_end), "itemization_date": fmt.date(job.invoices[0].due_date),
                            "creditor": acc.extra.get("creditor") or pol.sender.company}
                           if third and consumer and first else None),
        }
        ctx: dict[str, Any] = {
            "collector": pol.collector,
            "intended_actions": list(stage.intended_actions),
            "notices": notices,
            "account": {
                "id": acc.id, "name": acc.name, "attention": acc.attention or "", "email": acc.email or "",
                "phone": acc.phone or "", "extra": dict(acc.extra),
            },
            "salutation": salutation(acc),
            "recipient_lines": lines,
            "recipient_style": style,
            "imb": imb,
            "sender": {**pol.sender.model_dump(), "payment_instructions": pol.sender.instructions_for(job.currency) or ""},
            "payment_link": link,
            "payment_qr": Markup(qr_svg(link)) if link else "",
            "footer": self._footer,
            "letter": {
                "anchor": anchor_for(acc.id), "stage": job.stage, "stage_label": label[job.stage], "tone": job.tone,
                "date": fmt.date(job.as_of), "response_date": fmt.date(response), "locale": acc.locale,
            },
            "response_date": fmt.date(response),
            "amount_due": fmt.money(job.amount_due),
            "currency": job.currency,
            "due_date": fmt.date(job.invoices[0].due_date),
            "days_past_due": job.days_past_due,
            "invoices": [
                {
                    "number": i.number, "issue_date": fmt.short_date(i.issue_date), "due_date": fmt.short_date(i.due_date),
                    "amount": fmt.money(i.original_amount), "balance": fmt.money(i.balance),
                }
                for i in job.invoices
            ],
            "previous_letters": [
                {"stage": p.stage, "label": label.get(p.stage, p.stage.replace("_", " ")), "date": fmt.day_month(p.sent_on, job.as_of)}
                for p in job.previous
            ],
            "payment_plan": (
                {
                    "count": len(plan), "total": fmt.money(sum(i.amount for i in plan)),
                    "installments": [{"number": i.number, "due_date": fmt.date(i.due_date), "amount": fmt.money(i.amount)} for i in plan],
                }
                if plan else None
            ),
        }
        return ctx, response, plan

    def compose(self, job: LetterJob, imb_serial: int | None = None) -> Letter:
        """The letter for ``job``; with the policy's ``mailing.imb`` and an ``imb_serial`` it carries an IMb."""
        stage = self.policy.stages[job.stage_index]
        tone = self.tones.get(job.tone)
        tpl = self.templates.get(stage.template)
        ctx, response, plan = self.context(job, imb_serial)
        phrases: dict[str, Markup] = {}
        for key in PHRASES:
            try:
                phrases[key] = Markup(self._phrase(tone, job.stage, key).render(ctx))
            except (UndefinedError, SecurityError) as exc:
                err = _render_error(exc, tone.where(job.stage, key))
                raise ComposeError(f"{tone.where(job.stage, key)}: phrase stages.{job.stage}.{key} of tone '{tone.name}': "
                                   + err.message.split(": ", 1)[1]) from None
        try:
            html = tpl.render({**ctx, "tone": phrases})
        except (UndefinedError, SecurityError, TypeError, ValueError) as exc:
            raise _render_error(exc, str(self.templates.path(stage.template))) from None
        return Letter(
            job=job, html=html.strip() + "\n", anchor=ctx["letter"]["anchor"], template=stage.template,
            template_path=str(self.templates.path(stage.template)), template_hash=self.templates.sha256(stage.template),
            tone=tone.name, tone_hash=tone.sha256, response_date=response, payment_plan=plan,
            imb=ctx["imb"]["tracking"] + ctx["imb"]["routing"] if ctx["imb"] else "",
            context={**ctx, "tone": {k: str(v) for k, v in phrases.items()}},
        )


def compose(job: LetterJob, policy: Policy, templates: str | Path | None = None, tones: str | Path | None = None) -> Letter:
    """Compose one letter (convenience; a batch builds one ``Composer`` and reuses it)."""
    return Composer(policy, templates, tones).compose(job)
