-- wrk: POST one 10-feature row to /predict, keep-alive.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"features": {"f0": 0.12, "f1": -1.3, "f2": 0.5, "f3": 2.1, "f4": -0.7, "f5": 0.03, "f6": -0.4, "f7": 1.8, "f8": -2.2, "f9": 0.9}}'
