"""Mail-ready batches for the vendor: groups, duplex, certified mail, IMb, manifests, job ticket, checksums, PDF quality.

Batches run through ``run_batch`` on the samples with policies that switch the
mailing options on; the tests read back the PDFs (pypdf), the manifests and
job.json, and run qpdf and pdffonts on the output.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pypdf
import pytest
import yaml

from lettergen.batch import BatchOptions, run_batch
from lettergen.postal.envelope import get as get_envelope
from lettergen.errors import PolicyError
from lettergen.postal.imb import encode
from lettergen.ledger import Ledger
from lettergen.load import load_accounts
from lettergen.assemble.vendor import group_for
from lettergen.assemble.checksums import verify_sha256sums
from lettergen.config.policy import Policy

ROOT = Path(__file__).resolve().parent.parent.parent
SAMPLES = ROOT / "samples"
AS_OF = date(2026, 11, 27)


def policy_with(**mailing: object) -> Policy:
    data = yaml.safe_load((SAMPLES / "policy.yaml").read_text(encoding="utf-8"))
    certified = mailing.pop("certified", None)
    if certified:
        for st in data["stages"]:
            if st["name"] in certified:
                st["certified"] = True
    envelope = mailing.pop("envelope", None)
    if envelope:
        data["envelope"] = envelope
    data["mailing"] = mailing
    return Policy.from_dict(data, source="test policy")


def read_csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def sample_batch(tmp: Path, policy: Policy, as_of: date = AS_OF, **opts: object):
    ledger = tmp / "lettergen.db"
    if not ledger.exists():
        Ledger(ledger).import_csv(SAMPLES / "ledger-history.csv", "history", as_of)
    loaded = load_accounts(SAMPLES / "accounts.csv", default_currency=policy.currency)
    return run_batch(loaded, policy, as_of, BatchOptions(out=tmp / "out", ledger=ledger, jobs=2, formats=("pdf",), **opts))


@pytest.fixture(scope="module")
def duplex_certified(tmp_path_factory):
    """Duplex, grouped by sheets, final demands by certified mail."""
    tmp = tmp_path_factory.mktemp("duplex")
    res = sample_batch(tmp, policy_with(duplex=True, certified=["final_demand"]))
    return res, res.folder


def test_duplex_pads_each_letter_and_the_manifests_count_sheets(duplex_certified):
    res, folder = duplex_certified
    manifest = read_csv(folder / "manifest.csv")
    assert manifest, "the samples produce letters"
    first = 1
    for row in manifest:
        pages = int(row["pages"])
        assert int(row["first_page"]) == first  # every letter starts on an odd page, i.e. a front side
        assert first % 2 == 1
        assert int(row["sheets"]) == (pages + 1) // 2
        first += pages + pages % 2
    reader = pypdf.PdfReader(folder / "batch.pdf")
    assert len(reader.pages) == first - 1 == sum(int(r["sheets"]) for r in manifest) * 2
    two_page = [r for r in manifest if r["pages"] == "2"]
    one_page = [r for r in manifest if r["pages"] == "1"]
    assert two_page and one_page
    # a one-page letter is followed by a blank back page: no text on it
    blank = int(one_page[0]["first_page"])  # 1-based first page, so this is the 0-based index of the page after it
    assert reader.pages[blank].extract_text().strip() == ""
    assert f"Account {one_page[0]['account_id']}" in reader.pages[blank - 1].extract_text()


def test_certified_letters_have_their_own_group_and_are_marked(duplex_certified):
    res, folder = duplex_certified
    manifest = read_csv(folder / "manifest.csv")
    finals = [r for r in manifest if r["stage"] == "final_demand"]
    assert finals and all(r["mail_group"] == "certified" for r in finals)
    assert all(r["mail_group"] == "1-sheet" for r in manifest if r["stage"] != "final_demand")  # duplex: 1-2 pages = 1 sheet
    cert = read_csv(folder / "mail" / "manifest-certified.csv")
    assert [r["account_id"] for r in cert] == [r["account_id"] for r in finals]
    assert all(r["extra_service"] == "Certified Mail" and r["file"] == "batch-certified.pdf" and r["duplex"] == "yes" for r in cert)
    # page numbers inside the group PDF, exactly: consecutive, each piece starting on a front side
    page = 1
    for r in cert:
        assert int(r["first_page"]) == page
        assert int(r["last_page"]) == page + 2 * int(r["sheets"]) - 1
        page = int(r["last_page"]) + 1
    pdf = pypdf.PdfReader(folder / "mail" / "batch-certified.pdf")
    assert len(pdf.pages) == page - 1
    for r in cert:
        assert f"Account {r['account_id']}" in pdf.pages[int(r["first_page"]) - 1].extract_text()
    assert [o.title.split()[1] for o in pdf.outline] == [r["account_id"] for r in cert]
    other = read_csv(folder / "mail" / "manifest-1-sheet.csv")
    assert {r["account_id"] for r in other} | {r["account_id"] for r in cert} == {r["account_id"] for r in manifest}


def test_job_ticket_counts_and_hashes(duplex_certified):
    res, folder = duplex_certified
    ticket = json.loads((folder / "mail" / "job.json").read_text(encoding="utf-8"))
    manifest = read_csv(folder / "manifest.csv")
    assert ticket["duplex"] is True and ticket["envelope"]["name"] == "us-10-double-window"
    assert ticket["page_size"] == {"width_pt": 612.0, "height_pt": 792.0}
    assert [g["name"] for g in ticket["groups"]] == ["certified", "1-sheet"]
    assert ticket["totals"]["pieces"] == len(manifest) == sum(g["pieces"] for g in ticket["groups"])
    assert ticket["totals"]["sheets"] == sum(int(r["sheets"]) for r in manifest)
    assert ticket["totals"]["certified"] == sum(1 for r in manifest if r["stage"] == "final_demand")
    for g in ticket["groups"]:
        assert len(pypdf.PdfReader(folder / "mail" / g["file"]).pages) == g["pages"] == 2 * g["sheets"]
        assert hashlib.sha256((folder / "mail" / g["file"]).read_bytes()).hexdigest() == g["sha256"]["pdf"]
        assert hashlib.sha256((folder / "mail" / g["manifest"]).read_bytes()).hexdigest() == g["sha256"]["manifest"]


def test_sha256sums_cover_every_file_and_detect_a_changed_byte(duplex_certified, tmp_path):
    res, folder = duplex_certified
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    assert verify_sha256sums(copy) == []
    listed = {line.split("  ", 1)[1] for line in (copy / "SHA256SUMS").read_text(encoding="utf-8").splitlines()}
    assert "mail/job.json" in listed and "batch.pdf" in listed and any(n.startswith("letters/") for n in listed)
    data = bytearray((copy / "mail" / "batch-certified.pdf").read_bytes())
    data[len(data) // 2] ^= 0x01
    (copy / "mail" / "batch-certified.pdf").write_bytes(bytes(data))
    assert verify_sha256sums(copy) == ["mail/batch-certified.pdf"]
    if shutil.which("sha256sum"):
        ok = subprocess.run(["sha256sum", "--quiet", "-c", "SHA256SUMS"], cwd=folder, capture_output=True, text=True)
        assert ok.returncode == 0, ok.stdout + ok.stderr


def test_group_for_flat_and_sheet_groups():
    env = get_envelope("us-10-double-window")
    assert env.max_sheets == 6
    assert group_for(6, False, env, True) == "6-sheet"
    assert group_for(7, False, env, True) == "flat"
    assert group_for(7, True, env, True) == "certified"
    assert group_for(2, False, env, False) == "all"


# ----------------------------------------------------------------------------- IMb and vendor columns


def test_imb_serials_are_unique_printed_and_continue_in_the_next_batch(tmp_path):
    pol = policy_with(imb={"barcode_id": "00", "service_type": "040", "mailer_id": "123456", "serial_start": 1000},
                      vendor_columns={"piece_id": "PIECE", "imb_tracking_code": "IMB", "account_id": "ACCT", "sheets": "SHEETS"})
    first = sample_batch(tmp_path, pol)
    manifest = read_csv(first.folder / "manifest.csv")
    us = [r for r in manifest if r["address_lines"].split(" | ")[-1][-5:].replace("-", "").isdigit() and "GERMANY" not in r["address_lines"]]
    codes = [r["imb_tracking_code"] for r in manifest if r["imb_tracking_code"]]
    assert codes and len(codes) == len(set(codes)) and len(us) >= len(codes)
    # the IMb's digits: the 20-digit tracking code, then the routing code (the ZIP or ZIP+4 of the address)
    assert all(len(c) in (25, 29) and c.startswith("00040123456") for c in codes)
    for r in manifest:
        if r["imb_tracking_code"]:
            zip_digits = r["address_lines"].split(" ")[-1].replace("-", "")
            assert r["imb_tracking_code"][20:] == zip_digits
    serials = [int(c[11:20]) for c in codes]
    assert serials == sorted(serials) and serials[0] >= 1000
    foreign = [r for r in manifest if r["address_lines"].endswith(("JAPAN", "GERMANY", "UNITED KINGDOM"))]
    assert foreign and all(r["imb_tracking_code"] == "" for r in foreign)  # an IMb is for US mail only
    # the barcode is drawn: 65 bars under the address, inside the window (the letter passed the window check)
    letter = first.folder / next(r["pdf_file"] for r in manifest if r["imb_tracking_code"])
    ops = pypdf.PdfReader(letter).pages[0].get_contents().get_data()
    assert ops.count(b" re") >= 65
    # the vendor's manifest has the vendor's column names, in the vendor's order
    group = read_csv(first.folder / "mail" / "manifest-1-sheet.csv")
    assert list(group[0]) == ["PIECE", "IMB", "ACCT", "SHEETS"]
    assert {r["IMB"] for r in group} <= {r["imb_tracking_code"] for r in manifest}
    # the ledger remembers the codes; the next batch continues after the highest serial
    led = Ledger(tmp_path / "lettergen.db")
    assert led.last_imb_serial("00", "040", "123456") == max(serials)
    later = sample_batch(tmp_path, pol, date(2026, 12, 11))
    codes2 = [r["imb_tracking_code"] for r in read_csv(later.folder / "manifest.csv") if r["imb_tracking_code"]]
    assert codes2 and min(int(c[11:20]) for c in codes2) > max(serials)
    assert not set(codes2) & set(codes)


def test_a_batch_whose_imb_serials_were_taken_meanwhile_is_not_recorded(tmp_path, monkeypatch):
    """The race of two batches at once: the second read the last serial before the first recorded its own.
    Recording refuses it, names the serial, and removes its folder, so no barcode is mailed twice."""
    from lettergen.errors import LedgerError

    pol = policy_with(imb={"barcode_id": "00", "service_type": "040", "mailer_id": "123456", "serial_start": 1000})
    first = sample_batch(tmp_path, pol)
    assert any(r["imb_tracking_code"] for r in read_csv(first.folder / "manifest.csv"))
    monkeypatch.setattr(Ledger, "last_imb_serial", lambda self, *a: None)  # the stale read
    with pytest.raises(LedgerError, match=r"123456/1000\b.*already recorded by another batch") as err:
        sample_batch(tmp_path, pol, date(2026, 12, 11))
    assert "was removed" in str(err.value)
    assert sorted(p.name for p in (tmp_path / "out").iterdir() if p.is_dir()) == [first.folder.name]
    assert [b[0] for b in Ledger(tmp_path / "lettergen.db").batches() if b[0] != "history"] == [first.batch_id]


def test_imb_bars_match_the_encoder(tmp_path):
    """The bars in the letter's HTML are the encoder's for the tracking code and the ZIP."""
    from lettergen.compose import Composer
    from lettergen.plan import job_for_stage

    pol = policy_with(imb={"barcode_id": "00", "service_type": "040", "mailer_id": "123456"})
    loaded = load_accounts(SAMPLES / "accounts.csv")
    acc = next(a for a in loaded.accounts if a.id == "ACC-1001")
    letter = Composer(pol).compose(job_for_stage(acc, pol, (), AS_OF, "polite_reminder"), 7)
    zip_digits = acc.address.postal_code.replace("-", "")
    assert letter.imb == "00040123456000000007" + zip_digits
    bars = encode(letter.imb[:20], zip_digits)
    heights = {"F": "10.44", "A": "7.02", "D": "7.02", "T": "3.6"}
    import re

    imb = re.search(r'<div class="imb">(.*?)</div>', letter.html, re.S).group(1)  # not the payment link's QR code
    rects = re.findall(r'<rect[^>]*height="([0-9.]+)"', imb)
    assert len(rects) == 65
    assert [h.rstrip("0").rstrip(".") for h in rects] == [heights[b].rstrip("0").rstrip(".") for b in bars]


def test_policy_rejects_unknown_envelope_and_vendor_columns():
    data = yaml.safe_load((SAMPLES / "policy.yaml").read_text(encoding="utf-8"))
    with pytest.raises(PolicyError, match="unknown envelope preset 'c5'; use one of us-10-double-window, din-5008-b, address-page"):
        Policy.from_dict({**data, "envelope": "c5"})
    with pytest.raises(PolicyError, match="unknown manifest column zip"):
        Policy.from_dict({**data, "mailing": {"vendor_columns": {"zip": "ZIP"}}})
    with pytest.raises(PolicyError, match="mailer_id '12345'"):
        Policy.from_dict({**data, "mailing": {"imb": {"service_type": "040", "mailer_id": "12345"}}})


# ----------------------------------------------------------------------------- addresses


def test_an_address_that_cannot_be_mailed_is_rejected_with_the_reason(tmp_path):
    p = tmp_path / "accounts.csv"
    rows = [
        ["account_id", "name", "address1", "city", "region", "postal_code", "country", "invoice_number", "due_date", "balance"],
        ["OK-1", "Ann Lee", "12 Park Street", "Albany", "NY", "12207", "US", "I-1", "2026-10-01", "100.00"],
        ["BAD-STATE", "Bo Ng", "1 Elm Avenue", "Fresno", "Calif.", "93650", "US", "I-2", "2026-10-01", "100.00"],
        ["BAD-ZIP", "Cy Roe", "2 Oak Road", "Austin", "TX", "7870", "US", "I-3", "2026-10-01", "100.00"],
    ]
    with p.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    pol = policy_with()
    loaded = load_accounts(p)
    res = run_batch(loaded, pol, AS_OF, BatchOptions(out=tmp_path / "out", jobs=1, formats=("pdf",)))
    rejected = {r["account_id"]: r for r in read_csv(res.folder / "rejected.csv")}
    assert set(rejected) == {"BAD-STATE", "BAD-ZIP"}
    assert "region 'Calif.' is not a USPS state code" in rejected["BAD-STATE"]["reason"] and "CA" in rejected["BAD-STATE"]["reason"]
    assert "postal_code '7870' is not a ZIP code" in rejected["BAD-ZIP"]["reason"]
    assert rejected["BAD-ZIP"]["column"] == "address" and rejected["BAD-ZIP"]["row"] == "4"
    manifest = read_csv(res.folder / "manifest.csv")
    assert [r["account_id"] for r in manifest] == ["OK-1"]
    assert manifest[0]["address_lines"] == "ANN LEE | 12 PARK ST | ALBANY NY 12207"  # USPS Publication 28 style


# ----------------------------------------------------------------------------- PDF quality for print


@pytest.fixture(scope="module")
def plain(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("plain")
    return sample_batch(tmp, policy_with()).folder


def test_pages_metadata_bookmarks_and_page_labels(plain):
    manifest = read_csv(plain / "manifest.csv")
    for pdf_path in [plain / "batch.pdf", *sorted((plain / "mail").glob("*.pdf"))]:
        r = pypdf.PdfReader(pdf_path)
        assert all([float(x) for x in p.mediabox] == [0, 0, 612, 792] for p in r.pages), pdf_path
        assert r.metadata.creator == "lettergen" and r.metadata.title.startswith("lettergen batch 2026-11-27-001")
        assert r.metadata["/CreationDate"] == "D:20261127000000Z"
    r = pypdf.PdfReader(plain / "batch.pdf")
    assert len(r.outline) == len(manifest)
    labels = r.page_labels
    for row in manifest:
        first = int(row["first_page"]) - 1
        assert labels[first] == f"{int(row['sequence']):04d}-1"
        if row["pages"] == "2":
            assert labels[first + 1] == f"{int(row['sequence']):04d}-2"


@pytest.mark.skipif(shutil.which("qpdf") is None, reason="qpdf is not installed (make test installs it with apt-get when run as root)")
def test_qpdf_check_finds_no_errors(plain):
    for pdf in [plain / "batch.pdf", *sorted((plain / "mail").glob("*.pdf")), *sorted((plain / "letters").glob("*.pdf"))[:3]]:
        res = subprocess.run(["qpdf", "--check", str(pdf)], capture_output=True, text=True)
        assert res.returncode == 0, (pdf, res.stdout, res.stderr)
        assert "No syntax or stream encoding errors found" in res.stdout


@pytest.mark.skipif(shutil.which("pdffonts") is None, reason="pdffonts (poppler-utils) is not installed (make test installs it when root)")
def test_pdffonts_shows_every_font_embedded(plain):
    for pdf in [plain / "batch.pdf", *sorted((plain / "mail").glob("*.pdf"))]:
        out = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()
        rows = out[2:]
        assert rows, out
        for line in rows:
            cols = line.split()
            # name type... encoding emb sub uni object-id gen: emb is the 5th column from the end
            assert cols[-5] == "yes", line
        assert any("Noto-Sans" in line for line in rows)
