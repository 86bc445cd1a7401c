"""`digest serve`: build, then serve site/ on 127.0.0.1 (live reload lands in its own issue)."""

from __future__ import annotations

import functools
import http.server
import sys
from pathlib import Path

from digest.build import build, print_report
from digest.config import load_config


def serve(root: Path, host: str = "127.0.0.1", port: int = 8000) -> int:
    cfg = load_config(root, base_url=f"http://{host}:{port}/")
    result = build(root, base_url=cfg.base_url)
    print_report(result, sum(result.timings.values()))
    handler = functools.partial(http.server.SimpleHTTPRequestHandler,
                                directory=str(cfg.output))
    with http.server.ThreadingHTTPServer((host, port), handler) as httpd:
        print(f"serving {cfg.output} at http://{host}:{port}/ (Ctrl-C stops)", file=sys.stderr)
        try:
            httpd.serve_forever()
        except KeyboardInterrupt:
            pass
    return 0
