"""The workbench's guard: token, write header, Origin, read-only, Host header, security headers, static
files; ``onrecord serve`` refusing a public address without a token; and a hostile document (markup,
``javascript:`` links, a JSON break-out, a right-to-left override, a 1 MB single line) that every page
shows as inert, escaped text."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import time
from html.parser import HTMLParser
from urllib.parse import quote, urlsplit

import pytest

import onrecord
from onrecord.web.render import visible

from ..conftest import cli_path
from .conftest import WRITE, fill, route_table

TOKEN = "s3cret-token-for-tests"
WRITE_METHODS = {"POST", "PATCH", "PUT", "DELETE"}


def _writes(app) -> list[tuple[str, str]]:
    return [(m, p) for m, p in route_table(app) if m in WRITE_METHODS and p != "/login"]


def _send(client, method: str, path: str, headers: dict | None = None, **kw):
    return client.request(method, fill(path, "1"), headers=headers or {}, **kw)


# -- token --------------------------------------------------------------------------------------------------
def test_token_required_on_every_route(analysed, make_client):
    client = make_client(analysed, token=TOKEN)
    routes = [r for r in route_table(client.app) if r[1] != "/login"] + [("GET", "/openapi.json"), ("GET", "/static/workbench.js")]
    assert len(routes) > 30
    for method, path in routes:
        r = _send(client, method, path, WRITE)
        assert r.status_code == 401, (method, path, r.status_code)
        if path.startswith("/api/") or method != "GET":
            assert r.json()["error"]["message"].startswith("a valid token is required"), (method, path)
        else:  # a page: the login form, which comes back to the page asked for
            assert "Token required" in r.text and f'name="next" value="{fill(path, "1")}"' in r.text, path
        wrong = _send(client, method, path, {**WRITE, "Authorization": "Bearer not-the-token"})
        assert wrong.status_code == 401, (method, path)
        right = _send(client, method, path, {**WRITE, "Authorization": f"Bearer {TOKEN}"})
        assert right.status_code != 401, (method, path, right.text[:200])
    assert client.get("/static/workbench.css").status_code == 200  # the login page's own style


@pytest.mark.parametrize("headers, cookies, status", [
    ({"Authorization": f"Bearer {TOKEN}"}, {}, 200),
    ({"authorization": f"bearer {TOKEN}"}, {}, 200),
    ({"X-Onrecord-Token": TOKEN}, {}, 200),
    ({}, {"onrecord_token": TOKEN}, 200),
    ({"Authorization": f"Basic {TOKEN}"}, {}, 401),
    ({"Authorization": "Bearer "}, {}, 401),
    ({"X-Onrecord-Token": TOKEN[:-1]}, {}, 401),
    ({}, {"onrecord_token": TOKEN + "x"}, 401),
])
def test_token_carriers(analysed, make_client, headers, cookies, status):
    client = make_client(analysed, token=TOKEN)
    client.cookies.update(cookies)
    assert client.get("/api/v1/documents", headers=headers).status_code == status
    assert client.get("/actors", headers=headers).status_code == status


def test_login_sets_a_strict_cookie(analysed, make_client):
    client = make_client(analysed, token=TOKEN)
    failed = client.post("/login", data={"token": "wrong", "next": "/actors"})
    assert failed.status_code == 401 and "That token is not right." in failed.text and "set-cookie" not in failed.headers
    ok = client.post("/login", data={"token": TOKEN, "next": "/actors"})
    assert ok.status_code == 303 and ok.headers["location"] == "/actors"
    cookie = ok.headers["set-cookie"].lower()
    assert cookie.startswith(f"onrecord_token={TOKEN}".lower()) and "httponly" in cookie and "samesite=strict" in cookie
    page = client.get("/actors")  # the client keeps the cookie
    assert page.status_code == 200 and "<h1>Actors</h1>" in page.text
    assert make_client(analysed).post("/login", data={"token": TOKEN}).status_code == 401  # no token set: nothing to log in to


@pytest.mark.parametrize("target", [
    "https://evil.example/", "//evil.example", "///evil.example", "/\\evil.example", "\\\\evil.example", "/\t/evil.example",
    "/\n/evil.example", "javascript:alert(1)", " /evil", "evil.example",
])
def test_login_never_redirects_elsewhere(analysed, make_client, target):
    r = make_client(analysed, token=TOKEN).post("/login", data={"token": TOKEN, "next": target})
    assert r.status_code == 303
    location = r.headers["location"]
    assert location.startswith("/") and not location.startswith("//") and urlsplit(location).netloc == ""
    assert not re.search(r"[\s\\]", location), location  # nothing a browser would turn into '//'


def test_login_keeps_a_local_target_with_any_characters(analysed, make_client):
    client = make_client(analysed, token=TOKEN)
    r = client.post("/login", data={"token": TOKEN, "next": "/actors/Путин?unit=year"})
    assert r.status_code == 303 and r.headers["location"] == "/actors/" + quote("Путин") + "?unit=year"


# -- writes -------------------------------------------------------------------------------------------------
def test_every_write_needs_the_write_header(fresh, make_client):
    client = make_client(fresh)
    writes = _writes(client.app)
    assert {m for m, _ in writes} == {"POST", "PATCH", "DELETE"} and len(writes) >= 7
    ann = fresh.document(1).layer("statement")[0]
    for method, path in writes:
        for headers in ({}, {"X-Onrecord-Write": "0"}, {"X-Onrecord-Write": "true"}):
            r = client.request(method, fill(path, str(ann.id)), headers=headers, json={"outcome": "true", "label": "x"})
            assert r.status_code == 403, (method, path, headers)
            assert "X-Onrecord-Write: 1" in r.json()["error"]["message"]
    after = fresh.annotation(ann.id)
    assert (after["label"], after["verified"], after["source"]) == (ann.label, False, ann.source)


def test_cross_origin_writes_are_refused(fresh, make_client):
    client = make_client(fresh)
    ann = fresh.document(1).layer("statement")[0]
    for origin in ("http://evil.example", "http://127.0.0.1:8080", "https://127.0.0.1.evil.example", "http://[evil", "file://"):
        r = client.post(f"/api/v1/annotations/{ann.id}/verify", json={}, headers={**WRITE, "Origin": origin})
        assert r.status_code == 403 and "cross-origin write" in r.json()["error"]["message"], origin
    assert fresh.annotation(ann.id)["verified"] is False
    same = client.post(f"/api/v1/annotations/{ann.id}/verify", json={"by": "t"}, headers={**WRITE, "Origin": "http://127.0.0.1"})
    assert same.status_code == 200 and same.json()["verified"] is True
    assert client.get("/api/v1/documents", headers={"Origin": "http://evil.example"}).status_code == 200  # reads: no CORS, so unreadable anyway
    assert "access-control-allow-origin" not in client.get("/api/v1/documents", headers={"Origin": "http://evil.example"}).headers


def test_read_only_refuses_every_write(fresh, make_client):
    client = make_client(fresh, read_only=True, token=TOKEN)
    auth = {**WRITE, "Authorization": f"Bearer {TOKEN}"}
    ann = fresh.document(1).layer("statement")[0]
    for method, path in _writes(client.app):
        r = client.request(method, fill(path, str(ann.id)), headers=auth, json={"outcome": "true", "label": "x", "documents": []})
        assert r.status_code == 403 and "read-only" in r.json()["error"]["message"], (method, path)
    upload = client.post("/api/v1/ingest", headers=auth, files=[("files", ("a.txt", b"Putin rejects a ceasefire.", "text/plain"))])
    assert upload.status_code == 403
    assert len(fresh.documents()) == 2 and fresh.annotation(ann.id)["label"] == ann.label
    assert client.get("/api/v1/documents", headers=auth).status_code == 200
    page = client.get("/predictions", headers=auth).text
    assert '<span class="badge">read-only</span>' in page and "resolve-form" not in page and 'id="reviewer"' not in page


# -- Host header, headers, static files -------------------------------------------------------------------------
@pytest.mark.parametrize("host, status", [
    ("127.0.0.1", 200), ("127.0.0.1:8000", 200), ("localhost:8000", 200), ("evil.example", 400), ("evil.example:80", 400),
    ("127.0.0.1.evil.example", 400), ("", 400), ("[::1", 400), ("127.0.0.1@evil.example", 400),
])
def test_host_header_is_checked(analysed, make_client, host, status):
    client = make_client(analysed)
    r = client.get("/api/v1/documents", headers={"Host": host})
    assert r.status_code == status
    if status == 400:
        assert r.json()["error"]["message"].startswith("unexpected Host header")
        page = client.get("/", headers={"Host": host})
        assert page.status_code == 400 and "unexpected Host header" in page.text


def test_host_header_with_reflected_markup_is_escaped(analysed, make_client):
    page = make_client(analysed).get("/", headers={"Host": "<svg onload=alert(1)>"})
    assert page.status_code == 400 and "<svg onload" not in page.text and "&lt;svg onload=alert(1)&gt;" in page.text


def test_any_host_when_bound_to_every_interface_with_a_token(analysed, make_client):
    client = make_client(analysed, host="0.0.0.0", token=TOKEN)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    assert client.get("/api/v1/documents", headers={**auth, "Host": "workbench.lan:8000"}).status_code == 200
    assert client.get("/api/v1/documents", headers={"Host": "workbench.lan:8000"}).status_code == 401


def test_security_headers_on_every_kind_of_response(analysed, make_client):
    open_client, locked = make_client(analysed), make_client(analysed, token=TOKEN)
    responses = {
        "page": open_client.get("/"), "api": open_client.get("/api/v1/actors"), "static": open_client.get("/static/workbench.js"),
        "404 page": open_client.get("/documents/999"), "404 api": open_client.get("/api/v1/documents/999"),
        "422": open_client.get("/api/v1/documents?page=0"), "login page": locked.get("/"),
        "401 api": locked.get("/api/v1/documents"), "403 write": open_client.post("/api/v1/runs", json={}),
        "400 host": open_client.get("/", headers={"Host": "evil.example"}), "openapi": open_client.get("/openapi.json"),
        "docs": open_client.get("/docs"),
    }
    for name, r in responses.items():
        csp = r.headers.get("content-security-policy", "")
        assert "default-src 'none'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp, name
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, name
        assert r.headers.get("x-content-type-options") == "nosniff", name
        assert r.headers.get("x-frame-options") == "DENY", name
        assert r.headers.get("referrer-policy") == "no-referrer", name
    assert responses["static"].headers["content-type"].startswith(("text/javascript", "application/javascript"))


def _asgi_get(app, path: str, raw_path: bytes) -> tuple[int, bytes]:
    """GET through the ASGI app with a path exactly as given (HTTP clients normalise dot segments)."""
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
             "path": path, "raw_path": raw_path, "root_path": "", "query_string": b"", "headers": [(b"host", b"127.0.0.1")],
             "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 80)}
    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    return status, b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


@pytest.mark.parametrize("path, raw", [
    ("/static/../app.py", b"/static/../app.py"),
    ("/static/../app.py", b"/static/%2e%2e/app.py"),  # a server decodes %2e%2e before routing
    ("/static/../app.py", b"/static/..%2fapp.py"),
    ("/static/../../web/app.py", b"/static/../../web/app.py"),
    ("/static/../templates/base.html", b"/static/%2E%2E/templates/base.html"),
    ("/static//etc/passwd", b"/static//etc/passwd"),
    ("/static/" + os.path.abspath(__file__), ("/static/" + os.path.abspath(__file__)).encode()),
    ("/static/..\\app.py", b"/static/..%5capp.py"),
    ("/static/....//app.py", b"/static/....//app.py"),
    ("/static/%2e%2e/app.py", b"/static/%252e%252e/app.py"),
])
def test_static_paths_cannot_leave_the_static_folder(analysed, make_app, path, raw):
    status, body = _asgi_get(make_app(analysed), path, raw)
    assert status == 404, (path, status)
    assert b"def create_app" not in body and b"root:" not in body and b"{% block" not in body and b"Shared fixtures" not in body


def test_static_traversal_through_an_http_client(client):
    for url in ("/static/%2e%2e/app.py", "/static/%2E%2E%2Fapp.py", "/static/..%2f..%2fweb%2fapp.py", "/static/%2fetc%2fpasswd"):
        r = client.get(url)
        assert r.status_code == 404 and "def create_app" not in r.text, url
    assert client.get("/static/workbench.css").status_code == 200


# -- onrecord serve -----------------------------------------------------------------------------------------
def test_which_hosts_are_loopback():
    from onrecord.web.app import is_loopback

    assert all(is_loopback(h) for h in ("127.0.0.1", "127.0.0.2", "localhost", "::1", "[::1]"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "::", "192.168.1.5", "example.org", "localhost.example.org", ""))


@pytest.mark.parametrize("args, message", [
    (["--host", "0.0.0.0", "--port", "8123"], "--host 0.0.0.0 is not a loopback address: give --token"),
    (["--host", "0.0.0.0", "--token", "short"], "a token must have at least 8 characters"),
])
def test_serve_refuses_a_public_address_without_a_token(tmp_path, args, message):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONRECORD_")}
    proc = subprocess.run([cli_path(), "--db", str(tmp_path / "s.db"), "serve", *args], capture_output=True, text=True,
                          timeout=60, env=env, check=False)
    assert proc.returncode != 0
    assert message in " ".join((proc.stderr + proc.stdout).split()), proc.stderr


# -- a hostile document ---------------------------------------------------------------------------------------
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
BREAK = "</script><script>alert(2)</script>"
LINK = '<a href="javascript:alert(1)">click</a>'
RLO = "\u202e"
EVIL_SPEAKER = 'Eve <img src=x onerror=alert(3)> "q" <b>'  # no '/': it is also an actor id in a path
RAW = [SCRIPT, IMG, BREAK, LINK, "<img", "<b>", 'href="javascript:', "alert(3)>"]
HOSTILE_MD = f"""---
title: "{SCRIPT} {IMG} \\u202eevil title"
outlet: "{BREAK}"
programme: '{LINK}'
url: "javascript:alert(1)"
date: 2025-07-01
---
Russia rejects {SCRIPT} a ceasefire. Trump supports negotiations with Moscow {IMG}.
See {LINK} and [a link](javascript:alert(1)) and <svg onload=alert(1)>. The file {RLO}gnp.exe is here.
Putin will win the war by next year {BREAK}.
"""
LATER_MD = f"""---
title: later
date: 2025-09-01
---
Russia supports a ceasefire {IMG}. Russia supports negotiations {BREAK}.
"""
BIG_UNIT = 'Russia rejects a ceasefire <b>bold</b> & "quoted" <script>x</script> '
BIG = (BIG_UNIT * (10**6 // len(BIG_UNIT) + 1))[: 10**6]


class _Inspector(HTMLParser):
    """Every tag, attribute and script body of a page, as a browser's tokenizer sees them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self._in_script: dict | None = None
        self.spans: list[tuple[int, str]] = []
        self._span: list | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "script":
            self._in_script = a
            self.scripts.append((a, ""))
        if tag == "span" and "data-s" in a:
            self._span = [int(a["data-s"] or 0), ""]

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = None
        if tag == "span" and self._span is not None:
            self.spans.append((self._span[0], self._span[1]))
            self._span = None

    def handle_data(self, data):
        if self._in_script is not None:
            attrs, body = self.scripts[-1]
            self.scripts[-1] = (attrs, body + data)
        if self._span is not None:
            self._span[1] += data


