"""Workbench latency benchmark: p50/p95/p99 of the document, corpus, actor and network pages and of
full-text search, served by ``onrecord serve`` over a generated store of 100,000 documents, under a
bounded loopback load (a fixed number of concurrent clients, each sending its next request when the
last one is answered).

    .venv/bin/python bench/serve.py [--docs 100000] [--concurrency 4] [--requests 200]

The store is generated, not analysed (the NLP pipeline would take hours on 100,000 documents): speaker
turns of 100-300 words over two years, 8 outlets x 5 programmes, 60 guests, codebook actors named in the text, and
annotation rows shaped like the analyzers' (turn, sentence, actor, statement with holder / concept /
polarity / speaker, prediction, technique). It is cached in bench/.cache/ keyed by its parameters, so a
rerun starts serving at once. The server runs in a subprocess on a free 127.0.0.1 port.

Prints one table: per route the requests, p50 / p95 / p99 / max in ms, the target and whether it is
met, and p50 / p95 as multiples of two baselines measured in the same run against the same server
and store: a static file (the floor of any request: HTTP, middleware, routing) and a bare sqlite3
FTS5 MATCH of the same search queries (the floor of a search).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from urllib.parse import quote

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))

import httpx  # noqa: E402

import onrecord  # noqa: E402
from onrecord._types import Annotation, DocumentInput, Meta  # noqa: E402
from onrecord.analysis.codebook import load_actor_codebook, load_concept_codebook  # noqa: E402
from onrecord.store.writer import write_document  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
GENERATOR_VERSION = 1  # bump when the generated store changes shape (the cache key includes it)

TOPIC = (
    "negotiations delegation truce ceasefire position sanctions Kiev Washington Moscow Europe war peace security "
    "guarantees territory recognition interests conditions talks summit leaders president minister proposal respite "
    "escalation nuclear threat society victory front offensive strategic compromise demands memoranda exchange "
    "analysis press announcement Minsk Donbass referendum elections army missiles drones energy grain Istanbul"
).split()
GLUE = "the of and to a in is that this it for with on as by from not we they will would could must".split()
PHRASES = ["temporary truce", "security guarantees", "peace settlement", "special military operation", "frozen conflict",
           "long-range missiles", "new regions", "energy infrastructure", "prisoner exchange", "direct talks"]
OUTLETS = [f"{name}, {show}" for name in ("Radio Sputnik", "Tsargrad", "Vesti FM", "RT", "Zvezda", "Channel One", "NTV", "Rossiya 1")
           for show in ("Main Topic", "Evening", "Escalation", "Opinion", "Weekend")]
GUESTS = [f"{first} {last}" for first, last in zip(
    ("Alexander", "Sergey", "Dmitry", "Fyodor", "Andrei", "Mikhail", "Vladimir", "Yevgeny", "Igor", "Oleg") * 6,
    ("Dugin", "Karaganov", "Trenin", "Lukyanov", "Sushentsov", "Delyagin", "Solovyov", "Satanovsky", "Korotchenko", "Tsaryov",
     "Markov", "Bagdasarov", "Kurginyan", "Kortunov", "Leontiev", "Shevchenko", "Mardan", "Mikheev", "Prokhanov", "Kiselyov",
     "Starikov", "Fedorov", "Kosachev", "Zakharova", "Lavrentiev", "Simonyan", "Gasparyan", "Matviychuk", "Kedmi", "Skobeeva",
     "Popov", "Zhuravlev", "Belousov", "Bezrukov", "Tsyganok", "Kolesnikov", "Orlov", "Vorobyov", "Malkevich", "Nadana",
     "Kasparov", "Rudenko", "Ivanov", "Petrov", "Sidorov", "Smirnov", "Volkov", "Kuznetsov", "Sokolov", "Lebedev",
     "Kozlov", "Novikov", "Morozov", "Pavlov", "Semenov", "Golubev", "Vinogradov", "Bogdanov", "Vasiliev", "Zaitsev"),
)]
TECHNIQUES = ["Loaded_Language", "Name_Calling,Labeling", "Repetition", "Exaggeration,Minimisation", "Doubt",
              "Appeal_to_fear-prejudice", "Flag-Waving", "Causal_Oversimplification", "Slogans", "Appeal_to_Authority",
              "Black-and-White_Fallacy", "Thought-terminating_Cliches", "Whataboutism,Straw_Men,Red_Herring",
              "Bandwagon,Reductio_ad_hitlerum"]
SEARCHES = ["truce", "ceasefire", '"temporary truce"', '"security guarantees"', "truce AND Kiev", "truce OR ceasefire",
            "truce NOT Minsk", "sanctions AND Washington", "referendum", "Istanbul AND grain", "memoranda", "Donbass OR Minsk",
            '"prisoner exchange" AND drones', "nuclear", "zelov", "karimba OR dostral"]


def _vocabulary(rng: random.Random, n: int = 4000) -> list[str]:
    syllables = "ka to mi ra se lo vin dor pe tra shi nov gal bez ust pri zel mar dos kim ba el or an".split()
    words = {"".join(rng.choice(syllables) for _ in range(rng.randint(2, 3))) for _ in range(n * 2)}
    return sorted(words)[:n]


class Generator:
    """Deterministic synthetic transcripts with their annotation rows."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.actors = [(a.id, a.name, a.type) for a in load_actor_codebook(None)]
        self.concepts = [c.id for c in load_concept_codebook(None)]
        rare = _vocabulary(self.rng)
        self.words = GLUE * 40 + TOPIC * 3 + rare  # glue words frequent, topic words common, the rest rare
        self.actor_weights = [1 / (i + 1) for i in range(len(self.actors))]  # Zipf: a few actors dominate
        self.guest_weights = [1 / (i + 1) ** 0.7 for i in range(len(GUESTS))]

    def sentence(self) -> str:
        rng = self.rng
        words = rng.choices(self.words, k=rng.randint(8, 22))
        if rng.random() < 0.15:
            at = rng.randrange(len(words))
            words[at:at] = rng.choice(PHRASES).split()
        return " ".join(words).capitalize() + "."

    def document(self, i: int, start: dt.date) -> DocumentInput:
        rng = self.rng
        day = start + dt.timedelta(days=rng.randrange(730))
        outlet = rng.choice(OUTLETS)
        guest = rng.choices(GUESTS, self.guest_weights)[0]
        host = "Host"
        budget, who = rng.randint(100, 300), host
        parts: list[str] = []
        anns: list[Annotation] = []
        at = 0
        while budget > 0:
            label = f"{who}: "
            label_start = at
            at += len(label)
            turn_start, sentences = at, []
            for _ in range(rng.randint(1, 5)):
                s = self.sentence()
                actor = None
                if rng.random() < 0.6:  # name an actor of the codebook at the end of the sentence
                    actor = rng.choices(self.actors, self.actor_weights)[0]
                    s = s[:-1] + f" {actor[1]}."
                sentences.append((s, actor))
                budget -= s.count(" ") + 1
                if budget <= 0:
                    break
            for s, actor in sentences:
                s_start, s_end = at, at + len(s)
                anns.append(Annotation(s_start, s_end, "sentence", "sentence", {"speaker": who}, source="onrecord.sentences.v1"))
                if actor:
                    m_start = s_end - 1 - len(actor[1])
                    anns.append(Annotation(m_start, s_end - 1, "actor", actor[0],
                                           {"name": actor[1], "type": actor[2], "match": "codebook", "speaker": who},
                                           round(rng.uniform(0.6, 1.0), 2), "onrecord.actors.v1"))
                if who != host and rng.random() < 0.4:
                    holder = actor[0] if actor and rng.random() < 0.7 else f"speaker:{who}"
                    concept = rng.choice(self.concepts) if rng.random() < 0.85 else "other"
                    attrs = {"speaker": who, "holder": holder, "polarity": rng.choice(("support", "oppose", "oppose", "neutral")),
                             "modality": rng.choice(("asserted", "hedged", "reported")), "kind": rng.choice(("claim", "position", "evaluation")),
                             "predicate": rng.choice(("want", "reject", "demand", "support", "insist"))}
                    attrs["cue" if concept != "other" else "phrase"] = rng.choice(TOPIC)
                    anns.append(Annotation(s_start, s_end, "statement", concept, attrs, round(rng.uniform(0.4, 1.0), 2),
                                           "onrecord.statements.v1"))
                if who != host and rng.random() < 0.08:
                    anns.append(Annotation(s_start, s_end, "prediction", rng.choice(self.concepts),
                                           {"speaker": who, "holder": f"speaker:{who}", "confidence": "likely", "status": "open",
                                            "negated": False, "horizon": None, "horizon_start": None, "horizon_end": None,
                                            "horizon_kind": None, "cue": rng.choice(TOPIC)},
                                           round(rng.uniform(0.5, 1.0), 2), "onrecord.predictions.v1"))
                if rng.random() < 0.1:
                    anns.append(Annotation(s_start, min(s_end, s_start + 30), "technique", rng.choice(TECHNIQUES),
                                           {"cue": s[:12], "rule": "bench", "speaker": who}, round(rng.uniform(0.3, 0.9), 2),
                                           "onrecord.techniques.v1"))
                at = s_end + 1
            body = " ".join(s for s, _ in sentences)
            anns.append(Annotation(turn_start, turn_start + len(body), "turn", who,
                                   {"speaker": who, "label_start": label_start, "label_end": label_start + len(who)},
                                   source="onrecord.transcript.v1"))
            parts.append(label + body)
            at = turn_start + len(body) + 2
            who = guest if who == host else host
        text = "\n\n".join(parts) + f"\n\n[{i}]"
        anns.sort(key=lambda a: (a.start, a.end, a.layer))
        meta = Meta(date=day, outlet=outlet.split(", ")[0], programme=outlet.split(", ")[1],
                    title=f"{outlet.split(', ')[1]} with {guest}", author=guest, language="en")
        return DocumentInput(text, meta, anns, "text", f"bench/{i // 1000:03d}/t{i:06d}.txt")


