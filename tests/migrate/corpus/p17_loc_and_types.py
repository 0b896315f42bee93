# expect-factories: 1
import os

import pandas as pd

orders = pd.read_csv("data/orders.csv")
orders["amount"] = orders["amount"].fillna(0)
orders.loc[orders["status"] == "cancelled", "amount"] = 0
orders = orders.astype({"quantity": "float64"})
orders["year"] = pd.to_datetime(orders["order_date"]).dt.month
orders.rename(columns={"year": "month"}, inplace=True)
os.makedirs("out", exist_ok=True)
orders[["order_id", "amount", "quantity", "month"]].to_csv("out/typed.csv", index=False)
