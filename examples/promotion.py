"""Writes examples/promotion.csv: the small data set the demo loads.

Network ability and competence are independent; promotion depends on both, so among the
promoted the two look negatively related (Berkson's paradox). Deterministic by seed.
Run: python3 examples/promotion.py
"""
import math
import pathlib
import random

rng = random.Random(20261122)
out = pathlib.Path(__file__).with_name("promotion.csv")
with out.open("w") as f:
    f.write("id,network_ability,competence,promoted\n")
    for i in range(1, 1001):
        n = round(rng.gauss(0, 1), 4)
        c = round(rng.gauss(0, 1), 4)
        p = 1 / (1 + math.exp(-(-1.0 + 1.5 * n + 1.5 * c)))
        f.write(f'{i},{n},{c},{"true" if rng.random() < p else "false"}\n')
