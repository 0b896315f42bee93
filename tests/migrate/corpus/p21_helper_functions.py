# expect-factories: 3
import os

import pandas as pd

MIN_QUANTITY = 2


def with_unit_price(frame):
    frame = frame.copy()
    frame["unit_price"] = (frame["amount"] / frame["quantity"]).round(2)
    return frame


def keep_bulk(frame, minimum=MIN_QUANTITY):
    return frame[frame["quantity"] > minimum]


orders = pd.read_csv("data/orders.csv")
priced = with_unit_price(orders)
bulk = keep_bulk(priced)
os.makedirs("out", exist_ok=True)
bulk.to_csv("out/bulk.csv", index=False)
