"""The serving benchmarks' training data: 5,000 seeded rows of ten Gaussian features and a
0/1 target drawn from a logistic model of them (bench/serve.sh, bench/instructions.sh).

    python3 bench/serve/make_data.py OUT.csv
"""
import math
import random
import sys

r = random.Random(5)
with open(sys.argv[1], "w") as f:
    f.write(",".join(f"f{i}" for i in range(10)) + ",y\n")
    for _ in range(5000):
        x = [round(r.gauss(0, 1), 4) for _ in range(10)]
        eta = -0.3 + sum((j % 4 - 1.5) * 0.4 * v for j, v in enumerate(x))
        f.write(",".join(map(str, x)) + "," + ("1" if r.random() < 1 / (1 + math.exp(-eta)) else "0") + "\n")
