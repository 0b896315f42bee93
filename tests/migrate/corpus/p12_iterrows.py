# expect-factories: 1
import os

import pandas as pd

orders = pd.read_csv("data/orders.csv")
rows = []
for _, row in orders.iterrows():
    if row["amount"] > 400:
        rows.append(row)
os.makedirs("out", exist_ok=True)
orders.to_csv("out/copy.csv", index=False)
