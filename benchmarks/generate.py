"""Synthetic incidents at scale, reproducible from a seed, written at bulk speed.

Usage: python benchmarks/generate.py N [--db URL_OR_PATH] [--seed S] [--batch B]

Each incident validates against ``incidents.schema.Incident`` and is stored through
``incidents.db.bulk.BulkWriter`` (the fast path of ``incidents import``), so derived
columns and the full-text index are what the ORM path would write. The 'create' history
entry is written only with ``--history`` (about 3.5 GB at a million incidents); without it
``incidents db check`` reports each incident's missing history, as it should. Distributions:
dates over 2014-2026 (most in 2022-2025), places from the offline gazetteer weighted to
Ukraine (55 %) and Russia (30 %) by population, 1-4 units from the actor lexicon, 1-3
sources and 1-3 claims (every source cited), casualty figures with long tails (Pareto).
"""

from __future__ import annotations

import argparse
import bisect
import hashlib
import itertools
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from incidents.schema import (
    ActorInvolvement,
    ActorRole,
    ActorType,
    CasualtyFigure,
    CasualtyKind,
    Cause,
    Claim,
    Context,
    DatePrecision,
    Incident,
    IncidentDate,
    Intent,
    Location,
    Mechanism,
    Population,
    ReviewStatus,
    Source,
    Stance,
    Verification,
)

YEARS = tuple(range(2014, 2027))
# Relative incident counts per year: low before the full-scale invasion, peak 2023-2024.
YEAR_WEIGHTS = (2, 2, 1, 1, 1, 1, 1, 1, 12, 20, 22, 16, 6)
COUNTRY_SHARE = (("UA", 0.55), ("RU", 0.30), (None, 0.15))
POOL_SIZES = (("UA", 1200), ("RU", 600), (None, 400))
OUTLETS = (
    ("Kyiv Post", "www.kyivpost.com"),
    ("Ukrainska Pravda", "www.pravda.com.ua"),
    ("Meduza", "meduza.io"),
    ("TASS", "tass.com"),
    ("RIA Novosti", "ria.ru"),
    ("BBC News Russian", "www.bbc.com"),
    ("Reuters", "www.reuters.com"),
    ("The Insider", "theins.ru"),
    ("Mediazona", "zona.media"),
    ("ASTRA", "t.me"),
    ("Suspilne", "suspilne.media"),
    ("Novaya Gazeta Europe", "novayagazeta.eu"),
)
CLAIMANTS = (
    ("General Staff of the Armed Forces of Ukraine", "UA"),
    ("Russian Ministry of Defence", "RU"),
    ("Belgorod regional governor", "RU"),
    ("Ukrainian Air Force", "UA"),
    ("Wagner Group", "RU"),
    ("Local residents", None),
    ("A Russian military blogger", "RU"),
    ("Ukrainian military intelligence", "UA"),
)
WEAPONS = (
    "FAB-500",
    "Su-34",
    "S-300",
    "Buk-M1",
    "Lancet",
    "FPV drone",
    "BM-21 Grad",
    "2S19 Msta-S",
    "Kh-59",
    "TM-62 mine",
    "Shahed-136",
    "Pantsir-S1",
)
UNITS = (
    "{n}th Motor Rifle Brigade",
    "{n}th Separate Mechanised Brigade",
    "{n}th Artillery Regiment",
    "{n}th Air Assault Battalion",
    "{n}th Territorial Defence Battalion",
)
TAGS = ("night", "convoy", "air-defence", "drone", "shelling", "training", "border", "urban")
COMMIT_EVERY = 50_000
HEDGES = ("reportedly", "according to preliminary data", "allegedly", "unconfirmed")


ACTOR_TYPES = [t.value for t in ActorType]
CAUSES = [c.value for c in Cause]
INTENTS = [i.value for i in Intent]
MECHANISMS = [m.value for m in Mechanism]
CONTEXTS = [c.value for c in Context]
REVIEW_STATUSES = [r.value for r in ReviewStatus]
VERIFICATIONS = [v.value for v in Verification]


