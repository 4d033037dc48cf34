"""Songs in ABC notation: parsing a file of tunes and the character vocabulary of a text.

A song starts at a line 'X:<number>' and runs until the next such line; it must have a 'K:' (key) field, the
last field of an ABC header. Blank lines separate songs; a block after a blank line that does not start with
'X:' continues the song before it. Before the first song only comments ('%') and header fields ('T:...') may
appear.
"""
import re

import numpy as np

_FIELD = re.compile(r"^[A-Za-z+]:")


def parse_abc(text, source="abc text"):
    """The songs in `text` as a list of strings (each starting with 'X:'); ValueError naming the line on
    malformed input."""
    if not text.strip():
        raise ValueError(f"abc: {source} is empty: expected songs in ABC notation, each starting with 'X:<number>'")
    songs, starts, current = [], [], None
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("X:"):
            if not stripped[2:].strip().isdigit():
                raise ValueError(f"abc: {source}, line {number}: 'X:' must be followed by a reference number, "
                                 f"got {stripped!r}")
            if current is not None:
                songs.append(current)
            current, starts = [stripped], starts + [number]
        elif current is None:
            if stripped and not stripped.startswith("%") and not _FIELD.match(stripped):
                raise ValueError(f"abc: {source}, line {number}: music before the first song header: {stripped!r} "
                                 "(each song must start with a line 'X:<number>')")
        elif stripped:
            current.append(line.rstrip())
    if current is not None:
        songs.append(current)
    if not songs:
        raise ValueError(f"abc: {source} has no songs: no line starts with 'X:' (each song in ABC notation begins "
                         "with a reference number line such as 'X:1')")
    for lines, start in zip(songs, starts):
        if not any(_is_key_field(line) for line in lines):
            raise ValueError(f"abc: {source}, song starting at line {start} ({lines[0]}): no 'K:' (key) field; an "
                             "ABC header ends with one, e.g. 'K:D Major'")
    return ["\n".join(lines) for lines in songs]


def _is_key_field(line):
    return line.lstrip().startswith("K:")


def read_abc(path):
    """The songs of the ABC file at `path` (see parse_abc)."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except UnicodeDecodeError as e:
        raise ValueError(f"abc: {path} is not UTF-8 text ({e.reason} at byte {e.start})") from None
    return parse_abc(text, source=str(path))


def songs_text(songs):
    """The songs joined into one training text, separated by blank lines as in an ABC file."""
    return "\n\n".join(songs) + "\n\n"


class CharVocab:
    """Characters <-> integer ids, ids in sorted order of the characters."""

    def __init__(self, chars):
        self.chars = "".join(sorted(set(chars)))
        self.index = {c: i for i, c in enumerate(self.chars)}

    def __len__(self):
        return len(self.chars)

    def encode(self, text):
        unknown = sorted(set(text) - set(self.index))
        if unknown:
            raise ValueError(f"vocabulary: characters not in the vocabulary: {''.join(unknown)!r}")
        return np.fromiter((self.index[c] for c in text), dtype=np.int64, count=len(text))

    def decode(self, ids):
        return "".join(self.chars[int(i)] for i in ids)
