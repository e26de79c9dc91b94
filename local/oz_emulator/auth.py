"""Users, companies and token pairs: the emulator's in-memory Oz auth component.

Rules the emulator follows (oz-api.md, "Authentication"):
- a token pair lives ``session_ttl`` (service users: ``service_token_ttl``) and every
  authenticated use extends it by that much ("automatic session extension");
- ``refresh`` makes a new pair and keeps the old one until the new access token is first used;
  that use deletes the old pair, whose tokens then answer 401 code 7.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import uuid
from collections.abc import Callable

from oz_emulator import errors
from oz_emulator.accounts import ADMIN, Company, Session, User
from oz_emulator.errors import OzError


def _digest(password: str) -> bytes:
    return hashlib.sha256(password.encode()).digest()


class AuthStore:
    """Thread-safe store of companies, users and sessions; time comes from ``now``."""

    def __init__(
        self,
        now: Callable[[], float],
        *,
        admin_email: str,
        admin_password: str,
        session_ttl: float,
        service_token_ttl: float,
    ) -> None:
        self._now = now
        self._session_ttl = session_ttl
        self._service_ttl = service_token_ttl
        self._lock = threading.RLock()
        self._companies: dict[str, Company] = {}
        self._users: dict[str, User] = {}
        self._sessions: dict[str, Session] = {}
        self._by_access: dict[str, str] = {}
        # Every token ever minted, for tests that prove none of them leaks anywhere.
        self._minted: list[str] = []
        self.default_company = self.create_company("Oz Emulator")
        self.admin = self.create_user(
            admin_email, admin_password, user_type=ADMIN, is_service=False, permissions={}
        )

    # --- companies and users ------------------------------------------------------------

    def create_company(self, name: str) -> Company:
        company = Company(str(uuid.uuid4()), name)
        with self._lock:
            self._companies[company.company_id] = company
        return company

    def has_company(self, company_id: str) -> bool:
        with self._lock:
            return company_id in self._companies

    def create_user(
        self,
        email: str,
        password: str,
        *,
        user_type: str,
        is_service: bool,
        permissions: dict[str, bool],
        company_id: str | None = None,
        first_name: str = "",
        last_name: str = "",
    ) -> User:
        with self._lock:
            if any(user.email.lower() == email.lower() for user in self._users.values()):
                raise OzError(400, errors.DUPLICATE_EMAIL, "User with this email already exists")
            user = User(
                user_id=str(uuid.uuid4()),
                email=email,
                password_sha256=_digest(password),
                user_type=user_type,
                is_service=is_service,
                company_id=company_id or self.default_company.company_id,
                permissions=dict(permissions),
                first_name=first_name,
                last_name=last_name,
                created_at=self._now(),
            )
            self._users[user.user_id] = user
            return user

    def user(self, user_id: str) -> User | None:
        with self._lock:
            return self._users.get(user_id)

    def latest_service_user(self) -> User | None:
        with self._lock:
            services = [user for user in self._users.values() if user.is_service]
            return services[-1] if services else None

    # --- token pairs --------------------------------------------------------------------

    def sign_in(self, email: str, password: str) -> tuple[User, Session]:
        """``/api/authorize/auth/``: a new pair for the user with these credentials."""
        with self._lock:
            for user in self._users.values():
                if user.email.lower() == email.lower() and hmac.compare_digest(
                    user.password_sha256, _digest(password)
                ):
                    return user, self._new_session(user)
        raise OzError(401, errors.WRONG_CREDENTIALS, "Invalid credentials")

    def issue_service_token(self, user: User) -> Session:
        """A service token is an ordinary pair that lives ``service_token_ttl``."""
        with self._lock:
            session = self._new_session(user)
            session.token_id = str(uuid.uuid4())
            return session

    def authenticate(self, access_token: str) -> tuple[User, Session]:
        """Check a token for one authenticated request, then extend it.

        Raises:
            OzError: 401 code 7 (unknown or deleted token) or 8 (expired).
        """
        with self._lock:
            session = self._find(access_token)
            if session is None:
                raise OzError(401, errors.AUTH_INVALID, "Invalid access token")
            now = self._now()
            if session.expires_at <= now:
                raise OzError(401, errors.AUTH_EXPIRED, "Access token expired")
            self._first_use(session)
            session.expires_at = max(session.expires_at, now + session.ttl)
            return self._users[session.user_id], session

    def refresh(self, access_token: str, expire_token: str) -> Session:
        """``/api/authorize/refresh/``; an expired access token may still be refreshed.

        Raises:
            OzError: 401 "Session not found", 403 when ``expire_token`` is not this pair's.
        """
        with self._lock:
            session = self._find(access_token)
            if session is None:
                raise OzError(401, errors.AUTH_INVALID, "Session not found")
            if not hmac.compare_digest(session.expire_token, expire_token):
                raise OzError(403, errors.FORBIDDEN, "You have not access to refresh this session")
            self._first_use(session)
            fresh = self._new_session(self._users[session.user_id])
            fresh.predecessor = session.session_id
            fresh.token_id = session.token_id
            return fresh

    def session_count(self) -> int:
        with self._lock:
            return len(self._sessions)

    def _find(self, access_token: str) -> Session | None:
        session_id = self._by_access.get(access_token)
        return self._sessions.get(session_id) if session_id else None

    def _first_use(self, session: Session) -> None:
        if session.predecessor is not None:
            old = self._sessions.pop(session.predecessor, None)
            if old is not None:
                self._by_access.pop(old.access_token, None)
            session.predecessor = None

    def _new_session(self, user: User) -> Session:
        ttl = self._service_ttl if user.is_service else self._session_ttl
        session = Session(
            session_id=str(uuid.uuid4()),
            user_id=user.user_id,
            access_token=secrets.token_hex(32),
            expire_token=secrets.token_hex(32),
            ttl=ttl,
            expires_at=self._now() + ttl,
        )
        self._sessions[session.session_id] = session
        self._by_access[session.access_token] = session.session_id
        self._minted += [session.access_token, session.expire_token]
        return session

    def minted_tokens(self) -> list[str]:
        """Every access and expire token this store has issued, deleted ones included."""
        with self._lock:
            return list(self._minted)
