"""Writes expected/<script>/... for the PySpark scripts of the corpus (pyspark cannot be
installed here), computed independently with pandas following Spark's semantics: NULL
group keys kept, avg/count ignoring NULLs, round half up, ordered output where the script
sorts. Run from this directory with a python3 that has pandas:

  python3 make_expected.py
"""
import decimal
import pathlib

import pandas as pd

here = pathlib.Path(__file__).resolve().parent
data = here / "samples" / "data"
orders = pd.read_csv(data / "orders.csv")
customers = pd.read_csv(data / "customers.csv")
products = pd.read_json(data / "products.jsonl", lines=True)


def half_up(value, digits=2):
    if pd.isna(value):
        return value
    quantum = decimal.Decimal(1).scaleb(-digits)
    return float(decimal.Decimal(repr(value)).quantize(quantum, rounding=decimal.ROUND_HALF_UP))


def save(script, path, frame, lines=False):
    target = here / "expected" / script / path
    target.parent.mkdir(parents=True, exist_ok=True)
    if lines:
        frame.to_json(target, orient="records", lines=True)
    else:
        frame.to_csv(target, index=False)


shipped = orders[orders.status == "shipped"].merge(customers, on="customer_id")
s01 = shipped.groupby("region").agg(revenue=("amount", "sum"), orders=("order_id", "count"),
                                    average=("amount", "mean")).reset_index()
save("s01_revenue_by_region", "out/revenue.csv", s01.sort_values("revenue", ascending=False))

s02 = pd.DataFrame({
    "id": orders.order_id,
    "size": ["large" if q >= 5 else "small" for q in orders.quantity],
    "month": pd.to_datetime(orders.order_date).dt.month,
    "status": orders.status.str.upper(),
})
save("s02_columns", "out/sizes.parquet.csv", s02)

joined = orders[orders.status != "cancelled"].merge(customers, on="customer_id")
s03 = joined.groupby("segment", dropna=False).agg(orders=("order_id", "size"),
                                                  units=("quantity", "sum")).reset_index()
save("s03_spark_sql", "out/segments.csv", s03)

valid = orders.dropna(subset=["amount"]).sort_values(["customer_id", "amount", "order_id"],
                                                     ascending=[True, False, True])
s04 = valid.groupby("customer_id").head(1)[["customer_id", "order_id", "amount"]]
save("s04_window_top", "out/top_order.csv", s04)

s05 = customers.fillna({"segment": "unknown"})[["region", "segment"]].drop_duplicates()
save("s05_cleaning", "out/region_segments.csv", s05)

lines = orders.merge(products, on="product_id", how="left")
lines["value"] = lines.price * lines.quantity
s06 = lines.groupby("category").agg(value=("value", "sum"),
                                    customers=("customer_id", "nunique")).reset_index()
save("s06_json_join", "out/categories.jsonl", s06, lines=True)

cheap = orders[orders.amount < 50][["order_id", "amount"]].assign(band="cheap")
dear = orders[orders.amount > 450][["order_id", "amount"]].assign(band="dear")
save("s07_union", "out/bands.csv", pd.concat([cheap, dear]))

tiers = pd.DataFrame({"tier": ["bulk" if q > 6 else "single" for q in orders.quantity]})
save("s08_udf_inline", "out/tiers.csv", tiers.groupby("tier").size().reset_index(name="count"))

sales = pd.read_csv(data / "parts" / "sales_2024_01.csv").sort_values(["store", "day"])
sales["running"] = sales.groupby("store").revenue.cumsum().map(half_up)
sales["previous"] = sales.groupby("store").revenue.shift(1)
save("s09_running_sum", "out/running.csv", sales)

s10 = customers.assign(number=customers.name.str.split(" ").str[-1])
save("s10_udf_complex", "out/numbers.csv", s10)

local = orders.merge(customers[customers.region == "EMEA"], on="customer_id")
local = local[local.quantity >= 5]
s11 = local.groupby(["customer_id", "name"]).agg(units=("quantity", "sum"),
                                                 largest=("amount", "max")).reset_index()
save("s11_params", "out/local_bulk.csv", s11)

valid = orders.dropna(subset=["amount"])
s12 = valid.groupby("status").agg(total=("amount", "sum"), first_day=("order_date", "min"))
s12["total"] = s12.total.map(half_up)
save("s12_functions_etl", "out/status_totals.csv", s12.reset_index())
