-- Partitions of fs.features_values are created at run time by the owner's SECURITY DEFINER
-- function, so they are owned by the owner and carry none of the parent's grants: the
-- application role could write through the parent but not read or lock one day's partition
-- (retention export). The function now copies the parent's table grants to each new partition.
CREATE OR REPLACE FUNCTION fs.create_day_partition(d date) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  g record;
BEGIN
  IF to_regclass('fs.' || fs.day_partition_name(d)) IS NOT NULL THEN
    RETURN false;
  END IF;
  EXECUTE format('CREATE TABLE IF NOT EXISTS fs.%I PARTITION OF fs.features_values '
                 'FOR VALUES FROM (%L) TO (%L)', fs.day_partition_name(d),
                 (d::timestamp AT TIME ZONE 'UTC'), ((d + 1)::timestamp AT TIME ZONE 'UTC'));
  FOR g IN SELECT grantee, privilege_type FROM information_schema.role_table_grants
           WHERE table_schema = 'fs' AND table_name = 'features_values'
             AND privilege_type IN ('SELECT', 'INSERT', 'UPDATE', 'DELETE')
             AND grantee <> current_user
  LOOP
    EXECUTE format('GRANT %s ON fs.%I TO %s', g.privilege_type, fs.day_partition_name(d),
                   CASE WHEN g.grantee = 'PUBLIC' THEN 'PUBLIC' ELSE quote_ident(g.grantee) END);
  END LOOP;
  RETURN true;
END $$;
