-- wrk: the same POST as predict.lua, but each connection waits PACE_MS (default 2) before
-- each request, so the offered load is fixed (64 connections every 2 ms: at most 32k req/s)
-- and latency is measured below saturation. Run from the repository root.
dofile("bench/serve/predict.lua")
local pace = tonumber(os.getenv("PACE_MS") or "2")
function delay()
    return pace
end
