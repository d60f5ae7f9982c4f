"""NEURON as the oracle: every docs/design.md protocol run in NEURON (CVODE, tight tolerance).

`tests/oracle/nrn.py` implements the protocols; `tests/oracle/reference.py`
lists the cases the accuracy tests compare and computes (or loads a cached
copy of) NEURON's numbers for them; `scripts/make_reference.py` writes that
cache. Nothing here imports `tutor`: the oracle is independent of the engine.
"""
