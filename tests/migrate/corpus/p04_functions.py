# expect-factories: 4
"""Extract, transform, load as functions: each function is a factory."""
import os

import pandas as pd


def extract(path):
    return pd.read_csv(path)


def transform(orders, customers):
    # revenue per segment for shipped orders
    shipped = orders[orders["status"] == "shipped"]
    merged = pd.merge(shipped, customers, on="customer_id")
    return merged.groupby(["region", "segment"], as_index=False).agg(total=("amount", "sum"))


def load(frame, path):
    os.makedirs("out", exist_ok=True)
    frame.to_csv(path, index=False)


def main():
    orders = extract("data/orders.csv")
    customers = extract("data/customers.csv")
    result = transform(orders, customers)
    load(result, "out/segments.csv")


if __name__ == "__main__":
    main()
