# expect-factories: 1
import os

import pandas as pd


def bucket(amount):
    return "high" if amount > 250 else "low"


orders = pd.read_csv("data/orders.csv")
orders["bucket"] = orders["amount"].apply(bucket)
os.makedirs("out", exist_ok=True)
orders.to_csv("out/buckets.csv", index=False)
