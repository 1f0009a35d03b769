#!/usr/bin/env python3
"""The agents' web workspace in a real browser (part of `make test`): Debian's Chromium, headless, driven
by Selenium, against a `tdmock serve` with a callback receiver and the Python question-response Lambda.

What a person would do and see: a conversation started over HTTP appears without a reload; the contact
and the customer's message, written as HTML, are shown as written and run nothing; assign, reply (the
callback reaches the integration), a failed callback redelivered, close; a question answered from the
page while the caller waits; the call's turns; a fault added and cleared; the request journal; the page
reconnecting by itself after the server restarts; a form posted from another site changing nothing; the
sign-in a tdmock with an agent token asks for. Screenshots go to docs/screenshots/.

    python3 checks/workspace/workspace_test.py --tdmock .build/debug/tdmock
"""
import argparse
import http.client
import json
import http.server
import os
import subprocess
import sys
import tempfile
import threading
import time
import traceback

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "reliability"))
from common import Receiver, Server, call, free_port, new_key, token  # noqa: E402

from axe_selenium_python import Axe  # noqa: E402
from selenium import webdriver  # noqa: E402
from selenium.common.exceptions import NoAlertPresentException, StaleElementReferenceException, TimeoutException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
SCREENSHOTS = os.path.join(ROOT, "docs", "screenshots")
XSS_NAME = "<img src=x onerror=alert(1)>"
XSS_SUBJECT = '<script>alert("subject")</script>'
XSS_MESSAGE = "<script>alert(2)</script> and <b>not bold</b>"
AGENT_TOKEN = "workspace-test-agent-token"


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,900",
                     "--lang=en-US"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path="/usr/bin/chromedriver"))


class Workspace:
    """The browser on one tdmock's workspace, with the waits a person's eyes do."""

    def __init__(self, driver, url):
        self.driver = driver
        self.url = url

    def open(self, fragment="#/"):
        self.driver.get(self.url + "/" + fragment)

    def wait(self, what, condition, timeout=10):
        try:
            return WebDriverWait(self.driver, timeout, poll_frequency=0.02).until(lambda _: condition())
        except TimeoutException:
            raise AssertionError(f"{what}: not seen within {timeout} s; the page shows:\n{self.text()[:2000]}") from None

    def find(self, css):
        found = self.driver.find_elements(By.CSS_SELECTOR, css)
        return found[0] if found else None

    def wait_for(self, css, what=None, timeout=10):
        return self.wait(what or css, lambda: self.find(css), timeout)

    def click(self, css, what=None):
        """Clicks the element `css` finds, found again if the page redrew it meanwhile."""
        def attempt():
            element = self.find(css)
            if element is None:
                return False
            try:
                element.click()
                return True
            except StaleElementReferenceException:
                return False
        self.wait(what or f"{css} to click", attempt)

    def text(self, css="body"):
        """What the element shows (read in one step: the page may redraw it at any time)."""
        return self.driver.execute_script("const e = document.querySelector(arguments[0]); return e ? e.innerText : ''", css)

    def wait_text(self, css, expected, timeout=10):
        return self.wait(f"{css} showing {expected!r}", lambda: expected in self.text(css), timeout)

    def live(self):
        self.wait_text("#live", "Live")

    def no_alert(self):
        try:
            alert = self.driver.switch_to.alert
            text = alert.text
            alert.dismiss()
            raise AssertionError(f"an alert fired: {text!r}")
        except NoAlertPresentException:
            pass

    def mark(self):
        """Marks the loaded page: `unreloaded` is true until the page is loaded again."""
        self.driver.execute_script("window.__tdmockMark = true")

    def unreloaded(self):
        return self.driver.execute_script("return window.__tdmockMark === true")

    def accessible(self, what):
        """axe-core on the page as it is: no violation of any rule it runs by default."""
        axe = Axe(self.driver)
        axe.inject()
        violations = axe.run()["violations"]
        assert not violations, f"{what}: " + axe.report(violations)

    def answer_name(self, name):
        """The first visit asks who is answering, with the focus in the name box."""
        self.wait_for("dialog#who[open]", "the page asking the agent's name")
        self.wait("the name box focused", lambda: self.active() == "who-name")
        self.find("#who-name").send_keys(name, Keys.ENTER)
        self.wait("the dialog gone", lambda: not self.find("dialog#who"))
        assert self.driver.execute_script("return document.getElementById('agent-name').value") == name

    def active(self):
        """The focused element's id, else a short description of it."""
        return self.driver.execute_script(
            "const e = document.activeElement; return e.id || (e.tagName + ' ' + (e.getAttribute('href') || e.getAttribute('aria-label') || e.textContent.trim().slice(0, 40)))")

    def tab_to(self, css, what, limit=60, back=False):
        """Presses Tab (Shift+Tab with `back`) until the focus is on `css`, as a keyboard user does."""
        for _ in range(limit):
            if self.driver.execute_script("return document.activeElement.matches(arguments[0])", css):
                # A focus ring shows where the focus is.
                outline = self.driver.execute_script("return getComputedStyle(document.activeElement).outlineStyle")
                assert outline not in ("none", ""), f"{what}: focused without a visible ring ({outline})"
                return self.driver.switch_to.active_element
            keys = (Keys.SHIFT, Keys.TAB) if back else (Keys.TAB,)
            self.driver.switch_to.active_element.send_keys(*keys)
        raise AssertionError(f"{what}: {css} not reached with Tab in {limit} presses (the focus is on {self.active()})")

    def screenshot(self, name, width=1280):
        """The whole page (the window stretched to it for the shot), as docs/screenshots/<name>."""
        os.makedirs(SCREENSHOTS, exist_ok=True)
        height = self.driver.execute_script("return document.documentElement.scrollHeight")
        self.driver.set_window_size(width, max(900, min(height + 140, 2400)))
        try:
            self.driver.save_screenshot(os.path.join(SCREENSHOTS, name))
        finally:
            self.driver.set_window_size(width, 900)


