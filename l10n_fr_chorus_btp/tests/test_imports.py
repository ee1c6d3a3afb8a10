"""Odoo's own import (Gear › Import records), as a French accountant uses it: the bill of quantities of a
market from a DPGF spreadsheet (CSV with French numbers, or XLSX), the monthly values of a price index from
a CSV file. The columns are recognised from the French headers, the lines land on the market the list was
opened from, and a bad file imports nothing."""

import io
from decimal import Decimal

import openpyxl
from odoo.tests import tagged

from .test_situations import SituationsCommon

DPGF_HEADERS = ["Lot", "Code", "Désignation", "Unité", "Quantité marché", "Prix unitaire HT"]
CSV_OPTIONS = {"separator": ";", "quoting": '"', "has_headers": True, "encoding": "utf-8",
               "float_decimal_separator": ",", "float_thousand_separator": " ", "date_format": "",
               "datetime_format": "", "sheet": "", "limit": 2000, "skip": 0, "import_skip_records": [],
               "import_set_empty_fields": [], "fallback_values": {}, "name_create_enabled_fields": {}}


@tagged("post_install", "-at_install", "chorus_pro")
class TestImports(SituationsCommon):

    def import_file(self, model, content, file_type, context=None, options=None):
        """Preview then import ``content`` as the web client does; returns (matched fields, result)."""
        importer = self.env["base_import.import"].with_context(lang="fr_FR", **(context or {})).create({
            "res_model": model, "file": content, "file_type": file_type, "file_name": "import"})
        options = dict(CSV_OPTIONS, **(options or {}))
        preview = importer.parse_preview(options)
        self.assertNotIn("error", preview, preview.get("error"))
        fields = [preview["matches"].get(index, [False])[-1] if preview["matches"].get(index) else False
                  for index in range(len(preview["headers"]))]
        result = importer.execute_import(fields, preview["headers"], options)
        self.env.invalidate_all()
        return fields, result

    def test_bill_of_quantities_from_a_french_csv(self):
        market = self.make_works_market()
        before = len(market.line_ids)
        csv = "\n".join([
            ";".join(DPGF_HEADERS),
            "04;04.1;Installation de chantier;ft;1;12 500,00",
            "04;04.2;Terrassements en pleine masse;m3;1 250;18,40",
            '05;05.1;"Béton armé ; voiles";m3;85,5;245,00',
        ]).encode()
        fields, result = self.import_file("chorus.pro.market.line", csv, "text/csv",
                                          context=market.action_open_bill_of_quantities()["context"])
        self.assertEqual(fields, ["lot", "code", "name", "unit", "quantity", "unit_price"],
                         "a DPGF's French headers are recognised")
        self.assertFalse(result["messages"], result["messages"])
        lines = market.line_ids.filtered(lambda line: line.lot in ("04", "05"))
        self.assertEqual(len(market.line_ids), before + 3)
        self.assertEqual(lines.mapped("code"), ["04.1", "04.2", "05.1"])
        self.assertEqual(lines.mapped("quantity"), [1.0, 1250.0, 85.5])
        self.assertEqual(lines.mapped("amount"), [12500.0, 23000.0, 20947.5])
        self.assertEqual(lines[2].name, "Béton armé ; voiles")

    def test_a_bad_file_imports_nothing_and_names_the_line(self):
        market = self.make_works_market()
        before = market.line_ids
        csv = "\n".join([
            ";".join(DPGF_HEADERS),
            "04;04.1;Installation de chantier;ft;1;12 500,00",
            "04;01.1;Démolitions (code déjà au marché);ft;1;1 000,00",
        ]).encode()
        _fields, result = self.import_file("chorus.pro.market.line", csv, "text/csv",
                                           context={"default_market_id": market.id})
        self.assertTrue(result["messages"])
        self.assertIn("propre code", " ".join(message["message"] for message in result["messages"]))
        self.assertEqual(market.line_ids, before, "nothing imported")

    def test_bill_of_quantities_from_xlsx(self):
        market = self.make_works_market()
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.append(DPGF_HEADERS)
        sheet.append(["04", "04.1", "Enduit monocouche", "m2", 640, 32.5])
        sheet.append(["04", "04.2", "Peinture de façade", "m2", 640.25, 14])
        data = io.BytesIO()
        book.save(data)
        _fields, result = self.import_file(
            "chorus.pro.market.line", data.getvalue(),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            context={"default_market_id": market.id}, options={"sheet": sheet.title})
        self.assertFalse(result["messages"], result["messages"])
        lines = market.line_ids.filtered(lambda line: line.lot == "04")
        self.assertEqual(lines.mapped("amount"), [20800.0, 8963.5])

    def test_price_index_values_from_csv(self):
        csv = "\n".join(["Index;Mois;Valeur", "BT01;2026-01;131,5", "BT01;2026-02;131,9", "TP01;2026-01;128,7"])
        fields, result = self.import_file("chorus.price.index.value", csv.encode(), "text/csv")
        self.assertEqual(fields, ["index_id", "month", "value"])
        self.assertFalse(result["messages"], result["messages"])
        self.assertEqual(self.bt01._values_by_month()["BT01"]["2026-02"], Decimal("131.9"))
        # a month written another way is refused, with the row; nothing of the file is kept
        _fields, result = self.import_file("chorus.price.index.value", b"Index;Mois;Valeur\nBT01;2026-03;132\n"
                                           b"BT01;03/2026;132,4", "text/csv")
        self.assertTrue(result["messages"])
        self.assertNotIn("2026-03", self.bt01.value_ids.mapped("month"))
