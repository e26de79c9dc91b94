"""Tests of the Oz emulator (local/oz_emulator); a package so its conftest stays its own."""
