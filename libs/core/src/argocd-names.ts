/** Namespace Argo CD runs in and where its Applications, ApplicationSets and AppProjects live. */
export const ARGOCD_NAMESPACE = 'argocd';
