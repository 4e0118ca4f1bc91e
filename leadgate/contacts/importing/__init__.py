"""The contact import: read an uploaded CSV, map its columns, check its rows, write them."""
