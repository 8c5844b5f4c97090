"""Files people take away: zone-profile exports (XLSX, CSV, GeoJSON, GeoPackage), the print-ready HTML
one-pager and the A4 PDF with an embedded CJK font, the static SVG map they carry, the import report,
and the small streaming XLSX writer behind every workbook.
"""
