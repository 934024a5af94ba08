"""Stylesheets cut to what the book uses: a small rule splitter for minified CSS (no dependency), used to drop the
rules of DataTables extensions the explorer does not switch on and the Font Awesome icon classes no page uses."""
from __future__ import annotations

from typing import Callable


def css_rules(css: str):
    """Split a stylesheet into (prelude, body, text) at the top level; comments are kept as ("", None, text)."""
    i, n, out = 0, len(css), []
    while i < n:
        if css.startswith("/*", i):
            j = css.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(("", None, css[i:j]))
            i = j
            continue
        if css[i].isspace():
            out.append(("", None, css[i]))
            i += 1
            continue
        j = i
        while j < n and css[j] not in "{;":
            j += 1
        if j >= n or css[j] == ";":  # an @import/@charset statement (or trailing text)
            out.append(("", None, css[i:j + 1]))
            i = j + 1
            continue
        depth, k = 0, j
        while k < n:
            if css.startswith("/*", k):
                k = css.find("*/", k + 2) + 2
                continue
            if css[k] == "{":
                depth += 1
            elif css[k] == "}":
                depth -= 1
                if depth == 0:
                    break
            k += 1
        out.append((css[i:j].strip(), css[j + 1:k], css[i:k + 1]))
        i = k + 1
    return out


def drop_rules(css: str, dead: Callable[[str], object]) -> str:
    """The stylesheet without the rules whose every selector ``dead(selector)`` calls dead (recursing into @media,
    @supports, @container and @layer blocks). At-rules such as @font-face and @keyframes are kept."""
    parts = []
    for prelude, body, text in css_rules(css):
        if body is None:
            parts.append(text)
        elif prelude.startswith(("@media", "@supports", "@container", "@layer")):
            inner = drop_rules(body, dead)
            if inner.strip():
                parts.append(f"{prelude}{{{inner}}}")
        elif prelude.startswith("@"):
            parts.append(text)
        elif all(dead(sel.strip()) for sel in prelude.split(",")):
            continue
        else:
            parts.append(text)
    return "".join(parts)
