# expect-factories: 3
import os

import pandas as pd


class OrdersPipeline:
    def __init__(self, source, target):
        self.source = source
        self.target = target

    def extract(self):
        return pd.read_csv(self.source)

    def transform(self, frame):
        frame = frame[frame["status"] != "cancelled"]
        return frame.groupby("customer_id").agg(spent=("amount", "sum")).reset_index()

    def load(self, frame):
        os.makedirs("out", exist_ok=True)
        frame.to_csv(self.target, index=False)


pipeline = OrdersPipeline("data/orders.csv", "out/spent.csv")
pipeline.load(pipeline.transform(pipeline.extract()))
