# expect-factories: 3
"""An Airflow TaskFlow DAG's tasks, run here as plain functions."""
import os

import pandas as pd


def task(function):
    return function


@task
def extract_customers():
    return pd.read_csv("data/customers.csv")


@task
def by_region(customers):
    return customers.groupby("region").agg(customers=("customer_id", "count")).reset_index()


@task
def publish(frame):
    os.makedirs("out", exist_ok=True)
    frame.to_csv("out/customers_by_region.csv", index=False)


publish(by_region(extract_customers()))
