"""What each API route does: one use case per module, built on the Oz or the Data Zoo part."""
