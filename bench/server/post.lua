-- post.lua: every request POSTs the same body (args[1], a file) with the
-- registry's media type, e.g. re-registering an existing schema.
--   wrk ... -s post.lua http://127.0.0.1:PORT/subjects/S/versions -- BODY_FILE
function init(args)
    local f = assert(io.open(args[1], "rb"))
    wrk.body = f:read("*a")
    f:close()
    wrk.method = "POST"
    wrk.headers["Content-Type"] = "application/vnd.schemaregistry.v1+json"
end
