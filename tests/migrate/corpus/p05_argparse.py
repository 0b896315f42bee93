# expect-factories: 1
import argparse
import os

import pandas as pd

parser = argparse.ArgumentParser(description="orders above a threshold")
parser.add_argument("--input", default="data/orders.csv")
parser.add_argument("--min-amount", type=float, default=150.0)
parser.add_argument("--output", default="out/above.csv")
args = parser.parse_args()

orders = pd.read_csv(args.input)
above = orders[orders["amount"] >= args.min_amount]
above = above[["order_id", "customer_id", "amount"]]
os.makedirs("out", exist_ok=True)
above.to_csv(args.output, index=False)
