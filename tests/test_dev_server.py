"""The run command's stack: one `leadgate dev` process with web, worker, scheduler, cron."""

import re

import httpx

from leadgate.cli import DEMO_EMAIL, DEMO_PASSWORD

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def test_dev_serves_pages_and_runs_jobs_in_process(dev_server):
    with httpx.Client(base_url=dev_server.url, timeout=10) as http:
        assert http.get("/").status_code == 200
        page = http.get("/password-reset")
        token = CSRF.search(page.text).group(1)
        response = http.post(
            "/password-reset", data={"csrf_token": token, "email": DEMO_EMAIL}
        )
        assert response.status_code == 302
    # The mail job went through the embedded RQ queue and its worker thread.
    output = dev_server.wait_for_output("/password-reset/")
    assert f"To: {DEMO_EMAIL}" in output
    assert "LeadGate läuft auf http://127.0.0.1:" in output


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
