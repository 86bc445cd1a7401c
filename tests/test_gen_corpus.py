"""The benchmark corpus generator (benchmarks/gen_corpus.py) is deterministic and well-formed."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _load_gen():
    spec = importlib.util.spec_from_file_location(
        "bench_gen_corpus", ROOT / "benchmarks" / "gen_corpus.py"
    )
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


gen = _load_gen()


def _files(out: Path) -> dict[str, bytes]:
    art = out / "content" / "articles"
    return {p.name: p.read_bytes() for p in sorted(art.glob("*.md"))}


def _front_matter(data: bytes) -> dict:
    text = data.decode("utf-8")
    assert text.startswith("---\n")
    fm, body = text[4:].split("\n---\n", 1)
    assert body.strip()
    return yaml.safe_load(fm)


def test_same_seed_gives_identical_files(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    assert gen.main(["--n", "30", "--seed", "7", "--out", str(a), "--quiet"]) == 0
    assert gen.main(["--n", "30", "--seed", "7", "--out", str(b), "--quiet", "--jobs", "1"]) == 0
    fa, fb = _files(a), _files(b)
    assert len(fa) == 30
    assert fa == fb
    assert (a / "truth.jsonl").read_bytes() == (b / "truth.jsonl").read_bytes()

    c = tmp_path / "c"
    gen.main(["--n", "30", "--seed", "8", "--out", str(c), "--quiet"])
    assert _files(c) != fa


def test_front_matter_ids_and_events(tmp_path):
    gen.main(["--n", "30", "--seed", "1", "--out", str(tmp_path), "--quiet"])
    files = _files(tmp_path)
    assert len(files) == 30
    ids = []
    by_id = {}
    for name, data in files.items():
        fm = _front_matter(data)
        for key in ("id", "title", "source", "url", "date"):
            assert fm.get(key), (name, key)
        assert name == f"{fm['id']}.md"
        assert str(fm["date"]).startswith("2025-")
        assert fm["url"].startswith("https://")
        ids.append(fm["id"])
        by_id[fm["id"]] = fm
    assert len(set(ids)) == len(ids)

    events = [json.loads(line) for line in (tmp_path / "truth.jsonl").read_text().splitlines()]
    assert sum(len(e["articles"]) for e in events) == 30
    multi = [e for e in events if len(e["articles"]) >= 2]
    assert multi
    for e in multi:
        sources = [by_id[i]["source"] for i in e["articles"]]
        assert len(set(sources)) == len(sources)  # distinct outlets per event
        dates = sorted(by_id[i]["date"] for i in e["articles"])
        assert (dates[-1] - dates[0]).days <= 2  # one event spans 1-3 days


def test_refuses_to_overwrite_without_force(tmp_path):
    gen.main(["--n", "5", "--seed", "1", "--out", str(tmp_path), "--quiet"])
    try:
        gen.main(["--n", "5", "--seed", "2", "--out", str(tmp_path), "--quiet"])
    except SystemExit as exc:
        assert "already has" in str(exc)
    else:
        raise AssertionError("expected SystemExit")
    gen.main(["--n", "4", "--seed", "2", "--out", str(tmp_path), "--quiet", "--force"])
    assert len(_files(tmp_path)) == 4
