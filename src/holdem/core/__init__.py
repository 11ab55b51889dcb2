"""holdem.core: the bottom layer: random streams, atomics and locks usable in nopython code,
cards, the hand evaluator, the payoff rule, checksums, progress lines, the numba cache.

Nothing here imports another holdem package."""
