# expect-factories: 1
import os

import pandas as pd

orders = pd.read_csv("data/orders.csv")
numbers = orders[["status", "amount", "quantity"]]
sums = numbers.groupby("status").sum().reset_index()
os.makedirs("out", exist_ok=True)
sums.to_csv("out/sums.csv", index=False)
