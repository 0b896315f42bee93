# expect-factories: 1
import os

import pandas as pd

orders = pd.read_csv("data/orders.csv")
top = orders.sort_values(["amount", "order_id"], ascending=[False, True]).head(10)
top = top[["order_id", "amount"]]
os.makedirs("out", exist_ok=True)
top.to_csv("out/top10.csv", index=False)
