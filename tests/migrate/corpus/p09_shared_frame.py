# expect-factories: 3
import os

import pandas as pd

orders = pd.read_csv("data/orders.csv")
orders = orders.dropna(subset=["amount"])
# two reports from the same cleaned orders
by_status = orders.groupby("status").agg(n=("order_id", "count"), total=("amount", "sum")).reset_index()
by_customer = orders.groupby("customer_id").agg(total=("amount", "sum")).reset_index()
os.makedirs("out", exist_ok=True)
by_status.to_csv("out/by_status.csv", index=False)
by_customer.to_csv("out/by_customer.csv", index=False)
