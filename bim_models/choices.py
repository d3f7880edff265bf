"""Vocabularies: the values a field may take, each with a Chinese and an English label and a
display colour (NetBox's ``choices.py``).

Every domain defines its vocabularies once, in its own ``choices.py``, with :class:`Choice`;
the API serves them (``GET /vocabularies``), and the PDF report, the off-screen snapshots and
the browser read labels and colours from there, never from copies.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

__all__ = ["Choice", "choice_of", "colours_of", "labels_of"]


@dataclass(frozen=True, slots=True)
class Choice:
    """One value of a vocabulary.

    Attributes
    ----------
    value : str
        What is stored and sent over the API, e.g. ``"over"``.
    label_zh, label_en : str
        What a person reads, in Chinese (first) and English.
    colour : str
        Display colour as ``#rrggbb``.
    """

    value: str
    label_zh: str
    label_en: str
    colour: str

    @property
    def label(self) -> str:
        """The English label (for English-only outputs such as log lines)."""
        return self.label_en


def choice_of(choices: Iterable[Choice], value: str) -> Choice:
    """The :class:`Choice` of ``value`` in ``choices``.

    Raises
    ------
    ValueError
        With the valid values listed.

    Examples
    --------
    >>> choice_of((Choice("a", "甲", "A", "#000000"),), "a").label_en
    'A'
    """
    choices = tuple(choices)
    for choice in choices:
        if choice.value == value:
            return choice
    raise ValueError(f"unknown value {value!r}; expected one of "
                     f"{', '.join(c.value for c in choices)}")


def colours_of(choices: Iterable[Choice]) -> Mapping[str, str]:
    """``value -> #rrggbb`` of a vocabulary, in its order."""
    return {c.value: c.colour for c in choices}


def labels_of(choices: Iterable[Choice]) -> Mapping[str, tuple[str, str]]:
    """``value -> (Chinese label, English label)`` of a vocabulary, in its order."""
    return {c.value: (c.label_zh, c.label_en) for c in choices}
