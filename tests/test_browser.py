"""A real browser (Debian's chromium driven by Playwright) on the app served on loopback: what a person
sees. Screenshots are kept in artifacts/screenshots/."""

from __future__ import annotations

import re

import pytest
from browser import launch, screenshot, wait_for_gradio
from makedocs import EXAMPLESHIRE

pytestmark = pytest.mark.slow

NEW = EXAMPLESHIRE
HOSTILE = ("Mischief Borough Council: Winter Plan\n<script>alert('x')</script> The plan books gritting lorries for "
           "the marmalade depot <img src=x onerror=alert(1)> every frosty night.\n")


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = launch(p)
        yield b
        b.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    page.dialogs = []  # any alert() would be a script we let run
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    context.on("page", lambda p: p.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss())))
    wait_for_gradio(page, server.url + "/", ready="#question textarea")
    yield page
    assert page.dialogs == []
    context.close()


def ask(page, question: str, expect_text: str):
    from playwright.sync_api import expect

    page.locator("#question textarea").fill(question)
    page.get_by_role("button", name="Ask", exact=True).click()
    expect(page.locator("#chat")).to_contain_text(expect_text, timeout=30_000)


def open_citation(page, doc: str = ""):
    """Click the chat's first citation (of report `doc`, if given) and return the viewer it opens."""
    link = page.locator(f"#chat a[href*='/report?doc={doc}']").first
    with page.context.expect_page() as popup:
        link.click()
    viewer = popup.value
    viewer.wait_for_load_state("load")
    return viewer


def test_ask_a_dev_question_and_see_the_quoted_answer(page):
    ask(page, "Which organisation is support for unpaid carers commissioned from in Derbyshire?",
        "Derbyshire Carers Association")
    chat = page.locator("#chat")
    assert "Sources" in chat.inner_text()
    assert chat.locator("a[href*='/report?doc=004_2dd4222f7e7a0857.txt']").count() >= 1
    screenshot(page, "chat-answer")
    from playwright.sync_api import expect

    ask(page, "What did Camden score?", "Score: 4")
    page.get_by_role("button", name="Export evidence (Markdown + CSV)", exact=True).click()
    expect(page.locator("#evidence")).to_contain_text(".csv", timeout=20_000)
    with page.expect_download() as got:
        page.locator("#evidence a[href*='.md']").first.click()
    md = open(got.value.path(), encoding="utf-8").read()
    assert "## 2. Question" in md and f"<{page.url.rstrip('/')}/report?doc=" in md  # all of it, absolute links
    href = page.locator("#evidence a[href*='.md']").first.get_attribute("href")
    page.get_by_role("button", name="New conversation", exact=True).click()
    expect(page.locator("#evidence")).to_be_hidden()
    assert page.request.get(page.url.rstrip("/") + href).status == 404  # the files went with the conversation
    expect(page.locator("#chat")).not_to_contain_text("Derbyshire Carers Association")


def test_click_a_citation_and_see_the_highlighted_passage(page):
    from playwright.sync_api import expect

    ask(page, "do children's and adults' workers do joint visits for transitions?", "Joint visits")
    viewer = open_citation(page)
    mark = viewer.locator("mark#passage")
    expect(mark).to_contain_text("Joint visits had been undertaken")
    expect(mark).to_be_in_viewport()
    assert viewer.locator("span.ln").count() > 20
    permalink = viewer.locator("#permalink").get_attribute("href")
    screenshot(viewer, "citation-viewer")
    # the permalink reopens the same highlighted passage
    again = page.context.new_page()
    again.goto(page.url.rstrip("/") + permalink, wait_until="load")
    expect(again.locator("mark#passage")).to_have_text(mark.inner_text())


def test_a_long_reply_is_shown_from_its_start(browser, server):
    from playwright.sync_api import expect

    phone = browser.new_context(viewport={"width": 390, "height": 800}).new_page()
    wait_for_gradio(phone, server.url + "/", ready="#question textarea")
    for question in ("Compare how the two authorities handle hospital discharge",
                     "What are we doing about PPE for unpaid carers this winter?"):
        phone.locator("#question textarea").fill(question)
        phone.get_by_role("button", name="Ask", exact=True).click()
        expect(phone.locator("#chat .message-row.bot-row")).to_have_count(
            1 if question.startswith("Compare") else 2, timeout=30_000)
        phone.wait_for_timeout(400)
        top, bottom = phone.evaluate("""() => { const r = [...document.querySelectorAll(
            '#chat .message-row.bot-row')].pop().getBoundingClientRect(); return [r.top, r.bottom]; }""")
        assert 0 <= top < 400 and bottom > 800  # a reply longer than the screen: its first line is in view
    screenshot(phone, "chat-phone-long-reply")
    phone.context.close()


