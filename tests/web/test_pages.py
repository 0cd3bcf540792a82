"""Server-rendered pages: each renders with its headings and the corpus's data, filters narrow what they
show, unknown documents / actors / concepts give a 404 page, and /docs lists every API route."""

from __future__ import annotations

import html as htmllib
import re
from urllib.parse import quote

import pytest

import onrecord

from .conftest import SPEAKER, route_table

#: Every page and a URL that shows it; a new page fails test_every_page_is_listed until it is added here.
PAGES = {
    "/": "/", "/documents/{doc_id}": "/documents/1", "/actors": "/actors", "/concepts": "/concepts",
    "/actors/{actor_id}": "/actors/trump", "/concepts/{concept_id}": "/concepts/negotiations", "/network": "/network",
    "/predictions": "/predictions", "/shifts": "/shifts", "/docs": "/docs", "/favicon.ico": "/favicon.ico",
}


def _h1(text: str) -> str:
    return htmllib.unescape(re.sub(r"<[^>]+>", "", re.search(r"<h1>(.*?)</h1>", text, re.DOTALL).group(1))).strip()


def _doc_links(text: str) -> list[int]:
    """Document ids linked from the corpus table, in order, once each."""
    body = text.split('<table class="docs">', 1)[1].split("</table>", 1)[0]
    return list(dict.fromkeys(int(x) for x in re.findall(r'href="/documents/(\d+)"', body)))


def _results(text: str) -> str:
    return re.search(r'<h2 id="results">(.*?)</h2>', text).group(1)


def test_every_page_is_listed(client):
    pages = {p for m, p in route_table(client.app) if m == "GET" and not p.startswith("/api/")}
    assert pages == set(PAGES)


def test_every_page_renders(client):
    expected = {
        "/": "Corpus", "/documents/1": "Document 1", "/actors": "Actors", "/concepts": "Concepts",
        "/actors/trump": "Donald Trump trump", "/concepts/negotiations": "Negotiations negotiations",
        "/network": "Discourse network", "/predictions": "Prediction ledger", "/shifts": "Shifts and self-contradictions",
        "/docs": "REST API " + onrecord.__version__,
    }
    for url, heading in expected.items():
        r = client.get(url)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html"), url
        assert _h1(r.text) == heading, url
        assert '<nav>' in r.text and '<a href="/network">Network</a>' in r.text and '<script src="/static/workbench.js">' in r.text
    assert client.get("/favicon.ico").status_code == 204


def test_corpus_page_and_filters(client, analysed):
    page = client.get("/").text
    assert _results(page) == "2 documents" and _doc_links(page) == [1, 2]
    assert "Radio Sputnik / Escalation" in page and "Host, Alexander Dugin" in page
    row = page.split('href="/documents/1">2025-12-04</a>', 1)[1].split("</tr>", 1)[0]
    counts = [int(x) for x in re.findall(r"<td>(\d+)</td>", row)]
    layers = analysed.document(1).layers()
    assert counts == [layers.get(k, 0) for k in ("actor", "statement", "prediction", "technique", "claim")]
    for option in ("<option >Host</option>", f"<option >{SPEAKER}</option>", "<option >Radio Sputnik</option>",
                   '<option value="trump" >Donald Trump (2)</option>'):
        assert option in page, option

    def shown(**params) -> list[int]:
        r = client.get("/", params=params)
        assert r.status_code == 200
        return _doc_links(r.text)

    assert shown(speaker="Host") == [1] and shown(outlet="Radio Sputnik") == [1]
    assert shown(since="2025-07-01") == [1] and shown(until="2025-07-01") == [2] and shown(since="", until="") == [1, 2]
    assert shown(q="Istanbul") == [2] and shown(q='"fog of war"') == [1] and shown(actor="witkoff") == [1]
    assert shown(q="Witkoff", speaker=SPEAKER) == [1] and shown(q="Witkoff", until="2025-07-01") == []
    selected = client.get("/", params={"speaker": "Host", "q": "Witkoff"}).text
    assert "<option selected>Host</option>" in selected and 'value="Witkoff"' in selected
    none = client.get("/", params={"q": "zzzunknownword"}).text
    assert _results(none) == "0 documents" and "No documents match." in none
    for params, message in (({"since": "2025-13-01"}, "since must be a date"), ({"q": '"open'}, "bad search query")):
        bad = client.get("/", params=params)
        assert bad.status_code == 200 and f'<p class="error" role="alert">{message}' in bad.text.replace("&#39;", "'"), params
    assert client.get("/", params={"page": 0}).status_code == 422


