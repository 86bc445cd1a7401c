#!/usr/bin/env python3
"""Measure digest's story grouping and difference detection against the evaluation set.

The evaluation sets are tests/eval/ (written next to the rules) and tests/eval2/ (written
after them, frozen before the rules changed; ``--set eval2``): articles (articles/*.md), the
true grouping and the annotated differences (expected.yaml), and reported differences a
human accepted although they were not annotated (judged.yaml).

By default the script copies the articles into a temporary project (content/articles/), runs
``python -m digest build --root DIR`` and scores DIR/site/api/stories.json. It prints:

* grouping: B-cubed precision, recall and F1 over article ids;
* differences: recall per kind (planted differences found) and precision per kind (reported
  differences of kinds number/date/name/quote/claim/attribution that match a planted or a
  judged difference; coverage and unknown kinds are counted but not scored);
* how many planted not_differences (e.g. "two" vs "2") were wrongly reported.

Matching rule: a planted difference is found when a reported difference of the same kind,
in a predicted story containing at least one of the planted articles, matches its values:
each expected value (or one of its alternatives) is a case-insensitive substring of a
*different* reported value, looking at the value text and its evidence sentences. Curly
quotes and apostrophes are straightened and whitespace collapsed before comparing;
diacritics are kept ("Erdogan" does not match "Erdoğan"). not_differences are matched on
reported value texts only (not evidence sentences), restricted to their kind(s).

Two optional keys of an annotated difference ask how it is shown, and count for recall
only (a real difference shown the wrong way is still no false alarm): ``detail`` (a string
or a list: the reported difference's detail must be one of them, e.g. "updated" for a
figure that changed between reports) and ``parts: true`` (some reported value must list
the parts it sums: ``"parts"`` in stories.json).

This is a measurement, not a test: it always exits 0.

Usage:
    python benchmarks/eval_compare.py                 # build and score
    python benchmarks/eval_compare.py --show-misses   # plus what was missed / unmatched
    python benchmarks/eval_compare.py --set eval2     # the second set (tests/eval2/)
    python benchmarks/eval_compare.py --gold-groups   # differences on the true grouping
    python benchmarks/eval_compare.py --json          # figures as JSON
    python benchmarks/eval_compare.py --stories-json path/to/stories.json   # score a file
    python benchmarks/eval_compare.py --check         # validate the evaluation set itself

Only the standard library and PyYAML are used.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import traceback
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import yaml

SCORED_KINDS: tuple[str, ...] = ("number", "date", "name", "quote", "claim", "attribution")
ALL_KINDS: tuple[str, ...] = SCORED_KINDS + ("coverage",)

REPO_ROOT = Path(__file__).resolve().parent.parent
EVAL_DIR = REPO_ROOT / "tests" / "eval"
EVAL_SETS = {"eval": EVAL_DIR, "eval2": REPO_ROOT / "tests" / "eval2"}

# --------------------------------------------------------------------------- normalisation

_QUOTE_MAP = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00a0": " ",
        "\u2009": " ",
        "\u202f": " ",
        "\u2010": "-",
        "\u2011": "-",
    }
)


def norm(text: Any) -> str:
    """Case-fold and tidy a string for substring comparison (keeps diacritics)."""
    s = unicodedata.normalize("NFC", str(text or "")).translate(_QUOTE_MAP)
    s = re.sub(r"\s+", " ", s).strip()
    return s.casefold()


def alternatives(item: Any) -> list[str]:
    """An expected value is a string or a list of alternative strings."""
    if isinstance(item, (list, tuple)):
        return [norm(x) for x in item if str(x).strip()]
    return [norm(item)]


def kinds_of(entry: dict) -> set[str] | None:
    """The kind(s) an expected entry applies to; None means any kind."""
    kind = entry.get("kind")
    if kind is None:
        return None
    if isinstance(kind, (list, tuple)):
        return {str(k).strip().lower() for k in kind}
    return {str(kind).strip().lower()}


# --------------------------------------------------------------------------- grouping


def bcubed(
    predicted: Sequence[Iterable[str]], gold: dict[str, Iterable[str]] | Sequence[Iterable[str]]
) -> dict[str, float]:
    """B-cubed precision, recall and F1 of predicted clusters against gold clusters.

    Items are the article ids of the gold clusters. Predicted ids that are not gold items are
    ignored; a gold item missing from every predicted cluster counts as a singleton. If an item
    appears in several predicted clusters, the first one is used (see ``multi_assigned``).
    Returns {"precision", "recall", "f1", "items", "missing", "multi_assigned"}.
    """
    gold_clusters = list(gold.values()) if isinstance(gold, dict) else list(gold)
    gold_of: dict[str, frozenset[str]] = {}
    for cluster in gold_clusters:
        members = frozenset(cluster)
        for item in members:
            gold_of[item] = members
    items = set(gold_of)
    pred_of: dict[str, frozenset[str]] = {}
    multi = 0
    for cluster in predicted:
        members = frozenset(x for x in cluster if x in items)
        for item in members:
            if item in pred_of:
                multi += 1
                continue
            pred_of[item] = members
    missing = 0
    p_sum = r_sum = 0.0
    for item in items:
        pred = pred_of.get(item)
        if pred is None:
            missing += 1
            pred = frozenset([item])
        overlap = len(pred & gold_of[item])
        p_sum += overlap / len(pred)
        r_sum += overlap / len(gold_of[item])
    n = len(items)
    precision = p_sum / n if n else 0.0
    recall = r_sum / n if n else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "items": n,
        "missing": missing,
        "multi_assigned": multi,
    }


# --------------------------------------------------------------------------- value matching


def reported_texts(value: dict, use_evidence: bool = True) -> list[str]:
    """The normalised texts of one reported value: the value, then its evidence sentences."""
    texts = [norm(value.get("value", ""))]
    if use_evidence:
        for ev in value.get("evidence") or []:
            if isinstance(ev, dict):
                texts.append(norm(ev.get("sentence", "")))
    return [t for t in texts if t]


def _distinct_assignment(candidates: list[set[int]]) -> bool:
    """True when every expected item can be given a different reported value (bipartite)."""
    owner: dict[int, int] = {}

    def place(i: int, seen: set[int]) -> bool:
        for j in candidates[i]:
            if j in seen:
                continue
            seen.add(j)
            if j not in owner or place(owner[j], seen):
                owner[j] = i
                return True
        return False

    return all(place(i, set()) for i in range(len(candidates)))


def values_match(
    expected_values: Sequence[Any], reported_values: Sequence[dict], use_evidence: bool = True
) -> bool:
    """Whether a reported difference's values match a planted difference's values.

    Each expected item (a string, or a list of alternative strings) must be contained,
    case-insensitively, in a different reported value (its value text, or when use_evidence is
    true one of its evidence sentences).
    """
    if not expected_values:
        return False
    texts = [reported_texts(v, use_evidence) for v in reported_values if isinstance(v, dict)]
    candidates: list[set[int]] = []
    for item in expected_values:
        alts = [a for a in alternatives(item) if a]
        hits = {j for j, ts in enumerate(texts) if any(a in t for a in alts for t in ts)}
        if not hits:
            return False
        candidates.append(hits)
    return _distinct_assignment(candidates)


def story_articles(story: dict) -> set[str]:
    ids = set()
    for art in story.get("articles") or []:
        if isinstance(art, dict) and art.get("id") is not None:
            ids.add(str(art["id"]))
        elif isinstance(art, str):
            ids.add(art)
    return ids


def entry_matches(
    entry: dict, story: dict, diff: dict, use_evidence: bool = True, require_kind: bool = True
) -> bool:
    """Whether reported ``diff`` (in predicted ``story``) matches an expected/judged entry."""
    wanted = set(entry.get("articles") or [])
    if not wanted & story_articles(story):
        return False
    kinds = kinds_of(entry)
    kind = str(diff.get("kind", "")).strip().lower()
    if kinds is not None and kind not in kinds:
        return False
    if kinds is None and require_kind:
        return False
    return values_match(entry.get("values") or [], diff.get("values") or [], use_evidence)


def shown_as_annotated(entry: dict, diff: dict) -> bool:
    """Whether ``diff`` is shown the way ``entry`` asks: its ``detail`` and ``parts`` keys."""
    details = entry.get("detail")
    if details is not None:
        wanted = {str(d).strip().lower() for d in (
            details if isinstance(details, (list, tuple)) else [details])}
        if str(diff.get("detail", "")).strip().lower() not in wanted:
            return False
    if entry.get("parts"):
        return any(isinstance(v, dict) and v.get("parts") for v in diff.get("values") or [])
    return True


# --------------------------------------------------------------------------- scoring


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


def score_differences(
    expected: dict, stories: Sequence[dict], judged: Sequence[dict] = ()
) -> dict[str, Any]:
    """Recall and precision of reported differences, and not_differences wrongly reported.

    Returns a dict with "recall" / "precision" (per kind and "overall": {"n", "hit", "rate"}),
    "missed" (planted entries not found), "unmatched" (reported (story, diff) pairs of scored
    kinds matching nothing), "not_difference_hits" (entry, story, diff), and "unscored" counts
    of reported kinds that are not scored.
    """
    planted = list(expected.get("differences") or [])
    reported: list[tuple[dict, dict]] = [
        (story, diff) for story in stories for diff in (story.get("differences") or [])
    ]

    recall: dict[str, dict[str, Any]] = {k: {"n": 0, "hit": 0} for k in SCORED_KINDS}
    missed: list[dict] = []
    for entry in planted:
        kind = str(entry.get("kind", "")).lower()
        bucket = recall.setdefault(kind, {"n": 0, "hit": 0})
        bucket["n"] += 1
        if any(entry_matches(entry, s, d) and shown_as_annotated(entry, d) for s, d in reported):
            bucket["hit"] += 1
        else:
            missed.append(entry)

    precision: dict[str, dict[str, Any]] = {k: {"n": 0, "hit": 0} for k in SCORED_KINDS}
    unmatched: list[tuple[dict, dict]] = []
    unscored: dict[str, int] = {}
    judged_hits = 0
    for story, diff in reported:
        kind = str(diff.get("kind", "")).strip().lower()
        if kind not in SCORED_KINDS:
            unscored[kind or "(none)"] = unscored.get(kind or "(none)", 0) + 1
            continue
        precision[kind]["n"] += 1
        if any(entry_matches(e, story, diff) for e in planted):
            precision[kind]["hit"] += 1
        elif any(entry_matches(j, story, diff) for j in judged):
            precision[kind]["hit"] += 1
            judged_hits += 1
        else:
            unmatched.append((story, diff))

    for table in (recall, precision):
        total_n = sum(b["n"] for k, b in table.items() if k in SCORED_KINDS)
        total_hit = sum(b["hit"] for k, b in table.items() if k in SCORED_KINDS)
        for b in table.values():
            b["rate"] = _ratio(b["hit"], b["n"])
        table["overall"] = {"n": total_n, "hit": total_hit, "rate": _ratio(total_hit, total_n)}

    nd_hits: list[tuple[dict, dict, dict]] = []
    for entry in expected.get("not_differences") or []:
        for story, diff in reported:
            if entry_matches(entry, story, diff, use_evidence=False, require_kind=False):
                nd_hits.append((entry, story, diff))
                break

    return {
        "recall": recall,
        "precision": precision,
        "missed": missed,
        "unmatched": unmatched,
        "judged_hits": judged_hits,
        "not_difference_hits": nd_hits,
        "not_differences": len(expected.get("not_differences") or []),
        "unscored": unscored,
    }


def score(expected: dict, stories_doc: dict, judged: Sequence[dict] = ()) -> dict[str, Any]:
    """Score a parsed stories.json document against a parsed expected.yaml."""
    stories = [s for s in (stories_doc.get("stories") or []) if isinstance(s, dict)]
    grouping = bcubed([sorted(story_articles(s)) for s in stories], expected.get("stories") or {})
    grouping["predicted_stories"] = len(stories)
    grouping["expected_stories"] = len(expected.get("stories") or {})
    result = score_differences(expected, stories, judged)
    result["grouping"] = grouping
    return result


# --------------------------------------------------------------------------- eval-set checks


def read_article(path: Path) -> tuple[dict, str]:
    """Split a front-mattered Markdown file into (front matter dict, body)."""
    text = path.read_text(encoding="utf-8")
    m = re.match(r"\A---\s*\n(.*?)\n---\s*\n(.*)\Z", text, re.S)
    if not m:
        raise ValueError(f"{path.name}: no YAML front matter")
    meta = yaml.safe_load(m.group(1)) or {}
    return meta, m.group(2)


def check_eval_set(articles_dir: Path, expected: dict) -> list[str]:
    """Consistency problems in the evaluation set (empty list when it is sound)."""
    problems: list[str] = []
    texts: dict[str, str] = {}
    for path in sorted(articles_dir.glob("*.md")):
        try:
            meta, body = read_article(path)
        except (ValueError, yaml.YAMLError) as exc:
            problems.append(str(exc))
            continue
        for key in ("id", "title", "source", "url", "date"):
            if not meta.get(key):
                problems.append(f"{path.name}: missing front matter '{key}'")
        if str(meta.get("id")) != path.stem:
            problems.append(f"{path.name}: id {meta.get('id')!r} differs from file name")
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(meta.get("date", ""))):
            problems.append(f"{path.name}: date {meta.get('date')!r} is not ISO")
        words = len(body.split())
        if not 150 <= words <= 400:
            problems.append(f"{path.name}: body has {words} words (want 150-400)")
        texts[path.stem] = norm(f"{meta.get('title', '')}\n{body}")

    story_of: dict[str, str] = {}
    for label, ids in (expected.get("stories") or {}).items():
        for aid in ids or []:
            if aid in story_of:
                problems.append(f"{aid}: in stories {story_of[aid]} and {label}")
            story_of[aid] = label
            if aid not in texts:
                problems.append(f"story {label}: unknown article {aid}")
    for aid in texts:
        if aid not in story_of:
            problems.append(f"{aid}: not in any expected story")

    def check_entry(section: str, n: int, entry: dict) -> None:
        where = f"{section}[{n}] ({entry.get('story')}, {entry.get('kind')})"
        label = entry.get("story")
        members = set((expected.get("stories") or {}).get(label) or [])
        if not members:
            problems.append(f"{where}: unknown story")
        kinds = kinds_of(entry) or set()
        if not kinds or not kinds <= set(ALL_KINDS):
            problems.append(f"{where}: bad kind")
        values = entry.get("values") or []
        arts = entry.get("articles") or []
        unknown = set(entry) - {"story", "kind", "topic", "values", "articles", "detail", "parts"}
        if unknown:
            problems.append(f"{where}: unknown keys {sorted(unknown)}")
        if len(values) < 2:
            problems.append(f"{where}: needs at least two values")
        if len(arts) < 2:
            problems.append(f"{where}: needs at least two articles")
        for aid in arts:
            if aid not in members:
                problems.append(f"{where}: article {aid} is not in the story")
        present = [aid for aid in arts if aid in texts]
        for item in values:
            if not any(a in texts[aid] for aid in present for a in alternatives(item)):
                problems.append(f"{where}: value {item!r} occurs in none of its articles")
        for aid in present:
            if not any(a in texts[aid] for item in values for a in alternatives(item)):
                problems.append(f"{where}: article {aid} contains none of the values")

    for n, entry in enumerate(expected.get("differences") or []):
        check_entry("differences", n, entry)
    for n, entry in enumerate(expected.get("not_differences") or []):
        check_entry("not_differences", n, entry)
    return problems


# --------------------------------------------------------------------------- running digest


def default_python() -> str:
    venv = REPO_ROOT / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def pin_to_story(text: str, story: str) -> str:
    """An article's text with `story: <id>` added to its front matter."""
    return re.sub(r"\A---\s*\n", lambda m: f"{m.group(0)}story: {story}\n", text, count=1)