def test_the_score_chart_lines_up_with_its_scale_at_any_width(browser, server):
    from playwright.sync_api import expect

    for width in (1280, 390):
        page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
        wait_for_gradio(page, server.url + "/", ready="#question textarea")
        page.get_by_role("tab", name="Scores").click()
        expect(page.locator(".score-chart .bar")).to_have_count(2, timeout=20_000)
        boxes = page.evaluate("""() => {
            const box = e => { const r = e.getBoundingClientRect(); return [r.left, r.right, r.top, r.bottom]; };
            return {bars: [...document.querySelectorAll('.score-chart .bar')].map(b => [b.textContent.trim(), box(b)]),
                    ticks: [...document.querySelectorAll('.bar-scale .tick')].map(box),
                    labels: [...document.querySelectorAll('.bar-label')].map(box),
                    tracks: [...document.querySelectorAll('.track')].map(box)}; }""")
        ticks = boxes["ticks"]
        anchor = [ticks[0][0]] + [(t[0] + t[1]) / 2 for t in ticks[1:4]] + [ticks[4][1]]  # where 0..4 sit
        for score, (_, right, _, _) in boxes["bars"]:
            assert abs(right - anchor[int(score)]) <= 2, (width, score, right, anchor)
        for a, b in zip(ticks, ticks[1:], strict=False):
            assert a[1] <= b[0], (width, ticks)  # no tick label over the next
        for (_, r1, _, b1), (l2, _, t2, _) in zip(boxes["labels"], boxes["tracks"], strict=True):
            assert r1 <= l2 + 1 or b1 <= t2 + 1, width  # a bar's label never overlaps its bar
        screenshot(page, f"scores-{width}")
        page.context.close()


def test_a_quoted_table_row_reads_as_a_row(page):
    from playwright.sync_api import expect

    ask(page, "where do staff find info on free flu jabs?", "flu")
    viewer = open_citation(page, "004_2dd4222f7e7a0857.txt")
    mark = viewer.locator("table.rows td mark#passage")
    expect(mark).to_be_in_viewport()
    row = viewer.locator("table.rows tr", has=viewer.locator("mark#passage"))
    header = row.locator("xpath=preceding-sibling::tr[1]")
    expect(header).to_have_class("head-again")
    assert row.locator("td").count() >= 3  # the line numbers, then the row's cells in their columns
    screenshot(viewer, "viewer-table-row", full_page=False)


def test_a_pdf_passage_is_shown_on_its_page_as_printed(page, server, tmp_path):
    from makedocs import plan_pdf
    from playwright.sync_api import expect

    _admin_upload(page, server, tmp_path, "wessexshire-plan.pdf", plan_pdf())
    ask(page, "Where do Wessexshire's unpaid carers collect free PPE?", "Marlow Road")
    viewer = open_citation(page, "wessexshire-plan.pdf")
    viewer.locator("#printed").click()
    viewer.wait_for_load_state("load")
    expect(viewer.locator("header")).to_contain_text("as printed")
    image = viewer.locator("img#page")
    expect(image).to_be_visible()
    viewer.wait_for_function("() => document.querySelector('img#page').naturalWidth > 0")
    assert viewer.locator("#note").count() == 0  # marked on the page
    screenshot(viewer, "viewer-pdf-page", full_page=False)


def test_scores_view_links_each_score_to_its_line(page):
    from playwright.sync_api import expect

    page.get_by_role("tab", name="Scores").click()
    table = page.locator("table.scores")
    expect(table).to_contain_text("London Borough of Camden", timeout=20_000)
    expect(table).to_contain_text("Evidence shows an exceptional standard")
    assert table.locator("a[href*='/report?doc=']").count() == 2
    expect(page.locator(".score-chart .bar")).to_have_count(2)
    screenshot(page, "scores")


def _admin_upload(page, server, tmp_path, name: str, content: str | bytes):
    from playwright.sync_api import expect

    page.get_by_role("tab", name="Admin").click()
    page.locator("#admin-password input, #admin-password textarea").first.fill(server.PASSWORD)
    f = tmp_path / name
    f.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    page.locator("#upload input[type=file]").set_input_files(str(f))
    page.get_by_role("button", name="Check files", exact=True).click()
    expect(page.locator("#preview")).to_contain_text(f"✓ {name}", timeout=30_000)
    page.get_by_role("button", name="Add and re-index", exact=True).click()
    expect(page.locator("#admin-result")).to_contain_text("Added", timeout=120_000)
    page.get_by_role("tab", name="Chat").click()


def test_admin_uploads_a_report_and_chat_cites_it(page, server, tmp_path):
    from playwright.sync_api import expect

    page.get_by_role("tab", name="Admin").click()
    page.get_by_role("button", name="Show status", exact=True).click()
    expect(page.locator("#admin-status")).to_contain_text("Enter the admin password")
    _admin_upload(page, server, tmp_path, "exampleshire.txt", NEW)
    screenshot(page, "admin-after-upload")
    ask(page, "Where do Exampleshire safeguarding referrals wait for triage?", "kestrel hub")
    assert page.locator("#chat a[href*='/report?doc=exampleshire.txt']").count() >= 1


