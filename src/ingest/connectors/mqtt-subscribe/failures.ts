import { describeUrl } from '../../config-checks.ts';
import { SourceFailure } from '../../source-failure.ts';
import { errorMessage } from '../../source-state.ts';
import type { MqttSubscribeConfig } from './config.ts';

/** Blames an MQTT client error on the config member that most likely causes it. */
export function mqttFailure(err: unknown, config: MqttSubscribeConfig): SourceFailure {
  const where = config.urls.map(describeUrl).join(', ');
  const code = (err as { code?: unknown }).code;
  const text = errorMessage(err);
  if (code === 4 || code === 5 || code === 134 || code === 135) {
    // Brokers answer "not authorised" for a wrong password too (Mosquitto does): blame the secret if any.
    const field = config.password ? 'password' : 'username';
    return new SourceFailure(field, `${where} rejected the credentials (username and password)`);
  }
  if (code === 2 || code === 133) return new SourceFailure('clientId', `${where} rejected the client id`);
  if (typeof code === 'string' && /CERT|SELF_SIGNED|TLS|SSL|ERR_OSSL|HOSTNAME/i.test(code)) {
    return new SourceFailure('tls', `TLS with ${where} failed: ${text}`);
  }
  return new SourceFailure('urls', `${where} cannot be reached: ${text}`);
}
