# expect-factories: 1
import json
import os

import pandas as pd

with open("p06_config.json") as handle:
    config = json.load(handle)

orders = pd.read_csv(config["orders_path"])
selected = orders[orders["status"].isin(config["statuses"])]
selected = selected[selected["quantity"] > config["min_quantity"]]
os.makedirs("out", exist_ok=True)
selected.to_csv("out/selected.csv", index=False)
