# expect-factories: 1
import os

import pandas as pd

orders = pd.read_csv("data/orders.csv").dropna(subset=["amount"])
orders["rank_in_customer"] = orders.groupby("customer_id")["amount"].rank(method="min", ascending=False)
best = orders[orders["rank_in_customer"] == 1]
best = best[["customer_id", "order_id", "amount"]]
os.makedirs("out", exist_ok=True)
best.to_csv("out/best_order_per_customer.csv", index=False)