def build_store(path: str, docs: int, seed: int) -> None:
    tmp = path + ".partial"
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(tmp + suffix):
            os.unlink(tmp + suffix)
    gen = Generator(seed)
    start = dt.date(2024, 1, 1)
    t = time.perf_counter()
    speaker_ids: dict[str, int] = {}
    with onrecord.open(tmp) as corpus:
        for at in range(0, docs, 2000):
            with corpus.store.write() as conn:
                for i in range(at, min(docs, at + 2000)):
                    _, _, created = write_document(conn, gen.document(i, start), speaker_ids=speaker_ids)
                    speaker_ids.update(created)
            print(f"\rgenerating the store: {min(docs, at + 2000):,}/{docs:,} documents ({time.perf_counter() - t:.0f}s)",
                  end="", flush=True)
    print()
    for suffix in ("-wal", "-shm", ""):  # closing checkpoints the WAL; the main file moves last
        if os.path.exists(tmp + suffix):
            os.replace(tmp + suffix, path + suffix)


# -- the server and the load ---------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db: str, port: int) -> subprocess.Popen:
    exe = os.path.join(os.path.dirname(sys.executable), "onrecord")
    cmd = [exe] if os.path.exists(exe) else [sys.executable, "-c", "from onrecord.cli import main; main()"]
    proc = subprocess.Popen([*cmd, "--db", db, "serve", "--port", str(port), "--read-only"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 300  # opening may apply a migration (a new index) to the cached store
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited: {proc.stderr.read()}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/favicon.ico", timeout=2).status_code == 204:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit("the server did not start within 300 s")


def drive(base: str, jobs: list[tuple[str, str]], concurrency: int) -> dict[str, list[float]]:
    """Send ``jobs`` (route, path) from ``concurrency`` clients; returns route -> latencies in ms."""
    lock = threading.Lock()
    todo = iter(jobs)
    out: dict[str, list[float]] = {}
    failures: list[str] = []

    order: dict[str, list[tuple[str, float]]] = {}

    def client() -> None:
        with httpx.Client(base_url=base, timeout=120) as http:
            while True:
                with lock:
                    job = next(todo, None)
                if job is None:
                    return
                route, path = job
                t = time.perf_counter()
                r = http.get(path)
                r.read()
                ms = (time.perf_counter() - t) * 1000
                with lock:
                    out.setdefault(route, []).append(ms)
                    order.setdefault(route, []).append((path, ms))
                    if r.status_code != 200:
                        failures.append(f"{r.status_code} {path}: {r.text[:200]}")

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    if failures:
        raise SystemExit(f"{len(failures)} request(s) failed, e.g. {failures[0]}")
    for route, sent in order.items():  # the server caches some views: time the first request of each URL apart
        seen: set[str] = set()
        first = [ms for path, ms in sent if not (path in seen or seen.add(path))]
        if 1 < len(first) < len(sent):
            out[route + " #first"] = first
    return out


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(p / 100 * len(ordered) + 0.5)) - 1))]