def run_build(
    articles_dir: Path, python: str, timeout: float, keep: bool,
    pins: dict[str, str] | None = None,
) -> tuple[dict | None, str, Path]:
    """Build a temporary project from the eval articles; return (stories doc, error, dir).

    `pins` (article id -> story id) pins copies of the articles to stories, so that
    differences can be scored on the true grouping (--gold-groups); the set is not changed.
    """
    root = Path(tempfile.mkdtemp(prefix="digest-eval-"))
    content = root / "content" / "articles"
    content.mkdir(parents=True)
    for path in articles_dir.glob("*.md"):
        if pins and path.stem in pins:
            text = path.read_text(encoding="utf-8")
            (content / path.name).write_text(pin_to_story(text, pins[path.stem]),
                                             encoding="utf-8")
        else:
            shutil.copy2(path, content / path.name)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    cmd = [python, "-m", "digest", "build", "--root", str(root)]
    doc: dict | None = None
    error = ""
    try:
        proc = subprocess.run(
            cmd, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=timeout
        )
        out = root / "site" / "api" / "stories.json"
        if proc.returncode != 0:
            tail = (proc.stderr or proc.stdout or "").strip()[-3000:]
            error = f"`{' '.join(cmd)}` exited with {proc.returncode}\n{tail}"
        elif not out.exists():
            error = f"`{' '.join(cmd)}` succeeded but wrote no {out}"
        else:
            doc = json.loads(out.read_text(encoding="utf-8"))
    except subprocess.TimeoutExpired:
        error = f"`{' '.join(cmd)}` timed out after {timeout:g}s"
    except (OSError, json.JSONDecodeError) as exc:
        error = f"could not run or read the build: {exc}"
    if not keep:
        shutil.rmtree(root, ignore_errors=True)
    return doc, error, root


