#!/usr/bin/env python3
"""The search index in shards: Pagefind time and memory, cold and after one edit, and what
one search costs the browser, for several shard counts over one built site.

    python benchmarks/search_shards.py --project DIR --shards 1 8 64 --queries flood minister

DIR is a digest project already built with search on (benchmarks/gen_corpus.py, then
`digest build`), with a base_url on 127.0.0.1 (any port: the site is served here on a free
one, under the base_url's path). For each shard count, one run each (the machine is shared:
compare within one run):

- cold: the whole index made in a new process with no index (digest.search.SearchIndex with
  that many shards; the story and article pages grouped by story, as `digest build` does);
  CPU (user+sys of the process and its Pagefind runs) and peak RSS (the largest of them)
  from wait4, as benchmarks/run_bench.py measures;
- one edit: a word added to one article page (inside its indexed body), the index brought
  up to date in a new process with the cache (one shard indexed again), then the page put
  back and the index brought back: the bundle must be byte-identical to the cold one;
- browser: headless Chromium opens search/?q=QUERY for each query in a new context (no
  HTTP cache) on a real HTTP server, waits for the first result and for the network to be
  quiet; requests and bytes under pagefind/ (JavaScript, WebAssembly and index), and the
  URLs of the first five results, compared with those of the first shard count given.

The site's index is left as the last shard count made it; `digest build` puts its own back.
"""

from __future__ import annotations

import argparse
import http.server
import json
import shutil
import sys
import threading
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from run_bench import digest_env, run_measured, tree_hash  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
EDIT_WORD = "Zyxwvutsrq"


def groups_of(site: Path) -> dict[str, str]:
    """Story and article pages -> story id, from api/stories.json (as build.search_groups)."""
    data = json.loads((site / "api" / "stories.json").read_text(encoding="utf-8"))
    groups: dict[str, str] = {}
    for s in data["stories"]:
        groups.setdefault(f"stories/{s['id']}/index.html", s["id"])
        for a in s["articles"]:
            groups.setdefault(f"articles/{a['id']}/index.html", s["id"])
    return groups


def index_only(project: Path, shards: int, use_cache: bool) -> int:
    """The child process: bring site/pagefind/ up to date with `shards` shards."""
    from digest.config import load_config
    from digest.search import SearchIndex

    cfg = load_config(project)
    index = SearchIndex(cfg, use_cache=use_cache, shards=shards,
                        groups=groups_of(cfg.output))
    index(cfg.output)
    print(json.dumps({"indexed": index.indexed}))
    return 0


def measure_index(project: Path, shards: int, use_cache: bool, log: Path) -> dict:
    cmd = [sys.executable, __file__, "--index-only", "--project", str(project),
           "--shards", str(shards)] + ([] if use_cache else ["--no-cache"])
    before = log.stat().st_size if log.exists() else 0
    run = run_measured(cmd, cwd=project, log=log, env=digest_env())
    if run.returncode != 0:
        raise SystemExit(f"indexing failed, see {log}")
    out = log.read_text(encoding="utf-8")[before:]
    indexed = json.loads(out[out.rindex('{"indexed"'):].splitlines()[0])["indexed"]
    return {"cpu_s": round(run.cpu_s, 2), "wall_s": round(run.wall_s, 2),
            "peak_mib": round(run.maxrss_kib / 1024), "indexed": len(indexed)}


def serve(site: Path, prefix: str) -> tuple[http.server.ThreadingHTTPServer, int]:
    class Handler(http.server.SimpleHTTPRequestHandler):
        def translate_path(self, path: str) -> str:
            path = unquote(urlsplit(path).path)
            if not path.startswith(prefix):
                return str(site / "\0-outside")
            return str(site.joinpath(*[p for p in path[len(prefix):].split("/")
                                       if p not in ("", ".", "..")]))

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]


