"""digest: news articles from many outlets -> a static site of where they agree and differ."""

__version__ = "0.1.0"
