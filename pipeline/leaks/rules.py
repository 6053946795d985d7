"""Credential detectors over one line of text (an OCR'd screen line, a transcript segment, a
chat message). detect-secrets' regex plugins give the well-known token shapes; rules added
here cover what it lacks (unquoted AWS secret keys, `.env` style assignments, Google keys,
spoken passwords) and OCR noise: O/0, l/1/I confusions and one dropped or extra character in
a token still match, with a lower confidence."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from pipeline.leaks.masking import register_secret


@dataclass(frozen=True)
class SecretMatch:
    """One secret found in a text: the rule that fired, the value as read and its span."""

    rule: str
    value: str
    start: int
    end: int
    confidence: float


@dataclass(frozen=True)
class Rule:
    name: str
    pattern: re.Pattern[str]
    confidence: float
    #: regex group holding the secret (0 = the whole match)
    group: int = 0
    check: Callable[[str], bool] | None = None
    #: lower runs first when spans overlap
    priority: int = 1


# detect-secrets plugin class -> our rule name; plugins not named here are not run
_PLUGIN_RULES = {
    "AWSKeyDetector": "aws-access-key",
    "ArtifactoryDetector": "artifactory-token",
    "AzureStorageKeyDetector": "azure-storage-key",
    "BasicAuthDetector": "basic-auth-url",
    "DiscordBotTokenDetector": "discord-token",
    "GitHubTokenDetector": "github-token",
    "GitLabTokenDetector": "gitlab-token",
    "JwtTokenDetector": "jwt",
    "MailchimpDetector": "mailchimp-key",
    "NpmDetector": "npm-token",
    "OpenAIDetector": "openai-key",
    "PrivateKeyDetector": "private-key",
    "PypiTokenDetector": "pypi-token",
    "SendGridDetector": "sendgrid-key",
    "SlackDetector": "slack-token",
    "SquareOAuthDetector": "square-oauth",
    "StripeDetector": "stripe-key",
    "TelegramBotTokenDetector": "telegram-token",
    "TwilioKeyDetector": "twilio-key",
}

_SECRET_WORDS = (
    "PASSWORD", "PASSWD", "PWD", "SECRET", "TOKEN", "APIKEY", "API_KEY", "ACCESS_KEY",
    "PRIVATE_KEY", "CREDENTIAL", "AUTH_KEY", "CLIENT_KEY",
)  # fmt: skip
_PLACEHOLDERS = {"changeme", "password", "none", "null", "true", "false", "secret", "example"}
_CODE_CHARS = set("()[]{}$<>%`;\\")
_OCR_TO_LETTER = str.maketrans("0157|8", "OISTIB")


def _entropy(value: str) -> float:
    counts = {c: value.count(c) for c in set(value)}
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


def _looks_random(value: str) -> bool:
    """A value that looks like a credential rather than a word, a name or a placeholder."""
    if any(c in _CODE_CHARS for c in value) or value.lower() in _PLACEHOLDERS:
        return False
    if "***" in value or "xxxx" in value.lower() or "..." in value or len(set(value)) < 4:
        return False
    classes = sum(any(f(c) for c in value) for f in (str.islower, str.isupper, str.isdigit)) + any(
        not c.isalnum() for c in value
    )
    return (classes >= 2 and len(value) >= 8) or (len(value) >= 12 and _entropy(value) >= 3.0)


def _mostly_upper_digits(value: str) -> bool:
    body = value[4:]
    good = sum(c.isdigit() or c.isupper() for c in body)
    return good >= len(body) - 1


def _not_placeholder(value: str) -> bool:
    return _looks_random(value) or (len(value) >= 6 and value.lower() not in _PLACEHOLDERS)


_FUZZY_RULES = [
    # OCR reads AKIA as AK1A/4KIA and drops or doubles a character of the body
    Rule(
        "aws-access-key",
        re.compile(r"(?<![A-Za-z0-9])(?:[A4]K[I1l|][A4]|[A4]S[I1l|][A4]|A3T[A-Z0-9])[0-9A-Za-z]{15,17}(?![A-Za-z0-9])"),
        0.8,
        check=_mostly_upper_digits,
        priority=0,
    ),
    Rule(
        "aws-secret-key",
        re.compile(r"(?i)aws.{0,24}?(?:secret|key|token).{0,24}?[=:]\s*['\"]?([0-9A-Za-z/+]{38,42})(?![0-9A-Za-z/+])"),
        0.9,
        group=1,
        priority=0,
    ),
    Rule(
        "github-token",
        re.compile(r"(?<![A-Za-z0-9])gh[pousr][_\-.,]?[A-Za-z0-9]{34,38}(?![A-Za-z0-9])"),
        0.8,
        priority=0,
    ),
    Rule("github-token", re.compile(r"github_pat_[A-Za-z0-9_]{50,}"), 0.9, priority=0),
    Rule(
        "slack-token",
        re.compile(r"(?<![A-Za-z0-9])xox[abposr][-_.~][0-9A-Za-z][0-9A-Za-z\-]{8,}"),
        0.85,
        priority=0,
    ),
    Rule(
        "slack-webhook",
        re.compile(r"hooks\.slack\.com/services/[A-Za-z0-9_/]{20,}"),
        0.9,
        priority=0,
    ),
    Rule("gitlab-token", re.compile(r"gl(?:pat|dt|rt)[-_][A-Za-z0-9_\-]{19,}"), 0.8, priority=0),
    Rule("stripe-key", re.compile(r"[sr]k_(?:live|test)_[0-9A-Za-z]{20,}"), 0.85, priority=0),
    Rule("google-api-key", re.compile(r"AIza[0-9A-Za-z_\-]{33,37}"), 0.85, priority=0),
    Rule(
        "private-key",
        re.compile(r"-{2,}\s*BEGIN [A-Z ]{0,20}PRIVATE KEY(?: BLOCK)?\s*-{0,5}"),
        0.9,
        priority=0,
    ),
    Rule(
        "basic-auth-url",
        re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^\s:@/]+:([^\s:@/]{3,})@"),
        0.8,
        group=1,
        check=_not_placeholder,
        priority=2,
    ),
    # `.env` style and code assignments: NAME=value where NAME says it is a secret
    Rule(
        "secret-assignment",
        re.compile(r"(?<![A-Za-z0-9_])([A-Za-z0-9_.\-]{2,48})['\"]?\s*(?:=|:|:=|=>)\s*['\"]?([^\s'\",]{8,})"),
        0.7,
        group=2,
        priority=3,
    ),
]  # fmt: skip

_SPOKEN_RULE = Rule(
    "spoken-password",
    re.compile(
        r"(?i)\b(?:password|passcode|passphrase|pin|secret|token|api key)\s+"
        r"(?:is|was|equals|will be)\s*[:,]?\s+((?:[A-Za-z0-9\-]+[ ,]*){1,4})"
    ),
    0.6,
    group=1,
    priority=4,
)


@lru_cache(maxsize=1)
def _plugin_rules() -> list[Rule]:
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
    from detect_secrets.plugins.base import RegexBasedDetector

    rules = []
    for cls in get_mapping_from_secret_type_to_class().values():
        name = _PLUGIN_RULES.get(cls.__name__)
        if name is None or not issubclass(cls, RegexBasedDetector):
            continue
        for pattern in cls().denylist:
            rules.append(Rule(name, pattern, 0.95, group=-1, priority=0))
    return rules


def _secret_span(rule: Rule, m: re.Match[str]) -> tuple[int, int] | None:
    if rule.group >= 0:
        return m.span(rule.group) if m.group(rule.group) else None
    # detect-secrets patterns: the secret is a long capture group when there is one (AWS
    # secret keys, basic auth), else the whole match (a group like `(ghp|gho)` is a prefix)
    spans = [m.span(i) for i in range(1, (m.re.groups or 0) + 1) if m.group(i)]
    long = [s for s in spans if s[1] - s[0] >= 6]
    start, end = long[0] if long else m.span(0)
    text = m.string
    while start < end and text[start] in " \t\"'=:":
        start += 1
    while end > start and text[end - 1] in " \t\"'\n":
        end -= 1
    return (start, end) if end > start else None


def _assignment_ok(m: re.Match[str]) -> bool:
    name = m.group(1).upper().translate(_OCR_TO_LETTER)
    return any(word in name for word in _SECRET_WORDS) and _looks_random(m.group(2))


def detect(text: str, *, spoken: bool = False) -> list[SecretMatch]:
    """Secrets in one line of text, left to right, without overlaps (where rules overlap the
    most specific wins). `spoken` adds the rule for passwords said aloud ("the password is
    ..."). Every value found is registered for log masking. Returns [] when none."""
    rules = [*_plugin_rules(), *_FUZZY_RULES] + ([_SPOKEN_RULE] if spoken else [])
    candidates: list[tuple[int, int, SecretMatch]] = []
    for rule in rules:
        for m in rule.pattern.finditer(text):
            span = _secret_span(rule, m)
            if span is None:
                continue
            value = text[span[0] : span[1]]
            if rule.name == "secret-assignment" and not _assignment_ok(m):
                continue
            if rule.name == "spoken-password":
                value = value.strip(" ,")
                span = (span[0], span[0] + len(value))
                if len(value) < 4:
                    continue
            if rule.check is not None and not rule.check(value):
                continue
            match = SecretMatch(rule.name, value, span[0], span[1], rule.confidence)
            candidates.append((rule.priority, -(span[1] - span[0]), match))
    chosen: list[SecretMatch] = []
    for _, _, match in sorted(candidates, key=lambda c: (c[0], c[1], -c[2].confidence)):
        if all(match.end <= c.start or match.start >= c.end for c in chosen):
            chosen.append(match)
    for match in chosen:
        register_secret(match.value)
    return sorted(chosen, key=lambda c: c.start)


def normalise(value: str) -> str:
    """A form of a secret that two OCR readings of the same text share (O/0, l/1/I folded,
    separators dropped), used to tell whether two readings are the same secret."""
    folded = value.upper().replace("0", "O").replace("1", "I").replace("|", "I")
    return re.sub(r"[^A-Z0-9/+]", "", folded)


def similar(a: str, b: str, max_edits: int = 2) -> bool:
    """True when two normalised readings differ by at most `max_edits` edits."""
    if abs(len(a) - len(b)) > max_edits:
        return False
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        if min(cur) > max_edits:
            return False
        prev = cur
    return prev[-1] <= max_edits
