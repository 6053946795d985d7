"""What a person would call a shared screen, from the text on it: rules on text alone (no
OCR here). A slide is called by its title; a window by its name, trimmed of what is not
the name (`alex@laptop:`, the shell, the app, `localhost:8080`); an editor by its file; a
terminal "Terminal". A line of output or code is never a name."""

from __future__ import annotations

import re

#: what a terminal is called when nothing else on screen names it
TERMINAL = "Terminal"

_SEPARATORS = re.compile(r"\s+[-–—|]\s+|\s*[–—|]\s*")
_USER_AT_HOST = re.compile(r"^[\w.-]+@[\w.-]+(:\S*)?\s*")
_FILE_NAME = re.compile(r"^[\w.-]+\.[A-Za-z][\w]{0,5}$")
#: a file name leading a title whose separator OCR read without spaces ("app.py-project")
_LEADING_FILE = re.compile(r"^([\w-]+(?:\.[\w-]+)*?\.[A-Za-z]\w{0,5})\s*[-–—|]")
_SIZE = re.compile(r"^\d+\s*[x×]\s*\d+$")
_HOST = re.compile(
    r"^(https?://|www\.)|^[\w-]+(\.[\w-]+)*:\d+\b|^localhost\b|\.(com|org|io|dev|net)\b"
)
_PATH = re.compile(r"^(~|/|[A-Za-z]:\\)")
_SHELLS = frozenset(["bash", "zsh", "fish", "sh", "powershell", "pwsh", "cmd", "tmux", "ssh"])
#: app names that follow a window's own name ("notes.md - Visual Studio Code")
_APPS = frozenset(
    (
        "google chrome",
        "chrome",
        "chromium",
        "mozilla firefox",
        "firefox",
        "safari",
        "microsoft edge",
        "edge",
        "visual studio code",
        "vs code",
        "code",
        "cursor",
        "sublime text",
        "pycharm",
        "intellij idea",
        "vim",
        "nvim",
        "neovim",
        "emacs",
        "terminal",
        "iterm2",
        "iterm",
        "windows terminal",
        "konsole",
        "gnome terminal",
    )
)
_TERMINAL_APPS = frozenset({"terminal", "iterm2", "iterm", "windows terminal", "konsole"})
_PROMPT = re.compile(r"^\s*(\$|%|#|>>>|❯|➜|PS [A-Za-z]:\\|[\w.-]+@[\w.-]+[:~])")
_CODE_START = re.compile(
    r"^\s*(def|class|import|from|return|yield|for|while|if|elif|else|try|except|with|let|"
    r"const|var|function|public|private|async|await|select|insert|update|delete)\b",
    re.IGNORECASE,
)


def looks_like_code(text: str) -> bool:
    """Whether a line reads as code, a command or program output rather than a name: code
    punctuation, a prompt, a leading keyword, a trailing colon, mostly digits."""
    stripped = text.strip()
    if not stripped:
        return True
    if re.search(r"[{}\[\]=;<>\"`]|::|->|=>|\w\(", stripped):
        return True
    if _PROMPT.match(stripped) or stripped.endswith(":"):
        return True
    if _CODE_START.match(stripped) and len(stripped.split()) > 1:
        return True
    digits = sum(c.isdigit() for c in stripped)
    return digits > 0.3 * len(stripped.replace(" ", ""))


def is_prompt(text: str) -> bool:
    """Whether a line starts with a shell prompt (`$ `, `% `, `user@host:`, `❯`)."""
    return bool(_PROMPT.match(text))


def plausible_title(text: str) -> bool:
    """True for text that reads like a title: at least 3 letters, mostly letters and
    spaces, not a URL, a prompt, code or a number."""
    text = text.strip()
    letters = sum(c.isalpha() for c in text)
    if letters < 3 or letters < 0.6 * len(text.replace(" ", "")):
        return False
    return not _HOST.search(text) and not looks_like_code(text)


def tidy_title(text: str) -> str:
    """Trim bullets, stray punctuation and runs of spaces from an OCR title."""
    text = re.sub(r"^[\s•·\-–—*>|●]+", "", text)
    text = re.sub(r"\s+", " ", text).strip(" .,;:|_-")
    return text


def _is_noise(part: str) -> bool:
    low = part.lower().strip()
    return (
        not low
        or low in _SHELLS
        or low in _APPS
        or bool(_SIZE.match(low) or _HOST.search(low) or _PATH.match(low))
    )


def window_name(text: str) -> str | None:
    """The name a person would give a window from its title bar or tab: the file name of
    an editor ("extractor.py - tap-weather" -> "extractor.py"), the page's or app's name
    ("Sync Dashboard - localhost:8080" -> "Sync Dashboard"), "Terminal" for a shell
    ("alex@laptop: ~/tap - zsh - 80x24"); None when nothing in it is a name."""
    text = tidy_title(text)
    if not text:
        return None
    leading = _LEADING_FILE.match(text)
    if leading and not _HOST.search(leading.group(1)):
        return leading.group(1)
    terminal = bool(_USER_AT_HOST.match(text))
    text = _USER_AT_HOST.sub("", text)
    parts = [tidy_title(p) for p in _SEPARATORS.split(text)]
    for part in parts:
        low = part.lower()
        if low in _SHELLS or low in _TERMINAL_APPS or _PATH.match(part):
            terminal = True
    names = [p for p in parts if not _is_noise(p)]
    files = [p for p in names if _FILE_NAME.match(p)]
    if files:
        return files[0]
    for name in names:
        if plausible_title(name):
            return name
    return TERMINAL if terminal else None
