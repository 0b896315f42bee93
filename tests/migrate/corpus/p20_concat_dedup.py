# expect-factories: 2
import os

import pandas as pd

orders = pd.read_csv("data/orders.csv")
shipped = orders[orders["status"] == "shipped"][["customer_id"]]
pending = orders[orders["status"] == "pending"][["customer_id"]]
active = pd.concat([shipped, pending]).drop_duplicates()
active = active.sort_values("customer_id")
os.makedirs("out", exist_ok=True)
active.to_csv("out/active_customers.csv", index=False)