def test_a_hostile_report_renders_as_text(page, server, tmp_path):
    from playwright.sync_api import expect

    _admin_upload(page, server, tmp_path, "mischief.txt", HOSTILE)
    ask(page, "When are gritting lorries booked for the marmalade depot?", "marmalade depot")
    chat = page.locator("#chat")
    assert "<img src=x onerror=alert(1)>" in chat.inner_text()
    assert chat.locator("img").count() == 0 and chat.locator("script").count() == 0
    viewer = open_citation(page, "mischief.txt")
    expect(viewer.locator("pre")).to_contain_text("<script>alert('x')</script>")
    assert viewer.locator("pre img").count() == 0 and viewer.locator("pre script").count() == 0
    screenshot(viewer, "hostile-report-viewer")
    assert re.search(r"<script>", chat.inner_text())


def _choose(page, dropdown: str, option: str):
    """Pick an option of a Gradio dropdown (by its elem_id) by part of its label."""
    page.locator(f"#{dropdown} input").click()
    page.get_by_role("option", name=re.compile(re.escape(option))).first.click()


def test_removing_a_report_asks_first_and_it_can_be_restored(page, server):
    from playwright.sync_api import expect

    ask(page, "What did Camden score?", "Score: 4")
    cited = page.locator("#chat a[href*='/report?doc=001_d6b23fda1bcedbce.txt']").first.get_attribute("href")
    page.get_by_role("tab", name="Admin").click()
    page.locator("#admin-password input, #admin-password textarea").first.fill(server.PASSWORD)
    page.get_by_role("button", name="Check files", exact=True).click()  # nothing chosen: says what it takes
    expect(page.locator("#preview")).to_contain_text("PDF, Word (.docx), HTML, Markdown or text")
    # nothing is chosen for removal until the admin chooses: pressing the button removes nothing
    expect(page.locator("#remove-doc input")).to_have_value("")
    page.get_by_role("button", name="Remove report…", exact=True).click()
    expect(page.locator("#admin-result")).to_contain_text("Choose a report to remove first")
    _choose(page, "remove-doc", "London Borough of Camden")
    page.get_by_role("button", name="Remove report…", exact=True).click()
    confirm = page.locator("#confirm-text")
    expect(confirm).to_contain_text("London Borough of Camden: local authority assessment", timeout=20_000)
    expect(confirm).to_contain_text("no longer be quoted")
    screenshot(page, "admin-confirm-removal")
    page.get_by_role("button", name="Cancel", exact=True).click()
    expect(page.locator("#confirm-remove")).to_be_hidden()
    page.get_by_role("button", name="Remove report…", exact=True).click()
    page.get_by_role("button", name="Yes, remove it", exact=True).click()
    expect(page.locator("#admin-result")).to_contain_text("Removed 001_d6b23fda1bcedbce.txt", timeout=60_000)
    # the citation made before still opens its passage, saying the report was removed since
    viewer = page.context.new_page()
    viewer.goto(server.url + cited, wait_until="load")
    expect(viewer.locator("mark#passage")).to_be_in_viewport()
    assert "Score: 4" in viewer.locator("mark").all_inner_texts()  # marked line by line
    expect(viewer.locator("#note")).to_contain_text("removed from the index since this link was made")
    screenshot(viewer, "viewer-removed-report")
    # an altered link says it does not match, highlights nothing and offers no permalink
    viewer.goto(server.url + cited.replace("&h=", "&h=f"), wait_until="load")
    expect(viewer.locator("#note")).to_contain_text("This link does not match the report")
    assert viewer.locator("#permalink").count() == 0 and viewer.locator("mark#passage").inner_text() == ""
    viewer.goto(server.url + "/report?doc=001_d6b23fda1bcedbce.txt&start=-5&end=abc", wait_until="load")
    expect(viewer.locator("body")).to_contain_text("must be character offsets")
    viewer.close()
    # the removed report is offered for restoring, and restoring it puts it back in the chat's lists
    _choose(page, "restore-name", "London Borough of Camden")
    screenshot(page, "admin-restore")
    page.get_by_role("button", name="Restore report", exact=True).click()
    expect(page.locator("#admin-result")).to_contain_text("Restored 001_d6b23fda1bcedbce.txt", timeout=60_000)
    page.get_by_role("tab", name="Chat").click()
    ask(page, "What did Camden score?", "Score: 4")


def test_another_open_page_sees_a_new_report_in_its_lists(page, server, tmp_path):
    from playwright.sync_api import expect

    other = page.context.browser.new_context(viewport={"width": 1280, "height": 1000}).new_page()
    wait_for_gradio(other, server.url + "/", ready="#question textarea")
    _admin_upload(page, server, tmp_path, "quillham.md", "# Quillham County Council: Adult Social Care Winter "
                  "Plan 2025-26\n\nQuillham books extra reablement staff for the winter months.\n")
    # the page opened before the upload offers it within seconds, without a reload, under its authority's name
    other.locator("#authority input").click()
    expect(other.get_by_role("option", name="Quillham County Council", exact=True)).to_be_visible(timeout=15_000)
    assert other.get_by_role("option", name=re.compile("^#")).count() == 0
    other.keyboard.press("Escape")
    _choose(other, "report", "quillham.md")
    other.locator("#question textarea").fill("What is Quillham doing about reablement staff?")
    other.get_by_role("button", name="Ask", exact=True).click()
    expect(other.locator("#chat")).to_contain_text("extra reablement staff", timeout=30_000)
    other.context.close()
