-- wrk: POST a diamond to /similar for its 5 nearest training rows, keep-alive.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"model": "gems", "n": 5, "features": {"carat": 0.9, "cut": "Ideal", "color": "G", "clarity": "VS2"}}'
