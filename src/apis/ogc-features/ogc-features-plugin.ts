/**
 * OGC API – Features – Part 1: Core with GeoJSON (OGC 17-069r4) at /ogc of every tenant tree: a thin
 * adapter over the features sink tables (src/pipeline/sinks/features/read-features.ts). Who sees which
 * collection is decided there: anonymous callers open data only, the tenant's principals every AVAILABLE
 * DataSet. Not served yet: the OpenAPI definition (service-desc), HTML, CRS other than CRS84, CQL2.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { RequestContext } from '../../core/entities/context.ts';
import { NotFoundError } from '../../core/errors/not-found.ts';
import {
  collectionLayout,
  type FeatureCollectionInfo,
  findFeatureCollection,
  listFeatureCollections,
  readFeature,
  readFeaturePage,
} from '../../pipeline/sinks/features/read-features.ts';
import type { Queryable } from '../../store/store.ts';
import {
  collectionDocument,
  collectionsDocument,
  conformance,
  feature,
  featureCollection,
  GEOJSON,
  itemLinks,
  landingPage,
  pageLinks,
} from './format-geojson.ts';
import { checkNoParameters, isSafeText, parseItemsQuery } from './parse-items-query.ts';

export interface OgcFeaturesPluginOptions {
  db: Queryable;
}

type Params = Record<string, string | string[] | undefined>;

export async function ogcFeaturesPlugin(app: FastifyInstance, opts: OgcFeaturesPluginOptions) {
  const { db } = opts;
  const baseOf = (request: FastifyRequest) => {
    const tenant = (request.params as { tenant?: string }).tenant;
    return `${request.protocol}://${request.host}${tenant ? `/t/${tenant}` : ''}/ogc`;
  };
  const ctxOf = (request: FastifyRequest): RequestContext => ({
    tenant: request.tenant,
    principal: request.principal,
  });
  const query = (request: FastifyRequest) => (request.query ?? {}) as Params;
  const collectionOf = async (request: FastifyRequest): Promise<FeatureCollectionInfo> => {
    const { collectionId } = request.params as { collectionId: string };
    const found = isSafeText(collectionId)
      ? await findFeatureCollection(db, ctxOf(request), collectionId)
      : undefined;
    // The same answer whether the collection does not exist or the caller may not see it.
    if (!found) throw new NotFoundError(`Collection ${collectionId} does not exist`, { collectionId });
    return found;
  };

  // §7.2 landing page, §7.4 conformance
  app.get('/', async (request) => {
    checkNoParameters(query(request));
    return landingPage(baseOf(request), request.tenant);
  });
  app.get('/conformance', async (request) => {
    checkNoParameters(query(request));
    return conformance();
  });

  // §7.13 collections, §7.14 one collection
  app.get('/collections', async (request) => {
    checkNoParameters(query(request));
    return collectionsDocument(baseOf(request), await listFeatureCollections(db, ctxOf(request)));
  });
  app.get('/collections/:collectionId', async (request) => {
    checkNoParameters(query(request));
    return collectionDocument(baseOf(request), await collectionOf(request));
  });

  // §7.15 items: limit, bbox, property filters; paging by next links
  app.get('/collections/:collectionId/items', async (request, reply) => {
    const collection = await collectionOf(request);
    const layout = await collectionLayout(db, collection);
    const params = query(request);
    const columns = layout?.columns ?? [];
    const timeColumn = columns.find((c) => c.property === layout?.timeField);
    const items = parseItemsQuery(params, columns, timeColumn);
    const page = await readFeaturePage(db, collection.table, items);
    const links = pageLinks(
      `${baseOf(request)}/collections/${encodeURIComponent(collection.id)}`,
      params,
      page,
    );
    return geojson(
      reply,
      featureCollection(page.features, layout?.geometryField ?? null, links, page.matched),
    );
  });

  // §7.16 one feature
  app.get('/collections/:collectionId/items/:featureId', async (request, reply) => {
    checkNoParameters(query(request));
    const collection = await collectionOf(request);
    const { featureId } = request.params as { featureId: string };
    const row = isSafeText(featureId) ? await readFeature(db, collection.table, featureId) : undefined;
    if (!row) {
      throw new NotFoundError(`Feature ${featureId} does not exist in collection ${collection.id}`, {
        featureId,
      });
    }
    const layout = await collectionLayout(db, collection);
    return geojson(
      reply,
      feature(row, layout?.geometryField ?? null, itemLinks(baseOf(request), collection, row.fid)),
    );
  });
}

function geojson(reply: FastifyReply, body: unknown) {
  return reply.type(GEOJSON).send(body);
}
