"""Hostile cell values every output must survive: HTML/script injection and spreadsheet formulas."""

from __future__ import annotations

XSS_PAYLOADS: tuple[str, ...] = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
    "<iframe src=javascript:alert(1)></iframe>",
    "</textarea><script>alert(1)</script>",
    "</script><script>alert(1)</script>",
    "<a href=\"javascript:alert(1)\">x</a>",
    "{{7*7}}<b onmouseover=alert(1)>b</b>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "`${alert(1)}`<style>*{display:none}</style>",
)
"""Break out of text, attributes, <script>/<textarea>, template literals; pre-escaped text must not decode."""

XSS_MARKERS: tuple[str, ...] = ("<script>alert", "<img src=x", "<svg onload", "<iframe src=javascript",
                                "<a href=\"javascript", "<b onmouseover", "<style>*{", "</textarea><script")
"""Raw fragments of the payloads that must never appear in produced HTML (escaped, they read "&lt;svg …")."""

FORMULA_PAYLOADS: tuple[str, ...] = (
    "=1+1",
    "+1+1",
    "-1+1",
    "@SUM(A1:A2)",
    '=HYPERLINK("http://evil.example","click")',
    "=cmd|' /C calc'!A0",
    "  =1+1",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
    " \r\n=1+1",
    "\u3000=1+1",
    "＝1+1",
    "＋1",
    "－1",
    "＠SUM(A1)",
    "=DDE(\"cmd\";\"/C calc\";\"x\")",
)
"""Cells a spreadsheet could run; every one must come out as text starting with an apostrophe."""
