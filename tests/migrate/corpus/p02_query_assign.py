# expect-factories: 1
import os

import pandas as pd

orders = pd.read_csv("data/orders.csv")
big = orders.query("amount > 200 and quantity >= 3")
big = big.assign(unit_price=lambda d: d.amount / d.quantity, flagged=big["status"] == "pending")
big = big.rename(columns={"order_id": "id"})
big = big.drop(columns=["order_date"])
os.makedirs("out", exist_ok=True)
big.to_csv("out/big_orders.csv", index=False)
