# expect-factories: 1
import os

import numpy as np
import pandas as pd

customers = pd.read_csv("data/customers.csv")
customers["name_upper"] = customers["name"].str.upper()
customers["is_emea"] = customers["region"] == "EMEA"
customers["tier"] = np.where(customers["customer_id"] > 20, "new", "old")
customers["label"] = customers["region"].map({"EMEA": "Europe", "AMER": "Americas"})
named = customers[customers["name"].str.contains("Customer 1", regex=False)]
os.makedirs("out", exist_ok=True)
named.to_csv("out/named.csv", index=False)