def month_windows(first: dt.date, last: dt.date, months: int) -> list[tuple[dt.date, dt.date]]:
    out, y, m = [], first.year, first.month
    while dt.date(y, m, 1) <= last:
        ey, em = divmod(y * 12 + m - 1 + months, 12)
        out.append((dt.date(y, m, 1), dt.date(ey, em + 1, 1) - dt.timedelta(days=1)))
        y, m = divmod(y * 12 + m, 12)
        m += 1
    return out


def bare_fts(db: str, queries: list[str], rounds: int) -> list[float]:
    """The floor of a search: a bare sqlite3 FTS5 MATCH (count + the 50 newest rowids) per query."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    out = []
    for _ in range(rounds):
        for q in queries:
            t = time.perf_counter()
            conn.execute("SELECT count(*) FROM document_fts WHERE document_fts MATCH ?", (q,)).fetchone()
            conn.execute("SELECT rowid FROM document_fts WHERE document_fts MATCH ? ORDER BY rowid DESC LIMIT 50", (q,)).fetchall()
            out.append((time.perf_counter() - t) * 1000)
    conn.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--concurrency", type=int, default=4, help="concurrent clients (each waits for its answer)")
    ap.add_argument("--requests", type=int, default=200, help="requests per route")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--cache", default=os.path.join(HERE, ".cache"), help="folder of generated stores")
    args = ap.parse_args()

    os.makedirs(args.cache, exist_ok=True)
    db = os.path.join(args.cache, f"serve-{args.docs}-s{args.seed}-g{GENERATOR_VERSION}.db")
    if not os.path.exists(db):
        t = time.perf_counter()
        build_store(db, args.docs, args.seed)
        print(f"generated {db} in {time.perf_counter() - t:.0f}s")
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        n_docs = conn.execute("SELECT count(*) FROM documents").fetchone()[0]
        layers = dict(conn.execute("SELECT layer, count(*) FROM annotations GROUP BY layer").fetchall())
        first, last = (dt.date.fromisoformat(x) for x in conn.execute("SELECT min(date), max(date) FROM document_meta").fetchone())
        ids = [r[0] for r in conn.execute("SELECT id FROM documents")]
        holders = [r[0] for r in conn.execute(
            "SELECT label FROM annotations WHERE layer = 'actor' GROUP BY label ORDER BY count(*) DESC LIMIT 40")]
    print(f"{n_docs:,} documents, " + ", ".join(f"{n:,} {layer}" for layer, n in sorted(layers.items())))

    rng = random.Random(args.seed)
    n = args.requests
    wins = month_windows(first, last, 3)
    speakers = GUESTS[:20]
    routes = {
        "baseline: static file /static/workbench.css": ["/static/workbench.css"] * n,
        "document page /documents/ID": [f"/documents/{rng.choice(ids)}" for _ in range(n)],
        "corpus page / (pages, filters)": [rng.choice(["/", f"/?page={rng.randint(2, 40)}",
                                                       f"/?speaker={quote(rng.choice(speakers))}",
                                                       f"/?outlet={quote(rng.choice(OUTLETS).split(', ')[0])}",
                                                       f"/?since={wins[rng.randrange(len(wins))][0]}&until={wins[rng.randrange(len(wins))][1]}"])
                                           for _ in range(n)],
        "corpus page /?q= (full-text)": [f"/?q={quote(rng.choice(SEARCHES))}" for _ in range(n)],
        "actor page /actors/ID": [f"/actors/{rng.choice(holders)}" for _ in range(n)],
        # per_page=20: not the corpus page's cached 50-row listings of the same queries
        "search API /api/v1/search?q=": [f"/api/v1/search?q={quote(rng.choice(SEARCHES))}&per_page=20" for _ in range(n)],
        "network page /network (3-month windows)": [f"/network?months=3&w={rng.randrange(len(wins))}" for _ in range(n)],
        "networks API /api/v1/networks (windows)": [
            "/api/v1/networks?since={}&until={}".format(*rng.choice(wins)) + rng.choice(["", "&type=onemode"]) for _ in range(n)],
    }
    targets = {"search API /api/v1/search?q=": 50.0}

    load_before = os.getloadavg()[0]
    port = free_port()
    server = start_server(db, port)
    try:
        base = f"http://127.0.0.1:{port}"
        drive(base, [("warm-up", p) for p in ("/", "/documents/1", "/static/workbench.css", "/api/v1/search?q=truce")], 1)
        lat, wall = {}, {}
        for route, paths in routes.items():  # one route at a time, so each row is that route's own latency
            t = time.perf_counter()
            lat.update(drive(base, [(route, p) for p in paths], args.concurrency))
            wall[route] = time.perf_counter() - t
    finally:
        server.terminate()
        server.wait(timeout=30)
    fts = bare_fts(db, SEARCHES, max(1, n // len(SEARCHES)))

    static = lat.pop("baseline: static file /static/workbench.css")
    rows = [("baseline: static file /static/workbench.css", static, None, wall.pop("baseline: static file /static/workbench.css")),
            ("baseline: bare sqlite3 FTS5 MATCH, in process", fts, None, None)]
    for route in routes:
        if route in lat:
            rows.append((route, lat[route], targets.get(route, 200.0), wall[route]))
        if route + " #first" in lat:
            rows.append(("  the same, first request of each URL only", lat[route + " #first"], targets.get(route, 200.0), None))
    s50, f50 = pct(static, 50), pct(fts, 50)
    print(f"\n{n} requests per route from {args.concurrency} concurrent clients, one route at a time; server (one "
          f"uvicorn process) and clients on 127.0.0.1, {os.cpu_count()} cores\n")
    print(f"| {'route':<46} | {'requests':>8} | {'req/s':>5} | {'p50 ms':>7} | {'p95 ms':>7} | {'p99 ms':>7} | {'max ms':>7} "
          f"| {'target p95':>10} | {'met':>4} | {'p50 x static':>12} | {'p50 x FTS5':>10} |")
    print(f"|{'-' * 48}|{'-' * 10}|{'-' * 7}|{'-' * 9}|{'-' * 9}|{'-' * 9}|{'-' * 9}|{'-' * 12}|{'-' * 6}|{'-' * 14}|{'-' * 12}|")
    met_all = True
    for route, ms, target, secs in rows:
        p50, p95 = pct(ms, 50), pct(ms, 95)
        met = "" if target is None else ("yes" if p95 < target else "NO")
        met_all &= met != "NO"
        tgt = "" if target is None else f"< {target:.0f} ms"
        rate = f"{len(ms) / secs:>5.0f}" if secs else f"{'':>5}"
        print(f"| {route:<46} | {len(ms):>8} | {rate} | {p50:>7.1f} | {p95:>7.1f} | {pct(ms, 99):>7.1f} | {max(ms):>7.1f} "
              f"| {tgt:>10} | {met:>4} | {p50 / s50:>11.1f}x | {p50 / f50:>9.1f}x |")
    print(f"\ntargets (p95 < 200 ms pages, < 50 ms search): {'all met' if met_all else 'NOT all met'}; "
          f"load average before / after: {load_before:.1f} / {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
