-- Schema version 3: a covering index for the household list sorted by name across all hamlets,
-- so listing every household reads the index alone (no lookup into the table per row). It
-- replaces the plain sort-key index, which is its prefix (frozen: never edit).
DROP INDEX household_sort;
CREATE INDEX household_list ON household (sort_key, id, head_name, address, phone, hamlet_id);
