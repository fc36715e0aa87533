// A strategy whose provider client is absent (its settings are not set) says so, naming the
// missing settings: on create it is a 422 (a PropertiesValidationError at the properties), so a
// benefit that could never be granted is not stored; at grant time it is a configuration failure
// shown on the grant and never retried.
import { PropertiesValidationError } from './strategy';
import { InvalidConfigurationError } from './strategy-errors';

/** What is missing: `subject` starts the sentence ("Discord is"), `missing` names the settings. */
export interface ProviderSettings {
  subject: string;
  missing: readonly string[];
}

function notConfigured({ subject, missing }: ProviderSettings): string {
  return `${subject} not configured on this server: set ${missing.join(', ')}`;
}

/** The client a benefit's properties are checked with, or the 422 naming the missing settings. */
export function providerToValidate<T>(client: T | undefined, settings: ProviderSettings): T {
  if (client === undefined) throw new PropertiesValidationError([], notConfigured(settings));
  return client;
}

/** The client a grant is applied with, or the configuration failure naming the missing settings. */
export function providerToGrant<T>(client: T | undefined, settings: ProviderSettings): T {
  if (client === undefined) throw new InvalidConfigurationError(notConfigured(settings));
  return client;
}
