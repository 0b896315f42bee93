# expect-factories: 1
import glob
import os

import pandas as pd

frames = []
for path in sorted(glob.glob("data/parts/sales_*.csv")):
    frames.append(pd.read_csv(path))
sales = pd.concat(frames)
per_store = sales.groupby("store")["revenue"].sum().reset_index()
os.makedirs("out", exist_ok=True)
per_store.to_csv("out/per_store.csv", index=False)