def inspect(html: str) -> _Inspector:
    """Parse a page and assert nothing in it can run: scripts only the app's own file and inert JSON, no event
    handler attributes, no javascript: URLs, no element a document's markup could have made."""
    page = _Inspector()
    page.feed(html)
    page.close()
    for tag, attrs in page.tags:
        assert tag not in ("img", "iframe", "object", "embed", "base", "form" if attrs.get("action", "/").startswith("javascript") else ""), tag
        assert not [k for k in attrs if k.startswith("on")], (tag, attrs)
        for key in ("href", "src", "action", "formaction", "xlink:href", "data"):
            value = re.sub(r"[\s\x00-\x1f]", "", (attrs.get(key) or "")).lower()
            assert not value.startswith(("javascript:", "data:text/html", "vbscript:")), (tag, attrs)
        if tag == "script":
            assert attrs == {"src": "/static/workbench.js"} or attrs.get("type") == "application/json", attrs
    for attrs, body in page.scripts:
        if attrs.get("type") == "application/json":
            json.loads(body)  # whole: nothing broke out of it
    assert not [t for t in page.tags if t[0] == "svg" and "onload" in t[1]]
    for raw in RAW:
        assert raw not in html, raw
    assert RLO not in html
    return page


@pytest.fixture(scope="module")
def hostile(analysed_db, tmp_path_factory):
    """A store with the hostile documents: two analysed Markdown files by EVIL_SPEAKER and a 1 MB line."""
    folder = tmp_path_factory.mktemp("hostile")
    (folder / "in").mkdir()
    (folder / "in" / "a.md").write_text(HOSTILE_MD, encoding="utf-8")
    (folder / "in" / "b.md").write_text(LATER_MD, encoding="utf-8")
    (folder / "big.txt").write_text(BIG, encoding="utf-8")
    corpus = onrecord.open(folder / "hostile.db")
    report = corpus.ingest(folder / "in", speaker=EVIL_SPEAKER)
    assert report.ok and len(report.added) == 2, report.to_dict()
    assert corpus.analyze(workers=0).ok
    big = corpus.ingest(folder / "big.txt", speaker="Alexander Dugin")
    assert big.ok and len(big.added) == 1, big.to_dict()
    yield corpus
    corpus.close()


