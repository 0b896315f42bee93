# expect-factories: 1
import os

import pandas as pd

budget = pd.read_excel("data/budget.xlsx")
os.makedirs("out", exist_ok=True)
budget.to_csv("out/budget.csv", index=False)
