"""The collection policy: strict YAML whose errors name the key a clerk has to fix."""

from __future__ import annotations

import copy
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

import pytest
import yaml

from lettergen.errors import PolicyError
from lettergen.config.policy import Policy

SAMPLE = Path(__file__).resolve().parent.parent.parent / "samples" / "policy.yaml"


def sample_data() -> dict[str, Any]:
    return yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))


def write_policy(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def policy_error(tmp_path: Path, change: Callable[[dict[str, Any]], object]) -> str:
    data = copy.deepcopy(sample_data())
    change(data)
    path = write_policy(tmp_path, data)
    with pytest.raises(PolicyError) as info:
        Policy.from_yaml(path)
    message = str(info.value)
    assert str(path) in message, "the message names the policy file"
    return message


# ---------------------------------------------------------------- the sample


def test_sample_policy_loads() -> None:
    policy = Policy.from_yaml(SAMPLE)
    assert [s.name for s in policy.stages] == ["polite_reminder", "firm_notice", "final_demand"]
    assert [s.after_days for s in policy.stages] == [3, 30, 45]
    assert policy.stages[0].days == "business"
    assert policy.stages[1].min_days_since_previous == 14
    assert [s.tone for s in policy.stages] == ["warm", "neutral", "firm"]
    assert policy.escalation == "sequential"
    assert policy.calendar.country == "US" and policy.calendar.subdivision == "NY"
    assert policy.sender.company == "Acme Supplies, Inc."
    assert policy.sender.address == ("200 Harbor Street, Suite 400", "Brooklyn, NY 11201")
    assert policy.holds.promise_grace_days == 3
    assert policy.holds.min_balance == Decimal("25.00")
    assert isinstance(policy.holds.min_balance, Decimal)
    assert policy.source == str(SAMPLE)
    assert policy.stage_index("firm_notice") == 1
    assert policy.stage_index("no_such_stage") is None


def test_policy_is_immutable() -> None:
    policy = Policy.from_yaml(SAMPLE)
    with pytest.raises(Exception):
        policy.escalation = "age"  # type: ignore[misc]


def test_defaults_apply_for_a_minimal_policy(tmp_path: Path) -> None:
    path = write_policy(
        tmp_path,
        {"sender": {"company": "X Ltd"}, "stages": [{"name": "only", "template": "only", "after_days": 10}]},
    )
    policy = Policy.from_yaml(path)
    assert policy.escalation == "sequential"
    assert policy.stages[0].days == "calendar"
    assert policy.stages[0].tone == "neutral"
    assert policy.holds.min_balance == Decimal(0)
    assert policy.holds.promise_grace_days == 3


# ---------------------------------------------------------------- unknown keys


def test_unknown_top_level_key_is_named(tmp_path: Path) -> None:
    msg = policy_error(tmp_path, lambda d: d.update(escalaton="age"))
    assert "unknown key 'escalaton'" in msg
    assert "escalation" in msg.split("allowed here:")[1], "the message lists the keys that are allowed"


def test_unknown_key_in_a_stage_names_the_stage_and_the_key(tmp_path: Path) -> None:
    msg = policy_error(tmp_path, lambda d: d["stages"][1].update(afterdays=20))
    assert "stages[1]" in msg
    assert "firm_notice" in msg
    assert "afterdays" in msg
    assert "after_days" in msg  # the allowed spelling is suggested


def test_unknown_key_in_sender_is_named(tmp_path: Path) -> None:
    msg = policy_error(tmp_path, lambda d: d["sender"].update(fone="(555) 0100"))
    assert "sender.fone" in msg
    assert "phone" in msg


def test_unknown_key_in_holds_is_named(tmp_path: Path) -> None:
    msg = policy_error(tmp_path, lambda d: d["holds"].update(min_balanse="10"))
    assert "holds.min_balanse" in msg
    assert "min_balance" in msg


def test_unknown_key_in_calendar_is_named(tmp_path: Path) -> None:
    msg = policy_error(tmp_path, lambda d: d["calendar"].update(state="CA"))
    assert "calendar.state" in msg


# ---------------------------------------------------------------- stages


def test_stage_out_of_order_names_after_days_and_the_stage(tmp_path: Path) -> None:
    msg = policy_error(tmp_path, lambda d: d["stages"][2].update(after_days=30))
    assert "stages[2].after_days" in msg
    assert "final_demand" in msg
    assert "firm_notice" in msg  # the stage it should come after


def test_stage_with_equal_after_days_is_out_of_order(tmp_path: Path) -> None:
    msg = policy_error(tmp_path, lambda d: d["stages"][1].update(after_days=3))
    assert "stages[1].after_days" in msg


def test_missing_template_names_template_and_the_stage(tmp_path: Path) -> None:
    msg = policy_error(tmp_path, lambda d: d["stages"][0].pop("template"))
    assert "missing key" in msg
    assert "stages[0]" in msg
    assert "polite_reminder" in msg
    assert "template" in msg


def test_blank_template_is_rejected(tmp_path: Path) -> None:
    msg = policy_error(tmp_path, lambda d: d["stages"][0].update(template="  "))
    assert "template" in msg
    assert "empty" in msg


def test_duplicate_stage_names_are_rejected(tmp_path: Path) -> None:
    def dup(d: dict[str, Any]) -> None:
        d["stages"][2]["name"] = "firm_notice"

    msg = policy_error(tmp_path, dup)
    assert "firm_notice" in msg
    assert "twice" in msg
    assert "stages[2]" in msg


def test_no_stages_is_rejected(tmp_path: Path) -> None:
    msg = policy_error(tmp_path, lambda d: d.update(stages=[]))
    assert "at least one stage" in msg


def test_missing_sender_is_named(tmp_path: Path) -> None:
    msg = policy_error(tmp_path, lambda d: d.pop("sender"))
    assert "missing key 'sender'" in msg


def test_negative_after_days_is_rejected(tmp_path: Path) -> None:
    msg = policy_error(tmp_path, lambda d: d["stages"][0].update(after_days=-1))
    assert "stages[0]" in msg and "after_days" in msg


def test_misspelled_day_count_is_rejected(tmp_path: Path) -> None:
    msg = policy_error(tmp_path, lambda d: d["stages"][0].update(days="busines"))
    assert "days" in msg
    assert "'business'" in msg
    assert "busines" in msg


# ---------------------------------------------------------------- other keys


@pytest.mark.parametrize("value", ["sequential", "age"])
def test_escalation_accepts_sequential_and_age(tmp_path: Path, value: str) -> None:
    data = sample_data()
    data["escalation"] = value
    assert Policy.from_yaml(write_policy(tmp_path, data)).escalation == value


def test_escalation_must_be_sequential_or_age(tmp_path: Path) -> None:
    msg = policy_error(tmp_path, lambda d: d.update(escalation="fast"))
    assert "escalation" in msg
    assert "'sequential'" in msg and "'age'" in msg
    assert "fast" in msg


def test_min_balance_as_one_amount_applies_to_every_currency(tmp_path: Path) -> None:
    data = sample_data()
    data["holds"]["min_balance"] = "$1,000.50"
    policy = Policy.from_yaml(write_policy(tmp_path, data))
    assert policy.holds.minimum_for("USD") == Decimal("1000.50")
    assert policy.holds.minimum_for("EUR") == Decimal("1000.50")


def test_min_balance_per_currency(tmp_path: Path) -> None:
    data = sample_data()
    data["holds"]["min_balance"] = {"usd": "25.00", "EUR": 20, "JPY": "3000"}
    policy = Policy.from_yaml(write_policy(tmp_path, data))
    assert policy.holds.minimum_for("USD") == Decimal("25.00")  # currency codes are upper-cased
    assert policy.holds.minimum_for("EUR") == Decimal("20")
    assert policy.holds.minimum_for("JPY") == Decimal("3000")
    assert policy.holds.minimum_for("GBP") == Decimal(0)  # a currency not listed has no minimum


def test_min_balance_that_is_not_an_amount_is_named(tmp_path: Path) -> None:
    msg = policy_error(tmp_path, lambda d: d["holds"].update(min_balance="lots"))
    assert "holds.min_balance" in msg
    assert "lots" in msg


def test_negative_grace_days_is_rejected(tmp_path: Path) -> None:
    msg = policy_error(tmp_path, lambda d: d["holds"].update(promise_grace_days=-1))
    assert "holds.promise_grace_days" in msg


def test_unknown_calendar_country_is_named(tmp_path: Path) -> None:
    msg = policy_error(tmp_path, lambda d: d["calendar"].update(country="XX", subdivision=None))
    assert "calendar.country 'XX'" in msg


def test_unknown_calendar_subdivision_is_named(tmp_path: Path) -> None:
    msg = policy_error(tmp_path, lambda d: d["calendar"].update(subdivision="ZZ"))
    assert "calendar.subdivision 'ZZ'" in msg
    assert "calendar.country" not in msg


def test_policy_calendar_uses_the_subdivision(tmp_path: Path) -> None:
    from datetime import date

    data = sample_data()
    data["calendar"] = {"country": "US", "subdivision": "CA"}
    policy = Policy.from_yaml(write_policy(tmp_path, data))
    assert not policy.business_calendar().is_business_day(date(2026, 11, 27))  # Day After Thanksgiving


# ---------------------------------------------------------------- the file


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(
        "name: broken\nsender:\n  company: X\nstages:\n  - name: a\n    template: [unclosed\n    after_days: 3\n",
        encoding="utf-8",
    )
    with pytest.raises(PolicyError) as info:
        Policy.from_yaml(path)
    msg = str(info.value)
    assert "not valid YAML" in msg
    assert "line 7" in msg
    assert str(path) in msg


def test_missing_file_says_so(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    with pytest.raises(PolicyError) as info:
        Policy.from_yaml(path)
    assert "not found" in str(info.value)
    assert str(path) in str(info.value)


def test_empty_file_asks_for_sender_and_stages(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text("", encoding="utf-8")
    with pytest.raises(PolicyError, match="missing key"):
        Policy.from_yaml(path)


def test_a_list_instead_of_a_mapping_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text("- one\n- two\n", encoding="utf-8")
    with pytest.raises(PolicyError, match="mapping"):
        Policy.from_yaml(path)
