"""Everything one running emulator holds, shared by its request handlers."""

from __future__ import annotations

from dataclasses import dataclass, field

from werkzeug import Request

from oz_emulator.accounts import Session, User
from oz_emulator.auth import AuthStore
from oz_emulator.clock import Clock
from oz_emulator.faults import FaultRegistry
from oz_emulator.options import EmulatorOptions
from oz_emulator.recorder import RequestLog
from oz_emulator.session_tokens import SessionTokens


def new_store(options: EmulatorOptions, clock: Clock) -> AuthStore:
    return AuthStore(
        clock.now,
        admin_email=options.admin_email,
        admin_password=options.admin_password,
        session_ttl=options.session_ttl,
        service_token_ttl=options.service_token_ttl,
    )


@dataclass(slots=True)
class EmulatorState:
    options: EmulatorOptions
    clock: Clock = field(default_factory=Clock)
    faults: FaultRegistry = field(default_factory=FaultRegistry)
    log: RequestLog = field(default_factory=RequestLog)
    store: AuthStore = field(init=False)
    session_tokens: SessionTokens = field(init=False)

    def __post_init__(self) -> None:
        self.store = new_store(self.options, self.clock)
        self.session_tokens = SessionTokens(self.clock.now, ttl=self.options.session_token_ttl)

    def reset(self, *, state: bool = False) -> None:
        """Clear faults, the request log and the clock; ``state`` also forgets users,
        sessions and spent session tokens (the admin and the signing key stay)."""
        self.faults.clear()
        self.log.clear()
        self.clock.reset()
        if state:
            self.store = new_store(self.options, self.clock)
            self.session_tokens.forget_spent()


@dataclass(frozen=True, slots=True)
class Caller:
    """Who sent an authenticated request (None fields when auth is off)."""

    user: User | None
    session: Session | None

    def may(self, kind: str) -> bool:
        return self.user is None or self.user.may(kind)


@dataclass(frozen=True, slots=True)
class Call:
    """One request being answered: what handlers receive (plus the path's values)."""

    state: EmulatorState
    request: Request
    caller: Caller
