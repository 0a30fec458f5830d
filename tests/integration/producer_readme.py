#!/usr/bin/env python3
"""Fails when the README's producer option table differs from what the code generates
(`kinesis produce --list-options`). Usage: producer_readme.py KINESIS_BIN README.md"""
import subprocess
import sys

kinesis, readme = sys.argv[1], sys.argv[2]
generated = subprocess.run([kinesis, "produce", "--list-options"], check=True,
                           capture_output=True, text=True).stdout
text = open(readme, encoding="utf-8").read()
begin, end = text.find("<!-- producer:begin -->"), text.find("<!-- producer:end -->")
if begin < 0 or end < begin:
    sys.exit("README has no producer section markers")
section = text[begin:end]
if generated not in section:
    print("README producer option table differs from `kinesis produce --list-options`:")
    print(generated)
    sys.exit(1)
print("README option table matches the code (%d options)" % (generated.count("\n") - 2))
