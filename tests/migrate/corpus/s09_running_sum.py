# expect-factories: 1
from pyspark.sql import SparkSession, Window
from pyspark.sql import functions as F

spark = SparkSession.builder.getOrCreate()
sales = spark.read.csv("data/parts/sales_2024_01.csv", header=True, inferSchema=True)
w = Window.partitionBy("store").orderBy("day").rowsBetween(Window.unboundedPreceding, Window.currentRow)
sales = sales.withColumn("running", F.round(F.sum("revenue").over(w), 2))
sales = sales.withColumn("previous", F.lag("revenue", 1).over(Window.partitionBy("store").orderBy("day")))
sales.orderBy("store", "day").write.csv("out/running.csv", header=True)
