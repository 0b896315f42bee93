# expect-factories: 1
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

spark = SparkSession.builder.appName("revenue").getOrCreate()
orders = spark.read.csv("data/orders.csv", header=True, inferSchema=True)
customers = spark.read.option("header", "true").option("inferSchema", "true").csv("data/customers.csv")

shipped = orders.filter(F.col("status") == "shipped")
revenue = (
    shipped.join(customers, on="customer_id", how="inner")
    .groupBy("region")
    .agg(F.sum("amount").alias("revenue"), F.count("order_id").alias("orders"),
         F.avg("amount").alias("average"))
    .orderBy(F.desc("revenue"))
)
revenue.write.mode("overwrite").option("header", True).csv("out/revenue.csv")
spark.stop()
