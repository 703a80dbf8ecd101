-- Which urbs process runs a pipeline with a pull source (MQTT subscription, HTTP poll, SQL): one at a
-- time, so several nodes on one database neither read a source twice nor fight over an MQTT session. The
-- owner renews its lease; when a node dies its leases run out and another node takes the pipelines over
-- (src/pipeline/runtime/pipeline-runtime.ts). `state` is the owner's view, for status answers on any node.
CREATE TABLE ctl_pipeline_leases (
  pipeline_id bigint PRIMARY KEY REFERENCES ctl_pipelines (id) ON DELETE CASCADE,
  tenant_id text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  node text NOT NULL,
  lease_until timestamptz NOT NULL,
  state text NOT NULL DEFAULT 'starting'
    CHECK (state IN ('starting', 'running', 'error', 'stopped'))
);
