# expect-factories: 1
import argparse

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

parser = argparse.ArgumentParser()
parser.add_argument("--min-quantity", type=int, default=5)
parser.add_argument("--region", default="EMEA")
args = parser.parse_args()

spark = SparkSession.builder.getOrCreate()
orders = spark.read.csv("data/orders.csv", header=True, inferSchema=True)
customers = spark.read.csv("data/customers.csv", header=True, inferSchema=True)
local = customers.filter(F.col("region") == args.region)
result = (orders.join(local, ["customer_id"])
          .filter(F.col("quantity") >= args.min_quantity)
          .groupBy("customer_id", "name")
          .agg(F.sum("quantity").alias("units"), F.max("amount").alias("largest")))
result.write.csv("out/local_bulk.csv", header=True)
