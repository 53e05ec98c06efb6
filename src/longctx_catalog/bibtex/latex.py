"""LaTeX <-> plain text for the few BibTeX fields the catalogue shows.

Why not bibtexparser's ``LatexDecodingMiddleware``: it runs pylatexenc over every
field of every entry (about 3 ms an entry), while we only show a title, the
author names and a venue. :func:`to_text` is a small table-driven decoder that
returns plain strings untouched and handles what real .bib files contain:
protective braces (``{YaRN}``), accents in all their spellings (``{\\"o}``,
``\\"{o}``, ``\\c{c}``), escaped specials (``\\&``), dashes, ties, font switches
and simple math (``$O(n^2)$``, ``$\\infty$``). Only an unknown macro hands the
string to pylatexenc (imported then, so the common path never pays for it).

:func:`to_latex` goes the other way for export: specials escaped, accented Latin
letters as BibTeX-safe ``{\\"o}`` groups, anything else left as UTF-8.
"""

from __future__ import annotations

import functools
import re
import unicodedata

# --------------------------------------------------------------------------------
# Decoding

# accent command -> combining character
# fmt: off
_ACCENTS = {
    "'": "\u0301", "`": "\u0300", "^": "\u0302", "\"": "\u0308", "~": "\u0303", "=": "\u0304",
    ".": "\u0307", "c": "\u0327", "v": "\u030c", "u": "\u0306", "H": "\u030b", "k": "\u0328", "r": "\u030a",
    "d": "\u0323", "b": "\u0331", "t": "\u0361",
}
# fmt: on

# macro -> text (letters, symbols; math symbols are read the same way in and out of math)
# fmt: off
_SYMBOLS = {
    "i": "ı", "j": "ȷ", "o": "ø", "O": "Ø", "l": "ł", "L": "Ł", "ss": "ß", "ae": "æ", "AE": "Æ", "oe": "œ",
    "OE": "Œ", "aa": "å", "AA": "Å", "dh": "ð", "DH": "Ð", "th": "þ", "TH": "Þ", "ng": "ŋ", "NG": "Ŋ",
    "dj": "đ", "DJ": "Đ", "textendash": "–", "textemdash": "—", "textquoteleft": "‘", "textquoteright": "’",
    "textquotedblleft": "“", "textquotedblright": "”", "textbackslash": "\\", "backslash": "\\",
    "textbraceleft": "{", "textbraceright": "}", "textasciitilde": "~", "textasciicircum": "^",
    "textunderscore": "_", "textbar": "|", "textless": "<", "textgreater": ">", "textbullet": "•",
    "textperiodcentered": "·", "ldots": "…", "dots": "…", "textellipsis": "…", "cdots": "⋯", "S": "§",
    "P": "¶", "copyright": "©", "textcopyright": "©", "textregistered": "®", "texttrademark": "™",
    "pounds": "£", "euro": "€", "texteuro": "€", "dag": "†", "ddag": "‡", "textdagger": "†",
    "LaTeX": "LaTeX", "TeX": "TeX", "BibTeX": "BibTeX", "slash": "/", "textdegree": "°", "quad": " ",
    "qquad": " ", "enspace": " ", "thinspace": " ", "nobreakspace": " ", "infty": "∞", "times": "×",
    "cdot": "·", "pm": "±", "mp": "∓", "leq": "≤", "le": "≤", "geq": "≥", "ge": "≥", "neq": "≠", "ne": "≠",
    "approx": "≈", "sim": "∼", "simeq": "≃", "equiv": "≡", "propto": "∝", "to": "→", "rightarrow": "→",
    "leftarrow": "←", "Rightarrow": "⇒", "leftrightarrow": "↔", "mapsto": "↦", "in": "∈", "notin": "∉",
    "subset": "⊂", "subseteq": "⊆", "cup": "∪", "cap": "∩", "forall": "∀", "exists": "∃", "partial": "∂",
    "nabla": "∇", "sum": "∑", "prod": "∏", "int": "∫", "sqrt": "√", "log": "log", "exp": "exp",
    "max": "max", "min": "min", "ell": "ℓ", "circ": "∘", "star": "⋆", "ast": "∗", "mid": "|", "vert": "|",
    "langle": "⟨", "rangle": "⟩", "lceil": "⌈", "rceil": "⌉", "lfloor": "⌊", "rfloor": "⌋", "emptyset": "∅",
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε", "zeta": "ζ",
    "eta": "η", "theta": "θ", "vartheta": "ϑ", "iota": "ι", "kappa": "κ", "lambda": "λ", "mu": "μ",
    "nu": "ν", "xi": "ξ", "pi": "π", "rho": "ρ", "sigma": "σ", "tau": "τ", "upsilon": "υ", "phi": "φ",
    "varphi": "φ", "chi": "χ", "psi": "ψ", "omega": "ω", "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ",
    "Lambda": "Λ", "Xi": "Ξ", "Pi": "Π", "Sigma": "Σ", "Upsilon": "Υ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
}
# fmt: on