@pytest.fixture(scope="module")
def hostile_client(hostile, make_client):
    return make_client(hostile)


def _doc_id(corpus, title_part: str) -> int:
    return next(d.id for d in corpus.documents() if title_part in (d.meta.title or ""))


def test_hostile_metadata_is_stored_as_given(hostile):
    d = hostile.document(_doc_id(hostile, "evil title"))
    assert d.meta.title == f"{SCRIPT} {IMG} {RLO}evil title" and d.meta.outlet == BREAK and d.meta.url == "javascript:alert(1)"
    assert d.meta.programme == LINK and [name for name, _ in d.speakers] == [EVIL_SPEAKER] and SCRIPT in d.text


def test_hostile_pages_are_inert(hostile, hostile_client):
    a = _doc_id(hostile, "evil title")
    b = _doc_id(hostile, "later")
    holder = f"speaker:{EVIL_SPEAKER}"
    assert hostile.shifts(speaker=EVIL_SPEAKER), "the hostile speaker should have a shift to show"
    assert [p for p in hostile.predictions() if p["speaker"] == EVIL_SPEAKER], "and a prediction"
    pages = [f"/documents/{a}", f"/documents/{b}", "/", "/?q=ceasefire", f"/?speaker={quote(EVIL_SPEAKER)}", "/actors", "/concepts",
             "/actors/russia", f"/actors/{quote(holder)}", "/concepts/ceasefire", "/shifts", f"/shifts?speaker={quote(EVIL_SPEAKER)}",
             "/predictions", "/network", "/network?type=onemode", "/docs", f"/actors/{quote(IMG)}", f"/documents/{a}?focus=0-30"]
    for url in pages:
        r = hostile_client.get(url)
        assert r.status_code == (404 if url == f"/actors/{quote(IMG)}" else 200), url
        inspect(r.text)
    doc_page = hostile_client.get(f"/documents/{a}").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in doc_page and "&lt;img src=x onerror=alert(1)&gt;" in doc_page
    assert "&lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt;" in doc_page  # the outlet, escaped
    assert '<span class="url">javascript:alert(1)</span>' in doc_page  # the source URL is shown, never linked
    assert "Eve &lt;img src=x onerror=alert(3)&gt; &#34;q&#34; &lt;b&gt;" in doc_page  # the speaker heading
    corpus_page = hostile_client.get("/").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &lt;img src=x onerror=alert(1)&gt; \ufffdevil title" in corpus_page
    shifts = hostile_client.get(f"/shifts?speaker={quote(EVIL_SPEAKER)}").text
    assert "Eve &lt;img src=x onerror=alert(3)&gt;" in shifts and "&lt;img src=x onerror=alert(1)&gt;" in shifts
    predictions = hostile_client.get("/predictions").text
    assert "&lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt;" in predictions
    actor = hostile_client.get(f"/actors/{quote(holder)}").text
    assert "<h1>Eve &lt;img src=x onerror=alert(3)&gt; &#34;q&#34; &lt;b&gt; (speaker)" in actor