class Lambda:
    """checks/lambda/fallback_lambda.py: the Lambda that asks the question API."""

    def __init__(self, question_api):
        self.port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, os.path.join(ROOT, "checks", "lambda", "fallback_lambda.py"), "--port", str(self.port),
             "--question-api", question_api], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                call("GET", f"{self.url}/", timeout=1)
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the Python Lambda did not start")

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/2015-03-31/functions/fallback/invocations"

    def stop(self):
        self.process.kill()
        self.process.wait()


class OtherSite:
    """Another origin's page, which posts a form to tdmock as a cross-site request forgery would."""

    def __init__(self, target):
        site = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                page = f"""<!doctype html><title>other site</title>
<form id=f method=post enctype=text/plain action="{site.target}">
<input name='{{"agent":"mallory","x":"' value='"}}'></form>
<script>document.getElementById("f").submit()</script>""".encode()
                self.send_response(200)
                self.send_header("content-type", "text/html")
                self.send_header("content-length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)

            def log_message(self, *args):
                pass

        self.target = target
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_port}/"

    def stop(self):
        self.server.shutdown()


def start_conversation(server, bearer, name, subject, email="ana@example.com"):
    status, answer = call("POST", server.url + "/digital-connect/conversations", {
        "touchpoint_id": "tp-tdmock", "subject": subject, "contact_person": {"email": email, "name": name},
        "context_parameters": {"sentiment": "NEGATIVE", "order": "A-1042"}},
        {"authorization": "Bearer " + bearer, "x-idempotency-key": new_key()})
    assert status == 201, (status, answer)
    return answer["id"]


def customer_says(server, bearer, conversation, content):
    status, answer = call("POST", f"{server.url}/digital-connect/conversations/{conversation}/messages", {"content": content},
                          {"authorization": "Bearer " + bearer, "x-idempotency-key": new_key()})
    assert status == 201, (status, answer)


def upload_attachment(server, bearer, name, media_type, data):
    """A file through the Attachments API, as an integration forwards a customer's file: its id."""
    headers = {"authorization": "Bearer " + bearer}
    status, link = call("POST", f"{server.url}/attachments/2023-03/upload-link", {"allowed_mime_types": [media_type]}, headers)
    assert status == 200, (status, link)
    host_port = link["url"][len("http://"):].split("/")[0]
    host, port = host_port.split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request("PUT", "/" + link["url"][len("http://"):].split("/", 1)[1], body=data, headers={"content-type": media_type})
        response = connection.getresponse()
        response.read()
        assert response.status == 200, response.status
    finally:
        connection.close()
    status, attachment = call("POST", f"{server.url}/attachments/2023-03", {"name": name, "request_id": link["request_id"]}, headers)
    assert status == 200, (status, attachment)
    return attachment["id"]


