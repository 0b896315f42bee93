# expect-factories: 2
import os

import pandas as pd

orders = pd.read_csv("data/orders.csv")
previous = orders[["customer_id", "amount", "status"]].rename(columns={"status": "state"})
latest = orders[orders["order_id"] > 250][["customer_id", "amount"]]
pairs = latest.merge(previous, on="customer_id", how="left", suffixes=("_latest", "_before"))
pairs = pairs.drop_duplicates()
os.makedirs("out", exist_ok=True)
pairs.to_csv("out/pairs.csv", index=False)
