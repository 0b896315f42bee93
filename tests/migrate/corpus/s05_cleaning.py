# expect-factories: 1
from pyspark.sql import SparkSession

spark = SparkSession.builder.getOrCreate()
customers = spark.read.csv("data/customers.csv", header=True, inferSchema=True)
customers = customers.fillna({"segment": "unknown"}).dropDuplicates(["region", "segment"])
customers = customers.select("region", "segment")
customers.write.mode("overwrite").csv("out/region_segments.csv", header=True)
