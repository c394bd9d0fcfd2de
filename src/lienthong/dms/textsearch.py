"""Search text insensitive to Vietnamese diacritics, the same on SQLite and PostgreSQL.

Both the stored ``search_text`` columns and the queries go through :func:`normalise`: lower
case, every combining mark removed after NFD decomposition, and ``đ``/``Đ`` (a letter of its
own, not a ``d`` with a mark) folded to ``d``. Queries then use plain ``LIKE`` on ASCII-ish
text, which both databases do the same way.
"""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def normalise(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", bare.lower()).strip()


def terms(query: str) -> list[str]:
    """The words of a query, normalised; every one must appear."""
    return [t for t in normalise(query).split(" ") if t]


def joined(*parts: object) -> str:
    """The normalised search text of a record made of these parts."""
    return normalise(" ".join(str(p) for p in parts if p))


# The text searched "in the documents' text too": the record's search text, a newline (which
# normalised text never holds), then what its files say.
def with_files(search_text: str, files_text: str = "") -> str:
    return f"{search_text}\n{files_text}"


def files_part(text: str) -> str:
    """What the files say, out of a :func:`with_files` text."""
    return text.partition("\n")[2]
