# expect-factories: 2
import os

import pandas as pd


class Cleaner:
    """Removes orders without an amount."""

    def __init__(self, column):
        self.column = column

    def run(self, frame):
        return frame.dropna(subset=[self.column])


orders = pd.read_csv("data/orders.csv")
clean = Cleaner("amount").run(orders)
os.makedirs("out", exist_ok=True)
clean.to_csv("out/cleaned.csv", index=False)
