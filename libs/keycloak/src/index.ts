export {
  IAM_NAMESPACE,
  Keycloak,
  KeycloakOperator,
  patchOperatorObject,
  type KeycloakDatabase,
  type KeycloakProps,
  type KeycloakRealmEndpoints,
} from './keycloak';
export { API_CLIENT_ID, API_ROLES, AUDIENCE_MAPPER, CLIENT_ROLES_MAPPER, CLIENT_SECRET_PLACEHOLDER, apiRealm } from './realm';
export * from './versions';