# macros whose one argument is shown as is (font and case wrappers, \url)
# fmt: off
_WRAPPERS = frozenset({
    "textbf", "textit", "textsl", "textsc", "texttt", "textrm", "textsf", "textmd", "textup", "textnormal",
    "emph", "mbox", "hbox", "text", "mathrm", "mathbf", "mathit", "mathsf", "mathtt", "mathcal", "mathbb",
    "mathfrak", "boldsymbol", "bm", "operatorname", "url", "path", "nolinkurl", "NoCaseChange",
    "textsuperscript", "textsubscript", "ensuremath", "protect", "relax", "noopsort",
})
# fmt: on
# macros that take no argument and print nothing (old-style font switches, spacing)
# fmt: off
_SILENT = frozenset({
    "bf", "it", "em", "sc", "rm", "tt", "sf", "sl", "normalfont", "bfseries", "itshape", "scshape",
    "ttfamily", "sffamily", "rmfamily", "upshape", "mdseries", "small", "large", "Large", "tiny",
    "footnotesize", "normalsize", "scriptsize", "huge", "Huge", "displaystyle", "textstyle", "left",
    "right", "big", "Big", "bigl", "bigr", "Bigl", "Bigr", "allowbreak", "hspace", "xspace", "nobreak",
    "linebreak", "newblock", "unskip", "ignorespaces",
})
# fmt: on
_CASE = {
    "MakeUppercase": str.upper,
    "uppercase": str.upper,
    "MakeLowercase": str.lower,
    "lowercase": str.lower,
}

_SIMPLE = re.compile(r"[\\{}$~`']|--")
_TOKEN = re.compile(r"\\(?:[A-Za-z]+\s*|.?)|---?|``|''|[{}$~`\s]|[^\\{}$~`'\s-]+|.", re.S)
# Google Scholar writes a macro name as "$\backslash$infty": undo that first.
_SCHOLAR_BACKSLASH = re.compile(r"\$\\backslash\$\s*(?=[A-Za-z])")
_SPACES = re.compile(r"\s+")


class _Unknown(Exception):
    """A macro the table does not know: let pylatexenc try the whole string."""


@functools.lru_cache(maxsize=65536)  # venues and name parts recur across a bibliography
def to_text(value: str) -> str:
    """``{YaRN}: Efficient {\\"o}`` -> ``YaRN: Efficient ö``; whitespace collapsed."""
    if not _SIMPLE.search(value):
        return " ".join(value.split())
    value = _SCHOLAR_BACKSLASH.sub(r"\\", value)
    try:
        text = _Decoder(value).run()
    except _Unknown:
        text = _pylatexenc(value)
    return " ".join(unicodedata.normalize("NFC", text).split())


def _pylatexenc(value: str) -> str:
    try:
        from pylatexenc.latex2text import LatexNodes2Text

        return LatexNodes2Text(math_mode="text").latex_to_text(value)
    except Exception:  # pylatexenc is best effort; never let it take the import down
        return re.sub(r"\\([A-Za-z]+)", r"\1", value).replace("{", "").replace("}", "")


class _Decoder:
    def __init__(self, value: str) -> None:
        self.tokens = _TOKEN.findall(value)
        self.pos = 0
        self.math = False

    def next(self) -> str | None:
        if self.pos >= len(self.tokens):
            return None
        tok = self.tokens[self.pos]
        self.pos += 1
        return tok

    def group(self) -> str:
        """The next argument: a braced group (decoded) or a single token; '' at the end."""
        while self.pos < len(self.tokens) and self.tokens[self.pos].isspace():
            self.pos += 1
        tok = self.next()
        if tok is None or tok == "}":
            if tok == "}":
                self.pos -= 1
            return ""
        if tok == "{":
            return self.run(until_close=True)
        if tok.startswith("\\"):
            return self.macro(tok)
        if len(tok) > 1 and not tok.startswith("-"):  # an accent applies to one letter only
            self.tokens[self.pos - 1 : self.pos] = [tok[0], tok[1:]]
            return tok[0]
        return tok

    def run(self, until_close: bool = False) -> str:
        out: list[str] = []
        while (tok := self.next()) is not None:
            if tok == "}":
                if until_close:
                    break
                continue  # a stray closing brace: drop it
            if tok == "{":
                out.append(self.run(until_close=True))
            elif tok == "$":
                self.math = not self.math
            elif tok.startswith("\\"):
                out.append(self.macro(tok))
            elif tok.isspace():
                if not self.math:
                    out.append(" ")
            elif tok == "~":
                out.append(" ")
            elif tok == "--":
                out.append("–")
            elif tok == "---":
                out.append("—")
            elif tok == "``":
                out.append("“")
            elif tok == "''":
                out.append("”")
            elif tok == "`":
                out.append("‘")
            else:
                out.append(tok)
        return "".join(out)

    def macro(self, tok: str) -> str:
        name = tok[1:].rstrip() if tok[1:2].isalpha() else tok[1:]
        if not name:
            return "\\"
        if len(name) == 1 and not name.isalpha():
            if name in _ACCENTS:
                return _accent(self.group(), name)
            if name in "&%$#_{}":
                return name
            if name == "\\":
                return " "
            if name in " ,;:!/-":  # spacing, discretionary hyphen
                return " " if name in " ,;:" else ""
            return name
        if name in _ACCENTS:
            return _accent(self.group(), name)
        if name in _SYMBOLS:  # the space after a word macro was swallowed, as TeX does
            return _SYMBOLS[name]
        if name in _WRAPPERS:
            return self.group()
        if name in _CASE:
            return _CASE[name](self.group())
        if name in _SILENT:
            return ""
        if name == "href":
            self.group()
            return self.group()
        raise _Unknown(name)


