/**
 * Health of an ApplicationSet (argocd-cm `resource.customizations.health.argoproj.io_ApplicationSet`),
 * for the sync waves of the parent Application `platform`: Healthy only once every Application the
 * ApplicationSet generated is Synced and Healthy, so the next wave waits for real health, not a timer.
 * It replaces Argo CD's built-in check (resource_customizations/argoproj.io/ApplicationSet/health.lua,
 * the same at v3.4.4 and v3.5.1), which reads only the conditions: Healthy once ResourcesUpToDate=True.
 *
 * What the Argo CD source says, read at v3.4.4 (argo-helm 10.1.1) and v3.5.1 (argo-helm 10.3.3, the
 * pinned CRDs); the parts used here are identical in both tags:
 * - pkg/apis/application/v1alpha1/applicationset_types.go, ApplicationSetStatus: `conditions[]`
 *   (type, status "True"/"False"/"Unknown", message, reason), `resources[]` (ResourceStatus) and
 *   `resourcesCount` (int64, omitempty; added in v3.2.0 by #24698, so both versions have it).
 * - pkg/apis/application/v1alpha1/types.go, ResourceStatus: `name`, `status` (sync status, omitempty),
 *   `health` (*HealthStatus: `status`, omitempty).
 * - applicationset/status/resource_status.go, BuildResourceStatus: one entry per current Application
 *   with status = app.status.sync.status and health = { status = app.status.health.status }, so an
 *   Application not yet reconciled shows `status` absent and `health` as `{}`.
 * - applicationset/controllers/applicationset_controller.go, updateResourcesStatus: entries sorted by
 *   name, `resourcesCount` = all of them, `resources` TRUNCATED to --max-resources-status-count
 *   (ARGOCD_APPLICATIONSET_CONTROLLER_MAX_RESOURCES_STATUS_COUNT, default 5000): resourcesCount above
 *   the listed entries means some Applications are not visible, never Healthy.
 * - same file, setApplicationSetStatusCondition: ErrorOccurred=True (generation, validation,
 *   create/update/delete errors) always comes with ResourcesUpToDate=False and the same message;
 *   ResourcesUpToDate=True ("All applications have been generated successfully") comes with
 *   ErrorOccurred=False; ParametersGenerated is always written. Conditions are sorted by type.
 * - util/lua/lua.go: health Lua runs in gopher-lua (v1.1.1; v1.1.2 in v3.5.1; Lua 5.1) with `obj` a global table of the
 *   object and a 1 s timeout; the chunk returns a table { status, message }. Without
 *   `resource.customizations.useOpenLibs.argoproj.io_ApplicationSet` only the base, table, package and a
 *   safe os (time, date) libraries are loaded: no `string` library, so this script only concatenates.
 *
 * Order: ErrorOccurred=True → Degraded; ResourcesUpToDate=False → Progressing; no resources →
 * Progressing; an Application Degraded → Degraded; fewer listed than resourcesCount → Progressing;
 * an Application without sync/health status, or not Synced and Healthy → Progressing; else Healthy.
 */
export const APPLICATIONSET_HEALTH_LUA = `local hs = {}
local status = obj.status or {}
local conditions = status.conditions or {}

-- The controller reports generation and apply errors as ErrorOccurred=True.
for _, c in ipairs(conditions) do
  if c.type == "ErrorOccurred" and c.status == "True" then
    hs.status = "Degraded"
    hs.message = c.message or "ErrorOccurred"
    return hs
  end
end
-- ResourcesUpToDate=False: the Applications are being generated, or could not be.
for _, c in ipairs(conditions) do
  if c.type == "ResourcesUpToDate" and c.status == "False" then
    hs.status = "Progressing"
    hs.message = c.message or "Applications are not up to date"
    return hs
  end
end

local resources = status.resources or {}
if #resources == 0 then
  hs.status = "Progressing"
  hs.message = "Waiting for the ApplicationSet to generate its Applications"
  return hs
end

-- One pass: a Degraded Application wins; otherwise remember the first one not yet ready.
local waiting = nil
for _, app in ipairs(resources) do
  local name = app.name or "(unnamed)"
  local sync = app.status
  local health = app.health and app.health.status
  if health == "Degraded" then
    hs.status = "Degraded"
    hs.message = "Application " .. name .. " is Degraded"
    return hs
  end
  if waiting == nil then
    if sync == nil or sync == "" then
      waiting = "Application " .. name .. " has no sync status yet"
    elseif health == nil or health == "" then
      waiting = "Application " .. name .. " has no health status yet"
    elseif sync ~= "Synced" or health ~= "Healthy" then
      waiting = "Waiting for Application " .. name .. " (" .. sync .. ", " .. health .. ")"
    end
  end
end

-- The controller truncates resources[]; resourcesCount counts them all.
local count = tonumber(status.resourcesCount) or #resources
if count > #resources then
  hs.status = "Progressing"
  hs.message = #resources .. " of " .. count .. " Applications visible in the ApplicationSet status"
  return hs
end
if waiting ~= nil then
  hs.status = "Progressing"
  hs.message = waiting
  return hs
end
hs.status = "Healthy"
hs.message = "All generated Applications are Synced and Healthy (" .. #resources .. ")"
return hs
`;
