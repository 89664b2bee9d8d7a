"""Rows without an order number are now recognised as duplicates across files (a ledger sent again with
a month added), not only within one: their de-duplication key loses the file's prefix when the row names
its purchaser ("c:<file>:<digest>" → "c:<digest>"). Where two stored rows would get the same key (the same
purchase already stored twice from two files), the first keeps it and the others stay as they were."""

from django.db import migrations

CHUNK = 2000


def strip_file_prefix(apps, schema_editor):
    Purchase = apps.get_model("ledger", "Purchase")
    rows = (
        Purchase.objects.filter(dedupe_key__regex=r"^c:[0-9a-f]{20}:")
        .exclude(purchaser_name="")
        .order_by("pk")
        .values_list("pk", "dedupe_key")
    )
    taken = set(
        Purchase.objects.filter(dedupe_key__regex=r"^c:[0-9a-f]{40}$").values_list("dedupe_key", flat=True)
    )
    table = schema_editor.quote_name(Purchase._meta.db_table)
    updates = []
    for pk, key in rows.iterator(chunk_size=CHUNK):
        new = "c:" + key.rsplit(":", 1)[1]
        if new in taken:
            continue
        taken.add(new)
        updates.append((new, pk))
    with schema_editor.connection.cursor() as cursor:
        for start in range(0, len(updates), CHUNK):
            cursor.executemany(f"UPDATE {table} SET dedupe_key = %s WHERE id = %s", updates[start : start + CHUNK])


class Migration(migrations.Migration):
    dependencies = [("ledger", "0011_date_index_covers_progress")]

    operations = [migrations.RunPython(strip_file_prefix, migrations.RunPython.noop)]
