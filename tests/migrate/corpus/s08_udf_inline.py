# expect-factories: 1
from pyspark.sql import SparkSession
from pyspark.sql import functions as F


def tier(quantity):
    return "bulk" if quantity > 6 else "single"


spark = SparkSession.builder.getOrCreate()
tier_udf = F.udf(tier, "string")
orders = spark.read.csv("data/orders.csv", header=True, inferSchema=True)
orders = orders.withColumn("tier", tier_udf(F.col("quantity")))
counts = orders.groupBy("tier").count()
counts.write.csv("out/tiers.csv", header=True)
