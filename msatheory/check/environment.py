"""Variables as docker compose resolves them: ``.env`` files and ``${...}`` interpolation.

Compose reads the ``.env`` file beside the first compose file, substitutes ``$VAR``,
``${VAR}``, ``${VAR:-default}``, ``${VAR-default}``, ``${VAR:?error}``, ``${VAR?error}``,
``${VAR:+replacement}`` and ``${VAR+replacement}`` (``$$`` is a literal ``$``) in every
value of the file, and reads ``env_file`` entries in the same format. :func:`parse_dotenv`
and :func:`interpolate` follow compose-go's ``dotenv`` and ``template`` packages, and
keep for each value where it came from (``.env line 3``), so a report can say so.

Unlike Compose, the shell's environment is never read: a check gives the same result on
every machine, and cannot print a secret of the machine it runs on.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import NamedTuple

from msatheory.errors import TheoryError

__all__ = ["Interpolated", "Variable", "interpolate", "parse_dotenv"]


class Variable(NamedTuple):
    """A variable's ``value`` and its ``origin`` (``.env line 3``)."""

    value: str
    origin: str


class Interpolated(NamedTuple):
    """A value after substitution: ``used`` says where each substituted variable came from
    (``CART_HOST from .env line 3``); ``unset`` names those with no value and no default
    (Compose substitutes an empty string); ``required`` the ``${VAR:?message}`` ones that
    are missing, with their messages (Compose refuses to run)."""

    value: str
    used: tuple[str, ...] = ()
    unset: tuple[str, ...] = ()
    required: tuple[tuple[str, str], ...] = ()


_NAME = re.compile(r"[_A-Za-z][_A-Za-z0-9]*")
_OPERATORS = (":?", "?", ":-", "-", ":+", "+")


class _Substitution:
    def __init__(self, variables: Mapping[str, Variable]):
        self.variables = variables
        self.used: dict[str, None] = {}
        self.unset: dict[str, None] = {}
        self.required: dict[tuple[str, str], None] = {}

    def lookup(self, name: str) -> str | None:
        variable = self.variables.get(name)
        if variable is None:
            return None
        self.used[f"{name} from {variable.origin}"] = None
        return variable.value

    def text(self, text: str) -> str:
        out, i = [], 0
        while i < len(text):
            dollar = text.find("$", i)
            if dollar < 0:
                out.append(text[i:])
                break
            out.append(text[i:dollar])
            value, i = self.reference(text, dollar)
            out.append(value)
        return "".join(out)

    def reference(self, text: str, start: int) -> tuple[str, int]:
        """The substitution for the reference at ``text[start] == "$"``, and where it ends."""
        after = text[start + 1: start + 2]
        if after == "$":
            return "$", start + 2
        if after != "{":
            name = _NAME.match(text, start + 1)
            if name is None:
                return "$", start + 1
            return self.value(name.group()), name.end()
        end = _closing_brace(text, start + 1)
        if end < 0:
            return text[start:], len(text)
        body = text[start + 2: end]
        name = _NAME.match(body)
        if name is None:
            return text[start: end + 1], end + 1  # invalid: left as written
        operator = next((op for op in _OPERATORS if body.startswith(op, name.end())), None)
        if operator is None:
            if name.end() != len(body):
                return text[start: end + 1], end + 1
            return self.value(name.group()), end + 1
        argument = body[name.end() + len(operator):]
        return self.operate(name.group(), operator, argument), end + 1

    def value(self, name: str) -> str:
        found = self.lookup(name)
        if found is None:
            self.unset[name] = None
            return ""
        return found

    def operate(self, name: str, operator: str, argument: str) -> str:
        found = self.lookup(name)
        empty_counts = operator.startswith(":")
        present = found is not None and (found != "" or not empty_counts)
        if operator.endswith("-"):
            return found if present and found is not None else self.text(argument)
        if operator.endswith("+"):
            return self.text(argument) if present else (found or "")
        if not present:  # "?" and ":?"
            self.required[(name, self.text(argument))] = None
            return ""
        return found or ""


def _closing_brace(text: str, opening: int) -> int:
    """The index of the ``}`` closing the ``{`` at ``opening``, nested ``${...}`` counted."""
    depth, i = 0, opening
    while i < len(text):
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


