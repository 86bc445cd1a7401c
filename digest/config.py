"""The project configuration: digest.yaml, its defaults, and where things live."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import yaml

PACKAGE_DIR = Path(__file__).resolve().parent


def default_theme_dir() -> Path:
    """The default theme: the repository's templates/ (shipped in the package as theme/)."""
    for candidate in (PACKAGE_DIR / "theme", PACKAGE_DIR.parent / "templates"):
        if (candidate / "base.html").exists():
            return candidate
    raise FileNotFoundError("digest's default theme is missing (templates/base.html)")

CONFIG_NAME = "digest.yaml"


class ConfigError(Exception):
    pass


@dataclass
class Config:
    root: Path
    title: str = "News digest"
    description: str = "What the sources agree on, and where they differ."
    base_url: str = "http://127.0.0.1:8000/"
    language: str = "en"
    content_dir: str = "content"
    output_dir: str = "site"
    templates_dir: str = "templates"
    cache_dir: str = ".digest-cache"
    cname: str | None = None
    group_window_days: int = 4
    stories_per_page: int = 20
    feeds: list[str] = field(default_factory=list)
    search: bool = True  # build a Pagefind search index (digest/search.py)
    # retention (digest/retention.py): stories whose newest report is more than this many
    # days older than the newest article leave the listings; None keeps every story
    keep_days: int | None = None
    # where load, term extraction and comparison run: 'local' (this machine's process pool)
    # or 'dask://HOST:PORT' (a Dask scheduler's workers: digest/executor.py,
    # docs/SCALING.md). Never changes the site's bytes: see settings()
    executor: str = "local"

    def settings(self, root: bool = True) -> dict[str, object]:
        """The settings that can change what a build writes (not `executor`): what the
        page keys and the up-to-date check hash. `root=False` leaves the folder out."""
        return {k: v for k, v in vars(self).items()
                if k != "executor" and (root or k != "root")}

    @property
    def content(self) -> Path:
        return self.root / self.content_dir

    @property
    def output(self) -> Path:
        return self.root / self.output_dir

    @property
    def templates(self) -> Path:
        return self.root / self.templates_dir

    @property
    def cache(self) -> Path:
        return self.root / self.cache_dir

    @property
    def base_path(self) -> str:
        """The URL path the site lives under, always starting and ending with '/'."""
        path = urlsplit(self.base_url).path or "/"
        return path if path.endswith("/") else path + "/"


_FIELDS = {
    "title": str, "description": str, "base_url": str, "language": str, "content_dir": str,
    "output_dir": str, "templates_dir": str, "cache_dir": str, "cname": str,
    "group_window_days": int, "stories_per_page": int, "feeds": list,
    "search": bool, "keep_days": int, "executor": str,
}
KEEP_DAYS_FIX = ("write a whole number of days, 0 or more (e.g. 'keep_days: 30'), or delete "
                 "the line to keep every story")


def _line_of(text: str, key: str) -> str:
    """':LINE' of a top-level setting in digest.yaml's text ('' when it cannot be told)."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return ""
    if isinstance(node, yaml.MappingNode):
        for k, _v in node.value:
            if k.value == key:
                return f":{k.start_mark.line + 1}"
    return ""


def load_config(root: Path, base_url: str | None = None) -> Config:
    """Read ROOT/digest.yaml (optional) and apply a --base-url override."""
    root = root.resolve()
    cfg = Config(root=root)
    path = root / CONFIG_NAME
    if path.exists():
        text = path.read_text(encoding="utf-8")
        try:
            data = yaml.safe_load(text) or {}
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = f":{mark.line + 1}" if mark else ""
            raise ConfigError(f"{CONFIG_NAME}{line}: not valid YAML ({exc})") from exc
        if not isinstance(data, dict):
            raise ConfigError(f"{CONFIG_NAME}: expected a mapping of settings at the top level")
        for key, value in data.items():
            if key not in _FIELDS:
                raise ConfigError(
                    f"{CONFIG_NAME}: unknown setting {key!r} (known: {', '.join(sorted(_FIELDS))})"
                )
            if value is None:
                continue
            if key == "keep_days" and (type(value) is not int or value < 0):
                raise ConfigError(f"{CONFIG_NAME}{_line_of(text, key)}: keep_days must be a "
                                  f"whole number of days, 0 or more, got {value!r}; "
                                  f"{KEEP_DAYS_FIX}")
            if not isinstance(value, _FIELDS[key]):
                raise ConfigError(
                    f"{CONFIG_NAME}: {key} must be a {_FIELDS[key].__name__}, got {value!r}"
                )
            setattr(cfg, key, value)
    if cfg.executor != "local":
        from digest.executor import parse_spec

        try:
            parse_spec(cfg.executor)
        except ConfigError as exc:
            raise ConfigError(f"{CONFIG_NAME}: {exc}") from None
    if base_url:
        cfg.base_url = base_url
    if not cfg.base_url.endswith("/"):
        cfg.base_url += "/"
    return cfg
