# expect-factories: 3
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F


def extract(spark: SparkSession) -> DataFrame:
    return spark.read.csv("data/orders.csv", header=True, inferSchema=True)


def transform(orders: DataFrame) -> DataFrame:
    return (orders.filter(F.col("amount").isNotNull())
            .groupBy("status").agg(F.round(F.sum("amount"), 2).alias("total"),
                                   F.min("order_date").alias("first_day")))


def load(result: DataFrame) -> None:
    result.write.mode("overwrite").csv("out/status_totals.csv", header=True)


if __name__ == "__main__":
    spark = SparkSession.builder.getOrCreate()
    load(transform(extract(spark)))
