"""Two session cookies: the participant's survey session, and the staff workspace's own.

The staff cookie has its own name, path (/staff), signing salt and SameSite=Strict, so a staff
session and a survey session in the same browser never share anything, and a page elsewhere on
the web cannot make the browser send the staff cookie along.
"""

from __future__ import annotations

from flask import Flask, has_request_context, request
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer

STAFF_PREFIX = "/staff"
STAFF_COOKIE = "followup_staff"


def is_staff_request() -> bool:
    """Tell whether this request is for the staff workspace."""
    return has_request_context() and (
        request.path == STAFF_PREFIX or request.path.startswith(STAFF_PREFIX + "/")
    )


class AudienceSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with a separate cookie for the staff workspace."""

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        if not app.secret_key:
            return None
        keys = [*(app.config["SECRET_KEY_FALLBACKS"] or []), app.secret_key]
        return URLSafeTimedSerializer(
            keys,
            salt="staff-session" if is_staff_request() else self.salt,
            serializer=self.serializer,
            signer_kwargs={"key_derivation": self.key_derivation, "digest_method": self.digest_method},
        )

    def get_cookie_name(self, app: Flask) -> str:
        return STAFF_COOKIE if is_staff_request() else super().get_cookie_name(app)

    def get_cookie_path(self, app: Flask) -> str:
        return STAFF_PREFIX if is_staff_request() else super().get_cookie_path(app)

    def get_cookie_samesite(self, app: Flask) -> str | None:
        return "Strict" if is_staff_request() else super().get_cookie_samesite(app)

    def get_cookie_httponly(self, app: Flask) -> bool:
        return True
