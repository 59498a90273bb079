"""Policy variables (`${aws:username}`, `${aws:PrincipalTag/team}`, `${*}`, defaults).

Variables are substituted only in policies whose Version is 2012-10-17; elsewhere `${...}` is
literal text. A variable with no value (and no default) makes the whole element match nothing,
which the caller learns from a `None` result.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from graph.policy.wildcard import LITERAL_QMARK, LITERAL_STAR

VARIABLES_VERSION = "2012-10-17"

_VAR = re.compile(r"\$\{([^}]*)\}")
#: `key, 'default'`: the key is group 1 stripped (no lazy `+?` before `\s*`: that pair is
#: quadratic on a long run of spaces).
_DEFAULT = re.compile(r"([^,]+),\s*'([^']*)'\s*\Z")
_SPECIAL = {"*": LITERAL_STAR, "?": LITERAL_QMARK, "$": "$"}

#: Looks a context key up; returns its single value, or None when the key has no value.
Lookup = Callable[[str], str | None]


def has_variables(text: str) -> bool:
    return "${" in text


def split_arn_pattern(pattern: str) -> tuple[str, str]:
    """(what precedes the resource part, the resource part) of a Resource ARN pattern.

    "IAM policy elements: Variables and tags": a variable may stand only in the resource part
    of an ARN, after the fifth colon; in the service, region or account parts `${...}` is
    literal text. Colons inside a `${...}` (as in `${aws:username}`) do not count. A pattern
    with fewer than five colons has no resource part: all of it is the first element.
    """
    colons = 0
    depth = 0
    i = 0
    n = len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "$" and pattern.startswith("${", i):
            depth += 1
            i += 2
            continue
        if ch == "}" and depth:
            depth -= 1
        elif ch == ":" and not depth:
            colons += 1
            if colons == 5:
                return pattern[:i + 1], pattern[i + 1:]
        i += 1
    return pattern, ""


def literal_variables(text: str) -> str:
    """`text` with the wildcards inside each `${...}` marked literal: where variables are not
    substituted, `${*}` is the three characters, not a wildcard."""
    return _VAR.sub(lambda m: m.group(0).replace("*", LITERAL_STAR).replace("?", LITERAL_QMARK),
                    text)


def variable_keys(text: str) -> list[str]:
    """The context keys a text refers to (specials and defaults stripped)."""
    keys: list[str] = []
    for body in _VAR.findall(_closed(text)):
        if body in _SPECIAL:
            continue
        m = _DEFAULT.match(body)
        keys.append((m.group(1) if m else body).strip())
    return keys


def substitute(text: str, lookup: Lookup, *, escape_value: bool = True) -> str | None:
    """Replace every `${...}`; None when a variable has no value and no default.

    Substituted values are literal text: a `*` inside a tag value must not act as a wildcard,
    so (with `escape_value`) it is marked literal for the glob compiler.
    """
    missing = False

    def repl(m: re.Match[str]) -> str:
        nonlocal missing
        body = m.group(1)
        if body in _SPECIAL:
            return _SPECIAL[body]
        default: str | None = None
        d = _DEFAULT.match(body)
        key = body.strip()
        if d:
            key, default = d.group(1).strip(), d.group(2)
        value = lookup(key)
        if value is None:
            value = default
        if value is None:
            missing = True
            return ""
        if escape_value:
            value = value.replace("*", LITERAL_STAR).replace("?", LITERAL_QMARK)
        return value

    out = replace_variables(text, repl)
    return None if missing else out


def _closed(text: str) -> str:
    """The part of `text` that can hold a `${...}`: up to its last `}`.

    Every match ends at a `}`; past the last one, `${` cannot match, and retrying the regex at
    each of thousands of unclosed `${` would cost the square of the text's length.
    """
    return text[: text.rfind("}") + 1]


def replace_variables(text: str, repl: Callable[[re.Match[str]], str]) -> str:
    """`_VAR.sub(repl, text)` in linear time (see `_closed`)."""
    if "${" not in text:
        return text
    head = _closed(text)
    return _VAR.sub(repl, head) + text[len(head):]


def unmark(text: str) -> str:
    """Turn literal markers back into plain characters (for exact, non-glob comparisons)."""
    return text.replace(LITERAL_STAR, "*").replace(LITERAL_QMARK, "?")
