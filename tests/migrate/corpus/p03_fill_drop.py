# expect-factories: 2
import os
import pandas as pd

customers = pd.read_csv("data/customers.csv")
customers["segment"] = customers["segment"].fillna("unknown")
orders = pd.read_csv("data/orders.csv")
orders = orders.dropna(subset=["amount"])
orders = orders.drop_duplicates()
os.makedirs("out", exist_ok=True)
orders.to_csv("out/clean_orders.csv", index=False)
customers.to_csv("out/clean_customers.csv", index=False)
