-- Features sinks (src/pipeline/sinks/features, docs/features.md): one table per sink of a DataSet in the
-- schema urbs_features, named ds_<dataSetId>_<sinkIndex>, created when the DataSet is released. The two
-- tables below say which sink tables exist and which column holds which top-level property of the target
-- structure (column names are snake_case and may carry a suffix, so they cannot be derived back).
CREATE SCHEMA IF NOT EXISTS urbs_features;

CREATE TABLE urbs_features.sink_tables (
  table_name text PRIMARY KEY CHECK (table_name ~ '^ds_[0-9]+_[0-9]+$'),
  tenant_id text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  data_set_id bigint NOT NULL REFERENCES ctl_data_sets (id) ON DELETE CASCADE,
  sink_index integer NOT NULL CHECK (sink_index >= 0),
  id_field text,
  geometry_field text,
  time_field text,
  mode text NOT NULL CHECK (mode IN ('upsert', 'append')),
  provisioned_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (data_set_id, sink_index)
);
CREATE INDEX urbs_features_sink_tables_tenant_idx ON urbs_features.sink_tables (tenant_id, data_set_id);

CREATE TABLE urbs_features.sink_columns (
  table_name text NOT NULL REFERENCES urbs_features.sink_tables (table_name) ON DELETE CASCADE,
  property text NOT NULL,
  column_name text NOT NULL CHECK (column_name ~ '^[a-z_][a-z0-9_]{0,62}$'),
  column_type text NOT NULL
    CHECK (column_type IN ('text', 'timestamptz', 'date', 'double precision', 'bigint', 'boolean', 'jsonb')),
  position integer NOT NULL,
  PRIMARY KEY (table_name, property),
  UNIQUE (table_name, column_name)
);
