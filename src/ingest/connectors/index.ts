import type { Connector } from '../connector.ts';
import { fileUploadConnector } from './file-upload/index.ts';
import { httpPollConnector } from './http-poll/index.ts';
import { httpPushConnector } from './http-push/index.ts';
import { mqttSubscribeConnector } from './mqtt-subscribe/index.ts';
import { sqlConnector } from './sql/index.ts';

/** Every connector type, by its `type`: the one list the control plane's data-source schema uses. */
export const connectors = {
  'mqtt-subscribe': mqttSubscribeConnector,
  'http-poll': httpPollConnector,
  'http-push': httpPushConnector,
  sql: sqlConnector,
  'file-upload': fileUploadConnector,
} as const;

export type ConnectorType = keyof typeof connectors;

export const connectorTypes = Object.keys(connectors) as ConnectorType[];

/**
 * The connector of a type, typed loosely: its `validateConfig` result is what its other functions take,
 * which one signature over all types cannot say.
 */
export function getConnector(type: string): Connector<unknown> | undefined {
  if (!Object.hasOwn(connectors, type)) return undefined;
  return connectors[type as ConnectorType] as unknown as Connector<unknown>;
}
