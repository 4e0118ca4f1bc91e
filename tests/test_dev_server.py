"""The run command's stack: one `leadgate dev` process with web, worker, scheduler, cron."""

import re
import time

import httpx

from leadgate.demo import DEMO_EMAIL, DEMO_PASSWORD, EARLIER_CONTACT

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
LIST_ITEM = re.compile(r'<li id="conversation-(\d+)".*?</li>', re.DOTALL)


def conversation_url(inbox: str, name: str) -> str | None:
    """The thread URL of the list item that names this contact."""
    for item in LIST_ITEM.finditer(inbox):
        if name in item.group(0):
            return f"/inbox/{item.group(1)}"
    return None


def test_dev_serves_pages_and_runs_jobs_in_process(dev_server):
    # The server is the session's: other tests' requests (a page walk's
    # /password-reset/<no token>) are in its log before this one's.
    before = len(dev_server.output())
    with httpx.Client(base_url=dev_server.url, timeout=10) as http:
        assert http.get("/").status_code == 200
        page = http.get("/password-reset")
        token = CSRF.search(page.text).group(1)
        response = http.post(
            "/password-reset", data={"csrf_token": token, "email": DEMO_EMAIL}
        )
        assert response.status_code == 302
        # The mail job went through the embedded RQ queue and its worker thread;
        # without SMTP the mail waits on the dev outbox page, not in the log.
        for _ in range(50):
            outbox = http.get("/_dev/mail/")
            if "/password-reset/" in outbox.text:
                break
            time.sleep(0.2)
    assert f"An: {DEMO_EMAIL}" in outbox.text
    assert re.search(r'<a href="http://127\.0\.0\.1:\d+/password-reset/', outbox.text)
    output = dev_server.wait_for_output("leadgate.auth.mails.send_password_reset(")
    assert "LeadGate läuft auf http://127.0.0.1:" in output
    assert "/_dev/mail/" in output
    ours = output[before:]  # what this test's requests and its mail job logged
    assert "send_password_reset(" in ours
    assert "/password-reset/" not in ours and f"To: {DEMO_EMAIL}" not in ours


def test_dev_has_the_seeded_demo_login(dev_server):
    with httpx.Client(base_url=dev_server.url, timeout=10) as http:
        token = CSRF.search(http.get("/login").text).group(1)
        response = http.post(
            "/login",
            data={"csrf_token": token, "email": DEMO_EMAIL, "password": DEMO_PASSWORD},
        )
        assert response.status_code == 302
        inbox = http.get("/inbox")
        assert inbox.status_code == 200 and "Demo GmbH" in inbox.text


def test_kundenhandy_message_arrives_in_the_demo_workspace(dev_server):
    """The run command's demo: a person writes from the emulator's phone page."""
    from leadgate.whatsapp.emulator import DEMO_NUMBER

    with httpx.Client(base_url=dev_server.url, timeout=10) as http:
        phone = http.get("/_emulator/phone")
        assert phone.status_code == 200 and "Kundenhandy" in phone.text
        sent = http.post(
            "/_emulator/phone/send",
            data={
                "number": DEMO_NUMBER["phone_number_id"],
                "name": "Karla Kundin",
                "wa_id": "4915199990000",
                "text": "Hallo aus dem Kundenhandy!",
            },
        )
        assert sent.status_code in (200, 204, 302, 303)
        token = CSRF.search(http.get("/login").text).group(1)
        http.post(
            "/login",
            data={"csrf_token": token, "email": DEMO_EMAIL, "password": DEMO_PASSWORD},
        )
        for _ in range(50):  # the webhook goes through the queue: allow a moment
            inbox = http.get("/inbox")
            if "Karla Kundin" in inbox.text:
                break
            time.sleep(0.2)
        conversation = conversation_url(inbox.text, "Karla Kundin")
        assert conversation, "the customer's message did not arrive"
        assert "Hallo aus dem Kundenhandy!" in http.get(conversation).text


def test_the_agent_answers_the_kundenhandy_and_sees_the_ticks(dev_server):
    """The outbound half of the demo: queue, worker thread, emulator, status webhooks."""
    from leadgate.whatsapp.emulator import DEMO_NUMBER

    with httpx.Client(base_url=dev_server.url, timeout=10) as http:
        http.post(
            "/_emulator/phone/send",
            data={
                "number": DEMO_NUMBER["phone_number_id"],
                "name": "Theo Tick",
                "wa_id": "4915199990001",
                "text": "Gibt es noch freie Termine?",
            },
        )
        token = CSRF.search(http.get("/login").text).group(1)
        http.post(
            "/login",
            data={"csrf_token": token, "email": DEMO_EMAIL, "password": DEMO_PASSWORD},
        )
        thread = None
        for _ in range(50):
            thread = conversation_url(http.get("/inbox").text, "Theo Tick")
            if thread:
                break
            time.sleep(0.2)
        assert thread, "the customer's message did not arrive"
        token = CSRF.search(http.get(thread).text).group(1)
        answer = http.post(
            f"{thread}/messages",
            data={"csrf_token": token, "text": "Ja, morgen um 10 Uhr."},
        )
        assert answer.status_code == 303
        for _ in range(50):  # sent → delivered → read, from the emulator's webhooks
            page = http.get(thread).text
            if "ticks-read" in page:
                break
            time.sleep(0.2)
        assert "ticks-read" in page and "Ja, morgen um 10 Uhr." in page
        sent = http.get("/_emulator/_admin/messages").json()["data"]
        assert [
            m["body"]["text"]["body"] for m in sent if m["to"] == "4915199990001"
        ] == ["Ja, morgen um 10 Uhr."]


def test_after_the_window_closed_the_demo_offers_the_synced_templates(dev_server):
    """The seeded conversation is two days old: the composer offers only templates,
    which `leadgate dev` fetched from the emulator's WABA by itself."""
    with httpx.Client(base_url=dev_server.url, timeout=10) as http:
        token = CSRF.search(http.get("/login").text).group(1)
        http.post(
            "/login",
            data={"csrf_token": token, "email": DEMO_EMAIL, "password": DEMO_PASSWORD},
        )
        name = EARLIER_CONTACT["profile_name"]  # other tests add newer conversations
        thread = conversation_url(http.get("/inbox", params={"q": name}).text, name)
        for _ in range(50):  # the template sync runs a moment after the start
            page = http.get(thread).text
            if "termin_erinnerung" in page:
                break
            time.sleep(0.2)
        assert "24-Stunden-Fenster ist geschlossen" in page
        assert "termin_erinnerung" in page and 'name="text"' not in page
