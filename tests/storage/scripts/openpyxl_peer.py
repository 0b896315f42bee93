"""The other side of the Excel cross-check, with Debian's python3-openpyxl.

  openpyxl_peer.py read FILE SHEET   prints every row of SHEET as tab-separated cells
  openpyxl_peer.py write FILE        writes the workbook the C++ test then reads
"""
import datetime
import sys

import openpyxl


def show(value):
    if value is None:
        return "<empty>"
    if isinstance(value, bool):
        return "bool:" + ("TRUE" if value else "FALSE")
    if isinstance(value, datetime.datetime):
        return "datetime:" + value.isoformat()
    if isinstance(value, datetime.date):
        return "date:" + value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return "number:" + str(int(value))
    if isinstance(value, (int, float)):
        return "number:" + repr(value)
    return "text:" + str(value)


def read(path, sheet):
    workbook = openpyxl.load_workbook(path)
    for row in workbook[sheet].iter_rows(values_only=True):
        print("\t".join(show(value) for value in row))


def write(path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Orders"
    sheet.append(["id", "customer", "amount", "paid", "day", "at"])
    sheet.append([1, "Zoë", 10.25, True, datetime.date(2024, 2, 29),
                  datetime.datetime(2024, 3, 1, 12, 30, 15)])
    sheet.append([2, "Bob & <Co>", 3, False, datetime.date(1999, 12, 31),
                  datetime.datetime(1970, 1, 1, 0, 0, 0)])
    sheet.append([3, None, None, None, None, None])
    other = workbook.create_sheet("Notes")
    other.append(["note"])
    other.append(["second sheet"])
    workbook.save(path)


if __name__ == "__main__":
    if sys.argv[1] == "read":
        read(sys.argv[2], sys.argv[3])
    else:
        write(sys.argv[2])