@dataclass(frozen=True)
class Place:
    """A gazetteer place the generator draws from."""

    gazetteer_id: str
    name: str
    country: str


class Places:
    """Gazetteer places per country share, drawn with weight sqrt(population).

    Pools are the most populous places of each country group (``POOL_SIZES``).
    """

    def __init__(self) -> None:
        from incidents.gazetteer import default_gazetteer

        rows = default_gazetteer()._query(
            "SELECT gazetteer_id, name, country, population FROM places "
            "WHERE admin1 IS NOT NULL ORDER BY gazetteer_id",
            (),
        )
        self.pools: dict[str | None, tuple[list[Place], list[float]]] = {}
        for country, size in POOL_SIZES:
            chosen = [r for r in rows if (r[2] == country if country else r[2] not in ("UA", "RU"))]
            # The most populous places: incidents cluster, and each place is stored once.
            chosen = sorted(chosen, key=lambda r: (-r[3], r[0]))[:size]
            cumulative = list(itertools.accumulate(max(r[3], 1) ** 0.5 for r in chosen))
            self.pools[country] = ([Place(r[0], r[1], r[2]) for r in chosen], cumulative)

    def draw(self, rng: random.Random) -> Place:
        """One place: the country by share, then the place by population."""
        roll, country = rng.random(), None
        for code, share in COUNTRY_SHARE:
            if roll < share:
                country = code
                break
            roll -= share
        places, cumulative = self.pools[country]
        return places[bisect.bisect(cumulative, rng.random() * cumulative[-1])]


def _figure(rng: random.Random, kind: str, scale: float) -> dict[str, Any] | None:
    if rng.random() < 0.35:
        return None  # unknown is the absence of a figure
    best = min(int(rng.paretovariate(1.3) * scale) - int(scale), 5000)
    population = rng.choice(("military", "unknown"))
    if rng.random() < 0.2:
        high = best + int(rng.paretovariate(1.5) * 3)
        return {"kind": kind, "population": population, "low": best, "high": high}
    return {"kind": kind, "population": population, "low": best, "best": best, "high": best}


def _date(rng: random.Random) -> tuple[dict[str, Any], date]:
    year = rng.choices(YEARS, YEAR_WEIGHTS)[0]
    start = date(year, 1, 1) + timedelta(days=rng.randrange(365 if year < 2026 else 180))
    roll = rng.random()
    if roll < 0.75:
        return {"start": start, "end": start, "precision": "day"}, start
    if roll < 0.85:
        first = start.replace(day=1)
        last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        return {"start": first, "end": last, "precision": "month"}, last
    end = start + timedelta(days=rng.randrange(1, 7))
    return {"start": start, "end": end, "precision": "week" if roll < 0.95 else "range"}, end


def source_ref(source: dict[str, Any]) -> str:
    """The ref ``Source`` derives for a source without text (tests check they agree)."""
    basis = source.get("url") or (
        f"{source['outlet']}|{source.get('headline')}|{source.get('published')}"
    )
    return f"src-{hashlib.sha256(basis.encode('utf-8')).hexdigest()[:12]}"


