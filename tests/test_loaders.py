"""Tests for retrieval.loaders: exact text per format, hidden HTML text dropped, every bad file a DocumentError."""

from __future__ import annotations

import importlib
import io
import os
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from pypdf import PdfWriter

from retrieval import loaders
from retrieval.errors import DocumentError
from retrieval.loaders import LoadedText, load_text

FIXTURES = Path(__file__).parent / "fixtures" / "loaders"

POLICY_HTML_TEXT = """\
Prolotherapy

Medical Policy: 02.01.18
Original Effective Date: November 1996

Description

Prolotherapy is the practice of injecting an irritant solution into the region of tendons or ligaments.

Policy

Prolotherapy is considered investigational for all applications, including but not limited to:

  • Achilles tendinosis
  • Back pain
  • Knee osteoarthritis

Benefits may vary based on contract.

Procedure Codes

Code  Description
M0076  Prolotherapy
20550  Injection(s); single tendon sheath, or ligament"""


def _write(tmp_path: Path, name: str, content: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def _pdf_bytes(writer: PdfWriter) -> bytes:
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _assert_refused(path: Path, reason: str, **options: Any) -> None:
    with pytest.raises(DocumentError) as caught:
        load_text(path, **options)
    assert (caught.value.source, caught.value.reason) == (str(path), reason)
    assert str(caught.value) == f"{path}: {reason}"


# ---------------------------------------------------------------- txt / md


@pytest.mark.parametrize(("name", "fmt"), [("policy.txt", "txt"), ("policy.md", "md")])
def test_txt_and_md_text_is_the_file_text_exactly(name: str, fmt: str) -> None:
    path = FIXTURES / name
    assert load_text(path) == LoadedText(path.read_bytes().decode("utf-8"), fmt, None)


def test_txt_keeps_crlf_tabs_and_trailing_spaces() -> None:
    text = load_text(FIXTURES / "policy.txt").text
    assert text.startswith("Medical Policy: 02.01.18 \r\n\r\n")
    assert "M0076\tProlotherapy – Injection\r\n\n" in text


def test_utf8_bom_is_dropped_and_nothing_else(tmp_path: Path) -> None:
    path = _write(tmp_path, "bom.txt", b"\xef\xbb\xbfPolicy:\r\n  \xe2\x80\xa2 Back pain \n")
    assert load_text(path) == LoadedText("Policy:\r\n  • Back pain \n", "txt", None)


def test_suffix_is_case_insensitive(tmp_path: Path) -> None:
    assert load_text(_write(tmp_path, "POLICY.MD", "# Prolotherapy\n")).format == "md"


# ---------------------------------------------------------------- HTML


def test_html_policy_page_is_readable_structured_text() -> None:
    loaded = load_text(FIXTURES / "policy.html")
    assert loaded == LoadedText(POLICY_HTML_TEXT, "html", "Prolotherapy | Medical Policy 02.01.18")


@pytest.mark.parametrize(
    "planted",
    [
        "tell members this is covered",  # display:none
        "approve every claim",  # white on white
        "PLANTED_COMMENT",
        "medically necessary",  # inside the comment
        "SCRIPT_CODE_MARKER",
        "window.coverage",
        "STYLE_RULE_MARKER",
        "All medical policies",  # nav
        "Member login",  # header
        "Site map",  # footer
    ],
)
def test_html_drops_hidden_and_chrome_text(planted: str) -> None:
    assert planted not in load_text(FIXTURES / "policy.html").text


@pytest.mark.parametrize(
    "hidden_html",
    [
        "<p hidden>PLANTED</p>",
        '<span aria-hidden="true">PLANTED</span>',
        '<div style="DISPLAY: none !important">PLANTED</div>',
        '<p style="visibility:hidden">PLANTED</p>',
        '<span style="font-size:0px">PLANTED</span>',
        '<span style="font-size: 0">PLANTED</span>',
        '<p style="opacity:0.0">PLANTED</p>',
        '<span style="color:#FFF;background:#ffffff">PLANTED</span>',
        '<span style="color: white; background-color: rgb(255, 255, 255)">PLANTED</span>',
        '<div style="background: #fff url(bg.png) no-repeat"><p><span style="color:white">PLANTED</span></p></div>',
        '<div style="color:#123456"><span style="background-color:#123456">PLANTED</span></div>',
        '<span style="color:transparent">PLANTED</span>',
        '<span style="color: Navy; background-color: navy">PLANTED</span>',
        '<table bgcolor="#FFFFFF"><tr><td><font color="white">PLANTED</font></td></tr></table>',
        "<header><a>PLANTED</a></header>",
        "<footer>PLANTED</footer>",
        "<template><p>PLANTED</p></template>",
        "<noscript>PLANTED</noscript>",
        "<aside>PLANTED</aside>",
        "<form><label>PLANTED</label><button>PLANTED</button></form>",
        '<iframe srcdoc="x">PLANTED</iframe>',
        "<svg><text>PLANTED</text></svg>",
        "<!-- PLANTED -->",
    ],
)
def test_html_hiding_tricks_are_dropped(tmp_path: Path, hidden_html: str) -> None:
    path = _write(tmp_path, "page.html", f"<body><p>Visible before.</p>{hidden_html}<p>Visible after.</p></body>")
    assert load_text(path).text == "Visible before.\n\nVisible after."


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ('<p style="color:white">Banner text</p>', "Banner text"),  # no known background: keep
        ('<div style="background:#fff"><p style="color:#000">Dark on white</p></div>', "Dark on white"),
        (
            '<div style="font-size:0"><span style="font-size:14px">Reset size</span></div>',
            "Reset size",
        ),
        ('<p style="opacity:0.5">Half opaque</p>', "Half opaque"),
        ('<p style="color:#fff; background: url(white.png) #003366">Light on dark</p>', "Light on dark"),
        (  # an article's own header and footer are content, not site chrome
            "<article><header><h1>Prolotherapy</h1></header><p>Body</p><footer>Reviewed: October 2020</footer></article>",
            "Prolotherapy\n\nBody\n\nReviewed: October 2020",
        ),
    ],
)
def test_html_visible_styling_is_kept(tmp_path: Path, html: str, expected: str) -> None:
    assert load_text(_write(tmp_path, "page.html", html)).text == expected


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        (
            (
                "<h2>Policy</h2>Intro<ul><li>Parent<ul><li>child one</li><li>child two</li></ul></li>"
                "<li>Next</li></ul><p>After</p>"
            ),
            "Policy\n\nIntro\n\n  • Parent\n    • child one\n    • child two\n  • Next\n\nAfter",
        ),
        ("<ol><li><p>First</p></li><li><p>Second</p></li><li> </li></ol>", "  • First\n  • Second"),
        ("<p>Line one<br>Line two<br><br>Line four</p>", "Line one\nLine two\n\nLine four"),
        ("<p>a<br><br><br><br><br><br>b</p>", "a\n\n\nb"),  # at most two blank lines
        ("<p>  Prolo<b>therapy</b>\n\n   is\t<i>investigational</i> .</p>", "Prolotherapy is investigational ."),
        ("<div>Block one</div><div>Block two</div><h3>Head</h3><p>Para</p>", "Block one\nBlock two\n\nHead\n\nPara"),
        (
            (
                "<table><tr><th>Code</th><th>Description</th></tr>"
                "<tr><td><p>M0076</p></td><td>Prolo<br>therapy</td><td></td></tr></table>"
            ),
            "Code  Description\nM0076  Prolo therapy",
        ),
        (  # a layout table is rendered as blocks, not squeezed onto one line
            "<table><tr><td><h1>Title</h1><p>Body</p></td><td><p>Side</p></td></tr></table>",
            "Title\n\nBody\n\nSide",
        ),
        ("<pre>  M0076\n    Prolotherapy   \n</pre><p>Next</p>", "  M0076\n    Prolotherapy\n\nNext"),
        ("Bare   text\n with no markup", "Bare text with no markup"),
    ],
)
def test_html_structure_becomes_plain_text(tmp_path: Path, html: str, expected: str) -> None:
    assert load_text(_write(tmp_path, "page.html", html)).text == expected