# --------------------------------------------------------------------------- reporting


def _fmt(rate: float | None) -> str:
    return "   -  " if rate is None else f"{rate:6.3f}"


def _diff_summary(story: dict, diff: dict) -> list[str]:
    lines = [
        f"  [{diff.get('kind')}] story {story.get('id')!r} ({story.get('title', '')})",
        f"      topic: {diff.get('topic', '')}",
    ]
    for v in diff.get("values") or []:
        arts = ", ".join(
            str(e.get("article")) for e in (v.get("evidence") or []) if isinstance(e, dict)
        )
        lines.append(f"      value: {v.get('value')!r}  <- {arts}")
    return lines


def _judged_snippet(diff: dict) -> str:
    arts: list[str] = []
    for v in diff.get("values") or []:
        for e in v.get("evidence") or []:
            if isinstance(e, dict) and e.get("article") and e["article"] not in arts:
                arts.append(str(e["article"]))
    entry = {
        "articles": arts,
        "kind": diff.get("kind"),
        "values": [str(v.get("value", "")) for v in (diff.get("values") or [])],
        "note": "",
    }
    text = yaml.safe_dump([entry], allow_unicode=True, sort_keys=False, width=100)
    return "\n".join("      " + line for line in text.rstrip().splitlines())


def render_text(result: dict, stories: Sequence[dict], expected: dict, show: bool) -> str:
    g = result["grouping"]
    out = [
        f"Grouping (B-cubed over {g['items']} articles; {g['predicted_stories']} predicted "
        f"stories vs {g['expected_stories']} expected)",
        f"  precision {g['precision']:.3f}   recall {g['recall']:.3f}   F1 {g['f1']:.3f}",
    ]
    if g["missing"] or g["multi_assigned"]:
        out.append(
            f"  note: {g['missing']} articles in no story, "
            f"{g['multi_assigned']} extra placements of an article in a second story"
        )
    out += ["", "Differences", "  kind          planted found recall | reported correct precision"]
    rec, pre = result["recall"], result["precision"]
    for kind in (*SCORED_KINDS, "overall"):
        r, p = rec.get(kind, {"n": 0, "hit": 0}), pre.get(kind, {"n": 0, "hit": 0})
        out.append(
            f"  {kind:<13} {r['n']:>7} {r['hit']:>5} {_fmt(r.get('rate'))} |"
            f" {p['n']:>8} {p['hit']:>7} {_fmt(p.get('rate'))}"
        )
    if result["judged_hits"]:
        out.append(f"  ({result['judged_hits']} reported differences correct via judged.yaml)")
    if result["unscored"]:
        extra = ", ".join(f"{k}: {n}" for k, n in sorted(result["unscored"].items()))
        out.append(f"  not scored: {extra}")
    out += [
        "",
        f"not_differences wrongly reported: {len(result['not_difference_hits'])}"
        f" of {result['not_differences']}",
    ]
    if not show:
        return "\n".join(out)

    out += ["", f"Missed planted differences ({len(result['missed'])})"]
    for entry in result["missed"]:
        out.append(
            f"  [{entry.get('kind')}] {entry.get('story')}: {entry.get('topic', '')}"
            f"  values {entry.get('values')}"
        )
        wanted = set(entry.get("articles") or [])
        holders = [s for s in stories if wanted & story_articles(s)]
        if not holders:
            out.append("      its articles are in no predicted story")
        for s in holders:
            same = [d for d in (s.get("differences") or []) if d.get("kind") == entry.get("kind")]
            out.append(
                f"      predicted story {s.get('id')!r} holds "
                f"{len(wanted & story_articles(s))}/{len(wanted)} of its articles; "
                f"{len(same)} reported {entry.get('kind')} differences there"
            )
            for d in same:
                vals = [v.get("value") for v in (d.get("values") or [])]
                out.append(f"        - {d.get('topic', '')}: {vals}")
    out += ["", f"Unmatched reported differences ({len(result['unmatched'])})"]
    for story, diff in result["unmatched"]:
        out += _diff_summary(story, diff)
        out.append("      judged.yaml entry, if a human finds it correct:")
        out.append(_judged_snippet(diff))
    out += ["", f"Wrongly reported not_differences ({len(result['not_difference_hits'])})"]
    for entry, story, diff in result["not_difference_hits"]:
        out.append(
            f"  {entry.get('story')}: {entry.get('topic', '')}  values {entry.get('values')}"
        )
        out += _diff_summary(story, diff)
    return "\n".join(out)


