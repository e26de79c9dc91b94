"""Everything one running emulator holds, shared by its request handlers."""

from __future__ import annotations

from dataclasses import dataclass, field

from datazoo_emulator.options import DataZooOptions
from datazoo_emulator.tokens import SessionTokens
from oz_emulator.clock import Clock
from oz_emulator.faults import FaultRegistry
from oz_emulator.recorder import RequestLog

AUTHORIZATION = "Authorization"
USER_ID = 15


def new_log() -> RequestLog:
    # JSON bodies are kept for tests (what the client sent), with the sign-in password masked.
    return RequestLog(token_header=AUTHORIZATION, keep_json=True, masked=frozenset({"password"}))


@dataclass(slots=True)
class DataZooState:
    options: DataZooOptions
    clock: Clock = field(default_factory=Clock)
    faults: FaultRegistry = field(default_factory=FaultRegistry)
    log: RequestLog = field(default_factory=new_log)
    tokens: SessionTokens = field(init=False)

    def __post_init__(self) -> None:
        self.tokens = SessionTokens(self.clock.now, ttl=self.options.token_ttl)

    def reset(self, *, state: bool = False) -> None:
        """Clear faults, the request log and the clock; ``state`` also forgets which tokens
        were issued (they stay valid until they expire, as Data Zoo's do)."""
        self.faults.clear()
        self.log.clear()
        self.clock.reset()
        if state:
            self.tokens.forget_minted()
