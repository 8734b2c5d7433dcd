/**
 * The Microsoft 365 clouds the Management Activity API runs in. Each has its own Entra authority and API root; the
 * paths under the root are the same everywhere. The token is asked for `<API root>/.default`.
 *
 * | cloud      | API root (token audience)            | Entra authority                   |
 * |------------|--------------------------------------|-----------------------------------|
 * | Commercial | https://manage.office.com            | https://login.microsoftonline.com |
 * | GCC        | https://manage-gcc.office.com        | https://login.microsoftonline.com |
 * | GCCHigh    | https://manage.office365.us          | https://login.microsoftonline.us  |
 * | DoD        | https://manage.protection.apps.mil   | https://login.microsoftonline.us  |
 */

export const CLOUDS = ['Commercial', 'GCC', 'GCCHigh', 'DoD'] as const;
export type Cloud = (typeof CLOUDS)[number];

export interface CloudEndpoints {
  loginUrl: string;
  apiUrl: string;
  /**
   * Audience of the managed identity's token that a multi-tenant app registration accepts as a federated credential
   * (the value the app's federated identity credential lists) in that cloud's Entra.
   */
  federatedTokenAudience: string;
}

const ENDPOINTS: Readonly<Record<Cloud, CloudEndpoints>> = {
  Commercial: {
    loginUrl: 'https://login.microsoftonline.com',
    apiUrl: 'https://manage.office.com',
    federatedTokenAudience: 'api://AzureADTokenExchange',
  },
  GCC: {
    loginUrl: 'https://login.microsoftonline.com',
    apiUrl: 'https://manage-gcc.office.com',
    federatedTokenAudience: 'api://AzureADTokenExchange',
  },
  GCCHigh: {
    loginUrl: 'https://login.microsoftonline.us',
    apiUrl: 'https://manage.office365.us',
    federatedTokenAudience: 'api://AzureADTokenExchangeUSGov',
  },
  DoD: {
    loginUrl: 'https://login.microsoftonline.us',
    apiUrl: 'https://manage.protection.apps.mil',
    federatedTokenAudience: 'api://AzureADTokenExchangeUSGov',
  },
};

export function cloudEndpoints(cloud: Cloud): CloudEndpoints {
  return ENDPOINTS[cloud];
}

/**
 * The cloud a setting names, or undefined. Case, spaces, hyphens and underscores are ignored, so "GCC High",
 * "gcc-high" and "GCCHigh" are the same cloud; "Enterprise" and "Public" are accepted for Commercial.
 */
export function parseCloud(value: string): Cloud | undefined {
  const key = value.toLowerCase().replace(/[\s_-]+/g, '');
  if (key === 'enterprise' || key === 'public' || key === 'worldwide') return 'Commercial';
  return CLOUDS.find((c) => c.toLowerCase() === key);
}

/** The token scope for an API root: `<root>/.default`. */
export function tokenScope(apiUrl: string): string {
  return `${apiUrl.replace(/\/+$/, '')}/.default`;
}

/** Loopback hosts, where plain http is allowed (local stand-ins and tests); everything else must be https. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}
