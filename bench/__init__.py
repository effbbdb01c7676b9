"""`make bench`: speed, memory and answer quality, each beside a reference from the same run.

Machines differ and CI runners are noisy, so absolute figures alone mean little; every module
here measures a pair (the assistant and a reference on the same machine, minutes apart) and
docs/benchmarks.md shows both and their ratio. Targets are reported, never asserted: a timed
assertion in a test suite fails on a busy machine and teaches people to ignore failures.
"""
