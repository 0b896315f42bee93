# expect-factories: 1
from pyspark.sql import SparkSession, Window
from pyspark.sql import functions as F

spark = SparkSession.builder.getOrCreate()
orders = spark.read.csv("data/orders.csv", header=True, inferSchema=True).dropna(subset=["amount"])
w = Window.partitionBy("customer_id").orderBy(F.col("amount").desc(), F.col("order_id"))
top = orders.withColumn("rn", F.row_number().over(w)).filter(F.col("rn") == 1).drop("rn")
top.select("customer_id", "order_id", "amount").write.csv("out/top_order.csv", header=True)
