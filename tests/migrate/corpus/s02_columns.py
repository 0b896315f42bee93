# expect-factories: 1
from pyspark.sql import SparkSession
import pyspark.sql.functions as F

spark = SparkSession.builder.getOrCreate()
orders = spark.read.format("csv").option("header", "true").load("data/orders.csv")
orders = orders.withColumn("size", F.when(F.col("quantity") >= 5, "large").otherwise("small"))
orders = orders.withColumnRenamed("order_id", "id")
orders = orders.withColumn("month", F.month(F.to_date(F.col("order_date"))))
result = orders.select("id", "size", "month", F.upper(F.col("status")).alias("status"))
result.write.mode("overwrite").parquet("out/sizes.parquet")