def test_corpus_page_pagination(fresh, make_client, write):
    fresh.ingest([write(f"p{i:02d}.txt", f"date 2024-01-{i % 28 + 1:02d} Note number {i} about Kiev.") for i in range(50)])
    client = make_client(fresh)
    first = client.get("/").text
    assert _results(first) == "52 documents" and len(_doc_links(first)) == 50
    assert "page 1 of 2 (52)" in first and 'rel="next" href="/?page=2"' in first and 'rel="prev"' not in first
    second = client.get("/", params={"page": 2}).text
    assert len(_doc_links(second)) == 2 and 'rel="prev" href="/?page=1"' in second
    assert set(_doc_links(first)) | set(_doc_links(second)) == set(range(1, 53))
    filtered = client.get("/", params={"q": "Kiev", "page": 1}).text
    assert 'href="/?q=Kiev&amp;page=2"' in filtered  # the pager keeps the filters


def test_document_page(client, analysed):
    d = analysed.document(1)
    r = client.get("/documents/1")
    page = r.text
    assert "2025-12-04 · Radio Sputnik / Escalation" in page and f"{len(d.text)} characters · version 1" in page
    assert re.findall(r'<h3 class="speaker">(.*?)</h3>', page)[:2] == ["Host", SPEAKER]
    layers = d.layers()
    for layer in ("actor", "statement", "prediction", "technique", "claim"):
        assert re.search(rf'data-layer="{layer}" checked> <span class="swatch sw-{layer}">{layer}</span> <span class="n">{layers.get(layer, 0)}</span>', page)
    assert "bidirectional" not in page and 'id="add-form"' in page and '<datalist id="labels-statement">' in page
    statement = d.layer("statement")[0]
    marked = re.search(rf'<span id="s{statement.start}" class="seg ([^"]*)"[^>]*data-ids="([^"]*)"', page)
    assert marked and "l-statement" in marked.group(1) and str(statement.id) in marked.group(2).split()
    focused = client.get("/documents/1", params={"focus": f"{statement.start}-{statement.end}"}).text
    assert re.search(rf'<span id="s{statement.start}" class="[^"]*focus', focused)
    assert not re.search(r'class="[^"]*\bfocus', page.split('id="doctext"')[1].split("</article>")[0])
    assert client.get("/documents/1", params={"focus": "ten-twenty"}).status_code == 422


def test_labels_actor_and_concept_pages(client, analysed):
    actors = client.get("/actors").text
    assert '<a href="/actors/trump">Donald Trump</a> <code>trump</code>' in actors and "<td>person</td>" in actors
    concepts = client.get("/concepts").text
    assert '<a href="/concepts/negotiations">Negotiations</a> <code>negotiations</code>' in concepts

    actor = client.get("/actors/trump").text
    for heading in ("Statements by Donald Trump over time", "Aliases seen", "Concepts supported / opposed", "Co-occurring actors",
                    "Statements by Donald Trump", "Statements about Donald Trump (by others)"):
        assert f"<h2>{heading}</h2>" in actor, heading
    n_by = sum(a.attrs.get("holder") == "trump" for d in analysed.documents() for a in d.layer("statement"))
    assert f"{n_by} statements held" in actor and "<svg" in actor and "“Trump”" in actor
    assert client.get("/actors/trump", params={"unit": "year"}).status_code == 200
    assert client.get("/actors/trump", params={"unit": "fortnight"}).status_code == 422
    speaker = client.get(f"/actors/{quote('speaker:' + SPEAKER)}").text
    assert _h1(speaker) == f"{SPEAKER} (speaker) speaker:{SPEAKER}"

    concept = client.get("/concepts/negotiations").text
    n = sum(a.label == "negotiations" for d in analysed.documents() for a in d.layer("statement"))
    assert f"{n} statements in 2 documents" in concept and "<h2>Holders for and against</h2>" in concept
    assert f"{SPEAKER} (speaker)" in concept and "<h2>Co-occurring concepts</h2>" in concept


def test_unknown_things_give_a_404_page(client):
    for url, message in (("/documents/999", "no document"), ("/actors/nobody_at_all", "no actor"),
                         ("/concepts/no_such_concept", "no statements on concept"), ("/no/such/page", "Not Found")):
        r = client.get(url)
        assert r.status_code == 404 and r.headers["content-type"].startswith("text/html"), url
        assert "<h1>Error 404</h1>" in r.text and message in r.text and '<a href="/">Back to the corpus</a>' in r.text, url
    as_json = client.get("/documents/999", headers={"Accept": "application/json"})
    assert as_json.status_code == 404 and as_json.json()["error"]["status"] == 404
    assert client.get("/documents/abc").status_code == 422 and "<h1>Error 422</h1>" in client.get("/documents/abc").text


