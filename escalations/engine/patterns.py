"""Regular expressions that admins write, made safe to run on every customer message.

Python's ``re`` has no time limit, and a thread stuck in a backtracking pattern cannot be
stopped. So the safety is decided before a pattern is saved, and bounded when it runs:

1. at most ``MAX_PATTERN_CHARACTERS`` characters, and it must compile;
2. no nested unbounded repetition (``(a+)+``, ``(\\w*\\s?)*``, ``(x|y+)*``): the shape behind
   catastrophic backtracking. Such a pattern is refused with a sentence that says so;
3. no backreferences (``\\1``), which make matching exponential in the worst case;
4. every pattern runs on at most ``MAX_TEXT_CHARACTERS`` characters of a message (the
   conversations app refuses longer messages anyway).

What is left runs in time polynomial in a message of bounded length; the benchmark
(``python -m bench escalations``) measures it."""

import functools
import re

try:  # Python 3.11+: the parser's module moved; it is what ``re.compile`` uses.
    from re import _constants as sre_constants
    from re import _parser as sre_parse
except ImportError:  # pragma: no cover
    import sre_constants
    import sre_parse

from escalations.engine.text import quoted

MAX_PATTERN_CHARACTERS = 500
_REPEATS = {sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT, getattr(sre_constants, "POSSESSIVE_REPEAT", None)}
_UNBOUNDED = sre_constants.MAXREPEAT


class PatternInvalid(ValueError):
    pass


def _walk(parsed, inside_unbounded: bool) -> str | None:
    """Why ``parsed`` is unsafe, or None."""
    for op, value in parsed:
        if op in (sre_constants.GROUPREF, sre_constants.GROUPREF_EXISTS):
            return "uses a backreference, which can make matching very slow"
        if op in _REPEATS:
            _, high, item = value
            unbounded = high == _UNBOUNDED or high > 100
            if unbounded and inside_unbounded:
                return "repeats something that itself repeats without a bound (like (a+)+), which can take forever"
            problem = _walk(item, inside_unbounded or unbounded)
            if problem:
                return problem
        elif op == sre_constants.SUBPATTERN:
            problem = _walk(value[-1], inside_unbounded)
            if problem:
                return problem
        elif op == sre_constants.BRANCH:
            for branch in value[1]:
                problem = _walk(branch, inside_unbounded)
                if problem:
                    return problem
        elif op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
            problem = _walk(value[1], inside_unbounded)
            if problem:
                return problem
    return None


def required_literal(pattern: str) -> str:
    """The longest run of plain characters every match must contain, lowercased ("order" for
    ``\\border\\s+#?\\d{5}``), or "". On an ASCII message, a pattern whose literal is absent
    cannot match and is not run: regexes are the dearest condition on long messages."""
    try:
        parsed = sre_parse.parse(pattern, re.IGNORECASE)
    except re.error:
        return ""
    best, run = "", []

    def visit(items) -> None:
        nonlocal best, run
        for op, value in items:
            if op == sre_constants.LITERAL and value < 128:
                run.append(chr(value))
                continue
            if len(run) > len(best):
                best = "".join(run)
            run = []
            if op == sre_constants.SUBPATTERN and not any(
                inner_op == sre_constants.BRANCH for inner_op, _ in value[-1]
            ):
                visit(value[-1])
            elif op in _REPEATS and value[0] >= 1 and value[1] == 1:
                visit(value[2])

    visit(parsed)
    if len(run) > len(best):
        best = "".join(run)
    return best.lower()


@functools.lru_cache(maxsize=2048)
def pattern_compile(pattern: str) -> re.Pattern:
    """The compiled pattern (case-insensitive), or ``PatternInvalid`` with a sentence that
    names the pattern. Compiled once per process for every rule that uses it."""
    shown = quoted(pattern if len(pattern) <= 60 else pattern[:57] + "…")
    if len(pattern) > MAX_PATTERN_CHARACTERS:
        raise PatternInvalid(f"The pattern {shown} is longer than {MAX_PATTERN_CHARACTERS} characters.")
    try:
        compiled = re.compile(pattern, re.IGNORECASE)
        parsed = sre_parse.parse(pattern, re.IGNORECASE)
    except re.error as error:
        raise PatternInvalid(f"The pattern {shown} is not a valid regular expression: {error}.") from None
    problem = _walk(parsed, inside_unbounded=False)
    if problem:
        raise PatternInvalid(f"The pattern {shown} {problem}; write it without the nested repetition.")
    if compiled.fullmatch("") is not None:
        raise PatternInvalid(f"The pattern {shown} matches an empty text, so it would match every message.")
    return compiled
