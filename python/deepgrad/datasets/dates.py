"""Generated human-readable dates and their ISO form, for encoder-decoder translation.

"tuesday 3 march 1998", "03/03/98", "3 Mar 1998", "March 3, 1998", ... -> "1998-03-03". Dates lie in
1950-01-01 .. 2049-12-31, so a two-digit year names one year (50-99 -> 19xx, 00-49 -> 20xx); numeric formats put the
day first (03/04/98 is 3 April). The calendar days are split once, by a fixed permutation, into train and test
days, so test dates are never seen in training whatever the sampling seed.
"""
import datetime
import string

import numpy as np

START = datetime.date(1950, 1, 1)
END = datetime.date(2049, 12, 31)
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
SPLIT_SEED = 20240501
TARGET_LENGTH = 10  # "YYYY-MM-DD"


def _ordinal(n):
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def _parts(d):
    month, weekday = MONTHS[d.month - 1], WEEKDAYS[d.weekday()]
    return {"d": d.day, "dd": f"{d.day:02d}", "m": d.month, "mm": f"{d.month:02d}", "yy": f"{d.year % 100:02d}",
            "yyyy": d.year, "month": month, "mon": month[:3], "weekday": weekday, "wkd": weekday[:3],
            "dth": _ordinal(d.day)}


# name -> template over the fields of _parts
FORMATS = {
    "weekday d month yyyy": "{weekday} {d} {month} {yyyy}",
    "d month yyyy": "{d} {month} {yyyy}",
    "d mon yyyy": "{d} {mon} {yyyy}",
    "month d, yyyy": "{month} {d}, {yyyy}",
    "mon d, yyyy": "{mon} {d}, {yyyy}",
    "weekday, month dth, yyyy": "{weekday}, {month} {dth}, {yyyy}",
    "wkd, d mon yyyy": "{wkd}, {d} {mon} {yyyy}",
    "the dth of month yyyy": "the {dth} of {month} {yyyy}",
    "dth month yy": "{dth} {month} {yy}",
    "dd/mm/yy": "{dd}/{mm}/{yy}",
    "dd/mm/yyyy": "{dd}/{mm}/{yyyy}",
    "d/m/yy": "{d}/{m}/{yy}",
    "dd.mm.yyyy": "{dd}.{mm}.{yyyy}",
    "d.m.yy": "{d}.{m}.{yy}",
    "dd-mm-yyyy": "{dd}-{mm}-{yyyy}",
    "yyyy/mm/dd": "{yyyy}/{mm}/{dd}",
    "d-mon-yy": "{d}-{mon}-{yy}",
    "mon yyyy d": "{mon} {yyyy} {d}",
}
CASES = ("lower", "title", "upper")


def format_date(d, fmt, case="lower"):
    """`d` (a datetime.date) written in format `fmt` (a key of FORMATS) and `case` ('lower', 'title', 'upper')."""
    if fmt not in FORMATS:
        raise ValueError(f"format_date: unknown format {fmt!r}; formats: {', '.join(FORMATS)}")
    text = FORMATS[fmt].format(**_parts(d))
    return {"lower": text, "title": string.capwords(text), "upper": text.upper()}[case]


def iso(d):
    return d.isoformat()


def _split_days(split, test_fraction):
    days = (END - START).days + 1
    order = np.random.default_rng(SPLIT_SEED).permutation(days)
    n_test = int(round(days * test_fraction))
    if split == "test":
        return order[:n_test]
    if split == "train":
        return order[n_test:]
    raise ValueError(f"dates: split must be 'train' or 'test', got {split!r}")


def date_pairs(n, seed=0, split="train", test_fraction=0.1):
    """`n` (source, target) pairs: a random day of `split` in a random format and letter case, and its ISO form.
    The same (n, seed, split) always gives the same pairs; train and test days never overlap."""
    rng = np.random.default_rng(seed)
    days = _split_days(split, test_fraction)
    picks = days[rng.integers(0, len(days), n)]
    names = list(FORMATS)
    fmts = rng.integers(0, len(names), n)
    cases = rng.choice(len(CASES), n, p=(0.6, 0.25, 0.15))
    pairs = []
    for day, f, c in zip(picks, fmts, cases):
        d = START + datetime.timedelta(days=int(day))
        pairs.append((format_date(d, names[f], CASES[c]), iso(d)))
    return pairs


class Vocab:
    """Characters <-> ids with the special tokens first: id 0 is padding ('<pad>'), then `specials`, then `chars`."""

    def __init__(self, chars, specials=()):
        self.tokens = ["<pad>", *specials, *sorted(set(chars))]
        self.index = {t: i for i, t in enumerate(self.tokens)}
        self.pad = 0

    def __len__(self):
        return len(self.tokens)

    def encode(self, text):
        try:
            return [self.index[c] for c in text]
        except KeyError as e:
            raise ValueError(f"vocabulary: character {e.args[0]!r} of {text!r} is not in the vocabulary") from None

    def decode(self, ids):
        return "".join(self.tokens[i] for i in ids if i != self.pad)

    def pad_batch(self, texts, prefix=(), suffix=()):
        """(ids int64 (N, longest), lengths int64 (N,)): each text encoded between `prefix` and `suffix` ids, padded."""
        rows = [list(prefix) + self.encode(t) + list(suffix) for t in texts]
        lengths = np.array([len(r) for r in rows], dtype=np.int64)
        ids = np.full((len(rows), int(lengths.max(initial=0))), self.pad, dtype=np.int64)
        for i, r in enumerate(rows):
            ids[i, :len(r)] = r
        return ids, lengths


def _source_chars():
    words = "".join(MONTHS + WEEKDAYS) + "thestndrd of"
    return set(words) | set(words.upper()) | set("0123456789 ,./-")


def source_vocab():
    """Every character any format can produce, plus <pad>."""
    return Vocab(_source_chars())


def target_vocab():
    """Digits and '-', plus <pad>, <sos> (id 1) and <eos> (id 2)."""
    return Vocab("0123456789-", specials=("<sos>", "<eos>"))
