# expect-factories: 1
import os

import pandas as pd

orders = pd.read_csv("data/orders.csv")
orders = orders.dropna(subset=["amount"]).sort_values(["customer_id", "order_id"])
orders["running_total"] = orders.groupby("customer_id")["amount"].cumsum()
orders["previous_amount"] = orders.groupby("customer_id")["amount"].shift(1)
result = orders[["customer_id", "order_id", "amount", "running_total", "previous_amount"]]
os.makedirs("out", exist_ok=True)
result.to_csv("out/running_totals.csv", index=False)
