# expect-factories: 1
import os

import pandas as pd

orders = pd.read_csv("data/orders.csv")
counts = orders.groupby(["status"]).size().reset_index(name="orders")
os.makedirs("out", exist_ok=True)
counts.to_csv("out/status_counts.csv", index=False)
