# expect-factories: 1
import os

import pandas as pd

customers = pd.read_csv("data/customers.csv")
orders = pd.read_csv("data/orders.csv")
totals = orders.groupby("customer_id", as_index=False)["amount"].sum()
everyone = customers.merge(totals, on="customer_id", how="outer")
everyone["amount"] = everyone["amount"].fillna(0.0)
os.makedirs("out", exist_ok=True)
everyone.to_csv("out/everyone.csv", index=False)