def browse(browser, site_url: str, query: str) -> dict:
    """One search in a fresh context: requests and bytes under pagefind/, the top results."""
    ctx = browser.new_context()
    page = ctx.new_page()
    seen: list = []
    page.on("requestfinished", lambda r: seen.append(r))
    t0 = time.perf_counter()
    page.goto(f"{site_url}search/?q={query}", wait_until="load")
    try:
        page.wait_for_selector(".pagefind-ui__result-link", timeout=60000)
        first = time.perf_counter() - t0
    except Exception:  # noqa: BLE001 - no result for this query
        first = None
    page.wait_for_load_state("networkidle")
    links = page.eval_on_selector_all(".pagefind-ui__result-link",
                                      "els => els.slice(0, 5).map(e => e.getAttribute('href'))")
    total = page.eval_on_selector(".pagefind-ui__message", "e => e.textContent") \
        if page.query_selector(".pagefind-ui__message") else ""
    reqs = [r for r in seen if "/pagefind/" in r.url]
    nbytes = sum(r.sizes()["responseBodySize"] for r in reqs)
    kinds: dict[str, int] = {}
    for r in reqs:
        name = r.url.split("?")[0].rsplit("/", 1)[-1]
        kind = ("fragment" if name.endswith(".pf_fragment") else
                "index chunk" if name.endswith(".pf_index") else
                "meta" if name.endswith(".pf_meta") else
                "entry" if name == "pagefind-entry.json" else "code")
        kinds[kind] = kinds.get(kind, 0) + 1
    ctx.close()
    return {"query": query, "requests": len(reqs), "kib": round(nbytes / 1024),
            "kinds": kinds, "first_result_s": round(first, 2) if first else None,
            "message": total.strip(), "top5": links}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--project", type=Path, required=True)
    ap.add_argument("--shards", type=int, nargs="+", default=[1, 8, 64])
    ap.add_argument("--queries", nargs="+", default=["earthquake", "minister", "launch"])
    ap.add_argument("--no-browser", action="store_true")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--index-only", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--no-cache", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    project = args.project.resolve()
    if args.index_only:
        return index_only(project, args.shards[0], not args.no_cache)

    from digest.config import load_config
    from digest.search import STAMPS_FILE

    cfg = load_config(project)
    site = cfg.output
    groups = groups_of(site)
    log = project / "search-bench.log"
    # the page edited: the middle article of the API file (the same every run)
    article = sorted(p for p in groups if p.startswith("articles/"))[len(groups) // 4]
    page = site / article
    original = page.read_bytes()
    marker = b'data-pagefind-meta="title">'
    assert marker in original, article
    edited = original.replace(marker, marker + EDIT_WORD.encode() + b" ", 1)
    rows = []
    for n in args.shards:
        shutil.rmtree(site / "pagefind", ignore_errors=True)
        (cfg.cache / STAMPS_FILE).unlink(missing_ok=True)
        cold = measure_index(project, n, True, log)  # (no stamps: every shard is made)
        cold_hash = tree_hash(site / "pagefind")
        page.write_bytes(edited)
        edit = measure_index(project, n, True, log)
        page.write_bytes(original)
        back = measure_index(project, n, True, log)
        row = {"shards": n, "pages": len(groups), "cold": cold, "edit": edit,
               "same_bytes_after_edit_and_back": tree_hash(site / "pagefind") == cold_hash,
               "bundle_files": sum(1 for p in (site / "pagefind").rglob("*") if p.is_file()),
               "back": back}
        print(f"shards {n:3d}: pages {len(groups)}; cold {cold['cpu_s']:.2f} s CPU "
              f"({cold['wall_s']:.2f} s wall), peak {cold['peak_mib']} MiB, "
              f"{cold['indexed']} Pagefind runs; one edit {edit['cpu_s']:.2f} s CPU, "
              f"peak {edit['peak_mib']} MiB, {edit['indexed']} run(s); "
              f"same bytes after edit and back: {row['same_bytes_after_edit_and_back']}",
              flush=True)
        if not args.no_browser:
            from playwright.sync_api import sync_playwright

            prefix = urlsplit(cfg.base_url).path or "/"
            server, port = serve(site, prefix)
            try:
                with sync_playwright() as p:
                    browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
                    row["browser"] = [browse(browser, f"http://127.0.0.1:{port}{prefix}", q)
                                      for q in args.queries]
                    browser.close()
            finally:
                server.shutdown()
                server.server_close()
            for b in row["browser"]:
                same = ""
                if rows and "browser" in rows[0]:
                    ref = next(r for r in rows[0]["browser"] if r["query"] == b["query"])
                    same = f", top-5 overlap with {rows[0]['shards']} shard(s): " \
                        f"{len(set(ref['top5']) & set(b['top5']))}/{len(ref['top5'])}"
                print(f"    q={b['query']!r}: {b['requests']} requests, {b['kib']} KiB "
                      f"{b['kinds']}, first result {b['first_result_s']} s, "
                      f"{b['message']!r}{same}", flush=True)
        rows.append(row)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