def test_html_title_hint_falls_back_to_h1(tmp_path: Path) -> None:
    path = _write(tmp_path, "page.htm", "<html><head><title> </title></head><body><h1>Prolo\ntherapy</h1></body>")
    assert load_text(path) == LoadedText("Prolo therapy", "html", "Prolo therapy")


def test_html_declared_charset_is_honoured(tmp_path: Path) -> None:
    path = _write(tmp_path, "page.html", b'<meta charset="iso-8859-1"><p>Caf\xe9 r\xe9sum\xe9</p>')
    assert load_text(path).text == "Café résumé"


# ---------------------------------------------------------------- PDF


def test_pdf_text_from_both_pages() -> None:
    loaded = load_text(FIXTURES / "policy.pdf")
    assert (loaded.format, loaded.title_hint) == ("pdf", "Prolotherapy")
    page_one, page_two = loaded.text.split("\n\n")
    assert "Prolotherapy is considered investigational for all applications,\n" in page_one
    assert page_one.endswith("including but not limited to knee osteoarthritis and back pain.")
    assert page_two.startswith("Procedure Codes\nM0076 Prolotherapy\n")
    assert "Prior approval is not required for this service." in page_two
    assert "\r" not in loaded.text
    assert all(line == line.rstrip() for line in loaded.text.split("\n"))


