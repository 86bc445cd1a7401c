"""Retention (`keep_days` in digest.yaml): a daily digest whose built site does not grow
forever, without breaking a published URL or touching content/ (docs/STABLE_URLS.md).

The reference day is the newest article date in content/, not the clock: the same content
builds the same site on any day. A story *expires* when its newest report is more than
`keep_days` days before the reference day. An expired story leaves the index, the feeds,
the sitemap, the search index, api/stories.json and the outlet pages; its articles are
not compared (nor, once older than the grouping horizon, grouped), which is where a big
digest's build time goes. Its URL keeps answering: `stories/<id>/` becomes a small
archived page (title, dates, each report with a link to the original, noindex) and each
of its articles' `articles/<id>/` a small page that links to the original and to the
story. The files in content/ are never deleted nor modified.

Which articles are grouped: those dated on or after the *horizon*, `keep_days` +
group_window_days + group.SPAN_EXTRA days before the reference day (a story spans at most
window + SPAN_EXTRA days, so a story still in the digest has no report older than that),
undated ones (their age is unknown), and the articles pinned (`story:`) to a story one of
those is pinned to (a pinned story may span any time). A group whose newest report is
before the cutoff is expired as a whole.

Where an expired story's archived page comes from: content/stories.lock keeps recording
each expired story with its articles (storyids.assign_story_ids, `expired`), and those
articles' front matter (parsed anyway, and cached) gives titles, outlets, dates and URLs.
The archived title is the editor's headline (content/stories/<id>.md) if there is one,
else the headline of the report the story was named after, else of its first report.

A late arrival: an article dated inside `keep_days` that belongs to an expired story is
grouped with that story's reports still inside the horizon, so the story comes back
(its id, from the lock). An article dated before the cutoff that the lock does not know
(it arrived after its story expired) is never published: it stays in content/, and a
larger `keep_days` brings it in.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from digest.group import SPAN_EXTRA
from digest.model import Article, Story
from digest.storyids import StoryLock


@dataclass(frozen=True)
class Retention:
    """What `keep_days` means for one build's articles."""

    keep_days: int | None = None
    reference: date | None = None  # the newest article date in content/
    cutoff: date | None = None  # a story whose newest report is before it has expired
    horizon: date | None = None  # an article dated before it is not grouped (unless pinned)

    @property
    def active(self) -> bool:
        return self.cutoff is not None


def retention_for(keep_days: int | None, window_days: int,
                  articles: Iterable[Article]) -> Retention:
    """The cutoff and horizon of these articles (none without `keep_days` or dates)."""
    if keep_days is None:
        return Retention()
    reference = max((a.published for a in articles if a.published), default=None)
    if reference is None:
        return Retention(keep_days)
    cutoff = reference - timedelta(days=keep_days)
    horizon = cutoff - timedelta(days=max(0, window_days) + SPAN_EXTRA)
    return Retention(keep_days, reference, cutoff, horizon)


def for_grouping(ret: Retention, articles: list[Article]
                 ) -> tuple[list[Article], list[Article]]:
    """(the articles to group, in their order; the others: expired without grouping)."""
    if ret.horizon is None:
        return articles, []
    horizon = ret.horizon

    def recent(a: Article) -> bool:
        return a.published is None or a.published >= horizon

    pins = {a.story for a in articles if a.story and recent(a)}
    grouped, old = [], []
    for a in articles:
        (grouped if recent(a) or a.story in pins else old).append(a)
    return grouped, old


def _newest(members: Sequence[Article]) -> date | None:
    return max((a.published for a in members if a.published), default=None)


def split_groups(ret: Retention, groups: list[list[Article]]
                 ) -> tuple[list[list[Article]], list[Article]]:
    """(the groups still in the digest, in their order; the articles of the expired ones).
    A group with no dated report never expires (its age is unknown)."""
    if ret.cutoff is None:
        return groups, []
    live: list[list[Article]] = []
    expired: list[Article] = []
    for members in groups:
        newest = _newest(members)
        if newest is not None and newest < ret.cutoff:
            expired.extend(members)
        else:
            live.append(members)
    return live, expired


@dataclass
class ArchivedStory:
    """An expired story: what its archived page shows."""

    id: str
    title: str
    note_html: str
    articles: list[Article]  # in publication order (undated last)

    @property
    def first(self) -> date | None:
        return min((a.published for a in self.articles if a.published), default=None)

    @property
    def last(self) -> date | None:
        return _newest(self.articles)


@dataclass
class Archive:
    """What a build with `keep_days` publishes for expired stories and articles."""

    keep_days: int
    stories: list[ArchivedStory] = field(default_factory=list)  # by id
    # each published expired article (by id): the story whose page it links to, and
    # whether that story is still in the digest
    articles: list[tuple[Article, str, str, bool]] = field(default_factory=list)

    def all_articles(self) -> list[Article]:
        return [a for a, *_ in self.articles]


def _date_order(a: Article) -> tuple[bool, date, str]:
    return a.published is None, a.published or date.min, a.id


def make_archive(ret: Retention, lock: StoryLock, stories: list[Story],
                 expired: list[Article], notes: dict[str, dict]) -> Archive | None:
    """The expired stories and articles this build publishes, from the lock it assigned
    (assign_story_ids with `expired`): an expired article the lock does not know was never
    published and is left out."""
    if ret.keep_days is None:
        return None
    by_id = {a.id: a for a in expired}
    live = {s.id: s for s in stories}
    archive = Archive(ret.keep_days)
    titles: dict[str, str] = {s.id: s.title for s in stories}
    for sid in sorted(lock.stories):
        arts = sorted((by_id[aid] for aid in lock.stories[sid] if aid in by_id),
                      key=_date_order)
        if not arts:
            continue
        if sid not in live:
            note = notes.get(sid) or {}
            founder = next((a for a in arts if a.id == sid), arts[0])
            story = ArchivedStory(sid, note.get("title") or founder.title,
                                  note.get("note_html", ""), arts)
            archive.stories.append(story)
            titles[sid] = story.title
        archive.articles.extend((a, sid, titles[sid], sid in live) for a in arts)
    archive.articles.sort(key=lambda item: item[0].id)
    return archive
