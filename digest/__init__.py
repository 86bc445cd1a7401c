"""digest: turn news articles from many outlets into a static site of what they agree on and where they differ."""

__version__ = "0.1.0"
