# expect-factories: 2
"""Loads customers into SQLite, then reads a query back (dataflow through a file)."""
import os
import sqlite3

import pandas as pd

os.makedirs("out", exist_ok=True)
customers = pd.read_csv("data/customers.csv")
connection = sqlite3.connect("out/shop.db")
customers.to_sql("customers", connection, if_exists="replace", index=False)

emea = pd.read_sql("SELECT customer_id, name FROM customers WHERE region = 'EMEA'", connection)
emea.to_csv("out/emea_customers.csv", index=False)
