# expect-factories: 1
import os

import pandas as pd

products = pd.read_json("data/products.jsonl", lines=True)
orders = pd.read_csv("data/orders.csv")
lines = orders.merge(products, on="product_id", how="left")
lines["line_total"] = lines["price"] * lines["quantity"]
by_category = lines.groupby("category").agg(units=("quantity", "sum"), value=("line_total", "sum"))
by_category = by_category.reset_index()
os.makedirs("out", exist_ok=True)
by_category.to_json("out/by_category.jsonl", orient="records", lines=True)