def test_hostile_embedded_json_round_trips(hostile, hostile_client):
    d = hostile.document(_doc_id(hostile, "evil title"))
    page = inspect(hostile_client.get(f"/documents/{d.id}").text)
    data = {attrs["id"]: json.loads(body) for attrs, body in page.scripts if attrs.get("type") == "application/json"}
    assert set(data) == {"anns", "review"}
    anns = data["anns"]
    stored = [a for a in d.annotations(["actor", "statement", "prediction", "technique", "claim"])]
    assert sorted(x["id"] for x in anns) == sorted(a.id for a in stored) and len(anns) >= 5
    for x in anns:
        quote = d.text[x["start"]:x["end"]]
        assert x["text"] == visible(quote if len(quote) <= 400 else quote[:399] + "…")
        assert x["attrs"].get("speaker") == EVIL_SPEAKER
    assert any(SCRIPT in x["text"] for x in anns) and any(BREAK in x["text"] for x in anns)
    assert f"speaker:{EVIL_SPEAKER}" in data["review"]["holders"] and data["review"]["n_chars"] == len(d.text)
    api = hostile_client.get(f"/api/v1/documents/{d.id}").json()
    assert api["text"] == d.text and api["meta"]["title"] == d.meta.title and api["meta"]["outlet"] == BREAK  # JSON keeps the text as is