def document(
    seed: int, index: int, places: Places, actors: Sequence[tuple[str, str]]
) -> dict[str, Any]:
    """The ``index``-th synthetic incident of ``seed`` as a plain document (any index alone)."""
    rng = random.Random(f"{seed}:{index}")
    when, latest = _date(rng)
    place = places.draw(rng)
    side = place.country if place.country in ("UA", "RU") else rng.choice(("UA", "RU"))
    own = [a for a in actors if a[1] == side] or list(actors)
    units = []
    for n in range(rng.choice((1, 2, 2, 2, 3, 4))):
        role = "firing" if n == 0 else "hit" if n == 1 else rng.choice(("hit", "other", "both"))
        if rng.random() < 0.5:
            name = rng.choice(own)[0]
        else:
            name = rng.choice(UNITS).format(n=rng.randrange(1, 250))
        units.append(
            {
                "name_as_written": name,
                "side": side,
                "role": role,
                "type": rng.choice(ACTOR_TYPES),
            }
        )
    n_sources = rng.choice((1, 1, 1, 2, 2, 3))
    sources: list[dict[str, Any]] = []
    for k in range(n_sources):
        outlet, domain = rng.choice(OUTLETS)
        published = latest + timedelta(days=rng.randrange(0, 20))
        if rng.random() < 0.2:
            # Outlet-only citations, shared by many incidents (as in flat CSV imports).
            sources.append({"outlet": outlet})
        else:
            sources.append(
                {
                    "outlet": outlet,
                    "url": f"https://{domain}/news/{seed}-{index}-{k}",
                    "headline": f"Friendly fire reported near {place.name}",
                    "published": published,
                    "language": rng.choice(("en", "uk", "ru")),
                }
            )
    # An outlet drawn twice without a URL would be one source; keep it once.
    unique = {(s["outlet"], s.get("url")): s for s in sources}
    refs = [source_ref(s) for s in unique.values()]
    sources = [{"ref": ref, **s} for s, ref in zip(unique.values(), refs, strict=True)]
    # Mostly three claims: about 2.7 million claims per million incidents.
    n_claims = max(len(sources), rng.choices((1, 2, 3), (1, 2, 12))[0])
    claims = []
    for c in range(n_claims):
        claimant, claimant_side = rng.choice(CLAIMANTS)
        figures = [
            f for f in (_figure(rng, "killed", 2.0), _figure(rng, "wounded", 4.0)) if f is not None
        ]
        claims.append(
            {
                "source": refs[c % len(refs)],
                "claimant": claimant,
                "claimant_side": claimant_side,
                "affected_side": side,
                "stance": rng.choices(("asserts", "denies", "unconfirmed"), (85, 7, 8))[0],
                "casualties": figures,
                "claimed_causes": rng.sample(CAUSES, rng.choice((0, 1, 1, 2))),
                "hedges": rng.sample(HEDGES, rng.choice((0, 0, 1))),
            }
        )
    mechanism = rng.choice(MECHANISMS)
    doc: dict[str, Any] = {
        "title": f"{mechanism.replace('_', ' ').capitalize()} on own forces near {place.name}",
        "date": when,
        "location": {"name_as_written": place.name, "gazetteer_id": place.gazetteer_id},
        "intent": rng.choices(INTENTS, (80, 5, 15))[0],
        "mechanism": mechanism,
        "context": rng.choice(CONTEXTS),
        "assessed_causes": rng.sample(CAUSES, rng.choice((0, 0, 1, 2))),
        "weapons": rng.sample(WEAPONS, rng.choice((0, 1, 1, 2))),
        "actors": units,
        "sources": sources,
        "claims": claims,
        "summary": f"Units of {units[0]['name_as_written']} fired on their own side near "
        f"{place.name}; {len(claims)} claim(s) from {len(sources)} source(s).",
        "tags": rng.sample(TAGS, rng.choice((0, 1, 2))),
        "review_status": rng.choice(REVIEW_STATUSES),
        "verification": rng.choice(VERIFICATIONS),
    }
    return doc


def incident(seed: int, index: int, places: Places, actors: Sequence[tuple[str, str]]) -> Incident:
    """The ``index``-th incident, built without validation (tests validate samples)."""
    return build(document(seed, index, places, actors))


