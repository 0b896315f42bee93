# expect-factories: 1
"""Revenue per region from shipped orders."""
import os

import pandas as pd

orders = pd.read_csv("data/orders.csv")
customers = pd.read_csv("data/customers.csv")

# Only shipped orders count as revenue
shipped = orders[orders["status"] == "shipped"]
joined = shipped.merge(customers, on="customer_id", how="inner")
summary = joined.groupby("region").agg(
    revenue=("amount", "sum"),
    orders=("order_id", "count"),
    average=("amount", "mean"),
).reset_index()
os.makedirs("out", exist_ok=True)
summary = summary.sort_values("revenue", ascending=False)
summary.to_csv("out/revenue_by_region.csv", index=False)
