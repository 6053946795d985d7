"""YouTube credentials: the installed-app OAuth flow, and the stored authorized-user token
(read with refreshes pointed at the `youtube.token_uri` setting, written with mode 0600). The
stored token carries its expiry, and a refreshed token is written back the moment it arrives,
so a run killed a second later leaves the fresh one behind."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from pathlib import Path

from google.oauth2.credentials import Credentials

from pipeline.errors import AuthError
from pipeline.settings import YoutubeSettings
from pipeline.workspace import TEMP_MARK, write_json_atomic

SCOPES = [
    "https://www.googleapis.com/auth/youtube.upload",
    "https://www.googleapis.com/auth/youtube",
    "https://www.googleapis.com/auth/youtube.force-ssl",
]
AUTH_HINT = "run `pipeline auth youtube --client-secrets client_secret.json`"


class StoredCredentials(Credentials):
    """Credentials that write themselves back to their token file whenever they are
    refreshed (by a request that found them expired, or after a 401)."""

    token_file: Path | None = None

    def refresh(self, request) -> None:
        super().refresh(request)
        if self.token_file is not None:
            save_credentials(self, self.token_file)


def _expiry(text: str | None) -> dt.datetime | None:
    """The stored expiry as google-auth keeps it: a naive UTC datetime."""
    if not text:
        return None
    moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment


def load_credentials(settings: YoutubeSettings) -> StoredCredentials:
    """The stored authorized-user credentials, with refreshes going to `token_uri` and
    written back to the token file at once.

    Raises AuthError when the token file is missing or unreadable."""
    path = Path(settings.token_file).expanduser()
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
        credentials = StoredCredentials(
            token=info.get("token"),
            refresh_token=info["refresh_token"],
            client_id=info["client_id"],
            client_secret=info["client_secret"],
            token_uri=settings.token_uri,
            scopes=info.get("scopes") or SCOPES,
            expiry=_expiry(info.get("expiry")),
        )
    except FileNotFoundError:
        raise AuthError(f"no YouTube credentials at {path}", hint=AUTH_HINT) from None
    except (ValueError, KeyError, TypeError, OSError) as exc:
        raise AuthError(f"YouTube token file {path} is unreadable ({exc})", AUTH_HINT) from None
    credentials.token_file = path
    return credentials


def save_credentials(credentials: Credentials, token_file: str | Path) -> Path:
    """Write the authorized-user token JSON (with the access token's expiry) atomically with
    mode 0600, removing temp files a killed write left beside it. Returns its path."""
    path = Path(token_file).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in path.parent.glob(f".{path.name}{TEMP_MARK}*"):
        with contextlib.suppress(OSError):
            stale.unlink()
    expiry = credentials.expiry
    if expiry is not None and expiry.tzinfo is not None:
        expiry = expiry.astimezone(dt.UTC).replace(tzinfo=None)
    info = {
        "token": credentials.token,
        "expiry": expiry.isoformat(timespec="seconds") + "Z" if expiry else None,
        "refresh_token": credentials.refresh_token,
        "client_id": credentials.client_id,
        "client_secret": credentials.client_secret,
        "scopes": list(credentials.scopes or SCOPES),
    }
    write_json_atomic(path, info)  # mkstemp files are 0600 already; say so explicitly anyway
    path.chmod(0o600)
    return path


def authorize_installed_app(
    client_secrets: Path, token_file: str | Path, *, open_browser: bool = True
) -> Path:
    """Run Google's installed-app OAuth flow (a browser consent page and a local redirect
    server) and store the resulting token. Returns the token file path."""
    from google_auth_oauthlib.flow import InstalledAppFlow

    try:
        flow = InstalledAppFlow.from_client_secrets_file(str(client_secrets), scopes=SCOPES)
        credentials = flow.run_local_server(port=0, open_browser=open_browser)
    except (ValueError, OSError) as exc:
        raise AuthError(f"OAuth flow failed: {exc}", hint=AUTH_HINT) from exc
    return save_credentials(credentials, token_file)
