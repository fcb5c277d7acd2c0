"""Search of Chinese names by characters and character pairs (one- and two-character words).

Most Chinese queries are one or two characters (食品, 餐饮, a surname): shorter than a
trigram, so pg_trgm cannot serve them and `LIKE '%食品%'` scans every row. A name's grams
(each character and each pair of neighbours, lower-cased) are kept by PostgreSQL in an array
column (`ssj_grams`, an IMMUTABLE SQL function created by migration publicity 0003) with a GIN index;
a query's grams must all be there (`@>`), then `ILIKE` confirms the exact substring on the
few rows left. Works on a stock PostgreSQL: no extension needed.
"""

from __future__ import annotations


def grams(text: str) -> set[str]:
    """The Python twin of ssj_grams: every character and every pair of neighbours."""
    s = text.lower()
    return {s[i : i + 1] for i in range(len(s))} | {s[i : i + 2] for i in range(len(s) - 1)}


def query_grams(q: str) -> list[str]:
    """The grams a name containing `q` must have: its pairs (its one character if it has one)."""
    s = q.lower()
    if len(s) < 2:
        return [s] if s else []
    return sorted({s[i : i + 2] for i in range(len(s) - 1)})
