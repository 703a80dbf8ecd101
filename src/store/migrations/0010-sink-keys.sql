-- Observations sinks (src/pipeline/sinks/observations, docs/sinks-observations.md) mark the Things and
-- Datastreams they own with properties "urbsDataSet" (the DataSet id) and "urbsKey" (the Thing key, or the
-- datastream rule's key). A pipeline that starts (or restarts) finds its Things by these two values; this
-- index makes that one index scan per batch of unknown keys. Datastreams are found through the Thing's
-- foreign key (sta_datastreams_thing_id_idx), so they need no index of their own.
CREATE INDEX sta_things_sink_key_idx
  ON sta_things (tenant_id, (properties ->> 'urbsDataSet'), (properties ->> 'urbsKey'))
  WHERE properties ? 'urbsKey';
