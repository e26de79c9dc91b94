"""The suite's leak detector (tests/leaks.py) must itself be able to fail."""

import base64
from types import SimpleNamespace

import leaks

from oz_emulator import make_face_jpeg


class Emulator:
    def __init__(self, tokens, capsules=()):
        self._tokens = tokens
        self.requests = [SimpleNamespace(raw_body=c) for c in capsules]

    def minted_tokens(self):
        return self._tokens


def item(*emulators):
    return SimpleNamespace(funcargs={f"oz{i}": e for i, e in enumerate(emulators)})


def test_an_oz_token_in_a_log_line_is_a_leak():
    token = "a" * 64
    assert leaks.find_leaks(item(Emulator([token])), f'{{"token": "{token}"}}', []) == [
        "Oz token in logs"
    ]


def test_a_capsule_in_a_response_is_a_leak():

    capsule = bytes(range(256)) * 2
    body = base64.b64encode(capsule).decode()
    assert leaks.find_leaks(item(Emulator([], [capsule])), "", [body]) == [
        "capsule bytes in a response"
    ]


def test_a_face_in_logs_is_a_leak_but_not_in_a_response():

    face = base64.b64encode(make_face_jpeg("alice")).decode()
    assert leaks.find_leaks(item(), face, [face]) == ["image of alice in logs"]


def test_registered_secrets_are_checked():
    leaks.register("receipt-key-" + "k" * 40)
    try:
        assert leaks.find_leaks(item(), "", ["receipt-key-" + "k" * 40]) == [
            "registered secret in a response"
        ]
    finally:
        leaks.REGISTERED.discard("receipt-key-" + "k" * 40)


def test_clean_output_has_no_leak():
    assert leaks.find_leaks(item(Emulator(["b" * 64])), "request failed", ['{"ok": 1}']) == []


def test_output_a_test_reads_with_capsys_is_kept_for_the_check(capsys):
    print("a line the test reads back itself")
    assert capsys.readouterr().out == "a line the test reads back itself\n"
    assert "a line the test reads back itself\n" in leaks.OUTPUT
