-- Total conversions for query filters on JSON members: a value that does not convert is NULL, never an
-- error, so a filter on a loosely typed member (result, properties/…) cannot fail a whole request.
CREATE FUNCTION urbs_try_timestamptz(t text) RETURNS timestamptz
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
  RETURN t::timestamptz;
EXCEPTION WHEN others THEN
  RETURN NULL;
END;
$$;

CREATE FUNCTION urbs_try_geometry(j jsonb) RETURNS geometry
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
  RETURN ST_SetSRID(ST_GeomFromGeoJSON(j), 4326);
EXCEPTION WHEN others THEN
  RETURN NULL;
END;
$$;