def conversation(server, conversation_id):
    status, answer = call("GET", f"{server.url}/tdmock/v1/conversations/{conversation_id}")
    assert status == 200, (status, answer)
    return answer


def run(binary, directory, driver):
    receiver = Receiver()
    receiver.start("up")
    port = free_port()
    question_api = f"http://127.0.0.1:{port}"
    function = Lambda(question_api)
    db = os.path.join(directory, "inbox.sqlite")
    server = Server(binary, db, port, receiver.url, log_path=os.path.join(directory, "serve.log"),
                    extra_args=["--lambda-url", function.url])
    server.start()
    page = Workspace(driver, server.url)
    try:
        steps(server, receiver, page, question_api)
    finally:
        server.stop()
        function.stop()
        receiver.stop()
    signed_in(binary, directory, driver)


def steps(server, receiver, page, question_api):
    bearer = token(server.url)
    # Served with a policy that allows the page's own script and style only.
    status, headers = page_headers(server.url)
    assert status == 200 and "script-src 'self'" in headers.get("content-security-policy", ""), (status, headers)

    print("the inbox, empty, then a conversation started over HTTP appears without a reload")
    page.open()
    page.answer_name("Dana")
    page.wait_text("#conversations", "No conversations yet")
    page.live()
    page.accessible("the empty inbox")
    for fragment, view in (("#/calls", "calls"), ("#/faults", "faults"), ("#/requests", "requests"), ("#/functions", "functions"),
                           ("#/tests", "tests"), ("#/callbacks", "callbacks")):
        page.open(fragment)
        page.wait(f"the empty {view} view", lambda: page.driver.execute_script("return document.body.dataset.ready") == view)
        page.accessible(f"the empty {view} view")
        assert page.driver.find_elements(By.CSS_SELECTOR, "#view h1"), f"the {view} view has a heading of level one"
    page.open()
    page.wait_text("#conversations", "No conversations yet")
    page.live()
    page.mark()
    first = start_conversation(server, bearer, XSS_NAME, XSS_SUBJECT)
    page.wait_for(f'tr[data-id="{first}"]', "the new conversation's row")
    row = page.text(f'tr[data-id="{first}"]')
    assert XSS_NAME in row and XSS_SUBJECT in row, row
    assert not page.driver.find_elements(By.CSS_SELECTOR, "#view img"), "the contact's name became an <img>"
    page.no_alert()
    for n, (name, subject) in enumerate([("Ana Souza", "Refund for order A-1042"), ("Bo Li", "Change my delivery address"),
                                         ("Chidi Okafor", "Card declined twice")]):
        start_conversation(server, bearer, name, subject, email=f"customer{n}@example.com")
    page.wait_text("#conversations .count", "of 4")
    # The customer writes in the oldest one: its row moves up to the top, in place.
    customer_says(server, bearer, first, "Are you there?")
    page.wait("the oldest conversation's row first, with its message", lambda: page.driver.execute_script(
        "const row = document.querySelector('table.inbox tbody tr'); return row.dataset.id === arguments[0] && row.innerText.includes('\t1\t')",
        first))
    assert page.unreloaded(), "the page was loaded again"

    print("search by contact, then the conversation view")
    search = page.find('input[type="search"]')
    search.send_keys("onerror")
    page.wait("the search to leave one row", lambda: len(page.driver.find_elements(By.CSS_SELECTOR, "table.inbox tbody tr")) == 1)
    page.driver.execute_script("arguments[0].value = ''; arguments[0].dispatchEvent(new Event('input'))", search)
    page.wait("all four rows again", lambda: len(page.driver.find_elements(By.CSS_SELECTOR, "table.inbox tbody tr")) == 4)
    print("what is new: the conversation with an unseen message is marked, and the tab's title counts it")
    page.wait_text(f'tr[data-id="{first}"]', "new messages")
    assert page.driver.title.startswith("(") and "tdmock workspace" in page.driver.title, page.driver.title
    shown = page.text(f'tr[data-id="{first}"] .c-time')
    assert str(time.localtime().tm_year) in shown, f"dates carry the year: {shown!r}"
    page.accessible("the inbox with conversations")
    page.screenshot("inbox.png")

    print("by keyboard: Tab reaches a row by its contact's name, Enter opens it, the reply box has the focus")
    page.find('input[type="search"]').click()
    link = page.tab_to(f'tr[data-id="{first}"] a', "the first conversation's link")
    assert link.text == XSS_NAME, link.text
    link.send_keys(Keys.ENTER)
    page.wait_for("#contact-name")
    assert page.text("#contact-name") == XSS_NAME, page.text("#contact-name")
    assert "A-1042" in page.text("#context")
    page.wait("the reply box focused", lambda: page.active() == "reply")
    assert page.driver.execute_script("return document.querySelector('#transcript-log').getAttribute('aria-live')") == "polite"
    assert page.text('label[for="reply"]') == f"Your reply to {XSS_NAME}", page.text('label[for="reply"]')
    page.accessible("a conversation")

    print("the customer's message, written as HTML, is shown as written")
    customer_says(server, bearer, first, XSS_MESSAGE)
    page.wait_text("#transcript", XSS_MESSAGE)
    assert not page.driver.find_elements(By.CSS_SELECTOR, "#transcript b, #transcript script, #view img")
    page.no_alert()

    print("a file the customer sent opens as a download, never rendered in the page")
    html = b"<script>alert(4)</script><b>bold</b>"
    file_id = upload_attachment(server, bearer, "statement.html", "text/html", html)
    status, _ = call("POST", f"{server.url}/digital-connect/conversations/{first}/messages",
                     {"content": "my statement", "attachments": [{"id": file_id, "name": "statement.html", "type": "text/html", "size": len(html)}]},
                     {"authorization": "Bearer " + bearer, "x-idempotency-key": new_key()})
    assert status == 201, status
    href = f"/tdmock/v1/attachments/{file_id}/content"
    link = page.wait_for(f'#transcript a[href="{href}"]', "the attachment's link")
    assert link.text == "statement.html", link.text
    assert "text/html" in page.text("#transcript") and f"{len(html)} bytes" in page.text("#transcript")
    status, headers, body = fetch(server.url + href)
    assert status == 200 and body == html, (status, body)
    assert headers["content-disposition"].startswith("attachment;"), headers
    assert headers["x-content-type-options"] == "nosniff", headers
    before = page.driver.current_url
    link.click()
    time.sleep(0.5)
    assert page.driver.current_url == before, page.driver.current_url
    assert not page.driver.find_elements(By.CSS_SELECTOR, "#transcript b, #transcript script")
    page.no_alert()

    print("assign, then a reply (Enter sends, Shift+Enter a new line) reaches the integration's callback API")
    page.click("#assign")
    page.wait("the Assign button done with", lambda: page.driver.execute_script("return document.querySelector('#assign').disabled"))
    page.wait("Assign to be done", lambda: conversation(server, first)["agent"] == "Dana")

    print("the reply's limit is said and kept: 1,600 characters")
    page.driver.execute_script("const box = document.querySelector('#reply'); box.value = 'x'.repeat(1601); box.dispatchEvent(new Event('input'))")
    page.wait_text("#reply-count", "1,601 / 1,600 characters")
    assert page.driver.execute_script("return document.querySelector('#send').disabled"), "Send refuses a reply over the limit"
    page.driver.execute_script("const box = document.querySelector('#reply'); box.value = ''; box.dispatchEvent(new Event('input'))")
    status, refused = call("POST", f"{server.url}/tdmock/v1/conversations/{first}/messages", {"agent": "Dana", "content": "y" * 1601})
    assert status == 400 and "at most 1600 characters" in refused["message"], (status, refused)
    reply = page.find("#reply")
    reply.send_keys("Hello Ana,")
    reply.send_keys(Keys.SHIFT, Keys.ENTER)
    reply.send_keys("I am looking at order A-1042 now.")
    reply.send_keys(Keys.ENTER)
    page.wait_text("#transcript", "I am looking at order A-1042 now.")
    page.wait("the reply's callback at the receiver", lambda: any(
        body.get("message", {}).get("content") == "Hello Ana,\nI am looking at order A-1042 now." or
        "I am looking at order A-1042 now." in str(body) for _d, _a, status, body, _t in receiver.arrivals if status == 200))
    page.wait_text(".callbacks", "delivered")
    page.screenshot("conversation.png")

    print("a callback the integration refuses fails, in sight: the header, the conversation's top; Redeliver by keyboard")
    receiver.set_mode("400")
    page.find("#reply").send_keys("This one is refused at first.", Keys.ENTER)
    page.wait_for("button.redeliver", "the failed callback's Redeliver button")
    page.wait_text("#failed-callbacks", "1 failed callback")
    page.wait_text("#failed-warning", "A callback to your integration failed")
    page.driver.refresh()
    page.wait_text("#failed-callbacks", "1 failed callback")  # on whichever view the page opens
    page.wait_for("button.redeliver")
    button = page.find("button.redeliver")
    assert button.get_attribute("aria-label").startswith("Redeliver the message_created callback "), button.get_attribute("aria-label")
    receiver.set_mode("up")
    page.find("#failed-warning a").send_keys(Keys.ENTER)
    page.wait("the focus on Redeliver", lambda: "Redeliver" in page.active())
    page.driver.switch_to.active_element.send_keys(Keys.ENTER)
    page.wait("no failed callback left", lambda: not page.find("button.redeliver") and "failed" not in page.text(".callbacks"))
    page.wait("the redelivered callback at the receiver",
              lambda: sum(1 for _d, _a, status, body, _t in receiver.arrivals if "refused at first" in str(body) and status == 200) == 1)

    page.wait("the header's count gone", lambda: not page.find("#failed-callbacks").is_displayed())

    print("close asks first: Escape keeps it open, then Close it")
    page.click("#close")
    page.wait_text("#close-question", "Close the conversation with")
    page.wait("the focus on Close it", lambda: page.active() == "close-confirm")
    page.driver.switch_to.active_element.send_keys(Keys.ESCAPE)
    page.wait("Close back, focused", lambda: page.active() == "close")
    assert conversation(server, first)["status"] != "ended"
    page.driver.switch_to.active_element.send_keys(Keys.ENTER)
    page.wait("the focus on Close it", lambda: page.active() == "close-confirm")
    page.driver.switch_to.active_element.send_keys(Keys.ENTER)
    page.wait("the conversation ended", lambda: conversation(server, first)["status"] == "ended")
    page.wait_text("#reply-status", "The conversation has ended")
    page.no_alert()

    print("a customer leaving mid-reply: the draft stays, read-only, and says why; a reload keeps it")
    leaving = start_conversation(server, bearer, "Gus", "Leaving soon")
    customer_says(server, bearer, leaving, "Hello?")
    page.open(f"#/conversations/{leaving}")
    page.wait("the reply box focused", lambda: page.active() == "reply")
    page.driver.switch_to.active_element.send_keys("Half of my answer")
    status, _ = call("DELETE", f"{server.url}/digital-connect/conversations/{leaving}", None, {"authorization": "Bearer " + bearer})
    assert status == 204, status
    page.wait_text("#reply-status", "The conversation has ended (by the contact")
    assert "Your draft is kept here" in page.text("#reply-status")
    assert page.driver.execute_script("return document.querySelector('#reply').value") == "Half of my answer"
    assert page.driver.execute_script("return document.querySelector('#reply').readOnly")
    page.driver.refresh()
    page.wait_for("#contact-name")
    page.wait("the draft after a reload", lambda: page.driver.execute_script("return document.querySelector('#reply').value") == "Half of my answer")

    print("another agent's conversation: said so, and nothing offered that would be refused")
    held = start_conversation(server, bearer, "Hal", "Held by Mallory")
    status, _ = call("POST", f"{server.url}/tdmock/v1/conversations/{held}/assign", {"agent": "Mallory"})
    assert status == 200, status
    page.open(f"#/conversations/{held}")
    page.wait_text("#reply-status", "Mallory holds this conversation: only Mallory can reply or close it")
    assert page.driver.execute_script("return ['#send', '#assign', '#close'].every((s) => document.querySelector(s).disabled)")
    status, refused = call("POST", f"{server.url}/tdmock/v1/conversations/{held}/close", {"agent": "Dana"})
    assert status == 409, status

    print("a caller's question, answered from the page while the caller waits")
    status, created = call("POST", server.url + "/connect/v1/contacts", {"caller": "+15550100", "attributes": {"region": "EU"}})
    assert status == 201, (status, created)
    contact = created["contact_id"]
    page.open("#/")
    page.wait_text("#questions", "No question is waiting")
    turn = {}

    def utterance():
        turn["answer"] = call("POST", f"{server.url}/connect/v1/contacts/{contact}/utterances",
                              {"text": "What were our third quarter earnings?"}, timeout=30)

    caller = threading.Thread(target=utterance)
    caller.start()
    page.wait_text("table.questions", "third quarter earnings")
    page.screenshot("inbox-question.png")
    page.find('select[aria-label="Question status"]').click()
    page.tab_to("table.questions tbody tr a", "the question's link").send_keys(Keys.ENTER)
    page.wait_for("#answer-text").send_keys("Revenue grew 12 % on the third quarter.")
    page.accessible("a question")
    page.screenshot("question.png")
    page.click("#speak")
    caller.join(timeout=20)
    status, result = turn["answer"]
    assert status == 200 and result["branch"] == "speak" and "Revenue grew" in result["prompt"], (status, result)
    page.wait_text("#session", "Revenue grew 12 %")

    print("the call's turns: the path through the flow, the Lex event and the Lambda's answer")
    page.open("#/calls")
    page.wait_text("#coverage", "4 of 7 actions run, 3 of 16 transitions taken.")
    page.click('#coverage details[data-flow="main"] summary')
    page.wait_text("#coverage", "Say goodbye (MessageParticipant): never run")
    page.accessible("the calls")
    page.screenshot("calls.png")
    page.driver.find_element(By.CSS_SELECTOR, "nav a[data-nav='calls']").send_keys(Keys.NULL)
    page.tab_to(f'tr[data-id="{contact}"] a', "the call's link").send_keys(Keys.ENTER)
    page.wait_text(".turns", "Revenue grew 12 %")
    page.accessible("a call")
    page.wait_text('[data-path="start"]', "Ask the question")
    page.wait_text('[data-path="turn-1"]', "Conditions: Equals speak")
    steps = [li.get_attribute("data-action") for li in page.driver.find_elements(By.CSS_SELECTOR, '[data-path="turn-1"] li')]
    assert steps == ["Ask the question", "Check the response type", "Speak the answer", "Listen again"], steps
    for summary in page.driver.find_elements(By.CSS_SELECTOR, ".turns summary"):
        summary.click()
    page.wait_text(".turns", '"inputTranscript": "What were our third quarter earnings?"')
    page.screenshot("call.png")

    print("a chat contact: its channel in the Calls list and on its page")
    status, chat = call("POST", server.url + "/connect/v1/contacts", {"caller": "+15550111", "channel": "CHAT"})
    assert status == 201, (status, chat)
    page.open("#/calls")
    page.wait_text(f'tr[data-id="{chat["contact_id"]}"]', "CHAT")
    page.click(f'tr[data-id="{chat["contact_id"]}"]')
    page.wait_text("#view h1", "Chat from +15550111")
    page.wait_text("#view", "Channel")

    print("the Functions panel: what the function got and what it answered")
    page.open("#/functions")
    page.wait_text("#invocations", "fallback")
    page.wait_text("#invocations", "connect")
    page.click("#invocations tbody tr details summary")
    page.wait_text("#invocations", '"inputTranscript": "What were our third quarter earnings?"')
    page.wait_text("#invocations", '"response_type": "speak"')
    page.accessible("the functions")
    page.screenshot("functions.png")
    page.find("#function-filter").send_keys("escalate\n")
    page.wait_text("#view", "No invocations yet")

    print("the Tests view: a passing and a failing test case, run from the page by keyboard")
    instance = "11111111-2222-3333-4444-555555555555"
    started_bot = {"Identifier": "bot", "Event": {"Type": "FlowActionStarted", "Actor": "System", "Properties": {
        "ActionType": "ConnectParticipantWithLexBot"}}, "Actions": [
        {"Identifier": "end", "Type": "TestControl", "Parameters": {"ActionType": "TestControl", "Command": {"Type": "EndTest"}}}]}
    moon = {"Identifier": "moon", "Event": {"Type": "MessageReceived", "Actor": "System", "Properties": {
        "Text": "Welcome to the moon base", "MatchingCriteria": {"Type": "Similarity"}}}}
    cases = {}
    for name, observations in (("reaches the bot", [started_bot]), ("hears the moon base", [moon])):
        status, made = call("PUT", f"{server.url}/test-cases/{instance}", {
            "Name": name, "Content": json.dumps({"Version": "2019-10-30", "Observations": observations})})
        assert status == 200, (status, made)
        cases[name] = made["TestCaseId"]
    page.open("#/tests")
    page.wait_text("#test-cases", "reaches the bot")
    page.wait_text(f'tr[data-id="{cases["reaches the bot"]}"]', "never")
    run_button = page.find(f'tr[data-id="{cases["reaches the bot"]}"] button')
    assert run_button.get_attribute("aria-label") == "Run reaches the bot", run_button.get_attribute("aria-label")
    run_button.send_keys(Keys.ENTER)
    page.wait_text(f'tr[data-id="{cases["reaches the bot"]}"]', "PASSED")
    link = page.find(f'tr[data-id="{cases["hears the moon base"]}"] a')
    link.send_keys(Keys.ENTER)
    page.wait_text("#view h1", "hears the moon base")
    page.wait_text("#view", "Not run yet.")
    page.find("#run-test").send_keys(Keys.ENTER)
    page.wait_text("#records", "FAILED")
    page.wait_text('#records [data-observation="moon"]', "never met: waited for MessageReceived similar to")
    page.wait_text("#executions", "FAILED")
    page.accessible("a test case's run")
    page.screenshot("tests.png")
    page.open("#/tests")
    page.wait_text(f'tr[data-id="{cases["hears the moon base"]}"]', "FAILED")
    page.accessible("the tests")

    print("a fault added and cleared")
    page.open("#/faults")
    page.wait_text("#view", "No faults")
    page.driver.find_element(By.CSS_SELECTOR, '#fault-form select[name="target"] option[value="send_message"]').click()
    page.find('#fault-form input[name="status"]').send_keys("503")
    page.find('#fault-form input[name="remaining"]').send_keys("2")
    page.click('#fault-form button[type="submit"]')
    page.wait_text("#faults", "send_message")
    status, faults = call("GET", server.url + "/tdmock/v1/faults")
    assert [(f["target"], f["status"], f["remaining"]) for f in faults] == [("send_message", 503, 2)], faults
    page.accessible("the faults")
    page.screenshot("faults.png")
    page.click("#clear-faults")
    page.wait_text("#view", "No faults")

    print("Faults fails the next callbacks from the page; the Callbacks view redelivers them, by keyboard")
    page.driver.find_element(By.CSS_SELECTOR, '#fault-form select[name="target"] option[value="callback:fail"]').click()
    page.find('#fault-form input[name="status"]').send_keys("400")
    page.find('#fault-form input[name="remaining"]').send_keys("1")
    page.click('#fault-form button[type="submit"]')
    page.wait_text("#faults", "callback:fail")
    failing = start_conversation(server, bearer, "Ivy", "A callback to fail")
    status, _ = call("POST", f"{server.url}/tdmock/v1/conversations/{failing}/assign", {"agent": "Dana"})
    assert status == 200, status
    page.wait_text("#failed-callbacks", "1 failed callback")
    page.find("#failed-callbacks").send_keys(Keys.ENTER)
    page.wait_text("#failed", "conversation_started")
    page.wait_text("#failed", "answered 400 by fault injection (callback:fail)")
    page.accessible("the failed callbacks")
    page.screenshot("callbacks.png")
    page.tab_to("#failed button.redeliver", "the Redeliver button").send_keys(Keys.ENTER)
    page.wait_text("#failed", "No callback has failed.")
    page.wait("the redelivered callback at the receiver", lambda: any(
        failing in str(body) and status == 200 for _d, _a, status, body, _t in receiver.arrivals))

    print("the request journal shows what the integration sent, refused requests included")
    status, _ = call("POST", f"{server.url}/digital-connect/conversations", {"touchpoint_id": "tp-tdmock"},
                     {"authorization": "Bearer not-a-token"})
    assert status == 401
    page.open("#/requests")
    page.wait_text("#requests", "POST /digital-connect/conversations")
    page.wait_text("#requests", "401")
    page.click("#requests tbody tr details summary")
    page.wait_text("#requests", "3016001")
    page.screenshot("requests.png")

    print("a form posted from another site changes nothing")
    second = start_conversation(server, bearer, "Dee", "Forged close")
    other = OtherSite(f"{server.url}/tdmock/v1/conversations/{second}/close")
    try:
        page.driver.get(other.url)
        page.wait("the forged post's answer", lambda: "unsupported_media_type" in page.text("body"))
    finally:
        other.stop()
    assert conversation(server, second)["status"] == "queued", conversation(server, second)

    print("a 420 px window: the inbox does not scroll sideways and no badge is cut")
    page.driver.set_window_size(420, 900)
    try:
        page.open("#/")
        page.wait_for("table.inbox tbody tr")
        widths = page.driver.execute_script("return [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        wide = page.driver.execute_script("""
            const out = [];
            for (const e of document.querySelectorAll('body *')) {
              const r = e.getBoundingClientRect();
              if (r.right > document.documentElement.clientWidth + 0.5) out.push(`${e.tagName}.${e.className}#${e.id} ${Math.round(r.left)}-${Math.round(r.right)}`);
            }
            return out.slice(0, 12);""")
        assert widths[0] <= widths[1], f"the page scrolls sideways at 420 px: {widths}: {wide}"
        cut = page.driver.execute_script(
            "return [...document.querySelectorAll('.badge')].filter((b) => b.scrollWidth > b.clientWidth + 1).map((b) => b.textContent)")
        assert not cut, f"badges cut at 420 px: {cut}"
        page.accessible("the inbox at 420 px")
        page.screenshot("inbox-narrow.png", width=420)
    finally:
        page.driver.set_window_size(1280, 900)

    print("the server restarts: the page reconnects by itself and shows what happens next")
    page.open("#/")
    page.live()
    page.mark()
    server.stop()
    page.wait_text("#live", "Reconnecting")
    server.start()
    page.live()
    third = start_conversation(server, bearer, "Eve", "After the restart")
    page.wait_for(f'tr[data-id="{third}"]', "a conversation started after the restart")
    assert page.unreloaded(), "the page was loaded again"
    page.no_alert()
    # The page keeps to its own policy: nothing it does was refused (the other site has no policy).
    refused = [entry["message"] for entry in page.driver.get_log("browser") if "Content Security Policy" in entry["message"]]
    assert not refused, refused


def signed_in(binary, directory, driver):
    print("beyond loopback the workspace asks for the agent token (here: a server with one)")
    receiver = Receiver()
    receiver.start("up")
    server = Server(binary, os.path.join(directory, "token.sqlite"), free_port(), receiver.url,
                    log_path=os.path.join(directory, "serve-token.log"), extra_args=["--agent-token", AGENT_TOKEN])
    server.start()
    page = Workspace(driver, server.url)
    try:
        page.open()
        page.wait_for("#token", "the sign-in form")
        page.accessible("the sign-in")
        page.screenshot("sign-in.png")
        page.find("#token").send_keys("not the token", Keys.ENTER)
        page.wait_text("#notice", "not this tdmock's agent token")
        field = page.find("#token")
        field.clear()
        field.send_keys(AGENT_TOKEN, Keys.ENTER)
        page.answer_name("Fay's agent")
        page.wait_text("#conversations", "No conversations yet")
        page.live()
        bearer = token(server.url)
        conversation_id = start_conversation(server, bearer, "Fay", "Signed in")
        page.wait_for(f'tr[data-id="{conversation_id}"]')
        cookie = driver.get_cookie("tdmock_agent_token")
        assert cookie and cookie["httpOnly"] and cookie.get("sameSite") == "Strict", cookie
        page.click("#sign-out")
        page.wait_for("#token", "the sign-in form after signing out")
    finally:
        server.stop()
        receiver.stop()


def fetch(url):
    """GET `url`: its status, headers (lower-cased names) and body."""
    host_port, _, path = url[len("http://"):].partition("/")
    host, port = host_port.split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request("GET", "/" + path)
        response = connection.getresponse()
        body = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    finally:
        connection.close()


def page_headers(url):
    """GET / of the server at `url`: its status and headers (lower-cased names)."""
    host_port = url[len("http://"):].split("/")[0]
    host, port = host_port.split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request("GET", "/")
        response = connection.getresponse()
        response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}
    finally:
        connection.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tdmock", required=True)
    arguments = parser.parse_args()
    began = time.time()
    directory = tempfile.mkdtemp(prefix="tdmock-workspace-")
    driver = browser()
    try:
        run(os.path.abspath(arguments.tdmock), directory, driver)
    except Exception:
        traceback.print_exc()
        print(f"workspace test FAILED (the servers' logs are in {directory})")
        sys.exit(1)
    finally:
        driver.quit()
    print(f"workspace test passed in {time.time() - began:.1f} s; screenshots in docs/screenshots/")


if __name__ == "__main__":
    main()
