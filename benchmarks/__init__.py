"""Performance benchmarks: cold start, relay overhead, memory, reuse and package size.

Not tests: ``make bench`` (or ``python -m benchmarks.run [--quick]``) measures the built
application (``.aws-sam/build``) on loopback and writes ``docs/BENCHMARKS.md``. Figures that
depend on the machine's speed are reported as ratios to a baseline measured in the same run.
"""
