"""Ingest: raw inputs (plain text, HTML, feeds, batches) -> RawArticle -> content/articles/*.md."""

from digest.ingest.model import RawArticle

__all__ = ["RawArticle"]
