#!/usr/bin/env python3
"""Checks the facade's documentation as a reader of `weft`'s pages meets it.

Run by .ci/run after `cargo doc --no-deps --workspace --all-features` (so weft's pages include
its optional modules), with the doc directory (target/doc) as its argument. It fails when:

1. the first example on a page of `weft`'s docs does not compile with `weft` alone: it names a
   sub-crate (`weft_sync::`, ...), a futures crate (`futures::`, `futures_executor::`, ...) or
   libc, or imports a crate the facade re-exports (`use hyper::` instead of `weft::hyper::hyper`);
2. a public item of a sub-crate module that the facade mirrors is missing from the facade module
   (a new item was added to the sub-crate but not to the facade's list of re-exports).

The pages are rustdoc's HTML: the first `rust-example-rendered` block of a page is the first example
a reader sees (hidden `#` lines are not rendered), and `sidebar-items.js` lists a module's items.
"""

import html
import json
import os
import re
import sys

# Facade module -> the sub-crate module whose items it must all offer.
MIRRORS = {
    "weft/sync": "weft_sync",
    "weft/sync/mpsc": "weft_sync/mpsc",
    "weft/sync/oneshot": "weft_sync/oneshot",
    "weft/sync/broadcast": "weft_sync/broadcast",
    "weft/sync/watch": "weft_sync/watch",
    "weft/time": "weft_io/time",
    "weft/io": "weft_io/io",
    "weft/net": "weft_net",
    "weft/net/tcp": "weft_net/tcp",
    "weft/net/tcp/split": "weft_net/tcp/split",
    "weft/net/unix": "weft_net/unix",
    "weft/net/unix/split": "weft_net/unix/split",
    "weft/fs": "weft_fs",
    "weft/future": "weft_core/future",
    "weft/signal": "weft_signal",
    "weft/signal/unix": "weft_signal/unix",
    "weft/hyper": "weft_hyper",
    "weft/hyper/client": "weft_hyper/client",
}

# Paths that do not compile with `weft` alone: a sub-crate, a futures crate or libc anywhere, and
# a crate that the facade re-exports under its own path (`weft::hyper::hyper`) imported by its own
# name.
FOREIGN = re.compile(
    r"(?<![\w:])(?:weft_\w+|futures(?:_\w+)?|libc)::"
    r"|\buse\s+(?:hyper|hyper_util|http|http_body_util|bytes)::"
)
EXAMPLE = re.compile(r'<pre class="rust rust-example-rendered"><code>(.*?)</code></pre>', re.S)


def first_example(path):
    with open(path, encoding="utf-8") as f:
        page = f.read()
    if 'http-equiv="refresh"' in page:
        return None  # a redirect page, not one a reader stays on
    m = EXAMPLE.search(page)
    if not m:
        return None
    return html.unescape(re.sub(r"<[^>]+>", "", m.group(1)))


def sidebar_items(module_dir):
    path = os.path.join(module_dir, "sidebar-items.js")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    m = re.search(r"=\s*(\{.*\})\s*;?\s*$", text, re.S)
    if not m:
        sys.exit(f"facade docs: cannot read {path} (has rustdoc's format changed?)")
    items = json.loads(m.group(1))
    return {(kind, name) for kind, names in items.items() for name in names}


def main():
    doc = sys.argv[1] if len(sys.argv) > 1 else "target/doc"
    root = os.path.join(doc, "weft")
    build = "cargo doc --no-deps --workspace --all-features"
    if not os.path.isdir(root):
        sys.exit(f"facade docs: {root} is missing; run `{build}` first")

    problems = []
    examples = 0
    for dirpath, _, files in os.walk(root):
        for name in sorted(files):
            if not name.endswith(".html") or name == "all.html":
                continue
            path = os.path.join(dirpath, name)
            code = first_example(path)
            if code is None:
                continue
            examples += 1
            m = FOREIGN.search(code)
            if m:
                problems.append(
                    f"{os.path.relpath(path, doc)}: the first example names `{m.group(0)}`; "
                    "lead the facade's page with an example written for `weft` "
                    "(docs/contributing.md, \"Documentation\")"
                )
    if examples < 50:
        sys.exit(f"facade docs: only {examples} examples under {root}; has rustdoc's HTML changed?")

    for facade, sub in MIRRORS.items():
        for module in (facade, sub):
            if not os.path.isdir(os.path.join(doc, module)):
                sys.exit(f"facade docs: no docs for {module.replace('/', '::')}; run `{build}`")
        have = sidebar_items(os.path.join(doc, facade))
        want = sidebar_items(os.path.join(doc, sub))
        for kind, name in sorted(want - have):
            problems.append(
                f"{facade.replace('/', '::')}: lacks {kind} `{name}` of {sub.replace('/', '::')}; "
                "re-export it in the facade (with a weft example if its own uses the sub-crate)"
            )

    for p in problems:
        print(p)
    if problems:
        sys.exit(f"facade docs: {len(problems)} problem(s)")
    print(f"facade docs: {examples} pages with examples checked, {len(MIRRORS)} modules mirrored")


if __name__ == "__main__":
    main()
