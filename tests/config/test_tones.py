"""Tone profiles: the account's tone wins over the stage's; a broken profile is an error naming file, line and key."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, SAMPLES
from lettergen import Account, Address, Invoice, Policy, load_accounts
from lettergen.compose import Composer
from lettergen.errors import ComposeError
from lettergen.compose.html import visible_text
from lettergen.plan import job_for_stage
from lettergen.config.tones import PHRASES, ToneSet, load_tone

AS_OF = date(2026, 11, 27)
TONES = ROOT / "tone_profiles"
POLICY = Policy.from_yaml(SAMPLES / "policy.yaml")
STAGES = [s.name for s in POLICY.stages]


def account(tone: str | None = None, name: str = "Jane Doe") -> Account:
    return Account(
        id="T-1", name=name, address=Address(lines=("1 Main St",), city="Albany", region="NY", postal_code="12207"),
        tone=tone, invoices=(Invoice(number="INV-T1", issue_date=date(2026, 8, 1), due_date=date(2026, 9, 1),
                                     original_amount="640.00", balance="640.00"),),
    )


def text_of(letter) -> str:
    return " ".join(visible_text(letter.html).split())


def phrase(tone: str, stage: str, key: str, **context: object) -> str:
    """A phrase as a first letter prints it (phrases are Jinja: some say more when there were earlier letters)."""
    import jinja2

    data = yaml.safe_load((TONES / f"{tone}.yaml").read_text(encoding="utf-8"))
    text = jinja2.Template(data["stages"][stage][key]).render({"previous_letters": (), **context})
    return " ".join(text.split())


@pytest.fixture
def tones(tmp_path: Path) -> Path:
    """A copy of the shipped tone profiles to break."""
    d = tmp_path / "tone_profiles"
    shutil.copytree(TONES, d)
    return d


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(path: Path, stage: str, key: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    start = lines.index(f"  {stage}:")
    return next(i for i in range(start, len(lines)) if lines[i].startswith(f"    {key}:")) + 1


# ----------------------------------------------------------------------------- the shipped profiles


def test_shipped_profiles_have_every_phrase_for_every_stage_and_no_exclamation_marks():
    ts = ToneSet(TONES)
    assert sorted(ts.profiles) == ["firm", "neutral", "warm"]
    ts.check_complete(STAGES, ["warm", "neutral", "firm"])
    for prof in ts.profiles.values():
        assert not prof.exclamation_marks
        for stage in STAGES:
            for key in PHRASES:
                assert "!" not in prof.phrase(stage, key)


# ----------------------------------------------------------------------------- which tone a letter gets


@pytest.mark.parametrize("stage", STAGES)
@pytest.mark.parametrize("tone", ["warm", "neutral", "firm"])
def test_account_tone_overrides_the_stage_tone(stage, tone):
    job = job_for_stage(account(tone), POLICY, (), AS_OF, stage)
    letter = Composer(POLICY).compose(job)
    text = text_of(letter)
    assert letter.tone == tone and letter.job.tone == tone
    assert phrase(tone, stage, "opening") in text
    for other in {"warm", "neutral", "firm"} - {tone}:
        if phrase(other, stage, "opening") != phrase(tone, stage, "opening"):
            assert phrase(other, stage, "opening") not in text


@pytest.mark.parametrize("stage", STAGES)
def test_without_an_account_tone_the_stage_tone_applies(stage):
    stage_tone = next(s.tone for s in POLICY.stages if s.name == stage)
    letter = Composer(POLICY).compose(job_for_stage(account(None), POLICY, (), AS_OF, stage))
    assert letter.tone == stage_tone
    assert phrase(stage_tone, stage, "opening") in text_of(letter)


def test_sample_account_with_a_tone_gets_it():
    """ACC-1004 says tone 'neutral'; its polite_reminder (stage tone warm) is written in the neutral tone."""
    loaded = load_accounts(SAMPLES / "accounts.csv")
    acc = next(a for a in loaded.accounts if a.id == "ACC-1004")
    letter = Composer(POLICY).compose(job_for_stage(acc, POLICY, (), AS_OF, "polite_reminder"))
    assert letter.tone == "neutral"
    assert phrase("neutral", "polite_reminder", "opening") in text_of(letter)
    assert phrase("warm", "polite_reminder", "opening") not in text_of(letter)


def test_unknown_tone_names_the_tone_and_the_folder():
    job = job_for_stage(account("cheerful"), POLICY, (), AS_OF, "polite_reminder")
    composer = Composer(POLICY, tones=TONES)
    with pytest.raises(ComposeError) as e:
        composer.check([job.tone])
    assert "cheerful" in e.value.message and str(TONES) in e.value.message
    with pytest.raises(ComposeError) as e:
        composer.compose(job)
    assert "cheerful" in e.value.message and str(TONES) in e.value.message
    assert "warm" in e.value.message  # lists the tones there are


def test_unknown_stage_tone_in_the_policy_is_an_error_before_any_letter():
    data = yaml.safe_load((SAMPLES / "policy.yaml").read_text(encoding="utf-8"))
    data["stages"][1]["tone"] = "stern"
    pol = Policy.from_dict(data)
    with pytest.raises(ComposeError) as e:
        Composer(pol).check()
    assert "stern" in e.value.message


# ----------------------------------------------------------------------------- broken profiles


def test_missing_phrase_names_the_profile_file_and_key(tones):
    path = tones / "firm.yaml"
    edit(path, '    offer: "If you cannot pay in full, contact us before that date to agree on a payment plan."\n', "")
    ts = ToneSet(tones)  # the profile itself loads ...
    with pytest.raises(ComposeError) as e:  # ... but a policy that can send firm_notice in tone firm cannot use it
        Composer(POLICY, tones=ts).check()
    msg = e.value.message
    assert str(path) in msg and "stages.firm_notice.offer" in msg


def test_missing_stage_in_a_profile_names_file_stage_and_key(tones):
    path = tones / "warm.yaml"
    text = path.read_text(encoding="utf-8")
    cut = text.index("  final_demand:")
    path.write_text(text[:cut], encoding="utf-8")
    with pytest.raises(ComposeError) as e:
        Composer(POLICY, tones=tones).check()
    assert str(path) in e.value.message and "stages.final_demand.greeting" in e.value.message


def test_exclamation_mark_names_file_line_and_key(tones):
    path = tones / "warm.yaml"
    edit(path, 'closing: "Thank you for your business and for your help with this."',
         'closing: "Thank you so much for your business!"')
    with pytest.raises(ComposeError) as e:
        ToneSet(tones)
    msg = e.value.message
    assert f"{path}:{line_of(path, 'polite_reminder', 'closing')}" in msg
    assert "stages.polite_reminder.closing" in msg and "exclamation" in msg


def test_exclamation_mark_in_a_folded_phrase_points_at_its_key(tones):
    path = tones / "neutral.yaml"
    edit(path, "      If you are unable to pay the full amount, please call us to arrange a payment plan.",
         "      If you are unable to pay the full amount, please call us!\n      We can arrange a payment plan.")
    with pytest.raises(ComposeError) as e:
        ToneSet(tones)
    assert f"{path}:{line_of(path, 'firm_notice', 'offer')}" in e.value.message
    assert "stages.firm_notice.offer" in e.value.message


def test_exclamation_mark_printed_from_a_jinja_string_is_caught(tones):
    path = tones / "firm.yaml"
    edit(path, 'closing: "Please give this matter your prompt attention."',
         "closing: \"Please give this matter your prompt attention{{ '!' }}\"")
    with pytest.raises(ComposeError) as e:
        ToneSet(tones)
    assert f"{path}:{line_of(path, 'firm_notice', 'closing')}" in e.value.message


def test_not_equal_in_a_jinja_condition_is_not_an_exclamation_mark(tones):
    path = tones / "firm.yaml"
    edit(path, 'closing: "Please give this matter your prompt attention."',
         'closing: "{% if days_past_due != 0 %}Please give this matter your prompt attention.{% endif %}"')
    ts = ToneSet(tones)
    letter = Composer(POLICY, tones=ts).compose(job_for_stage(account("firm"), POLICY, (), AS_OF, "firm_notice"))
    assert "Please give this matter your prompt attention." in text_of(letter)


def test_exclamation_marks_allowed_when_the_profile_allows_them(tones):
    path = tones / "warm.yaml"
    edit(path, "exclamation_marks: false", "exclamation_marks: true")
    edit(path, 'closing: "Thank you for your business and for your help with this."', 'closing: "Thank you!"')
    letter = Composer(POLICY, tones=tones).compose(job_for_stage(account("warm"), POLICY, (), AS_OF, "polite_reminder"))
    assert "Thank you!" in text_of(letter)


@pytest.mark.parametrize(
    "old, new, names",
    [
        ("description: >-", "colour: blue\ndescription: >-", ["colour"]),
        ("  max_sentence_words: 28", "  max_sentence_words: 28\n  max_words: 10", ["limits.max_words"]),
        ('    sign_off: "Regards,"', '    sign_off: "Regards,"\n    signoff: "Yours,"', ["stages.polite_reminder.signoff"]),
    ],
)
def test_unknown_key_is_an_error_naming_it(tones, old, new, names):
    path = tones / "firm.yaml"
    edit(path, old, new)
    with pytest.raises(ComposeError) as e:
        ToneSet(tones)
    assert str(path) in e.value.message
    for n in names:
        assert n in e.value.message


@pytest.mark.parametrize(
    "old, new, key",
    [
        ("exclamation_marks: false", 'exclamation_marks: "false"', "exclamation_marks"),
        ("exclamation_marks: false", "exclamation_marks: sometimes", "exclamation_marks"),
        ("max_sentence_words: 28", "max_sentence_words: many", "max_sentence_words"),
        ("max_sentence_words: 28", "max_sentence_words: -3", "max_sentence_words"),
    ],
)
def test_bad_limit_values_are_errors_not_ignored(tones, old, new, key):
    """A quoted "false" must not switch the exclamation check off; a word count must be a number."""
    path = tones / "firm.yaml"
    edit(path, old, new)
    with pytest.raises(ComposeError) as e:
        load_tone(path)
    assert str(path) in e.value.message and key in e.value.message


def test_too_long_sentence_names_file_line_and_key(tones):
    path = tones / "firm.yaml"
    edit(path, 'closing: "Please give this matter your immediate attention."',
         'closing: "' + " ".join(["word"] * 29) + '."')
    with pytest.raises(ComposeError) as e:
        ToneSet(tones)
    assert f"{path}:{line_of(path, 'final_demand', 'closing')}" in e.value.message
    assert "stages.final_demand.closing" in e.value.message and "29" in e.value.message


def test_profile_name_must_match_file(tones):
    edit(tones / "firm.yaml", "name: firm", "name: stern")
    with pytest.raises(ComposeError) as e:
        ToneSet(tones)
    assert "stern" in e.value.message and "firm.yaml" in e.value.message


def test_misspelled_field_in_a_phrase_names_profile_line_and_phrase(tones):
    path = tones / "neutral.yaml"
    edit(path, 'request: "Please let us know when payment will be sent, or send it by {{ response_date }}."',
         'request: "Please let us know when payment will be sent, or send it by {{ respons_date }}."')
    composer = Composer(POLICY, tones=tones)
    with pytest.raises(ComposeError) as e:
        composer.compose(job_for_stage(account("neutral"), POLICY, (), AS_OF, "polite_reminder"))
    msg = e.value.message
    assert f"{path}:{line_of(path, 'polite_reminder', 'request')}" in msg
    assert "stages.polite_reminder.request" in msg and "respons_date" in msg


def test_account_data_in_a_phrase_is_only_data():
    """The greeting phrase prints the salutation; a name that looks like Jinja or HTML stays as typed."""
    name = "{{ 7*7 }} <b>Bob</b>"
    letter = Composer(POLICY).compose(job_for_stage(account(None, name=name), POLICY, (), AS_OF, "polite_reminder"))
    assert f"Dear {name}," in visible_text(letter.html)
    assert "49" not in visible_text(letter.html).split("Dear ", 1)[1].split("\n", 1)[0]
    assert "<b>Bob" not in letter.html
