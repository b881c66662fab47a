"""Import of historical responses (CSV, XLSX) through the capture rules, in batches."""
