"""What reaches a terminal that takes colours: C++ Nix's logger keeps colour sequences
(``ESC [ ... m``) there and removes every other escape sequence, as it removes all of them
elsewhere (the lang-tests compare that case with the reference's own output)."""

from __future__ import annotations

from tvix_eval.builtins.log import terminal_filter

ESC = "\x1b"


def test_a_terminal_keeps_colours_only() -> None:
    text = f"{ESC}[1;35mred{ESC}[0m {ESC}[?25lcursor {ESC}]8;;url{ESC}\\link {ESC}Mx"
    assert terminal_filter(text, colours=True) == f"{ESC}[1;35mred{ESC}[0m cursor link x"
    assert terminal_filter(text) == "red cursor link x"


def test_tabs_count_characters_not_bytes_nor_newlines() -> None:
    assert terminal_filter("é\tx") == "é       x"
    assert terminal_filter("ab\ncd\te") == "ab\ncd    e"
