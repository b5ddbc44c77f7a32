"""The peer for bench/serve.sh: FastAPI + uvicorn + scikit-learn predict_proba, trained on
the same CSV as modelserve's bench model."""
import os

import numpy as np
import pandas as pd
from fastapi import FastAPI, Request
from sklearn.linear_model import LogisticRegression

data = pd.read_csv(os.environ["BENCH_CSV"])
features = [f"f{i}" for i in range(10)]
model = LogisticRegression().fit(data[features].to_numpy(), data["y"].to_numpy())
app = FastAPI()


@app.post("/predict")
async def predict(request: Request):
    body = await request.json()
    row = np.array([[float(body["features"][name]) for name in features]])
    p = float(model.predict_proba(row)[0, 1])
    return {"model_id": 1, "name": "bench", "version": 1, "probability": p, "label": int(p > 0.5)}
