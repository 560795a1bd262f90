/**
 * Health of an ApplicationSet for the bootstrap Application's sync waves: Healthy only once every
 * Application it generated is Synced and Healthy, so the ApplicationSet of the next wave waits for
 * real health, not a timer. Overrides Argo CD's built-in check (Healthy once Applications exist).
 * Reads `status.resources[]` (name, status, health.status) that the ApplicationSet controller keeps.
 */
export const APPLICATIONSET_HEALTH_LUA = `hs = {}
if obj.status ~= nil and obj.status.conditions ~= nil then
  for _, condition in ipairs(obj.status.conditions) do
    if condition.type == "ErrorOccurred" and condition.status == "True" then
      hs.status = "Degraded"
      hs.message = condition.message
      return hs
    end
  end
end
if obj.status == nil or obj.status.resources == nil or #obj.status.resources == 0 then
  hs.status = "Progressing"
  hs.message = "Waiting for the ApplicationSet to generate its Applications"
  return hs
end
for _, app in ipairs(obj.status.resources) do
  local health = "Unknown"
  if app.health ~= nil and app.health.status ~= nil then
    health = app.health.status
  end
  if health == "Degraded" then
    hs.status = "Degraded"
    hs.message = "Application " .. app.name .. " is Degraded"
    return hs
  end
  if health ~= "Healthy" or app.status ~= "Synced" then
    hs.status = "Progressing"
    hs.message = "Waiting for Application " .. app.name .. " (" .. tostring(app.status) .. ", " .. health .. ")"
    return hs
  end
end
hs.status = "Healthy"
hs.message = "Every generated Application is Synced and Healthy"
return hs
`;