def to_json(result: dict) -> dict:
    """The figures (and, compactly, the misses) as plain JSON."""

    def table(t: dict) -> dict:
        return {k: {"n": v["n"], "hit": v["hit"], "rate": v.get("rate")} for k, v in t.items()}

    return {
        "grouping": result["grouping"],
        "difference_recall": table(result["recall"]),
        "difference_precision": table(result["precision"]),
        "judged_hits": result["judged_hits"],
        "unscored_kinds": result["unscored"],
        "not_differences": {
            "total": result["not_differences"],
            "wrongly_reported": len(result["not_difference_hits"]),
        },
        "missed": [
            {k: e.get(k) for k in ("story", "kind", "topic", "values")} for e in result["missed"]
        ],
        "unmatched": [
            {
                "story": s.get("id"),
                "kind": d.get("kind"),
                "topic": d.get("topic"),
                "values": [v.get("value") for v in (d.get("values") or [])],
            }
            for s, d in result["unmatched"]
        ],
    }


# --------------------------------------------------------------------------- main


def load_yaml(path: Path) -> dict:
    if not path.exists():
        return {}
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    ap.add_argument("--show-misses", action="store_true", help="list misses and unmatched")
    ap.add_argument("--check", action="store_true", help="only validate the evaluation set")
    ap.add_argument("--set", choices=sorted(EVAL_SETS), default="eval",
                    help="which evaluation set: tests/eval (default) or tests/eval2")
    ap.add_argument("--articles", type=Path, help="articles folder (default: the set's)")
    ap.add_argument("--expected", type=Path, help="expected.yaml (default: the set's)")
    ap.add_argument("--judged", type=Path, help="judged.yaml (default: the set's)")
    ap.add_argument("--stories-json", type=Path, help="score this file instead of building")
    ap.add_argument("--python", default=default_python(), help="interpreter that runs digest")
    ap.add_argument("--timeout", type=float, default=900.0, help="build timeout in seconds")
    ap.add_argument("--keep", action="store_true", help="keep the temporary project")
    ap.add_argument("--gold-groups", action="store_true",
                    help="pin the articles to their true stories: differences are scored "
                         "on the true grouping (the grouping figures are then 1.0)")
    args = ap.parse_args(argv)
    folder = EVAL_SETS[args.set]
    args.articles = args.articles or folder / "articles"
    args.expected = args.expected or folder / "expected.yaml"
    args.judged = args.judged or folder / "judged.yaml"

    try:
        expected = load_yaml(args.expected)
        if args.check:
            problems = check_eval_set(args.articles, expected)
            for p in problems:
                print(p)
            print(f"{len(problems)} problem(s) in the evaluation set")
            return 0
        judged = list((load_yaml(args.judged) or {}).get("judged") or [])

        if args.stories_json:
            doc = json.loads(args.stories_json.read_text(encoding="utf-8"))
            error = ""
        else:
            pins = None
            if args.gold_groups:  # each article pinned to its true story's first article
                pins = {aid: sorted(ids)[0] for ids in (expected.get("stories") or {}).values()
                        for aid in ids}
            doc, error, root = run_build(args.articles, args.python, args.timeout, args.keep,
                                         pins)
            if args.keep:
                print(f"temporary project kept at {root}", file=sys.stderr)
        if doc is None:
            if args.json:
                print(json.dumps({"error": error}, indent=2))
            else:
                print(f"could not score: {error}")
            return 0

        result = score(expected, doc, judged)
        if args.json:
            print(json.dumps(to_json(result), indent=2, ensure_ascii=False))
        else:
            stories = [s for s in (doc.get("stories") or []) if isinstance(s, dict)]
            print(render_text(result, stories, expected, args.show_misses))
    except Exception:  # a measurement: report, never fail the caller
        traceback.print_exc()
    return 0


if __name__ == "__main__":
    sys.exit(main())