def interpolate(text: str, variables: Mapping[str, Variable]) -> Interpolated:
    """``text`` with its ``$`` references substituted from ``variables``, as Compose does.

    >>> env = {"HOST": Variable("cart", ".env line 1")}
    >>> interpolate("http://${HOST}:${PORT:-8080}/$$x", env)
    Interpolated(value='http://cart:8080/$x', used=('HOST from .env line 1',), unset=(), \
required=())
    """
    if "$" not in text:
        return Interpolated(text)
    substitution = _Substitution(variables)
    value = substitution.text(text)
    return Interpolated(value, tuple(substitution.used), tuple(substitution.unset),
                        tuple(substitution.required))


# -- .env files -------------------------------------------------------------------------------

_BLANK = re.compile(r"\s*")
_KEY = re.compile(r"(?:export\s+)?([\w.\-\[\]]+)[ \t]*([=:\n]|$)")
_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v",
            "\\": "\\", '"': '"', "$": "$$"}


def parse_dotenv(text: str, name: str, lookup: Mapping[str, Variable] | None = None,
                 known: Mapping[str, Variable] | None = None) -> dict[str, Variable]:
    """The variables a ``.env``-format ``text`` sets, as compose-go's parser reads it.

    ``NAME=value`` or ``NAME: value``, optionally after ``export``; ``#`` starts a comment
    at a line's start or after a space in an unquoted value; single quotes keep their
    text as written, double quotes read escapes; both may span lines. Unquoted and
    double-quoted values are interpolated from ``lookup`` first, then from ``known`` and
    the variables set above them. A line holding only ``NAME`` takes its value from
    ``lookup``, if it has one. Errors name the file and the line, never its text.

    >>> parse_dotenv("# shop\\nCART=cart:8080 # the cart\\nURL=http://${CART}\\n", ".env")
    {'CART': Variable(value='cart:8080', origin='.env line 2'), \
'URL': Variable(value='http://cart:8080', origin='.env line 3')}
    """
    found: dict[str, Variable] = {}
    outside = lookup or {}
    before = dict(known or {})
    i, line = 0, 1
    while i < len(text):
        spaces = _BLANK.match(text, i)
        assert spaces is not None  # \s* matches at every position, if only the empty text
        blank = spaces.group()
        line += blank.count("\n")
        i += len(blank)
        if i >= len(text):
            break
        if text[i] == "#":
            end = text.find("\n", i)
            i = len(text) if end < 0 else end
            continue
        key = _KEY.match(text, i)
        if key is None:
            raise TheoryError(f"{name}: line {line}: is not NAME=value (the line is not shown: "
                              "it may hold a secret)")
        here = line
        origin = f"{name} line {here}"
        if key.group(2) in ("\n", ""):
            if key.group(1) in outside:
                found[key.group(1)] = Variable(outside[key.group(1)].value, origin)
            i = key.end()
            line += key.group(2) == "\n"
            continue
        i = key.end()
        while i < len(text) and text[i] in " \t":
            i += 1
        raw, expand, i, lines = _value(text, i, name, here)
        line += lines
        value = interpolate(raw, {**before, **found, **outside}).value if expand else raw
        found[key.group(1)] = Variable(value, origin)
    return found


def _value(text: str, i: int, name: str, line: int) -> tuple[str, bool, int, int]:
    """The value starting at ``text[i]``: its text, whether it is interpolated (not in
    single quotes), where it ends, and how many line breaks it spans."""
    quote = text[i] if i < len(text) and text[i] in "'\"" else ""
    if not quote:
        end = text.find("\n", i)
        end = len(text) if end < 0 else end
        return text[i:end].split(" #", 1)[0].rstrip(), True, end, 0
    chars: list[str] = []
    j, escaped = i + 1, False
    while j < len(text):
        ch = text[j]
        if ch == quote and not escaped:
            raw = "".join(chars)
            if quote == "'":
                return raw.replace("\\'", "'"), False, j + 1, raw.count("\n")
            unescaped = re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group()), raw)
            return unescaped, True, j + 1, raw.count("\n")
        escaped = ch == "\\" and not escaped
        chars.append(ch)
        j += 1
    raise TheoryError(f"{name}: line {line}: a value opened with {quote} is never closed")