def _accent(base: str, accent: str) -> str:
    if not base:
        return {"^": "^", "~": "~", '"': '"', "'": "'", "`": "`"}.get(accent, "")
    base = {"ı": "i", "ȷ": "j"}.get(base[0], base[0]) + base[1:]
    return unicodedata.normalize("NFC", base[0] + _ACCENTS[accent] + base[1:])


# --------------------------------------------------------------------------------
# Encoding


_COMBINING_TO_ACCENT = {v: k for k, v in _ACCENTS.items()}
_LETTER_MACROS = {
    v: k
    for k, v in _SYMBOLS.items()
    if k
    in (
        "o",
        "O",
        "l",
        "L",
        "ss",
        "ae",
        "AE",
        "oe",
        "OE",
        "aa",
        "AA",
        "i",
        "j",
        "dh",
        "DH",
        "th",
        "TH",
        "ng",
        "NG",
    )
}
# BibTeX counts braces even after a backslash, so a lone "{" written as \{ would unbalance
# the entry; \textbraceleft{} is balanced whatever the text holds.
_ESCAPES = {
    "\\": r"\textbackslash{}",
    "{": r"\textbraceleft{}",
    "}": r"\textbraceright{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_NEEDS_ENCODING = re.compile(r"[\\{}&%$#_~^]|[^\x00-\x7f]")


@functools.lru_cache(maxsize=4096)
def _encode_char(ch: str) -> str:
    if ch in _ESCAPES:
        return _ESCAPES[ch]
    if ch.isascii():
        return ch
    if ch in _LETTER_MACROS:
        return "{\\" + _LETTER_MACROS[ch] + "}"
    decomposed = unicodedata.normalize("NFD", ch)
    base, marks = decomposed[0], decomposed[1:]
    if not (base.isascii() and base.isalpha() and marks and all(m in _COMBINING_TO_ACCENT for m in marks)):
        return ch  # CJK, symbols: kept as UTF-8, which BibTeX passes through untouched
    text = {"i": "\\i", "j": "\\j"}.get(base, base)
    if len(marks) == 1 and not _COMBINING_TO_ACCENT[marks[0]].isalpha():
        return "{\\" + _COMBINING_TO_ACCENT[marks[0]] + text + "}"  # {\"o}
    for mark in marks:
        text = "\\" + _COMBINING_TO_ACCENT[mark] + "{" + text + "}"  # \c{c}, \'{\"{u}}
    return "{" + text + "}"


def to_latex(text: str) -> str:
    """Plain text -> a BibTeX field body: specials escaped, accented letters as ``{\\"o}``.

    The result has balanced braces and no bare ``%``, ``&``, ``#``, ``_`` or ``$``, so
    it survives both BibTeX's parser and LaTeX typesetting of the .bbl.
    """
    text = " ".join(text.split())
    if not _NEEDS_ENCODING.search(text):
        return text
    return _NEEDS_ENCODING.sub(_encode_match, unicodedata.normalize("NFC", text))


def _encode_match(match: re.Match[str]) -> str:
    return _encode_char(match.group())


_NEEDS_PROTECTION = re.compile(r"[A-Za-z0-9]*[A-Z][A-Za-z0-9]*")


def protect_case(latex: str) -> str:
    """Brace words with capitals after their first letter (``{YaRN}``, ``{GPT}-4``) so that
    bibliography styles that lower-case titles keep them."""

    def fix(match: re.Match[str]) -> str:
        word = match.group(0)
        rest = word[1:]  # ASCII (see the pattern): a capital after the first letter changes under lower()
        return "{" + word + "}" if rest != rest.lower() else word

    out: list[str] = []
    depth = 0
    # only touch text at brace depth 0 and outside macros (\{, {\"o} stay as they are)
    for part in re.split(r"(\\[A-Za-z]+|\\.|[{}])", latex):
        if part == "{":
            depth += 1
        elif part == "}":
            depth -= 1
        elif depth == 0 and part and not part.startswith("\\"):
            part = _NEEDS_PROTECTION.sub(fix, part)
        out.append(part)
    return "".join(out)
