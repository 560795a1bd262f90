/**
 * The API realm as Keycloak's realm representation (what the KeycloakRealmImport carries): one
 * confidential client for the PostgREST API with its client roles, the mapper that puts those roles
 * where PostgREST's role claim key reads them, and the audience mapper the API checks. No users and
 * no secret: the client secret is a placeholder the import Job fills from a Secret.
 */

/** The API's client, its audience, and the client roles PostgREST maps to database roles. */
export const API_CLIENT_ID = 'postgrest_api';
export const API_ROLES = ['inventory_user', 'web_user'] as const;

/** The environment variable the realm-import Job gets from the client-secret Secret (`${...}` in the realm). */
export const CLIENT_SECRET_PLACEHOLDER = 'POSTGREST_API_CLIENT_SECRET';

export interface ApiRealmOptions {
  /** Realm name, e.g. `platform`. */
  readonly realm: string;
  /** Public host of the API (`api.<domain>`): the client's redirect URIs. */
  readonly apiHost: string;
}

/** Client roles in the access token at `resource_access.postgrest_api.roles` (Keycloak's client-role mapper). */
export const CLIENT_ROLES_MAPPER = {
  name: 'postgrest_api client roles',
  protocol: 'openid-connect',
  protocolMapper: 'oidc-usermodel-client-role-mapper',
  consentRequired: false,
  config: {
    'usermodel.clientRoleMapping.clientId': API_CLIENT_ID,
    // Keycloak substitutes ${client_id} itself (the same claim as its built-in `roles` scope).
    'claim.name': 'resource_access.${client_id}.roles',
    multivalued: 'true',
    'jsonType.label': 'String',
    'access.token.claim': 'true',
    'id.token.claim': 'false',
    'userinfo.token.claim': 'false',
    'introspection.token.claim': 'true',
  },
} as const;

/** The API's audience in the access token (`aud: postgrest_api`), which PostgREST and the gateway check. */
export const AUDIENCE_MAPPER = {
  name: 'postgrest_api audience',
  protocol: 'openid-connect',
  protocolMapper: 'oidc-audience-mapper',
  consentRequired: false,
  config: {
    'included.client.audience': API_CLIENT_ID,
    'access.token.claim': 'true',
    'id.token.claim': 'false',
    'introspection.token.claim': 'true',
  },
} as const;

/** The realm representation (JSON as Keycloak reads it). */
export function apiRealm(options: ApiRealmOptions): Record<string, unknown> {
  return {
    realm: options.realm,
    enabled: true,
    // TLS ends at the gateway; inside the cluster Keycloak speaks HTTP behind X-Forwarded-Proto.
    sslRequired: 'external',
    registrationAllowed: false,
    clients: [
      {
        clientId: API_CLIENT_ID,
        name: 'PostgREST API',
        enabled: true,
        protocol: 'openid-connect',
        publicClient: false,
        clientAuthenticatorType: 'client-secret',
        secret: `\${${CLIENT_SECRET_PLACEHOLDER}}`,
        // Authorization code only: no password grant (dropped by OAuth 2.1), no implicit flow.
        standardFlowEnabled: true,
        implicitFlowEnabled: false,
        directAccessGrantsEnabled: false,
        serviceAccountsEnabled: false,
        redirectUris: [`https://${options.apiHost}/*`],
        webOrigins: ['+'],
        fullScopeAllowed: false,
        protocolMappers: [CLIENT_ROLES_MAPPER, AUDIENCE_MAPPER],
      },
    ],
    roles: {
      client: {
        [API_CLIENT_ID]: [
          { name: 'inventory_user', description: 'Reads and changes its own products through the API (PostgreSQL role inventory_user)' },
          { name: 'web_user', description: 'Signed-in web user of the API' },
        ],
      },
    },
  };
}
