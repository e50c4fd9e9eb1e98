"""Text that cannot be stored, found once where input is parsed.

Two kinds of character in a JSON string reach Python but no further: NUL (PostgreSQL's
``text`` refuses it) and half a surrogate pair (UTF-8 cannot encode it, so psycopg cannot
send it; a browser's ``JSON.stringify`` writes half an emoji as the escape ``\\ud83d``).
Each once crashed a socket or answered 500 from deep inside a query (issue 12). Refusing
them where frames and bodies are parsed gives one clear error for every field, instead of a
check before each column."""

from collections.abc import Iterator

NUL = "\x00"


def storable(text: str) -> bool:
    if NUL in text:
        return False
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _strings(value, path: str) -> Iterator[tuple[str, str]]:
    # Iterative: json.loads accepts nesting far deeper than Python's recursion limit.
    stack = [(value, path)]
    while stack:
        value, path = stack.pop()
        if isinstance(value, str):
            yield path, value
        elif isinstance(value, dict):
            for key, item in reversed(value.items()):
                label = key if storable(key) else "?"  # the name goes into the error's sentence
                name = f"{path}.{label}" if path else label
                yield name, key
                stack.append((item, name))
        elif isinstance(value, list):
            stack.extend((item, f"{path}[{index}]") for index, item in reversed(list(enumerate(value))))


def unstorable_field(value, *, path: str = "") -> str | None:
    """The name of the first field (``contact.external_id``, ``tags[2]``) of a decoded JSON
    value whose string, or key, cannot be stored; None when every one can."""
    for name, text in _strings(value, path):
        if not storable(text):
            return name or "(the value)"
    return None
