-- new_schemas.lua: every request registers a schema nobody registered before,
-- under a subject of its own. args[1] is a request body (from client.py
-- prepare) whose namespace is @NS@; args[2] tags the run, so that two runs
-- against one database do not collide.
--   wrk ... -s new_schemas.lua http://127.0.0.1:PORT -- TEMPLATE_FILE TAG
local threads = 0

function setup(thread)
    threads = threads + 1
    thread:set("tid", threads)
end

local template, tag
local counter = 0
local headers = {["Content-Type"] = "application/vnd.schemaregistry.v1+json"}

function init(args)
    local f = assert(io.open(args[1], "rb"))
    template = f:read("*a")
    f:close()
    tag = args[2] or "r"
    assert(template:find("@NS@", 1, true), "the template has no @NS@")
end

function request()
    counter = counter + 1
    local name = string.format("%s.t%d.n%d", tag, tid, counter)
    local s, e = template:find("@NS@", 1, true)
    local body = template:sub(1, s - 1) .. "com.bench.new." .. name .. template:sub(e + 1)
    return wrk.format("POST", "/subjects/bench-new-" .. name .. "-value/versions", headers, body)
end
