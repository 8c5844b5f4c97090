"""What the atlas tells a user about their input, in Chinese and English, from one catalogue.

A `Message` is a catalogue key with its parameters, rendered in either language when it is shown
(`Message.text`), so one problem found once reads in Chinese on a Chinese page or with ``--lang zh``
and in English elsewhere. Parameters that are messages themselves (a column's description, a list of
suggestions) render in the same language. The texts live in `atlas.core.message_catalogue`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from atlas.core.message_catalogue import CATALOGUE
from atlas.core.schema import Lang

LIST_JOINERS: Final[dict[str, str]] = {"zh": "、", "en": ", "}
ALTERNATIVE_JOINERS: Final[dict[str, str]] = {"zh": "或", "en": " or "}


@dataclass(frozen=True)
class Message:
    """A catalogue key and its parameters; `text(lang)` renders it, ``str()`` gives the English."""

    key: str
    params: tuple[tuple[str, object], ...] = ()

    def text(self, lang: Lang) -> str:
        """The message in `lang`; a template may also use ``{name_quoted}``, the parameter's Python repr."""
        zh, en = CATALOGUE[self.key]
        template = zh if lang == "zh" else en
        values = {name: render(value, lang) for name, value in self.params}
        values.update({f"{name}_quoted": repr(text) for name, text in list(values.items())})
        return template.format(**values)

    def __str__(self) -> str:
        return self.text("en")


@dataclass(frozen=True)
class Listing:
    """Several values shown as one parameter: "a, b, c" / "a、b、c", or "a or b" / "a或b"."""

    items: tuple[object, ...]
    alternatives: bool = False

    def text(self, lang: Lang) -> str:
        joiners = ALTERNATIVE_JOINERS if self.alternatives else LIST_JOINERS
        return joiners[lang].join(render(item, lang) for item in self.items)


def msg(key: str, **params: object) -> Message:
    """The message `key` of the catalogue with `params`; an unknown key fails at once (a programming error)."""
    if key not in CATALOGUE:
        raise KeyError(f"no message {key!r} in the catalogue")
    return Message(key, tuple(params.items()))


def listing(items: Iterable[object], *, alternatives: bool = False) -> Listing:
    """A list parameter, joined the way each language joins lists."""
    return Listing(tuple(items), alternatives=alternatives)


def render(value: object, lang: Lang) -> str:
    """A parameter as text in `lang`: messages and listings rendered, anything else as ``str``."""
    if isinstance(value, Message | Listing):
        return value.text(lang)
    return str(value)


class MessageError(ValueError):
    """A `ValueError` whose reason is a catalogue message: the cell parsers raise it."""

    def __init__(self, message: Message) -> None:
        super().__init__(str(message))
        self.message = message


def reason_of(error: ValueError) -> Message | str:
    """The message a `ValueError` carries (a `MessageError`'s), else its plain text."""
    return error.message if isinstance(error, MessageError) else str(error)
