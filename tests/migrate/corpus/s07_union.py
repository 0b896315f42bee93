# expect-factories: 2
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

spark = SparkSession.builder.getOrCreate()
orders = spark.read.csv("data/orders.csv", header=True, inferSchema=True)
cheap = orders.where("amount < 50").select("order_id", "amount").withColumn("band", F.lit("cheap"))
dear = orders.where(F.col("amount") > 450).select("order_id", "amount").withColumn("band", F.lit("dear"))
bands = cheap.unionByName(dear)
bands.write.csv("out/bands.csv", header=True, mode="overwrite")
