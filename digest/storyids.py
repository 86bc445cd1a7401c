"""Story ids that never move: content/stories.lock, and how groups get their ids from it.

The grouping is stateless: feed it the same articles, it makes the same groups, but a
group's first report (whose id a story used to take) changes when an earlier-dated report
arrives, and two stories can merge or one split. The lock file is the state: every story id
the digest ever published, with the ids of its articles, and the ids of stories merged into
another (aliases). `assign_story_ids` is a pure function (groups, lock) -> (ids, new lock);
the build reads the lock, assigns, and writes the new lock back when it changed. The rules
(docs/STABLE_URLS.md):

1. a `story:` pin wins (a pin that two groups share: the later ones get `-2`, `-3`);
2. a group holding articles the lock gave to a published story keeps that story's id. When
   several groups claim one id (a split) or a group claims several (a merge), claims are
   settled best first: the group that holds the article the id was named after, then the
   one holding more of the story's articles, then the one whose earliest such article is
   earlier, then by id;
3. any other group takes its first report's id unless a story of this build has it (then
   `-2`, `-3`, ..., never an id the lock holds). That id may be one the lock holds for a
   story merged away or removed: the group holds the very article it was named after, so
   the old story comes back at its URL;
4. a published story that kept no group: an alias of the story holding most of its
   articles (its page redirects there), or, with none of its articles left, a removed
   story (its page says so). Either way its URL keeps answering;
5. an article that retention (`keep_days`, digest/retention.py) kept out of the groups
   stays in the story the lock records it in: a story whose every article expired keeps
   its line (an expired story, with an archived page), never a removed one.

The file is a strict subset of YAML (one story a line, sorted by id) so that it is easy to
read, diff and merge, and its errors have exact lines.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from digest.config import ConfigError
from digest.model import Article

LOCK_NAME = "stories.lock"  # under content/
LOCK_FIX = ("restore it with 'git checkout -- {path}' (or fix the line by hand); deleting "
            "it makes the next build assign ids afresh, which can move published story URLs")

_HEADER = """\
# The story ids of this digest (docs/STABLE_URLS.md): every story id published, with its
# articles' ids, and the stories merged into another. Written by `digest build`; commit it
# with content/. A story's URL (stories/<id>/) follows its id, so do not edit ids here.
"""
_ID = r"[a-z0-9]+(?:-[a-z0-9]+)*"
_STORY_LINE = re.compile(rf"^  ({_ID}): \[((?:{_ID}(?:, {_ID})*)?)\]$")
_ALIAS_LINE = re.compile(rf"^  ({_ID}): ({_ID})$")


class LockError(ConfigError):
    """content/stories.lock cannot be read: the build stops (ids cannot be kept without
    it) and the file is left as it is."""


@dataclass
class StoryLock:
    stories: dict[str, tuple[str, ...]] = field(default_factory=dict)  # id -> article ids
    aliases: dict[str, str] = field(default_factory=dict)  # merged id -> surviving id

    @property
    def removed(self) -> list[str]:
        """Published stories none of whose articles is left."""
        return sorted(s for s, arts in self.stories.items() if not arts)


def lock_path(content: Path) -> Path:
    return content / LOCK_NAME


def parse_lock(text: str, rel: str) -> StoryLock:
    """The lock from its text; LockError naming `rel`, the line and the fix."""
    lock = StoryLock()
    owner: dict[str, tuple[str, int]] = {}  # article id -> (story id, line)
    seen: dict[str, int] = {}  # every id defined -> its line
    section = None
    targets: list[tuple[str, str, int]] = []

    def fail(n: int, message: str) -> LockError:
        return LockError(f"{rel}:{n}: {message}; {LOCK_FIX.format(path=rel)}")

    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line in ("stories:", "aliases:"):
            if line[:-1] in (section, *(["stories"] if section == "aliases" else [])):
                raise fail(n, f"'{line}' again (each section once: stories, then aliases)")
            section = line[:-1]
            continue
        m = (_STORY_LINE if section == "stories" else _ALIAS_LINE).match(line) \
            if section else None
        if m is None:
            expected = {"stories": "'  story-id: [article-id, ...]'",
                        "aliases": "'  merged-story-id: story-id'",
                        None: "'stories:'"}[section]
            raise fail(n, f"not a line of a stories.lock: {line.strip()[:60]!r} "
                          f"(expected {expected})")
        sid = m[1]
        if sid in seen:
            raise fail(n, f"story id {sid!r} is already on line {seen[sid]}")
        seen[sid] = n
        if section == "stories":
            articles = tuple(m[2].split(", ")) if m[2] else ()
            for aid in articles:
                if aid in owner:
                    other, line_no = owner[aid]
                    raise fail(n, f"article {aid!r} is also in story {other!r} "
                                  f"(line {line_no})")
                owner[aid] = (sid, n)
            lock.stories[sid] = articles
        else:
            targets.append((sid, m[2], n))
    for alias, target, n in targets:
        if target not in lock.stories:
            raise fail(n, f"{alias!r} is merged into {target!r}, which is no story of the "
                          "file")
        lock.aliases[alias] = target
    return lock


def read_lock(content: Path, root: Path) -> tuple[StoryLock, bytes | None]:
    """The lock of a content folder and its bytes (None: there is none yet)."""
    path = lock_path(content)
    rel = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return StoryLock(), None
    except OSError as exc:
        raise LockError(f"{rel}: cannot be read ({exc.strerror}); check its permissions") \
            from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise LockError(f"{rel}:{line}: not UTF-8 text; {LOCK_FIX.format(path=rel)}") from exc
    return parse_lock(text, rel), data


def format_lock(lock: StoryLock) -> bytes:
    """The file's bytes: deterministic (sorted by id), one story or alias a line."""
    out = [_HEADER, "stories:\n"]
    out += [f"  {sid}: [{', '.join(lock.stories[sid])}]\n" for sid in sorted(lock.stories)]
    if lock.aliases:
        out.append("aliases:\n")
        out += [f"  {a}: {lock.aliases[a]}\n" for a in sorted(lock.aliases)]
    return "".join(out).encode("utf-8")