def test_hostile_rtl_override_is_shown_replaced_and_counted(hostile, hostile_client):
    d = hostile.document(_doc_id(hostile, "evil title"))
    assert d.text.count(RLO) == 1
    html = hostile_client.get(f"/documents/{d.id}").text
    page = inspect(html)
    assert "This text contains 1 bidirectional control character(s)" in html
    shown = visible(d.text)
    assert page.spans and all(shown[start:start + len(text)] == text for start, text in page.spans)
    assert "\ufffdgnp.exe" in "".join(text for _, text in page.spans)
    assert "<h1>&lt;script&gt;alert(1)&lt;/script&gt; &lt;img src=x onerror=alert(1)&gt; \ufffdevil title</h1>" in html
    assert "bidirectional control" not in hostile_client.get(f"/documents/{_doc_id(hostile, 'later')}").text


def test_one_megabyte_single_line_page(hostile, hostile_client):
    big = next(d for d in hostile.documents() if len(d.text) >= 10**6 - 10)
    assert "\n" not in big.text.strip()
    added = hostile_client.post(f"/api/v1/documents/{big.id}/annotations", headers=WRITE,
                                json={"start": len(big.text) - 30, "end": len(big.text) - 1, "layer": "claim", "label": "claim"})
    assert added.status_code == 201, added.text
    started = time.perf_counter()
    r = hostile_client.get(f"/documents/{big.id}")
    elapsed = time.perf_counter() - started
    assert r.status_code == 200 and elapsed < 20
    html = r.text
    assert len(html) > 10**6 and html.rstrip().endswith("</html>")
    escaped = BIG_UNIT.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&#34;")
    assert html.count(escaped) >= 10**6 // len(BIG_UNIT) - 2
    page = inspect(html)
    assert "".join(text for _, text in page.spans) == big.text  # all of it, in order, as text
    assert [s for s, _ in page.spans if s == len(big.text) - 30]  # the added span is marked where it was put
    for needle in ('id="panel"', 'class="layers"', '<script src="/static/workbench.js"></script>', "<h2>Layers</h2>"):
        assert needle in html  # the page's tools are all there after the long line
    listing = hostile_client.get("/api/v1/documents").json()
    assert big.id in [d["id"] for d in listing["items"]]
