-- sessions.lua — wrk script for make bench: each request goes as one of many
-- members (the sessions bench/gendata.c made, one line "DYAD COOKIE CSRF"
-- each), to that member's own dyad, so requests spread over many dyads and
-- writes do not collide on one row.
--
--   wrk -s bench/sessions.lua URL -- SESSIONS_FILE MODE
--
-- MODE: insights (GET /api/v1/dyads/{id}/insights?window=28),
--       page     (GET /dyads/{id}/insights, the server-rendered page),
--       checkin  (PUT /api/v1/dyads/{id}/checkins/{date}: a whole check-in
--                 for today or one of the 7 days before it, durable before
--                 the answer).
local sessions = {}
local mode = "insights"
local n = 0
local dates = {}

function init(args)
  local file = args[1]
  mode = args[2] or mode
  for line in io.lines(file) do
    local dyad, cookie, csrf = line:match("^(%S+) (%S+) (%S+)$")
    if dyad then
      n = n + 1
      sessions[n] = { dyad = dyad, cookie = "dyad_session=" .. cookie, csrf = csrf }
    end
  end
  local now = os.time()
  for i = 0, 7 do
    dates[i + 1] = os.date("!%Y-%m-%d", now - i * 86400)
  end
  -- threads start at different places in the list
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 100000)
end

local i = 0
function request()
  i = i + 1
  local s = sessions[math.random(n)]
  if mode == "checkin" then
    local date = dates[math.random(#dates)]
    local body = string.format(
      '{"closeness":%d,"closeness_wanted":%d,"opened_up":%d,"understood":%d,"safety":%d,"affection":%d,"emotions":["joy"],"show_partner":["closeness"]}',
      math.random(0, 10), math.random(0, 10), math.random(0, 10), math.random(0, 10),
      math.random(0, 10), math.random(0, 10))
    return wrk.format("PUT", "/api/v1/dyads/" .. s.dyad .. "/checkins/" .. date, {
      ["Cookie"] = s.cookie,
      ["X-CSRF-Token"] = s.csrf,
      ["Content-Type"] = "application/json",
    }, body)
  elseif mode == "page" then
    return wrk.format("GET", "/dyads/" .. s.dyad .. "/insights", { ["Cookie"] = s.cookie })
  end
  return wrk.format("GET", "/api/v1/dyads/" .. s.dyad .. "/insights?window=28",
    { ["Cookie"] = s.cookie })
end

local bad = 0
function response(status, headers, body)
  if status >= 300 and bad < 3 then
    bad = bad + 1
    io.stderr:write(string.format("sessions.lua: %s answered %d: %s\n", mode, status, body:sub(1, 200)))
  end
end