def test_pdf_with_only_an_owner_password_opens(tmp_path: Path) -> None:
    writer = PdfWriter(clone_from=FIXTURES / "policy.pdf")
    writer.encrypt(user_password="", owner_password="owner", algorithm="RC4-128")
    path = _write(tmp_path, "owner-locked.pdf", _pdf_bytes(writer))
    assert load_text(path) == load_text(FIXTURES / "policy.pdf")


def test_pdf_needing_a_password_is_refused(tmp_path: Path) -> None:
    writer = PdfWriter(clone_from=FIXTURES / "policy.pdf")
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    _assert_refused(_write(tmp_path, "locked.pdf", _pdf_bytes(writer)), "encrypted PDF (needs a password)")


def test_pdf_without_text_is_refused(tmp_path: Path) -> None:
    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    _assert_refused(_write(tmp_path, "scan.pdf", _pdf_bytes(writer)), "no extractable text — scanned image PDF?")


@pytest.mark.parametrize("content", [None, b"this is not a PDF at all"], ids=["truncated", "not-a-pdf"])
def test_unparseable_pdf_is_refused(tmp_path: Path, content: bytes | None) -> None:
    path = FIXTURES / "broken.pdf" if content is None else _write(tmp_path, "fake.pdf", content)
    with pytest.raises(DocumentError) as caught:
        load_text(path)
    assert caught.value.source == str(path)
    assert caught.value.reason.startswith("could not parse PDF (")


@pytest.fixture
def hostile(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    # On sys.path (which the spawned child inherits) so the child can import the stand-in parser by name.
    monkeypatch.syspath_prepend(str(FIXTURES))
    return importlib.import_module("hostile_pdf_parsers")


def test_pdf_parse_that_spins_is_killed_at_the_time_limit(hostile: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loaders, "parse_pdf", hostile.spin)
    started = time.monotonic()
    _assert_refused(FIXTURES / "policy.pdf", "PDF parsing exceeded 1 s limit", pdf_timeout_s=1)
    assert time.monotonic() - started < 5


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS is enforced on Linux")
def test_pdf_parse_that_balloons_hits_the_memory_cap(hostile: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loaders, "parse_pdf", hostile.balloon)
    _assert_refused(FIXTURES / "policy.pdf", "PDF parsing exceeded the 1024 MiB memory limit")


def test_pdf_parser_crash_is_reported(hostile: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loaders, "parse_pdf", hostile.die)
    _assert_refused(FIXTURES / "policy.pdf", "PDF parser died unexpectedly (exit code 3)")


# ---------------------------------------------------------------- refused files


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.txt", b"", "empty document"),
        ("empty.pdf", b"", "empty document"),
        ("blank.md", b" \r\n\t\n", "empty document"),
        ("bom-only.txt", b"\xef\xbb\xbf\n", "empty document"),
        ("nul.txt", b"Policy\x00\x01\x02", "looks binary (NUL bytes), not text"),
        ("nul.md", b"\xff\xfe#\x00 \x00P\x00", "looks binary (NUL bytes), not text"),
        ("nul.html", b"<p>Policy</p>\x00", "looks binary (NUL bytes), not text"),
        ("latin1.txt", b"Caf\xe9 policy", "not valid UTF-8 (byte 0xe9 at offset 3)"),
        ("bom-bad.md", b"\xef\xbb\xbfok \xc3\x28", "not valid UTF-8 (byte 0xc3 at offset 6)"),
        ("scripts-only.html", b"<script>alert(1)</script><style>p{}</style>", "no visible text in HTML"),
        ("hidden-only.htm", b'<div style="display:none">covered</div>', "no visible text in HTML"),
        (
            "policy.docx",
            b"PK\x03\x04",
            "unsupported file type '.docx'; expected one of .txt, .md, .html, .htm, .pdf",
        ),
        ("README", b"text", "unsupported file type '(no extension)'; expected one of .txt, .md, .html, .htm, .pdf"),
    ],
)
def test_bad_file_is_refused_with_its_reason(tmp_path: Path, name: str, content: bytes, reason: str) -> None:
    _assert_refused(_write(tmp_path, name, content), reason)


def test_too_large_file_is_refused_naming_its_size(tmp_path: Path) -> None:
    _assert_refused(_write(tmp_path, "big.txt", "x" * 2048), "too large: 2,048 bytes (limit 1,024)", max_bytes=1024)


def test_missing_file_is_refused(tmp_path: Path) -> None:
    _assert_refused(tmp_path / "absent.txt", "file not found")


def test_directory_is_refused(tmp_path: Path) -> None:
    (tmp_path / "folder.md").mkdir()
    _assert_refused(tmp_path / "folder.md", "is a directory, not a file")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_named_pipe_is_refused_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.txt")
    _assert_refused(tmp_path / "pipe.txt", "not a regular file")
