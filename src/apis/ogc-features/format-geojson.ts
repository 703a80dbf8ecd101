/**
 * The JSON documents of OGC API – Features – Part 1: Core (OGC 17-069r4): landing page (§7.2), conformance
 * (§7.4), collections (§7.13, §7.14), items as a GeoJSON FeatureCollection (§7.15, §7.16) and a feature
 * (§7.17). `base` is the absolute URL of the /ogc tree of the tenant.
 */
import type {
  FeatureCollectionInfo,
  FeaturePage,
  FeatureRow,
} from '../../pipeline/sinks/features/read-features.ts';
import { CRS84, encodeCursor } from './parse-items-query.ts';

export const GEOJSON = 'application/geo+json';
const JSON_TYPE = 'application/json';

export const CONFORMANCE = [
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson',
] as const;

export interface Link {
  href: string;
  rel: string;
  type?: string;
  title?: string;
}

export function landingPage(base: string, tenant: string) {
  return {
    title: `urbs OGC API – Features (tenant ${tenant})`,
    description:
      'The features of the released datasets of this tenant; anonymous callers see open data only.',
    links: [
      { href: base, rel: 'self', type: JSON_TYPE, title: 'this document' },
      { href: `${base}/conformance`, rel: 'conformance', type: JSON_TYPE, title: 'conformance classes' },
      { href: `${base}/collections`, rel: 'data', type: JSON_TYPE, title: 'collections' },
    ] satisfies Link[],
  };
}

export function conformance() {
  return { conformsTo: [...CONFORMANCE] };
}

export function collectionDocument(base: string, c: FeatureCollectionInfo) {
  const self = `${base}/collections/${encodeURIComponent(c.id)}`;
  const links: Link[] = [
    { href: self, rel: 'self', type: JSON_TYPE, title: c.name },
    { href: `${self}/items`, rel: 'items', type: GEOJSON, title: `${c.name} (GeoJSON)` },
  ];
  if (c.licence) links.push({ href: c.licence, rel: 'license', title: 'licence' });
  const extent: Record<string, unknown> = {};
  if (c.bbox) extent.spatial = { bbox: [c.bbox], crs: CRS84 };
  if (c.interval) {
    extent.temporal = { interval: [c.interval], trs: 'http://www.opengis.net/def/uom/ISO-8601/0/Gregorian' };
  }
  return {
    id: c.id,
    title: c.name,
    ...(c.description ? { description: c.description } : {}),
    ...(c.keywords.length > 0 ? { keywords: c.keywords } : {}),
    links,
    ...(Object.keys(extent).length > 0 ? { extent } : {}),
    itemType: 'feature',
    crs: [CRS84],
  };
}

export function collectionsDocument(base: string, collections: readonly FeatureCollectionInfo[]) {
  return {
    links: [
      { href: `${base}/collections`, rel: 'self', type: JSON_TYPE, title: 'collections' },
    ] satisfies Link[],
    collections: collections.map((c) => collectionDocument(base, c)),
  };
}

/** A feature: the id, the geometry column, and the record without a top-level geometry field. */
export function feature(row: FeatureRow, geometryField: string | null, links?: Link[]) {
  const properties = { ...row.record };
  if (geometryField !== null && !geometryField.includes('.')) delete properties[geometryField];
  return {
    type: 'Feature',
    id: row.fid,
    geometry: row.geometry,
    properties,
    ...(links ? { links } : {}),
  };
}

export function itemLinks(base: string, c: FeatureCollectionInfo, fid: string): Link[] {
  const collection = `${base}/collections/${encodeURIComponent(c.id)}`;
  return [
    {
      href: `${collection}/items/${encodeURIComponent(fid)}`,
      rel: 'self',
      type: GEOJSON,
      title: 'this feature',
    },
    { href: collection, rel: 'collection', type: JSON_TYPE, title: c.name },
  ];
}

export function featureCollection(
  rows: readonly FeatureRow[],
  geometryField: string | null,
  links: Link[],
  matched: number | undefined,
) {
  return {
    type: 'FeatureCollection',
    features: rows.map((r) => feature(r, geometryField)),
    links,
    timeStamp: new Date().toISOString(),
    ...(matched === undefined ? {} : { numberMatched: matched }),
    numberReturned: rows.length,
  };
}

type Params = Record<string, string | string[] | undefined>;

/**
 * self, next (when more follow: the same parameters, `offset` dropped, `cursor` after the page's last
 * feature id) and collection links of an items page; `collection` is the collection's URL.
 */
export function pageLinks(collection: string, params: Params, page: FeaturePage): Link[] {
  const items = `${collection}/items`;
  const links: Link[] = [
    { href: withQuery(items, params, {}), rel: 'self', type: GEOJSON, title: 'this page' },
  ];
  const last = page.features.at(-1);
  if (page.more && last) {
    const next = withQuery(items, params, { offset: undefined, cursor: encodeCursor(last.fid) });
    links.push({ href: next, rel: 'next', type: GEOJSON, title: 'next page' });
  }
  links.push({ href: collection, rel: 'collection', type: JSON_TYPE, title: 'the collection' });
  return links;
}

/** `url?…` with the request's parameters, some replaced or removed (undefined). */
function withQuery(url: string, params: Params, changes: Record<string, string | undefined>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries({ ...params, ...changes })) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) search.append(name, v);
  }
  const text = search.toString();
  return text ? `${url}?${text}` : url;
}