def test_network_page(client):
    page = client.get("/network").text
    net = client.get("/api/v1/networks").json()
    summary = f'{net["statements"]} statements · {len(net["nodes"])} nodes · {len(net["edges"])} edges'
    assert summary in page and "<svg" in page and 'class="current">whole period</a>' in page
    for fmt in ("gexf", "graphml", "csv", "edgelist", "dna"):
        assert re.search(rf'href="/api/v1/networks/export\?[^"]*format={fmt}', page), fmt
    windows = re.search(r"\(window 1 of (\d+)\)", client.get("/network", params={"w": 0, "months": 1}).text)
    assert windows and int(windows.group(1)) == 7  # June to December 2025, one month each
    last = client.get("/network", params={"w": 99, "months": 1}).text  # past the end: the last window
    assert "(window 7 of 7)" in last and "2025-12-01 … 2025-12-31" in last and 'id="win-next"' not in last
    late = client.get("/api/v1/networks", params={"since": "2025-12-01", "until": "2025-12-31"}).json()
    assert f'{late["statements"]} statements ·' in last
    one = client.get("/network", params={"type": "onemode"}).text
    onemode = client.get("/api/v1/networks", params={"type": "onemode"}).json()
    assert f'{len(onemode["nodes"])} nodes' in one
    bad = client.get("/network", params={"aggregation": "bogus"})
    assert bad.status_code == 200 and "aggregation &#39;bogus&#39; is not available" in bad.text
    assert client.get("/network", params={"w": "first"}).status_code == 422
    assert client.get("/network", params={"months": 0}).status_code == 422


def test_predictions_page(client, analysed):
    page = client.get("/predictions").text
    ledger = analysed.predictions()
    assert len(re.findall(r'<tr id="p\d+">', page)) == len(ledger) and len(re.findall(r'class="resolve-form"', page)) == len(ledger)
    dugin = sum(p["speaker"] == SPEAKER for p in ledger)
    assert re.search(rf'<a href="/predictions\?speaker=Alexander%20Dugin">{SPEAKER}</a></td><td>{dugin}</td>', page)
    host = client.get("/predictions", params={"speaker": "Host"}).text
    assert len(re.findall(r'<tr id="p\d+">', host)) == sum(p["speaker"] == "Host" for p in ledger)
    assert "No predictions match." in client.get("/predictions", params={"status": "true"}).text
    assert client.get("/predictions", params={"status": "bogus"}).status_code == 422


def test_shifts_page(client, analysed):
    shifts = analysed.shifts()
    page = client.get("/shifts").text
    assert f"<p class=\"meta\">{len(shifts)} shifts, highest score first." in page
    assert len(re.findall(r"<tr><td>\d\.\d\d</td>", page)) == min(50, len(shifts))
    none = client.get("/shifts", params={"speaker": "Nobody"}).text
    assert "0 shifts" in none and "No shifts found." in none
    concept = client.get("/shifts", params={"concept": "negotiations"}).text
    assert f"{len(analysed.shifts(concept='negotiations'))} shifts" in concept and 'value="negotiations"' in concept
    semantic = client.get("/shifts", params={"kind": "semantic"}).text
    n_semantic = len(analysed.shifts(kind="semantic"))
    assert f"{n_semantic} shifts" in semantic and semantic.count("similarity 0.") == min(50, n_semantic)
    assert client.get("/shifts", params={"kind": "sideways"}).status_code == 422


def test_api_docs_page_lists_every_api_route(client):
    page = client.get("/docs").text
    routes = [(m, p) for m, p in route_table(client.app) if p.startswith("/api/v1")]
    assert len(routes) >= 20
    for method, path in routes:
        assert f"<td><code>{method}</code></td><td><code>{path}</code></td>" in page, (method, path)
    for schema in ("NewAnnotation", "Correction", "Verdict", "AnalysisRequest"):
        assert f'<section id="schema-{schema}"><h3>{schema}</h3>' in page
    assert '<a href="/openapi.json">/openapi.json</a>' in page and "X-Onrecord-Write: 1" in page
    assert "per_page</code> (query, integer" in page


@pytest.mark.parametrize("url", ["/", "/documents/1", "/actors/trump", "/predictions"])
def test_pages_in_read_only_mode(analysed, make_client, url):
    page = make_client(analysed, read_only=True).get(url).text
    assert '<span class="badge">read-only</span>' in page and 'id="reviewer"' not in page
    assert "Select text to add a span." not in page and "resolve-form" not in page
