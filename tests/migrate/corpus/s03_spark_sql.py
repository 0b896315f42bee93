# expect-factories: 1
from pyspark.sql import SparkSession

spark = SparkSession.builder.appName("sql").getOrCreate()
spark.read.csv("data/orders.csv", header=True, inferSchema=True).createOrReplaceTempView("orders")
spark.read.csv("data/customers.csv", header=True, inferSchema=True).createOrReplaceTempView("customers")
report = spark.sql("""
    SELECT c.segment, COUNT(*) AS orders, SUM(o.quantity) AS units
    FROM orders o JOIN customers c ON o.customer_id = c.customer_id
    WHERE o.status <> 'cancelled'
    GROUP BY c.segment
""")
report.write.option("header", "true").mode("overwrite").csv("out/segments.csv")
