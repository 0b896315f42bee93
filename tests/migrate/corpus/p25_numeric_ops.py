# expect-factories: 1
import os

import pandas as pd

orders = pd.read_csv("data/orders.csv")
orders["discounted"] = (orders["amount"] * 0.9).round(2)
orders["big"] = (orders["amount"] > 300) | (orders["quantity"] > 7)
orders["small_and_pending"] = ~orders["big"] & (orders["status"] == "pending")
orders["quantity_mod"] = orders["quantity"] % 3
orders = orders[orders["amount"].notna() & (orders["quantity"] != 4)]
os.makedirs("out", exist_ok=True)
orders.to_csv("out/numeric.csv", index=False)
