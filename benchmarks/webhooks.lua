-- Sends each pre-signed webhook from BODIES_FILE exactly once, split across threads.
-- A thread stops once all its webhooks were answered.
-- Lines: "<signature>\t<path>\t<body>". After its share, a thread sends cheap GETs
-- (the verification handshake) until wrk's duration ends or it stops itself.
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  nthreads = tonumber(os.getenv("WRK_THREADS"))
  verify_path = os.getenv("VERIFY_PATH")
  requests = {}
  local index = 0
  for line in io.lines(os.getenv("BODIES_FILE")) do
    if index % nthreads == id then
      local signature, path, body = line:match("^([^\t]+)\t([^\t]+)\t(.*)$")
      table.insert(requests, wrk.format("POST", path, {
        ["Content-Type"] = "application/json",
        ["X-Hub-Signature-256"] = signature,
      }, body))
    end
    index = index + 1
  end
  position = 0
  answered = 0
  extra = wrk.format("GET", verify_path)
end

function request()
  position = position + 1
  if position <= #requests then
    return requests[position]
  end
  return extra
end

function response(status, headers, body)
  if status ~= 200 then
    print("non-200 answer: " .. status)
  end
  -- Only webhook answers count (they are empty; the handshake answers "1"): stopping
  -- on filler answers would cut off webhooks still in flight.
  if body == "" then
    answered = answered + 1
    if answered >= #requests then
      wrk.thread:stop()
    end
  end
end
