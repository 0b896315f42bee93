# expect-factories: 1
import os

import pandas as pd

orders = pd.read_csv("data/orders.csv").dropna(subset=["amount"])
orders["share"] = orders["amount"] / orders["amount"].sum()
orders["category_total"] = orders.groupby("status")["amount"].transform("sum")
report = orders[["order_id", "status", "share", "category_total"]]
os.makedirs("out", exist_ok=True)
report.to_csv("out/shares.csv", index=False)
