# expect-factories: 1
from pyspark.sql import SparkSession
from pyspark.sql.functions import col, sum as sum_, countDistinct

spark = SparkSession.builder.getOrCreate()
products = spark.read.json("data/products.jsonl")
orders = spark.read.csv("data/orders.csv", header=True, inferSchema=True)
lines = orders.join(products, "product_id", "left").withColumn("value", col("price") * col("quantity"))
summary = lines.groupBy("category").agg(sum_("value").alias("value"),
                                        countDistinct("customer_id").alias("customers"))
summary.write.json("out/categories.jsonl")
