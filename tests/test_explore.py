"""Browsing queries: the holder lookup of actor profiles goes through its index."""

from sqlalchemy import select

from onrecord.store import schema
from onrecord.store.queries import holder_of


def test_holder_lookup_uses_the_holder_index(corpus):
    with corpus.store.read() as conn:
        q = select(schema.annotations.c.id).where(holder_of(conn) == "russia")
        sql = str(q.compile(conn, compile_kwargs={"literal_binds": True}))
        plan = " ".join(str(row[-1]) for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))
    assert "ix_annotations_holder" in plan, plan


def test_actor_profile_texts_match_their_spans(corpus, samples):
    corpus.ingest(samples, speaker="Alexander Dugin")
    corpus.analyze(workers=0)
    from onrecord import explore

    with corpus.store.read() as conn:
        holder = conn.execute(select(holder_of(conn)).where(schema.annotations.c.layer == "statement")
                              .where(holder_of(conn).is_not(None)).limit(1)).scalar()
        profile = explore.actor_profile(conn, holder, limit=3)
    texts = {d.id: d.text for d in corpus.documents()}
    assert profile["statements_by"] and len(profile["statements_by"]) <= 3
    for s in profile["statements_by"]:
        assert s["text"] == texts[s["doc_id"]][s["start"]:s["end"]] and s["holder"] == holder


def test_statements_about_an_actor_walked_by_date_equal_the_direct_match(corpus, samples, monkeypatch):
    from onrecord import explore

    corpus.ingest(samples, speaker="Alexander Dugin")
    corpus.analyze(workers=0)
    with corpus.store.read() as conn:
        actors = [a for (a,) in conn.execute(select(schema.annotations.c.label).where(schema.annotations.c.layer == "actor").distinct())]
        compared = 0
        for actor in actors:
            direct = explore.actor_profile(conn, actor, limit=5)
            monkeypatch.setattr(explore, "ABOUT_WALK_FROM", 0)
            walked = explore.actor_profile(conn, actor, limit=5)
            monkeypatch.setattr(explore, "ABOUT_WALK_FROM", 2000)
            assert walked == direct, actor
            compared += bool(direct["statements_about"])
    assert compared >= 3  # the samples have actors that others speak about