def build(doc: dict[str, Any]) -> Incident:
    """``Incident.model_validate(doc)`` for generated documents, at a fraction of the cost.

    Validation dominates generation time; the generator's documents are valid by
    construction, and tests/test_bulk.py checks that samples validate to equal models.
    """
    when = doc["date"]
    return Incident.model_construct(
        title=doc["title"],
        date=IncidentDate.model_construct(
            start=when["start"], end=when["end"], precision=DatePrecision(when["precision"])
        ),
        location=Location.model_construct(**doc["location"]),
        intent=Intent(doc["intent"]),
        mechanism=Mechanism(doc["mechanism"]),
        context=Context(doc["context"]),
        assessed_causes=[Cause(c) for c in doc["assessed_causes"]],
        weapons=list(doc["weapons"]),
        actors=[
            ActorInvolvement.model_construct(
                name_as_written=a["name_as_written"],
                side=a["side"],
                role=ActorRole(a["role"]),
                type=ActorType(a["type"]),
            )
            for a in doc["actors"]
        ],
        # Every default_factory field is given: model_construct would inspect the factory's
        # signature on each call, which costs more than the rest of the construction.
        sources=[Source.model_construct(attribution=[], **s) for s in doc["sources"]],
        claims=[
            Claim.model_construct(
                source=c["source"],
                claimant=c["claimant"],
                claimant_side=c["claimant_side"],
                affected_side=c["affected_side"],
                stance=Stance(c["stance"]),
                casualties=[
                    CasualtyFigure.model_construct(
                        **{
                            **f,
                            "kind": CasualtyKind(f["kind"]),
                            "population": Population(f["population"]),
                        }
                    )
                    for f in c["casualties"]
                ],
                claimed_causes=[Cause(x) for x in c["claimed_causes"]],
                hedges=list(c["hedges"]),
                attribution=[],
            )
            for c in doc["claims"]
        ],
        summary=doc["summary"],
        tags=list(doc["tags"]),
        evidence=[],
        review_status=ReviewStatus(doc["review_status"]),
        verification=Verification(doc["verification"]),
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Generate N incidents into a database."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int)
    parser.add_argument("--db", default="bench.db", help="database URL or SQLite path")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--batch", type=int, default=2000)
    parser.add_argument(
        "--history",
        action="store_true",
        help="write the 'create' history entry per incident (as imports do; ~3.5 KB each)",
    )
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    count = generate(args.db, args.n, seed=args.seed, batch=args.batch, history=args.history)
    elapsed = time.perf_counter() - t0
    print(f"generated {count} incidents in {elapsed:.1f} s ({count / elapsed:,.0f}/s)")


def _fast_sqlite(dbapi_conn: Any, _record: Any) -> None:
    # Generated data can be generated again: trade durability for speed.
    dbapi_conn.execute("PRAGMA synchronous = OFF")
    dbapi_conn.execute("PRAGMA cache_size = -262144")


def generate(
    db: str,
    n: int,
    *,
    seed: int = 1,
    batch: int = 2000,
    history: bool = False,
    user: str = "generator",
) -> int:
    """Write ``n`` synthetic incidents into ``db`` (migrated first); return how many."""
    from sqlalchemy import event

    from incidents.config import normalize_url
    from incidents.db import migrate
    from incidents.db.bulk import BulkWriter
    from incidents.db.engine import make_engine, session_scope
    from incidents.services import builtin_actors, seed_actors, store_new

    engine = make_engine(normalize_url(db))
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _fast_sqlite)
    migrate.upgrade(engine)
    seed_actors(engine)
    places = Places()
    actors = [(a.name, a.side or "") for a in builtin_actors()]
    done = 0
    # Commits every COMMIT_EVERY incidents keep the SQLite WAL file small.
    for start in range(0, n, COMMIT_EVERY):
        with session_scope(engine) as session:
            writer = BulkWriter(session, user=user, batch_size=batch, history=history)
            for lo in range(start, min(start + COMMIT_EVERY, n), batch):
                docs = [incident(seed, i, places, actors) for i in range(lo, min(lo + batch, n))]
                writer.prefetch(docs)
                for doc in docs:
                    prepared = writer.prepare(doc)
                    if prepared is None:
                        writer.flush()
                        store_new(session, doc, user)
                        writer.invalidate()
                    else:
                        writer.add(prepared)
                writer.flush()
                done += len(docs)
                print(f"\r{done:,} / {n:,}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    engine.dispose()
    return done


if __name__ == "__main__":
    main(sys.argv[1:])
