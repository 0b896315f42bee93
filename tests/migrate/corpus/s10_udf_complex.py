# expect-factories: 1
from pyspark.sql import SparkSession
from pyspark.sql import functions as F


def normalise(name):
    parts = name.split(" ")
    return parts[-1]


spark = SparkSession.builder.getOrCreate()
normalise_udf = F.udf(normalise, "string")
customers = spark.read.csv("data/customers.csv", header=True, inferSchema=True)
customers.withColumn("number", normalise_udf(F.col("name"))).write.csv("out/numbers.csv", header=True)
