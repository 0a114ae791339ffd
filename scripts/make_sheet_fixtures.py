"""Writes fixtures/sheet_far_cells.xlsx: fixtures/survey_zh.xlsx with one more cell, a stray
value at XFD1048576 (the last cell a sheet can have), so that the sheet's used range spans
1,048,576 rows x 16,384 columns although the file is a few kilobytes.

    python3 scripts/make_sheet_fixtures.py
"""
import pathlib
import zipfile

root = pathlib.Path(__file__).resolve().parent.parent
source = root / "fixtures" / "survey_zh.xlsx"
target = root / "fixtures" / "sheet_far_cells.xlsx"
with zipfile.ZipFile(source) as z_in, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z_out:
    for item in z_in.infolist():
        data = z_in.read(item.filename)
        if item.filename == "xl/worksheets/sheet1.xml":
            stray = b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'
            data = data.replace(b"</sheetData>", stray, 1)
        z_out.writestr(item, data)
print(target)
