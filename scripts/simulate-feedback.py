"""Sends 400 click predictions to a running modelserve and, for each, an outcome drawn from a
rate 1.5x the predicted probability (a model that underestimates), as POST /feedback: what a
deployed model's monitoring page looks like once labels arrive. Used by scripts/screenshots.sh.

    python3 scripts/simulate-feedback.py BASE_URL ADMIN_TOKEN
"""
import http.client
import json
import random
import sys
import time
from urllib.parse import urlparse

url, token = urlparse(sys.argv[1]), sys.argv[2]
random.seed(3)
connection = http.client.HTTPConnection(url.hostname, url.port)
answered = []
for _ in range(400):
    features = {"apr": round(random.uniform(5, 30), 2), "requested": random.choice([5000, 10000, 20000]),
                "annual_income": random.randint(20000, 150000),
                "loan_purpose": random.choice(["car", "debt_consolidation", "home_improvement"]),
                "credit": random.choice(["good", "fair", "poor", "excellent"]), "lender_id": random.randint(1, 8)}
    connection.request("POST", "/predict", json.dumps({"model": "click", "features": features}),
                       {"Content-Type": "application/json"})
    response = connection.getresponse()
    answer = json.loads(response.read())
    answered.append((response.getheader("X-Request-Id"), answer["probability"]))
time.sleep(1)  # the request log writes within a second
labels = [{"request_id": rid, "actual": 1 if random.random() < min(1.0, 1.5 * p) else 0} for rid, p in answered]
connection.request("POST", "/feedback", json.dumps({"feedback": labels, "replace": True}),
                   {"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
response = connection.getresponse()
print(f"feedback: {response.status} {response.read()[:120].decode()}")