def save_lock(content: Path, data: bytes) -> None:
    """Replace the lock in one step (a temporary file renamed over it)."""
    path = lock_path(content)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _date_key(d: date | None) -> tuple[bool, date]:
    return d is None, d or date.min


def _follow(aliases: dict[str, str], sid: str, limit: int) -> str:
    """The story `sid` lives on as: a chain of merges (merged into what was merged) followed
    to its end, at most `limit` steps."""
    for _ in range(limit):
        if sid not in aliases:
            break
        sid = aliases[sid]
    return sid


def assign_story_ids(groups: Sequence[Sequence[Article]], lock: StoryLock,
                     expired: Iterable[str] = ()) -> tuple[list[str], StoryLock]:
    """Each group's story id, and the lock that records them (see the module's doc).

    `expired`: the ids of the articles retention kept out of the groups (in content/, but
    older than `keep_days` allows; digest/retention.py). The lock keeps each of them in
    the story it records it in (followed to the story a merged one lives on as), so a
    story all of whose articles expired stays a story, not a removed one, and its id is
    never given to another.
    """
    owner = {aid: sid for sid, arts in lock.stories.items() for aid in arts}
    ids: list[str | None] = [None] * len(groups)
    taken: set[str] = set()
    for g, members in enumerate(groups):  # 1. pins
        pin = next((a.story for a in members if a.story), None)
        if pin:
            sid, n = pin, 2
            while sid in taken:
                sid, n = f"{pin}-{n}", n + 1
            ids[g] = sid
            taken.add(sid)
    claims = []  # 2. published ids, best claim first
    for g, members in enumerate(groups):
        if ids[g] is not None:
            continue
        held: dict[str, list[Article]] = {}
        for a in members:
            sid = owner.get(a.id)
            if sid is not None and sid not in taken:
                held.setdefault(sid, []).append(a)
        for sid, arts in held.items():
            founder = any(a.id == sid for a in arts)
            earliest = min(_date_key(a.published) for a in arts)
            claims.append((not founder, -len(arts), earliest, sid, g))
    claims.sort()
    for *_, sid, g in claims:
        if ids[g] is None and sid not in taken:
            ids[g] = sid
            taken.add(sid)
    # 3. new stories: the first report's id, even one the lock holds for a story merged
    # away or removed (the group holds the very article that id was named after), unless
    # a story of this build has it; a suffix never takes an id the lock holds
    published = set(lock.stories) | set(lock.aliases)
    for g, members in enumerate(groups):
        if ids[g] is not None:
            continue
        base = members[0].id
        sid, n = base, 2
        while sid in taken or (sid != base and sid in published):
            sid, n = f"{base}-{n}", n + 1
        ids[g] = sid
        taken.add(sid)
    final = [sid for sid in ids if sid is not None]
    new = StoryLock(stories={sid: tuple(sorted(a.id for a in members))
                             for sid, members in zip(final, groups, strict=True)})
    # 4. published stories without a group: aliases, or removed
    story_of = {a.id: sid for sid, members in zip(final, groups, strict=True)
                for a in members}
    for sid, arts in lock.stories.items():
        if sid in new.stories:
            continue
        counts: dict[str, int] = {}
        for aid in arts:
            if aid in story_of:
                counts[story_of[aid]] = counts.get(story_of[aid], 0) + 1
        if counts:
            new.aliases[sid] = min(counts, key=lambda s: (-counts[s], s))
        else:
            new.stories[sid] = ()
    for alias, target in lock.aliases.items():
        if alias in new.stories or alias in new.aliases:
            continue  # it came back as a story
        target = _follow(new.aliases, target, len(lock.aliases) + 1)
        if target not in new.stories:  # (cannot happen: every old story is kept or aliased)
            new.stories[target] = ()
        new.aliases[alias] = target
    kept: dict[str, list[str]] = {}  # 5. expired articles stay with their story
    for aid in expired:
        sid = owner.get(aid)
        if sid is not None:
            kept.setdefault(_follow(new.aliases, sid, len(new.aliases) + 1), []).append(aid)
    for sid, aids in kept.items():
        new.stories[sid] = tuple(sorted((*new.stories.get(sid, ()), *aids)))
    return final, new
